"""The applicant journey as JSON (``/api/aap/v1/``): read a call, create a draft, fill each
step, attach files, submit, follow the status, send the end-of-project report.

Views only translate: every step is validated by the wizard's own form (``wizard.forms``, which
asks ``rules``), every state change goes through ``workflow``, drafts are saved the way the
wizard saves them (``applications.drafts``), so a dossier can be started in one and finished in
the other; the links are asked for through ``applications.links``, as on the HTML pages.
Errors are ``{field: [{code, message}]}`` in the language of ``Accept-Language``.
"""

from __future__ import annotations

import uuid as uuid_lib
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404
from django.utils import translation
from django.utils.datastructures import MultiValueDict
from django.utils.translation import gettext as _
from rest_framework import exceptions, status
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.views import APIView
from wagtail.models import Site

from .. import rules, workflow
from ..applications import access, drafts, links
from ..applications.attachments import check_upload, delete_attachment, store_attachment
from ..applications.wizard.forms import STEP_FORMS
from ..core import ratelimit
from ..core.uploadhandlers import use_safe_handlers
from ..models import Application, ApplicationStatus, CallPage, steps
from . import bridge
from .auth import ApplicationTokenAuthentication, add_cors_headers
from .describe import describe_call, file_entry, status_entry

LANGUAGES = ("fr", "en")
MAX_KEY_LENGTH = 100


def api_language(request) -> str:
    """French or English, from ``Accept-Language`` (the site's language otherwise)."""
    from django.conf import settings

    ranked = []
    for index, part in enumerate(request.headers.get("Accept-Language", "").split(",")):
        tag, _sep, params = part.strip().partition(";")
        quality = 1.0
        if params.strip().startswith("q="):
            try:
                quality = float(params.strip()[2:])
            except ValueError:
                quality = 0.0
        ranked.append((-quality, index, tag.strip().lower()[:2]))
    for _quality, _index, language in sorted(ranked):
        if language in LANGUAGES:
            return language
    default = settings.LANGUAGE_CODE[:2]
    return default if default in LANGUAGES else "en"


def invalid(errors: dict, code: int = status.HTTP_400_BAD_REQUEST) -> Response:
    return Response(errors, status=code)


def one_error(field: str, code: str, message: str, http_status: int = 400) -> Response:
    return invalid({field: [{"code": code, "message": str(message)}]}, http_status)


class JSONBodyParser(JSONParser):
    """DRF's JSON parser; a body nested deeper than Python's reader goes is an input error like
    any unreadable JSON (Python raises ``RecursionError``, which would be a 500)."""

    def parse(self, stream, media_type=None, parser_context=None):
        try:
            return super().parse(stream, media_type, parser_context)
        except RecursionError:
            raise exceptions.ParseError(
                _("JSON parse error - the body is nested too deeply.")
            ) from None


class AapAPIView(APIView):
    """JSON in and out, the bearer token, CORS, and the caller's language."""

    authentication_classes = [ApplicationTokenAuthentication]
    permission_classes: list = []
    throttle_classes: list = []
    renderer_classes = [JSONRenderer]
    parser_classes = [JSONBodyParser]

    def dispatch(self, request, *args, **kwargs):
        with translation.override(api_language(request)):
            response = super().dispatch(request, *args, **kwargs)
            if hasattr(response, "render") and not getattr(response, "is_rendered", True):
                response.render()
            response["Content-Language"] = translation.get_language()
        return response

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        add_cors_headers(request, response)
        return response

    def options(self, request, *args, **kwargs):
        return Response(status=status.HTTP_204_NO_CONTENT)

    def handle_exception(self, exc):
        response = super().handle_exception(exc)
        if isinstance(exc, exceptions.APIException) and isinstance(response.data, dict):
            codes = exc.get_codes()
            if isinstance(codes, str) and "detail" in response.data:
                message = str(response.data["detail"])
                if response.status_code == status.HTTP_400_BAD_REQUEST:
                    # Unreadable JSON is an input error like any other: same shape.
                    response.data = {bridge.NON_FIELD: [{"code": codes, "message": message}]}
                else:
                    response.data = {"detail": message, "code": codes}
        return response

    # --- what the request is about -------------------------------------------------------

    def site_call(self, call_id: int) -> CallPage:
        """A live, public call of the request's site."""
        site = Site.find_for_request(self.request)
        if site is None:
            raise Http404
        call = (
            CallPage.objects.live()
            .public()
            .descendant_of(site.root_page, inclusive=True)
            .filter(pk=call_id)
            .first()
        )
        if call is None:
            raise Http404
        return call

    def own_application(self, uuid: uuid_lib.UUID) -> Application:
        """The dossier the token opens; a token never opens another one."""
        application = self.request.auth
        if not isinstance(application, Application):
            raise exceptions.NotAuthenticated(
                _("Send the token of the dossier: Authorization: Bearer <token>.")
            )
        if application.uuid != uuid:
            raise exceptions.PermissionDenied(_("This token opens another dossier."))
        application.call = application.call.specific
        return application


def draft_only(application: Application) -> Response | None:
    if application.status != ApplicationStatus.DRAFT:
        return one_error(
            bridge.NON_FIELD,
            "not_draft",
            _("This dossier is submitted: it can no longer change."),
            status.HTTP_409_CONFLICT,
        )
    return None


def step_form(application: Application | None, call, step: str, data=None, **extra):
    kwargs = {**drafts.step_form_kwargs(call, application, step), **extra}
    return STEP_FORMS[step](data, prefix=step, **kwargs)


def json_object(request, field: str = bridge.NON_FIELD) -> tuple[dict | None, Response | None]:
    if not isinstance(request.data, dict):
        return None, one_error(field, "invalid", _("Send a JSON object."))
    return request.data, None


def form_data(application, call, step: str, payload: Any):
    """The step's POST data for a JSON object, or the error response."""
    if not isinstance(payload, dict):
        return None, one_error(step, "invalid", _("Send a JSON object."))
    kwargs = drafts.step_form_kwargs(call, application, step)
    try:
        return bridge.to_form_data(STEP_FORMS[step], kwargs, step, payload), None
    except bridge.UnknownFields as unknown:
        return None, invalid(
            {
                name: [{"code": "unknown_field", "message": _("This step has no such field.")}]
                for name in unknown.names
            }
        )


# --- calls -------------------------------------------------------------------------------------


class CallListView(AapAPIView):
    authentication_classes: list = []

    def get(self, request):
        site = Site.find_for_request(request)
        calls = (
            CallPage.objects.live()
            .public()
            .descendant_of(site.root_page, inclusive=True)
            .order_by("-opens_at", "pk")
            if site is not None
            else CallPage.objects.none()
        )
        return Response(
            {
                "items": [
                    {
                        "id": call.pk,
                        "title": call.title,
                        "status": call.get_status().value,
                        "opens_at": call.opens_at.isoformat() if call.opens_at else None,
                        "closes_at": call.closes_at.isoformat() if call.closes_at else None,
                        "html_url": call.get_full_url(request),
                    }
                    for call in calls
                ]
            }
        )


class CallDetailView(AapAPIView):
    authentication_classes: list = []

    def get(self, request, call_id: int):
        return Response(describe_call(request, self.site_call(call_id)))


class LinkRequestView(AapAPIView):
    """Ask for new links by e-mail; the answer never says whether the address is known."""

    authentication_classes: list = []

    def post(self, request, call_id: int | None = None):
        payload, error = json_object(request, "email")
        if error:
            return error
        call = self.site_call(call_id) if call_id is not None else None
        form = links.LinkRequestForm({"email": payload.get("email", "")})
        if not form.is_valid():
            return invalid(bridge.form_errors(form))
        kind = links.LinkKind.RESUME if call is not None else links.LinkKind.REPORT
        refusal = links.request_links(request, kind, form.cleaned_data["email"], call=call)
        if refusal:
            return one_error("email", "rate_limited", refusal, status.HTTP_429_TOO_MANY_REQUESTS)
        return Response(
            {
                "detail": _(
                    "If this address has a dossier waiting for it, a link is on its way. "
                    "Check your inbox, and your spam folder."
                )
            },
            status=status.HTTP_202_ACCEPTED,
        )


# --- the dossier -------------------------------------------------------------------------------


class CreateApplicationView(AapAPIView):
    """Start a dossier: the eligibility and organisation steps at once (the e-mail address is
    on the second). Returns the token and e-mails the resume link."""

    authentication_classes: list = []

    def post(self, request, call_id: int):
        call = self.site_call(call_id)
        payload, error = json_object(request)
        if error:
            return error
        refusal = rules.can_start_draft(call)
        if refusal:
            return one_error(bridge.NON_FIELD, refusal.code, refusal, status.HTTP_409_CONFLICT)
        unknown = sorted(set(payload) - {steps.ELIGIBILITY, steps.ORGANISATION})
        if unknown:
            return invalid(
                {
                    name: [
                        {"code": "unknown_field", "message": _("Send only the first two steps.")}
                    ]
                    for name in unknown
                }
            )
        forms, errors, received = {}, {}, {}
        for step in (steps.ELIGIBILITY, steps.ORGANISATION):
            data, error = form_data(None, call, step, payload.get(step, {}))
            if error:
                return invalid({f"{step}.{k}": v for k, v in error.data.items()})
            extra = {}
            if step == steps.ORGANISATION and not errors:
                extra["may_create"] = lambda: ratelimit.check(request, "draft_creation")
            form = step_form(None, call, step, data, **extra)
            if form.is_valid():
                forms[step], received[step] = form, data
            else:
                errors.update({f"{step}.{k}": v for k, v in bridge.form_errors(form).items()})
        if errors:
            limited = any(
                e["code"] == "rate_limited" for entries in errors.values() for e in entries
            )
            return invalid(errors, 429 if limited else 400)
        state = drafts.wizard_state(None)
        for step, data in received.items():
            drafts.with_step(state, step, data)
        state["step"] = steps.PROJECT
        application = drafts.start_draft(
            request, call, forms[steps.ORGANISATION], state, in_browser=False
        )
        organisation = forms[steps.ORGANISATION]
        return Response(
            {
                "token": access.make_resume_token(application),
                "application": status_entry(request, application),
                "warnings": organisation.warnings,
            },
            status=status.HTTP_201_CREATED,
        )


class ApplicationView(AapAPIView):
    def get(self, request, uuid):
        application = self.own_application(uuid)
        return Response(status_entry(request, application))


class DataView(AapAPIView):
    """Everything the dossier holds about the applicant (GDPR access), as the HTML page's
    download gives it."""

    def get(self, request, uuid):
        from ..privacy.data import applicant_data

        return Response(applicant_data(self.own_application(uuid)))


class TokenView(AapAPIView):
    def delete(self, request, uuid):
        """Revoke: every link and token of this dossier issued so far stops working."""
        application = self.own_application(uuid)
        access.revoke_links(application)
        return Response(status=status.HTTP_204_NO_CONTENT)


class StepView(AapAPIView):
    def _step(self, application, step: str) -> str:
        if step not in drafts.applicable_steps(application):
            raise Http404
        return step

    def get(self, request, uuid, step: str):
        application = self.own_application(uuid)
        step = self._step(application, step)
        stored = drafts.wizard_state(application)["step_data"].get(step)
        form = step_form(application, application.call, step)
        return Response(
            {
                "step": step,
                "complete": stored is not None,
                "data": bridge.from_form_data(form, step, stored or {}),
            }
        )

    def put(self, request, uuid, step: str):
        application = self.own_application(uuid)
        step = self._step(application, step)
        refused = draft_only(application)
        if refused:
            return refused
        call = application.call
        data, error = form_data(application, call, step, request.data)
        if error:
            return error
        form = step_form(application, call, step, data)
        if not form.is_valid():
            return invalid(bridge.form_errors(form))
        state = drafts.with_step(drafts.wizard_state(application), step, data)
        drafts.save_step(application, form, state)
        return Response(
            {
                "step": step,
                "complete": True,
                "data": bridge.from_form_data(form, step, state["step_data"][step]),
                "warnings": form.warnings,
            }
        )


def upload_targets(application: Application) -> dict[str, tuple]:
    """Every file slot of this dossier: slot -> (document, label, extensions, max size)."""
    targets: dict[str, tuple] = {}
    for step in drafts.applicable_steps(application):
        targets.update(step_form(application, application.call, step).upload_targets)
    return targets


class FileListView(AapAPIView):
    parser_classes = [MultiPartParser, FormParser]

    def get(self, request, uuid):
        application = self.own_application(uuid)
        return Response({"items": [file_entry(request, a) for a in application.attachments.all()]})

    def post(self, request, uuid):
        use_safe_handlers(request._request)  # before the body is read
        application = self.own_application(uuid)
        refused = draft_only(application)
        if refused:
            return refused
        slot = request.data.get("slot", "")
        targets = upload_targets(application)
        if slot not in targets:
            return one_error(
                "slot", "invalid_choice", _("This dossier has no such document to attach.")
            )
        if sum(len(files) for _name, files in request.FILES.lists()) > 1:
            # Only one would be kept: say so rather than drop the others silently.
            return one_error("file", "too_many", _("Send one file at a time, in the field “file”."))
        upload = request.FILES.get("file")
        if upload is None:
            return one_error("file", "required", _("Choose a file."))
        document, label, extensions, max_size = targets[slot]
        try:
            checked = check_upload(upload, extensions=extensions, max_size_mb=max_size)
        except ValidationError as exc:
            return invalid({"file": bridge.error_entries([exc])})
        with transaction.atomic():
            attachment = store_attachment(
                application, slot=slot, label=label, document=document, checked=checked
            )
        return Response(file_entry(request, attachment), status=status.HTTP_201_CREATED)


class FileDetailView(AapAPIView):
    def get(self, request, uuid, pk: int):
        application = self.own_application(uuid)
        attachment = get_object_or_404(application.attachments, pk=pk)
        return FileResponse(
            attachment.file.open("rb"),
            as_attachment=True,
            filename=attachment.original_name,
            content_type=attachment.content_type or "application/octet-stream",
        )

    def delete(self, request, uuid, pk: int):
        application = self.own_application(uuid)
        refused = draft_only(application)
        if refused:
            return refused
        delete_attachment(get_object_or_404(application.attachments, pk=pk))
        return Response(status=status.HTTP_204_NO_CONTENT)


class SubmitView(AapAPIView):
    """Submit once: the ``Idempotency-Key`` header makes a retry return the same answer."""

    def post(self, request, uuid):
        application = self.own_application(uuid)
        key = request.headers.get("Idempotency-Key", "").strip()
        if not key or len(key) > MAX_KEY_LENGTH:
            return one_error(
                "Idempotency-Key",
                "idempotency_key_required",
                _("Send an Idempotency-Key header (a unique value of 100 characters at most)."),
            )
        if application.status != ApplicationStatus.DRAFT:
            return self._already(request, application, key)
        errors = incomplete_steps(application)
        if errors:
            return invalid(errors)
        try:
            application = workflow.submit_application(application, submission_key=key)
        except workflow.TransitionRefused as refusal:
            message = refusal.args[0] if refusal.args else ""
            return one_error(bridge.NON_FIELD, getattr(message, "code", "refused"), message)
        return self._already(request, application, key)

    def _already(self, request, application, key):
        if application.status == ApplicationStatus.WITHDRAWN or application.submission_key != key:
            return one_error(
                bridge.NON_FIELD,
                "already_submitted",
                _("This dossier was already submitted (or withdrawn)."),
                status.HTTP_409_CONFLICT,
            )
        return Response(status_entry(request, application))


def incomplete_steps(application: Application) -> dict:
    """Every applicable step, validated again from what is stored, as the wizard does before
    it submits: ``{"step.field": [...]}``, or ``{step: [...]}`` for a step never filled."""
    state = drafts.wizard_state(application)
    errors: dict[str, list] = {}
    for step in drafts.applicable_steps(application):
        stored = state["step_data"].get(step)
        if stored is None:
            errors[step] = [
                {"code": "step_missing", "message": _("This step is not filled in yet.")}
            ]
            continue
        form = step_form(application, application.call, step, MultiValueDict(stored))
        if not form.is_valid():
            errors.update({f"{step}.{k}": v for k, v in bridge.form_errors(form).items()})
    return errors


class ReportView(AapAPIView):
    """The end-of-project report, while it is due: save it, or send it (``"send": true``)."""

    FIELDS = ("title", "partners", "actions", "results", "next_steps", "budget_spent")

    def get(self, request, uuid):
        from ..models import ProjectReport

        application = self.own_application(uuid)
        report = ProjectReport.objects.filter(application=application).first()
        data = {name: "" for name in self.FIELDS}
        if report is not None:
            data.update({name: getattr(report, name) for name in self.FIELDS})
            data["budget_spent"] = str(report.budget_spent or "")
        return Response(
            {
                "due": application.status == ApplicationStatus.REPORT_DUE,
                "status": report.status if report is not None else None,
                "data": data,
            }
        )

    def put(self, request, uuid):
        from ..winners.reports import ProjectReportForm, save_report_with_images

        application = self.own_application(uuid)
        if application.status != ApplicationStatus.REPORT_DUE:
            return one_error(
                bridge.NON_FIELD,
                "report_not_due",
                _("No report is expected from this dossier now."),
                status.HTTP_409_CONFLICT,
            )
        payload, error = json_object(request)
        if error:
            return error
        unknown = sorted(set(payload) - {*self.FIELDS, "send"})
        if unknown:
            return invalid(
                {
                    name: [{"code": "unknown_field", "message": _("The report has no such field.")}]
                    for name in unknown
                }
            )
        sending = payload.get("send") is True
        form = ProjectReportForm(
            {name: bridge.as_text(payload.get(name)) for name in self.FIELDS if name in payload},
            call=application.call,
            free_slots=0,
            sending=sending,
        )
        if not form.is_valid():
            return invalid(bridge.form_errors(form))
        try:
            save_report_with_images(application, form, submit=sending)
        except workflow.TransitionRefused as refusal:
            return one_error(bridge.NON_FIELD, "refused", str(refusal), status.HTTP_409_CONFLICT)
        return self.get(request, uuid)


class OpenAPIView(AapAPIView):
    authentication_classes: list = []

    def get(self, request):
        from .schema import openapi_document

        return Response(openapi_document(request))


class NotFoundView(AapAPIView):
    """Any other address under the API: a JSON 404, whatever the method."""

    authentication_classes: list = []

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        raise exceptions.NotFound()
