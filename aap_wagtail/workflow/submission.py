"""Submitting and withdrawing a dossier.

``submit_application`` holds every guard a submission needs, whoever calls it (the wizard, the
API, a test): the calendar (or a paper dossier's reception date, for staff), the returning
organisation's missing report, and the call's page limit.
"""

from __future__ import annotations

from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from .. import permissions, rules, tasks
from ..models import Application, ApplicationStatus, ReferenceCounter, steps
from .base import TransitionRefused, locked, log_transition

S = ApplicationStatus

SUBMIT_ACTION = "aap_wagtail.submit"
WITHDRAW_ACTION = "aap_wagtail.withdraw"


def _next_number(call) -> int:
    ReferenceCounter.objects.get_or_create(call=call)
    counter = ReferenceCounter.objects.select_for_update().get(call=call)
    counter.last_number += 1
    counter.save(update_fields=["last_number"])
    return counter.last_number


def _unique_reference(application: Application) -> str:
    """``PREFIX-017``; if another call of the install already holds that reference (a call
    copied in Wagtail keeps its prefix until an editor changes it), the call's id is added:
    ``PREFIX-12-017``. References are unique (a database constraint)."""
    reference = rules.format_reference(application.call, application.number)
    if Application.objects.filter(reference=reference).exclude(pk=application.pk).exists():
        reference = (
            f"{rules.reference_prefix(application.call)}-{application.call_id}"
            f"-{application.number:03d}"
        )
    return reference


def dossier_text_length(application: Application) -> int:
    """Characters of the long answers of the whole dossier (for the page estimate)."""
    total = sum(
        rules.text_length(str(application.answers.get(step, {}).get(name) or ""))
        for step, names in steps.LONG_TEXT_FIELDS.items()
        for name in names
    )
    return total + sum(
        rules.text_length(str(extra.get("answer") or ""))
        for extra in application.extra_answers
        if extra.get("kind") == "long_text"
    )


def page_limit_problem(application: Application) -> str | None:
    """The call's page limit, over the long answers and the PDF pages that count towards it
    (the files as loaded on ``application``: prefetch them to list them once)."""
    pdf_pages = sum(
        a.page_count or 0
        for a in application.attachments.all()
        if a.document is not None and a.document.counts_towards_page_limit
    )
    return rules.check_page_limit(application.call, dossier_text_length(application), pdf_pages)


def report_owed_message(owed: str = "report") -> str:
    """What an applicant reads when an earlier project's report (``owed``: "report", or
    "financial" for the financial report) is missing. It names no call: anyone can type an
    organisation's SIRET, and its funding is not theirs to learn."""
    if owed == "financial":
        return _(
            "A financial report is expected from your organisation for a project funded "
            "earlier, and its due date has passed: it must be sent before a new dossier can be "
            "sent. Its link was sent to the e-mail address of that earlier dossier; the call's "
            "staff can send it again."
        )
    return _(
        "An end-of-project report is expected from your organisation for a project funded "
        "earlier: it must be received before a new dossier can be sent. Ask for the link to the "
        "report form on %(url)s: it goes to the e-mail address of that earlier dossier."
    ) % {"url": reverse("aap_wagtail:report_link_request")}


def submit_application(
    application: Application, *, user=None, now=None, submission_key: str = ""
) -> Application:
    """Submit a draft: reference, status, log; then the receipt and the managers' notice.

    Submitting an application that is already submitted returns it unchanged, so a double
    click or a replayed request gives the same dossier and a single e-mail. ``submission_key``
    (the API's Idempotency-Key) is kept with the submission, so a retry can be told apart
    from another request.
    """
    with transaction.atomic():
        application = locked(application)
        if application.status != ApplicationStatus.DRAFT:
            if application.status == ApplicationStatus.WITHDRAWN:
                raise TransitionRefused(_("This dossier was withdrawn: it cannot be submitted."))
            return application
        # The reception date of a paper dossier replaces the clock, for the call's staff only.
        paper_date = application.received_by_post_on
        if paper_date is not None and not permissions.can_manage_application(user, application)[0]:
            paper_date = None
        refusal = rules.can_submit(application.call, now, received_by_post_on=paper_date)
        if refusal is None:  # the Brest rule, also at the last step
            _previous, owed = Application.objects.owing(
                application.call, application.email, siret=application.siret, rna=application.rna
            )
            refusal = report_owed_message(owed) if owed else None
        if refusal is None:
            refusal = page_limit_problem(application)
        if refusal:
            raise TransitionRefused(refusal)
        old = application.status
        application.number = _next_number(application.call)
        application.reference = _unique_reference(application)
        application.status = ApplicationStatus.SUBMITTED
        application.submitted_at = now or timezone.now()
        application.submission_key = submission_key
        application.save(
            update_fields=[
                "number",
                "reference",
                "status",
                "submitted_at",
                "submission_key",
                "updated_at",
            ]
        )
        log_transition(application, SUBMIT_ACTION, user, old)
        tasks.notify(tasks.Message.SUBMISSION_RECEIPT, application.pk)
        tasks.notify(tasks.Message.SUBMISSION_NOTICE, application.pk)
    return application


def withdraw_application(application: Application, *, user=None, reason: str = "") -> Application:
    with transaction.atomic():
        application = locked(application)
        if application.status == ApplicationStatus.WITHDRAWN:
            return application
        if application.status not in S.WITHDRAWABLE:
            raise TransitionRefused(
                _(
                    "The review has started: this dossier can no longer be withdrawn. "
                    "Contact the call's team."
                )
            )
        old = application.status
        application.status = ApplicationStatus.WITHDRAWN
        application.withdrawn_at = timezone.now()
        application.save(update_fields=["status", "withdrawn_at", "updated_at"])
        log_transition(application, WITHDRAW_ACTION, user, old, reason)
    return application
