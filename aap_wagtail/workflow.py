"""The states of an application and the only functions that move it between them.

Each transition: a guard (from which state, is it allowed now), the change under a row lock,
an entry in Wagtail's audit log, and the side effects as tasks run after the commit.
"""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from wagtail.log_actions import log

from . import rules, tasks
from .models import Application, ApplicationStatus, ReferenceCounter

SUBMIT_ACTION = "aap_wagtail.submit"
WITHDRAW_ACTION = "aap_wagtail.withdraw"

#: States from which an applicant may withdraw (before the review starts).
WITHDRAWABLE = {ApplicationStatus.DRAFT, ApplicationStatus.SUBMITTED}


class TransitionRefused(Exception):
    """The transition is not allowed now; ``str(exc)`` is the message for the user."""


def _locked(application: Application) -> Application:
    return Application.objects.select_for_update().select_related("call").get(pk=application.pk)


def _next_number(call) -> int:
    ReferenceCounter.objects.get_or_create(call=call)
    counter = ReferenceCounter.objects.select_for_update().get(call=call)
    counter.last_number += 1
    counter.save(update_fields=["last_number"])
    return counter.last_number


def _log(application: Application, action: str, user, old: str, reason: str = "") -> None:
    log(
        instance=application,
        action=action,
        user=user if getattr(user, "is_authenticated", False) else None,
        data={"from": old, "to": application.status, "reason": reason},
    )


def submit_application(application: Application, *, user=None, now=None) -> Application:
    """Submit a draft: reference, status, log; then the receipt and the managers' notice.

    Submitting an application that is already submitted returns it unchanged, so a double
    click or a replayed request gives the same dossier and a single e-mail.
    """
    with transaction.atomic():
        application = _locked(application)
        if application.status != ApplicationStatus.DRAFT:
            if application.status == ApplicationStatus.WITHDRAWN:
                raise TransitionRefused(_("This dossier was withdrawn: it cannot be submitted."))
            return application
        refusal = rules.can_submit(application.call, now)
        if refusal:
            raise TransitionRefused(refusal)
        old = application.status
        application.number = _next_number(application.call)
        application.reference = rules.format_reference(application.call, application.number)
        application.status = ApplicationStatus.SUBMITTED
        application.submitted_at = now or timezone.now()
        application.save(
            update_fields=["number", "reference", "status", "submitted_at", "updated_at"]
        )
        _log(application, SUBMIT_ACTION, user, old)
        tasks.enqueue_on_commit(tasks.send_submission_receipt, application.pk)
        tasks.enqueue_on_commit(tasks.notify_managers_of_submission, application.pk)
    return application


def withdraw_application(application: Application, *, user=None, reason: str = "") -> Application:
    with transaction.atomic():
        application = _locked(application)
        if application.status == ApplicationStatus.WITHDRAWN:
            return application
        if application.status not in WITHDRAWABLE:
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
        _log(application, WITHDRAW_ACTION, user, old, reason)
    return application
