"""After the decision: the grant agreement (its text, PDF, signing link and e-mails) and what
the applicant and the staff see of the payments. The state changes are ``workflow.funding``'s.
"""
