"""Drafts of a dossier: who may continue which draft, and saving what a step received.

No account is needed: a browser session holds the drafts it created or opened from a resume
link; a signed, expiring link sent by e-mail opens a draft in another browser. Status changes
are not made here (see ``workflow``).
"""

from __future__ import annotations

import uuid
from typing import Any

from django.core import signing
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.translation import gettext as _

from . import conf, rules, tasks
from .models import Application, ApplicationStatus, EnteredBy

SESSION_KEY = "aap_wagtail_applications"
CURRENT_KEY = "aap_wagtail_current"
RESUME_SALT = "aap_wagtail.resume"
FUNDED_STATUSES = [
    ApplicationStatus.SELECTED,
    ApplicationStatus.REPORT_DUE,
    ApplicationStatus.REPORT_RECEIVED,
]


# --- who may continue a draft ----------------------------------------------------------------


def remember(request, application: Application) -> None:
    """Let this browser session open ``application`` (after creating it or from a link), and
    make it the dossier this browser works on for its call."""
    key = application.uuid.hex
    known = [k for k in request.session.get(SESSION_KEY, []) if k != key]
    request.session[SESSION_KEY] = [*known, key][-20:]
    current = dict(request.session.get(CURRENT_KEY, {}))
    current[str(application.call_id)] = key
    request.session[CURRENT_KEY] = current


def current_application(request, call) -> Application | None:
    """The dossier this browser works on for ``call`` (the last one created or opened)."""
    key = request.session.get(CURRENT_KEY, {}).get(str(call.pk))
    if key and key in request.session.get(SESSION_KEY, []):
        return Application.objects.filter(call=call, uuid=key).first()
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated and CURRENT_KEY not in request.session:
        # A signed-in applicant on another device continues their latest draft.
        draft = (
            Application.objects.filter(call=call, user=user, status=ApplicationStatus.DRAFT)
            .order_by("-updated_at")
            .first()
        )
        if draft is not None:
            remember(request, draft)
        return draft
    return None


def start_another(request, call) -> None:
    """The next visit to the wizard starts a new dossier (e.g. a mediator helping several
    organisations); the earlier ones stay reachable from this browser."""
    current = dict(request.session.get(CURRENT_KEY, {}))
    current.pop(str(call.pk), None)
    request.session[CURRENT_KEY] = current


def session_applications(request):
    return Application.objects.filter(uuid__in=request.session.get(SESSION_KEY, []))


def can_open(request, application: Application) -> tuple[bool, str]:
    """(allowed, reason): the applicant's own browser session, or their account."""
    if application.uuid.hex in request.session.get(SESSION_KEY, []):
        return True, "session"
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated and application.user_id == user.pk:
        return True, "account"
    return False, "not yours"


def make_resume_token(application: Application) -> str:
    """The secret of a resume link, also the applicant's bearer token in the JSON API."""
    payload = {"a": application.uuid.hex}
    if application.access_generation:
        payload["g"] = application.access_generation
    return signing.dumps(payload, salt=RESUME_SALT, compress=True)


def _read_token(token: str, *, salt: str, key: str, max_age: int) -> Application | None:
    try:
        payload = signing.loads(token, salt=salt, max_age=max_age)
    except signing.BadSignature:  # includes SignatureExpired
        return None
    if not isinstance(payload, dict) or not isinstance(payload.get(key), str):
        return None
    application = Application.objects.select_related("call").filter(uuid=payload[key]).first()
    if application is None or payload.get("g", 0) != application.access_generation:
        return None  # revoked: issued before the last revocation
    return application


def read_resume_token(token: str) -> Application | None:
    """The application a resume link opens, or None if the link is forged, expired or revoked."""
    max_age = conf.get("RESUME_LINK_MAX_AGE_DAYS") * 24 * 3600
    return _read_token(token, salt=RESUME_SALT, key="a", max_age=max_age)


def revoke_links(application: Application) -> None:
    """Every resume link, report link and API token issued so far stops working."""
    from django.db.models import F

    Application.objects.filter(pk=application.pk).update(
        access_generation=F("access_generation") + 1
    )
    application.refresh_from_db(fields=["access_generation"])


REPORT_SALT = "aap_wagtail.report"
#: A report link is valid for a year: projects last months, and the link may be asked again.
REPORT_LINK_MAX_AGE = 366 * 24 * 3600


def make_report_token(application: Application) -> str:
    payload = {"r": application.uuid.hex}
    if application.access_generation:
        payload["g"] = application.access_generation
    return signing.dumps(payload, salt=REPORT_SALT, compress=True)


def read_report_token(token: str) -> Application | None:
    """The dossier a report link opens, or None if the link is forged, expired or revoked."""
    return _read_token(token, salt=REPORT_SALT, key="r", max_age=REPORT_LINK_MAX_AGE)


def report_url(request, application: Application) -> str:
    path = reverse("aap_wagtail:report", kwargs={"token": make_report_token(application)})
    if request is not None:
        return request.build_absolute_uri(path)
    site = application.call.get_site()
    return f"{site.root_url}{path}" if site else path


def resume_url(request, application: Application) -> str:
    path = reverse("aap_wagtail:resume", kwargs={"token": make_resume_token(application)})
    if request is not None:
        return request.build_absolute_uri(path)
    site = application.call.get_site()  # from a background task: the call's own site
    return f"{site.root_url}{path}" if site else path


def send_resume_link(request, application: Application) -> None:
    context = {
        "application": application,
        "call": application.call,
        "link": resume_url(request, application),
        "days": conf.get("RESUME_LINK_MAX_AGE_DAYS"),
    }
    tasks.enqueue_on_commit(
        tasks.send_email,
        [application.email],
        _("Your dossier for “%(call)s”: the link to come back to it")
        % {"call": application.call.title},
        render_to_string("aap_wagtail/emails/resume_link.txt", context),
        from_email=tasks.sender_for(application.call),
        # One key per link sent: a retried job sends this link once, a new request a new one.
        idempotency_key=f"resume-link:{application.pk}:{uuid.uuid4().hex}",
    )


def send_links_for_email(request, call, email: str) -> None:
    """Send a fresh link for each draft of ``email`` in ``call`` — and say nothing either way."""
    drafts = (
        Application.objects.filter(
            call=call, email__iexact=email.strip(), status=ApplicationStatus.DRAFT
        )
        # A paper dossier is the staff's to fill in: no link to it by e-mail.
        .exclude(entered_by=EnteredBy.STAFF)
        .select_related("call")
    )
    for application in drafts:
        send_resume_link(request, application)


# --- saving a step ----------------------------------------------------------------------------


def find_previous_funding(call, identifier: str, email: str) -> Application | None:
    """An application funded in another call (an earlier edition) for this organisation."""
    if not identifier and not email:
        return None
    from django.db.models import Q

    match = Q()
    if identifier:
        match |= Q(identifier=identifier)
    if email:
        match |= Q(email__iexact=email)
    return (
        Application.objects.filter(match, status__in=FUNDED_STATUSES)
        .exclude(call=call)
        .order_by("-submitted_at")
        .first()
    )


def report_owed(call, identifier: str, email: str) -> Application | None:
    """An earlier funded dossier of this organisation (any other call) still owing its
    end-of-project report (``rules.report_missing``), or None."""
    if not identifier and not email:
        return None
    from django.db.models import Q

    match = Q()
    if identifier:
        match |= Q(identifier=identifier)
    if email:
        match |= Q(email__iexact=email)
    return (
        Application.objects.filter(match, status__in=rules.REPORT_PENDING_STATES)
        .exclude(call=call)
        .order_by("submitted_at")
        .first()
    )


def report_owed_message() -> str:
    """What an applicant reads when an earlier project's report is missing. It names no call:
    anyone can type an organisation's SIRET, and its funding is not theirs to learn."""
    return _(
        "An end-of-project report is expected from your organisation for a project funded "
        "earlier: it must be received before a new dossier can be sent. Ask for the link to the "
        "report form on %(url)s: it goes to the e-mail address of that earlier dossier."
    ) % {"url": reverse("aap_wagtail:report_link_request")}


@transaction.atomic
def create_draft(
    request, call, email: str, wizard_state: dict[str, Any], *, in_browser: bool = True
) -> Application:
    """Create the draft once the applicant has given their e-mail (the organisation step).

    ``in_browser``: the wizard's session may open it from now on (the JSON API has no session:
    its caller holds the token instead)."""
    user = (
        request.user if getattr(request, "user", None) and request.user.is_authenticated else None
    )
    application = Application.objects.create(
        call=call, email=email, wizard_state=wizard_state, user=user
    )
    if in_browser:
        remember(request, application)
    return application


PAPER_ACTION = "aap_wagtail.paper_received"


def create_paper_draft(request, call, *, received_on, email: str = "") -> Application:
    """Staff start a dossier received by post: a draft marked "entered by staff", with its
    reception date, opened in this browser so that staff fill it through the same wizard."""
    from wagtail.log_actions import log

    application = Application.objects.create(
        call=call,
        email=email,
        entered_by=EnteredBy.STAFF,
        received_by_post_on=received_on,
    )
    log(
        instance=application,
        action=PAPER_ACTION,
        user=request.user,
        data={"received_on": received_on.isoformat()},
    )
    remember(request, application)
    return application


def save_step(application: Application, form, *, save: bool = True) -> list[str]:
    """Copy a valid step's answers into the application (columns used by listings too).

    Returns the fields it changed; with ``save=False`` the caller saves them (in one UPDATE
    with the wizard's own data)."""
    from .wizard import steps

    application.answers = {**application.answers, form.step_name: form.to_answers()}
    application.extra_answers = [
        a for a in application.extra_answers if a.get("step") != form.step_name
    ] + form.extra_answers()
    data = form.cleaned_data
    columns: dict[str, Any] = {}
    if form.step_name == steps.ORGANISATION:
        previous = find_previous_funding(application.call, data["identifier"], data["email"])
        helped = bool(data.get("helped_by_mediator"))
        columns = {
            "email": data["email"],
            "organisation_name": data["organisation_name"],
            "identifier": data["identifier"],
            "funded_before": bool(data.get("funded_before") or previous),
            "previous_application": previous,
            "mediator_name": data.get("mediator_name", "") if helped else "",
            "mediator_structure": data.get("mediator_structure", "") if helped else "",
        }
        if application.entered_by != EnteredBy.STAFF:
            columns["entered_by"] = EnteredBy.MEDIATOR if helped else EnteredBy.APPLICANT
    elif form.step_name == steps.PROJECT:
        columns = {"project_title": data["title"]}
    elif form.step_name == steps.BUDGET:
        columns = {
            "requested_amount": data["requested_amount"],
            "total_amount": data["total_amount"],
        }
    elif form.step_name == steps.REVIEW:
        columns = {
            "consent_publication": data["consent_publication"],
            "consent_data": data["consent_data"],
        }
    for name, value in columns.items():
        setattr(application, name, value)
    fields = ["answers", "extra_answers", "updated_at", *columns]
    if save:
        application.save(update_fields=fields)
    if form.step_name == steps.PROJECT:
        application.axes.set(data["axes"])
    return fields


def dossier_text_length(application: Application) -> int:
    """Characters of the long answers of the whole dossier (for the page estimate)."""
    from .wizard.forms import STEP_FORMS

    total = sum(
        rules.text_length(str(application.answers.get(step, {}).get(name) or ""))
        for step, form_class in STEP_FORMS.items()
        for name in form_class.long_text_fields
    )
    return total + sum(
        rules.text_length(str(extra.get("answer") or ""))
        for extra in application.extra_answers
        if extra.get("kind") == "long_text"
    )


def prefetch_attachments(application: Application) -> Application:
    """Load the dossier's files (and their document) once for the pages that list them all."""
    from django.db.models import Prefetch, prefetch_related_objects

    from .models import Attachment

    prefetch_related_objects(
        [application],
        Prefetch("attachments", queryset=Attachment.objects.select_related("document")),
    )
    return application


def applicable_documents(application: Application) -> list[Any]:
    """The call's required documents this dossier must include, from its own answers."""
    from .wizard import steps

    organisation = application.answers.get(steps.ORGANISATION, {})
    return rules.applicable_documents(
        application.call,
        has_partners=bool(organisation.get("partners")),
        funded_before=bool(application.funded_before),
    )


def check_page_limit(application: Application) -> str | None:
    pdf_pages = sum(
        a.page_count or 0
        for a in application.attachments.all()
        if a.document is not None and a.document.counts_towards_page_limit
    )
    return rules.check_page_limit(application.call, dossier_text_length(application), pdf_pages)


# --- the steps of one dossier (the wizard and the JSON API alike) -----------------------------


def report_step_applies(application: Application | None) -> bool:
    """The "previous project" step is asked of organisations funded before."""
    return bool(application and application.funded_before)


def applicable_steps(application: Application | None) -> list[str]:
    from .wizard import steps

    return [
        name
        for name, _label in steps.STEPS
        if name != steps.REPORT or report_step_applies(application)
    ]


def step_form_kwargs(call, application: Application | None, step: str) -> dict[str, Any]:
    """What a step's form needs besides the data: the call, the draft, and for the documents
    step which documents apply (from the draft's own answers)."""
    from .wizard import steps

    kwargs: dict[str, Any] = {"call": call, "application": application}
    if step == steps.DOCUMENTS:
        organisation = application.answers.get(steps.ORGANISATION, {}) if application else {}
        kwargs["has_partners"] = bool(organisation.get("partners"))
        kwargs["funded_before"] = report_step_applies(application)
    return kwargs
