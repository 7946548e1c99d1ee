"""The states of an application and the only functions that move it between them.

Each transition: a guard (who may, from which state), the change under a row lock, an entry in
Wagtail's audit log (who, from → to, reason) and its side effects as tasks run after the commit
(``tasks.notify``). The admin, the wizard and the API call these functions; nothing else writes
``status``. One module per stage:

    submission    draft → submitted; withdrawn from draft or submitted
    eligibility   submitted → eligible | ineligible
    jury          eligible → in review; jury assignments, conflicts, scores
    deliberation  in review → selected | not selected | waitlisted, within the envelope
    results       the applicants are told the decision (once)
    reports       selected → report due → report received → archived; the report's moderation
    funding       the grant agreement (to prepare → sent → signed → amended) and the payments

``base`` holds what they share (the staff transitions, the refusal, the lock, the log entry).
Everything public is importable from ``aap_wagtail.workflow`` itself.
"""

from .base import (
    ARCHIVE_ACTION,
    DECIDE_ACTION,
    ELIGIBLE_ACTION,
    INELIGIBLE_ACTION,
    REPORT_DUE_ACTION,
    REPORT_RECEIVED_ACTION,
    REVIEW_ACTION,
    STAFF_TRANSITIONS,
    TRANSITIONS_BY_NAME,
    Transition,
    TransitionRefused,
    available_transitions,
)
from .deliberation import ENVELOPE_OVERRIDE_ACTION, awarded_total, decide, make_public_slug
from .eligibility import mark_eligible, mark_ineligible
from .funding import (
    AGREEMENT_AMEND_ACTION,
    AGREEMENT_PREPARE_ACTION,
    AGREEMENT_SEND_ACTION,
    AGREEMENT_SHARES_ACTION,
    AGREEMENT_SIGN_ACTION,
    NOT_CARRIED_OUT_ACTION,
    PAYMENT_ACTION,
    PAYMENT_CANCEL_ACTION,
    amend_agreement,
    cancel_payment,
    paid_total,
    payment_locked_reason,
    prepare_agreement,
    project_not_carried_out,
    record_paper_signature,
    record_payment,
    send_agreement,
    sign_agreement,
    split_award,
)
from .jury import (
    ASSIGN_ACTION,
    CONFLICT_ACTION,
    SUBMIT_REVIEW_ACTION,
    UNASSIGN_ACTION,
    UNLOCK_REVIEW_ACTION,
    ReviewInvalid,
    assign_jury,
    declare_conflict,
    remove_assignment,
    save_review,
    start_review,
    start_review_for_call,
    unlock_review,
)
from .reports import (
    REPORT_CHANGES_ACTION,
    REPORT_PUBLISH_ACTION,
    REPORT_SUBMIT_ACTION,
    archive,
    mark_report_due,
    mark_report_received,
    publish_report,
    request_report_changes,
    save_report,
)
from .results import RESULTS_ACTION, send_results
from .submission import (
    SUBMIT_ACTION,
    WITHDRAW_ACTION,
    dossier_text_length,
    page_limit_problem,
    report_owed_message,
    submit_application,
    withdraw_application,
)

__all__ = [
    "AGREEMENT_AMEND_ACTION",
    "AGREEMENT_PREPARE_ACTION",
    "AGREEMENT_SEND_ACTION",
    "AGREEMENT_SHARES_ACTION",
    "AGREEMENT_SIGN_ACTION",
    "NOT_CARRIED_OUT_ACTION",
    "PAYMENT_ACTION",
    "PAYMENT_CANCEL_ACTION",
    "amend_agreement",
    "cancel_payment",
    "paid_total",
    "payment_locked_reason",
    "prepare_agreement",
    "project_not_carried_out",
    "record_paper_signature",
    "record_payment",
    "send_agreement",
    "sign_agreement",
    "split_award",
    "ARCHIVE_ACTION",
    "ASSIGN_ACTION",
    "CONFLICT_ACTION",
    "DECIDE_ACTION",
    "ELIGIBLE_ACTION",
    "ENVELOPE_OVERRIDE_ACTION",
    "INELIGIBLE_ACTION",
    "REPORT_CHANGES_ACTION",
    "REPORT_DUE_ACTION",
    "REPORT_PUBLISH_ACTION",
    "REPORT_RECEIVED_ACTION",
    "REPORT_SUBMIT_ACTION",
    "RESULTS_ACTION",
    "REVIEW_ACTION",
    "STAFF_TRANSITIONS",
    "SUBMIT_ACTION",
    "SUBMIT_REVIEW_ACTION",
    "TRANSITIONS_BY_NAME",
    "UNASSIGN_ACTION",
    "UNLOCK_REVIEW_ACTION",
    "WITHDRAW_ACTION",
    "ReviewInvalid",
    "Transition",
    "TransitionRefused",
    "archive",
    "assign_jury",
    "available_transitions",
    "awarded_total",
    "decide",
    "declare_conflict",
    "dossier_text_length",
    "make_public_slug",
    "mark_eligible",
    "mark_ineligible",
    "mark_report_due",
    "mark_report_received",
    "page_limit_problem",
    "publish_report",
    "remove_assignment",
    "report_owed_message",
    "request_report_changes",
    "save_report",
    "save_review",
    "send_results",
    "start_review",
    "start_review_for_call",
    "submit_application",
    "unlock_review",
    "withdraw_application",
]
