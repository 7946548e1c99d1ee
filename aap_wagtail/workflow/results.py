"""Sending the results: each decided dossier's applicant is told, once."""

from __future__ import annotations

from django.utils.translation import gettext as _
from wagtail.log_actions import log

from .. import permissions, tasks
from ..models import Application, ApplicationStatus, CallPage
from .base import TransitionRefused, actor

S = ApplicationStatus

RESULTS_ACTION = "aap_wagtail.results_sent"


def send_results(call: CallPage, *, user) -> int:
    """Queue the results e-mail of every decided dossier not yet told; returns how many.

    The task itself claims each dossier under a row lock, so a second click, a retried job or
    two workers never send the same e-mail twice.
    """
    if not permissions.can_manage_call(user, call)[0]:
        raise TransitionRefused(_("Only the call's managers can do this."))
    pending = list(
        Application.objects.filter(
            call=call, status__in=S.RESULTS, results_sent_at__isnull=True
        ).values_list("pk", flat=True)
    )
    for pk in pending:
        tasks.notify(tasks.Message.RESULT, pk)
    log(instance=call, action=RESULTS_ACTION, user=actor(user), data={"count": len(pending)})
    return len(pending)
