"""The draft service: one way to start a dossier and to save a step, for the wizard and the API.

It owns the stored format of a draft: ``Application.answers`` (the cleaned values per step, read
by the review, the receipt and the exports), a few columns the listings use, and
``Application.wizard_state`` — what each step's form received, as django-formtools keeps it
(``{"step": …, "step_data": {step: {"<step>-<field>": [values]}}, …}``) — so a dossier started
in one can be finished in the other. A step's files, answers and data are saved together, in
one transaction and one UPDATE, or not at all. Status changes are not made here (``workflow``).
"""

from __future__ import annotations

from typing import Any

from django.db import transaction

from ..models import Application, EnteredBy, steps
from .access import remember
from .attachments import store_attachment
from .links import send_resume_link

PAPER_ACTION = "aap_wagtail.paper_received"
#: The keys of the stored wizard state (django-formtools' storage keys).
STATE_KEYS = {"step": None, "step_data": {}, "step_files": {}, "extra_data": {}}


# --- the stored format ---------------------------------------------------------------------------


def clean_text(value):
    """PostgreSQL's JSON refuses NUL characters (and nobody types them): drop them."""
    if isinstance(value, str):
        return value.replace("\x00", "")
    if isinstance(value, list):
        return [clean_text(v) for v in value]
    return value


def stored_step_data(step: str, data, *also: str) -> dict[str, list[str]]:
    """What is kept of a step's POST data: this step's fields only (plus keys starting with one
    of ``also``, e.g. the wizard's own), as lists, without NUL characters."""
    if hasattr(data, "lists"):
        data = dict(data.lists())
    prefixes = (f"{step}-", *(f"{p}-" for p in also))
    return {
        clean_text(key): clean_text(value)
        for key, value in (data or {}).items()
        if key.startswith(prefixes)
    }


def wizard_state(application: Application | None) -> dict[str, Any]:
    """A copy of the draft's stored state, with every key present."""
    state = {**STATE_KEYS, **dict((application.wizard_state if application else None) or {})}
    state["step_data"] = dict(state["step_data"] or {})
    return state


def with_step(state: dict[str, Any], step: str, data) -> dict[str, Any]:
    """``state`` with ``step``'s data replaced by ``data`` (a POST or the API's form data)."""
    state["step_data"][step] = stored_step_data(step, data)
    return state


# --- starting a dossier and saving its steps -----------------------------------------------------


@transaction.atomic
def start_draft(request, call, form, state: dict[str, Any], *, in_browser: bool = True):
    """Create the draft from the valid organisation step (it asks for the e-mail), save that
    step with it and e-mail the resume link after the commit.

    ``state`` already holds the steps filled so far. ``in_browser``: this browser session may
    open the draft from now on (the JSON API has no session: its caller holds the token)."""
    user = getattr(request, "user", None)
    application = Application.objects.create(
        call=call,
        email=form.cleaned_data["email"],
        wizard_state=state,
        user=user if user is not None and user.is_authenticated else None,
    )
    if in_browser:
        remember(request, application)
    form.application = application
    save_step(application, form, state)
    send_resume_link(request, application)
    return application


@transaction.atomic
def save_step(application: Application, form, state: dict[str, Any]) -> None:
    """Save a valid step: its files, its answers (and the columns listings use) and ``state``
    (which holds what the form received), in one transaction and one UPDATE."""
    for name, checked in getattr(form, "checked_uploads", {}).items():
        document, label, _extensions, _max_size = form.upload_targets[name]
        store_attachment(
            application,
            slot=name,
            label=label,
            document=document,
            checked=checked,
            previous=getattr(form, "existing", {}).get(name),
        )
    fields = _copy_answers(application, form)
    application.wizard_state = state
    application.save(update_fields=["wizard_state", *fields])
    if form.step_name == steps.PROJECT:
        application.axes.set(form.cleaned_data["axes"])


def _copy_answers(application: Application, form) -> list[str]:
    """Copy a valid step's answers into the application; returns the fields changed."""
    application.answers = {**application.answers, form.step_name: form.to_answers()}
    application.extra_answers = [
        a for a in application.extra_answers if a.get("step") != form.step_name
    ] + form.extra_answers()
    data = form.cleaned_data
    columns: dict[str, Any] = {}
    if form.step_name == steps.ORGANISATION:
        previous = Application.objects.previous_funding(
            application.call, data["email"], siret=data["siret"], rna=data["rna"]
        )
        helped = bool(data.get("helped_by_mediator"))
        columns = {
            "email": data["email"],
            "organisation_name": data["organisation_name"],
            "siret": data["siret"],
            "rna": data["rna"],
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
    return ["answers", "extra_answers", "updated_at", *columns]


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


# --- the steps of one dossier --------------------------------------------------------------------


def prefetch_attachments(application: Application) -> Application:
    """Load the dossier's files (and their document) once for the pages that list them all."""
    from django.db.models import Prefetch, prefetch_related_objects

    from ..models import Attachment

    prefetch_related_objects(
        [application],
        Prefetch("attachments", queryset=Attachment.objects.select_related("document")),
    )
    return application


def applicable_documents(application: Application) -> list[Any]:
    """The call's required documents this dossier must include, from its own answers."""
    from .. import rules

    organisation = application.answers.get(steps.ORGANISATION, {})
    return rules.applicable_documents(
        application.call,
        has_partners=bool(organisation.get("partners")),
        funded_before=bool(application.funded_before),
    )


def report_step_applies(application: Application | None) -> bool:
    """The "previous project" step is asked of organisations funded before."""
    return bool(application and application.funded_before)


def applicable_steps(application: Application | None) -> list[str]:
    return [
        name
        for name, _label in steps.STEPS
        if name != steps.REPORT or report_step_applies(application)
    ]


def step_form_kwargs(call, application: Application | None, step: str) -> dict[str, Any]:
    """What a step's form needs besides the data: the call, the draft, and for the documents
    step which documents apply (from the draft's own answers)."""
    kwargs: dict[str, Any] = {"call": call, "application": application}
    if step == steps.DOCUMENTS:
        organisation = application.answers.get(steps.ORGANISATION, {}) if application else {}
        kwargs["has_partners"] = bool(organisation.get("partners"))
        kwargs["funded_before"] = report_step_applies(application)
    return kwargs
