""" "Send me my link again": one form, one service and one view for the resume links of drafts
and the report links of funded projects, used by the HTML pages and the JSON API alike.

The answer never says whether the address is known: the same page (or 202) either way, and the
e-mails go through the task outbox after the response.
"""

from __future__ import annotations

import uuid
from enum import Enum

from django import forms
from django.template.response import TemplateResponse
from django.utils.translation import gettext_lazy

from .. import conf, tasks
from ..core import ratelimit
from ..models import Application, ApplicationStatus, EnteredBy, ReportStatus
from .access import revoke_links


class LinkKind(str, Enum):
    RESUME = "resume"  # a draft's resume link (needs the call)
    REPORT = "report"  # the end-of-project report link (any call of the install)


TEMPLATES = {
    LinkKind.RESUME: "aap_wagtail/wizard/resume_link_request.html",
    LinkKind.REPORT: "aap_wagtail/reports/link_request.html",
}


class LinkRequestForm(forms.Form):
    email = forms.EmailField(label=gettext_lazy("The e-mail address you gave in your dossier"))


def send_resume_link(request, application: Application) -> None:
    """E-mail a resume link to the draft's address, after the commit, through the outbox. The
    job is given ids only: it builds the link when it runs."""
    # One key per link asked for: a retried job sends this link once, a new request a new one.
    # The job gets the address the applicant used (not a secret), so the link leads back there.
    base_url = request.build_absolute_uri("/") if request is not None else ""
    tasks.notify(tasks.Message.RESUME_LINK, application.pk, uuid.uuid4().hex, base_url)


def send_resume_links(request, call, email: str) -> int:
    """A fresh link for each draft of ``email`` in ``call``. Paper dossiers are the staff's to
    fill in: no link to them by e-mail."""
    drafts = (
        Application.objects.filter(
            call=call, email__iexact=email.strip(), status=ApplicationStatus.DRAFT
        )
        .exclude(entered_by=EnteredBy.STAFF)
        .select_related("call")
    )
    sent = 0
    for application in drafts:
        # The new link replaces the old ones: a link forwarded or left in a shared inbox, and a
        # browser that opened it, stop working.
        revoke_links(application)
        send_resume_link(request, application)
        sent += 1
    return sent


def send_report_links(email: str) -> int:
    """The report link again, to each dossier of ``email`` whose report is due (with the
    moderator's message when changes were asked)."""
    due = Application.objects.filter(
        email__iexact=email.strip(), status=ApplicationStatus.REPORT_DUE
    ).select_related("report")
    sent = 0
    for application in due:
        report = getattr(application, "report", None)
        message = ""
        if report is not None and report.status == ReportStatus.CHANGES_REQUESTED:
            message = report.moderation_message
        revoke_links(application)  # as for a resume link: the new link replaces the old ones
        tasks.notify(tasks.Message.REPORT_REQUEST, application.pk, message)
        sent += 1
    return sent


def request_links(request, kind: LinkKind, email: str, *, call=None) -> str | None:
    """The one service behind every "send me my link": the rate limit, then the links. Returns
    the refusal (too many requests) or None; never whether ``email`` is known."""
    refusal = ratelimit.check(request, "link_request")
    if refusal:
        return refusal
    if kind is LinkKind.RESUME:
        send_resume_links(request, call, email)
    else:
        send_report_links(email)
    return None


def link_request(request, kind: LinkKind, call=None):
    """The HTML page: the form, then the same "if it is known, it is on its way" either way."""
    form = LinkRequestForm(request.POST or None)
    sent = False
    if request.method == "POST" and form.is_valid():
        refusal = request_links(request, kind, form.cleaned_data["email"], call=call)
        if refusal:
            form.add_error("email", refusal)
        else:
            sent = True
    context = {"form": form, "sent": sent, "aap_base_template": conf.get("BASE_TEMPLATE")}
    if call is not None:
        context["page"] = call
    return TemplateResponse(request, TEMPLATES[kind], context)
