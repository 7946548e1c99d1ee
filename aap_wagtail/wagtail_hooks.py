"""Wagtail hooks: audit-log actions here; each admin feature registers its own in ``admin/``."""

from django.utils.translation import gettext_lazy as _
from wagtail import hooks

from . import workflow
from .admin import register_all
from .applications import drafts

register_all()


@hooks.register("register_log_actions")
def register_application_actions(actions):
    for action, label, message in [
        (workflow.SUBMIT_ACTION, _("Submit dossier"), _("Dossier submitted")),
        (workflow.WITHDRAW_ACTION, _("Withdraw dossier"), _("Dossier withdrawn")),
        (workflow.ELIGIBLE_ACTION, _("Mark eligible"), _("Dossier found eligible")),
        (workflow.INELIGIBLE_ACTION, _("Mark not eligible"), _("Dossier found not eligible")),
        (workflow.REVIEW_ACTION, _("Send to the jury"), _("Dossier sent to the jury")),
        (workflow.DECIDE_ACTION, _("Decide"), _("Decision recorded")),
        (workflow.ENVELOPE_OVERRIDE_ACTION, _("Exceed the envelope"), _("Envelope exceeded")),
        (workflow.REPORT_DUE_ACTION, _("Report due"), _("Report requested")),
        (workflow.REPORT_RECEIVED_ACTION, _("Report received"), _("Report received")),
        (workflow.ARCHIVE_ACTION, _("Archive"), _("Dossier archived")),
        (workflow.ASSIGN_ACTION, _("Assign jury member"), _("Jury member assigned")),
        (workflow.CONFLICT_ACTION, _("Declare a conflict"), _("Conflict of interest declared")),
        (workflow.SUBMIT_REVIEW_ACTION, _("Submit review"), _("Review submitted")),
        (workflow.UNLOCK_REVIEW_ACTION, _("Unlock review"), _("Review unlocked")),
        (workflow.RESULTS_ACTION, _("Send results"), _("Results sent")),
        (workflow.REPORT_SUBMIT_ACTION, _("Send the report"), _("Report received")),
        (workflow.REPORT_CHANGES_ACTION, _("Ask for changes"), _("Changes asked on the report")),
        (workflow.REPORT_PUBLISH_ACTION, _("Publish the report"), _("Report published")),
        (drafts.PAPER_ACTION, _("Enter a paper dossier"), _("Paper dossier received by post")),
        (workflow.AGREEMENT_PREPARE_ACTION, _("Prepare the agreement"), _("Agreement prepared")),
        (workflow.AGREEMENT_SEND_ACTION, _("Send the agreement"), _("Agreement sent")),
        (workflow.AGREEMENT_SIGN_ACTION, _("Sign the agreement"), _("Agreement signed")),
        (workflow.AGREEMENT_AMEND_ACTION, _("Amend the agreement"), _("Agreement amended")),
        (workflow.AGREEMENT_SHARES_ACTION, _("Split between funders"), _("Funders' shares")),
        (workflow.PAYMENT_ACTION, _("Record a payment"), _("Payment recorded")),
        (workflow.PAYMENT_CANCEL_ACTION, _("Cancel a payment"), _("Payment cancelled")),
        (
            workflow.FINANCIAL_REQUEST_ACTION,
            _("Ask for the financial report"),
            _("Financial report requested"),
        ),
        (
            workflow.FINANCIAL_SUBMIT_ACTION,
            _("Send the financial report"),
            _("Financial report sent"),
        ),
        (
            workflow.FINANCIAL_CHANGES_ACTION,
            _("Ask for changes to the financial report"),
            _("Changes to the financial report requested"),
        ),
        (
            workflow.FINANCIAL_APPROVE_ACTION,
            _("Approve the financial report"),
            _("Financial report approved"),
        ),
        (workflow.LOAN_ACTION, _("Lend equipment"), _("Equipment lent")),
        (workflow.LOAN_RETURN_ACTION, _("Record a return"), _("Equipment returned")),
        (workflow.MESSAGE_ACTION, _("Write a message"), _("Message sent")),
        (workflow.NOTE_ACTION, _("Write an internal note"), _("Internal note written")),
        (workflow.SHARE_ACTION, _("Share with the jury"), _("Message shared with the jury")),
        (workflow.COACHING_ACTION, _("Record coaching hours"), _("Coaching hours recorded")),
        (
            workflow.NOT_CARRIED_OUT_ACTION,
            _("Project not carried out"),
            _("Project not carried out: payments cancelled"),
        ),
    ]:
        actions.register_action(action, label, message)


@hooks.register("register_log_actions")
def register_retention_actions(actions):
    from .privacy import retention

    actions.register_action(
        retention.PURGE_ACTION, _("Delete personal data"), _("Personal data and files deleted")
    )
    actions.register_action(
        retention.BANK_DETAILS_ACTION, _("Delete bank details"), _("Bank details deleted")
    )
