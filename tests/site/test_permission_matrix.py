"""The permission matrix: every URL and API endpoint of the package × nine roles, in one table.

Each row of ``ROWS`` is one request (what it asks for, the method, the data) and the roles
that must be let through; every other role must be refused. The test plays every row as every
role and lists each difference, a leak ("LEAK": someone got what is not theirs) or an
over-refusal, naming the row and the role. ``test_every_endpoint_has_a_row`` fails when an
endpoint is added without a row.

What "allowed" means for a response:

- a row with ``effect``: the change happened (a write goes through);
- a row with ``marker``: a 2xx whose body shows the marker (a listing, a form filled with a
  draft, a feed); the same page without it is a refusal: the role sees only their own rows;
- otherwise a 2xx, a 3xx anywhere but a login page (Wagtail's, or Django's admin's) or the
  admin's home (where Wagtail sends refusals), or a 400/409 (the endpoint took the caller and
  judged only the content).
  401, 403, 404 and a redirect to the login page or the admin's home are refusals.

Every request runs in a transaction rolled back after it, with the role's cookies restored, so
no row changes what the next one sees (a resume link opened by a visitor is forgotten).
"""

from __future__ import annotations

import copy
import dataclasses
import datetime
import io
import json
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from types import SimpleNamespace
from urllib.parse import urlsplit

import openpyxl
import pytest
from django.contrib.auth import get_user_model
from django.core import signals
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import close_old_connections, transaction
from django.test import Client
from django.urls import get_resolver, reverse
from django.utils import timezone
from wagtail.models import Page, Site

from aap_wagtail import workflow
from aap_wagtail.applications import access
from aap_wagtail.applications.attachments import check_upload, store_attachment
from aap_wagtail.calls import alerts
from aap_wagtail.funding import agreements, financial
from aap_wagtail.models import (
    Agreement,
    Application,
    ApplicationStatus,
    Attachment,
    CallAlertSubscription,
    CallExport,
    CallIndexPage,
    CallPage,
    DossierMessage,
    EnteredBy,
    ExportStatus,
    FinancialReport,
    JuryAssignment,
    ProjectReport,
    ReportImage,
    Review,
    WinnersIndexPage,
)

from .. import factories
from ..helpers import wizard as wh
from ..helpers.reports import png_bytes
from ..helpers.winners import make_winners_index

S = ApplicationStatus

ANONYMOUS = "anonymous"
A = "applicant_a"
B = "applicant_b"
MEDIATOR = "mediator"
JUROR = "juror"
CONFLICTED = "juror_with_conflict"
M1 = "manager_site_1"
M2 = "manager_site_2"
SUPER = "superuser"
ROLES = (ANONYMOUS, A, B, MEDIATOR, JUROR, CONFLICTED, M1, M2, SUPER)

EVERYONE = frozenset(ROLES)
NOBODY: frozenset[str] = frozenset()
ALLOW, DENY = "allow", "deny"
SITE_2_HOST = "two.example.org"


def only(*roles: str) -> frozenset[str]:
    assert set(roles) <= set(ROLES), roles
    return frozenset(roles)


# --- the table -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Row:
    """One request of the matrix and the roles it must let through."""

    name: str  # the endpoint: a URL name, or route:<Page class>.<route name>
    what: str
    url: Callable
    allow: frozenset[str]
    method: str = "get"
    data: Callable | None = None  # (scenario) -> request data
    marker: Callable | None = None  # (scenario) -> text the allowed roles see
    effect: Callable | None = None  # (scenario, role) -> whether the write went through
    token: Callable | None = None  # (scenario) -> the dossier whose bearer token a role holds
    json: bool = False
    marker_text: str = ""

    def bound(self, s) -> Row:
        """The row with its marker's text for this scenario."""
        if self.marker is None:
            return self
        return dataclasses.replace(self, marker_text=self.marker(s))


def row(name, what, url, allow, **options) -> Row:
    return Row(name, what, url, allow, **options)


def on_call(suffix: str) -> Callable:
    return lambda s: s.path[s.call1.pk] + suffix


def on_winners(suffix: str) -> Callable:
    return lambda s: s.path[s.winners.pk] + suffix


def dossier_url(attr: str, suffix: str | Callable = "") -> Callable:
    """A page of dossier ``attr`` under call 1 (``suffix`` may depend on the scenario)."""

    def build(s):
        end = suffix(s) if callable(suffix) else suffix
        return s.path[s.call1.pk] + f"dossier/{getattr(s, attr).uuid.hex}/{end}"

    return build


def api(path: Callable[[SimpleNamespace], str]) -> Callable:
    return lambda s: "/api/aap/v1/" + path(s)


def app_api(attr: str, suffix: str | Callable = "") -> Callable:
    def path(s):
        end = suffix(s) if callable(suffix) else suffix
        return f"applications/{getattr(s, attr).uuid}/{end}"

    return api(path)


def admin(name: str, *attrs: str, query: str = "") -> Callable:
    """The admin URL ``name`` with the pks (or uuids) of the scenario's ``attrs``."""

    def build(s):
        args = []
        for attr in attrs:
            value = getattr(s, attr)
            args.append(value.uuid if isinstance(value, CallExport) else value.pk)
        return reverse(name, args=args) + query

    return build


def file_url(attr: str) -> Callable:
    return lambda s: reverse("aap_wagtail:attachment", args=[getattr(s, attr).pk])


def status_is(attr: str, status: str) -> Callable:
    return lambda s, role: Application.objects.get(pk=getattr(s, attr).pk).status == status


def project_step(title: str) -> Callable:
    """The wizard's POST of the project step of call 1, with this title."""

    def data(s):
        fields = {**wh.project_answers(s.call1), "title": title}
        return {
            f"aap_{s.call1.pk}-current_step": "projet",
            **{f"projet-{key}": value for key, value in fields.items()},
        }

    return data


def pdf_upload(slot_of: Callable) -> Callable:
    return lambda s: {"slot": slot_of(s), "file": SimpleUploadedFile("new.pdf", wh.pdf_bytes())}


def preset_import_under(index_attr: str) -> Callable:
    return lambda s: {"bundled": "brest-2023", "parent": getattr(s, index_attr).pk, "slug": "x"}


def imported_under(index_attr: str) -> Callable:
    return lambda s, role: (
        CallPage.objects.child_of(getattr(s, index_attr)).filter(slug="x").exists()
    )


def decision_data(s) -> dict:
    prefix = f"d{s.b_review.pk}"
    return {
        f"{prefix}-outcome": "not_selected",
        f"{prefix}-reason": "Hors du champ de l'appel.",
    }


A_ONLY = only(A)
CALL_1_STAFF = only(M1, SUPER)
CALL_2_STAFF = only(M2, SUPER)

# fmt: off
ROWS: list[Row] = [
    # --- public pages, feeds, open data ---------------------------------------------------------
    row("route:CallIndexPage.calls_list", "calls index", lambda s: s.path[s.index1.pk], EVERYONE,
        marker=lambda s: s.call1.title),
    row("route:CallIndexPage.call_alerts", "new-call alerts form",
        lambda s: s.path[s.index1.pk] + "alertes/", EVERYONE),
    row("aap_wagtail:call_alert_confirm", "confirm an alert (whoever holds the link)",
        lambda s: reverse("aap_wagtail:call_alert_confirm", args=[s.alert_confirm]), EVERYONE),
    row("aap_wagtail:call_alert_confirm", "an unsubscribe token used to confirm",
        lambda s: reverse("aap_wagtail:call_alert_confirm", args=[s.alert_leave]), NOBODY),
    row("aap_wagtail:call_alert_unsubscribe", "unsubscribe page (whoever holds the link)",
        lambda s: reverse("aap_wagtail:call_alert_unsubscribe", args=[s.alert_leave]), EVERYONE),
    row("aap_wagtail:call_alert_unsubscribe", "unsubscribe with a confirmation token",
        lambda s: reverse("aap_wagtail:call_alert_unsubscribe", args=[s.alert_confirm]),
        NOBODY, method="post", data=lambda s: {},
        effect=lambda s, role: not CallAlertSubscription.objects.filter(pk=s.alert.pk).exists()),
    row("route:CallIndexPage.calls_rss", "calls RSS", lambda s: s.path[s.index1.pk] + "flux/rss/",
        EVERYONE),
    row("route:CallIndexPage.calls_atom", "calls Atom",
        lambda s: s.path[s.index1.pk] + "flux/atom/", EVERYONE),
    row("route:CallPage.index_route", "call page", on_call(""), EVERYONE,
        marker=lambda s: s.call1.title),
    row("aap_wagtail:call_calendar", "calendar.ics", on_call("calendar.ics"), EVERYONE),
    row("route:WinnersIndexPage.winners_list", "winners index: a consenting winner",
        on_winners(""), EVERYONE, marker=lambda s: s.w_public.organisation_name),
    row("route:WinnersIndexPage.winners_list", "winners index: a winner without consent",
        on_winners(""), NOBODY, marker=lambda s: s.w_private.organisation_name),
    row("route:WinnersIndexPage.winners_list", "winners index: a dossier in review",
        on_winners(""), NOBODY, marker=lambda s: s.a_review.organisation_name),
    row("route:WinnersIndexPage.winner", "winner page (consent)",
        lambda s: s.path[s.winners.pk] + f"{s.w_public.public_slug}/", EVERYONE),
    row("route:WinnersIndexPage.winner", "winner page (no consent)",
        lambda s: s.path[s.winners.pk] + f"{s.w_private.public_slug}/", NOBODY),
    row("route:WinnersIndexPage.winners_rss", "winners RSS: consenting winner",
        on_winners("flux/rss/"), EVERYONE, marker=lambda s: s.w_public.project_title),
    row("route:WinnersIndexPage.winners_rss", "winners RSS: winner without consent",
        on_winners("flux/rss/"), NOBODY, marker=lambda s: s.w_private.project_title),
    row("route:WinnersIndexPage.winners_atom", "winners Atom: consenting winner",
        on_winners("flux/atom/"), EVERYONE, marker=lambda s: s.w_public.project_title),
    row("route:WinnersIndexPage.winners_atom", "winners Atom: winner without consent",
        on_winners("flux/atom/"), NOBODY, marker=lambda s: s.w_private.project_title),
    row("route:WinnersIndexPage.winners_data", "open data CSV: consenting winner",
        on_winners("donnees/csv/"), EVERYONE, marker=lambda s: s.w_public.organisation_name),
    row("route:WinnersIndexPage.winners_data", "open data CSV: winner without consent",
        on_winners("donnees/csv/"), NOBODY, marker=lambda s: s.w_private.organisation_name),
    row("route:WinnersIndexPage.winners_data", "open data JSON: consenting winner",
        on_winners("donnees/json/"), EVERYONE, marker=lambda s: s.w_public.organisation_name),
    row("route:WinnersIndexPage.winners_data", "open data JSON: no e-mail of the winner",
        on_winners("donnees/json/"), NOBODY, marker=lambda s: s.w_public.email),
    row("route:WinnersIndexPage.winners_data", "open data SCDL: winner without consent",
        on_winners("donnees/scdl/"), NOBODY, marker=lambda s: s.w_private.organisation_name),
    row("wagtailapi:winners:listing", "API v2 winners: consenting winner",
        lambda s: "/api/v2/winners/", EVERYONE, marker=lambda s: s.w_public.organisation_name),
    row("wagtailapi:winners:listing", "API v2 winners: winner without consent",
        lambda s: "/api/v2/winners/", NOBODY, marker=lambda s: s.w_private.organisation_name),
    row("wagtailapi:winners:listing", "API v2 winners asked for every field",
        lambda s: "/api/v2/winners/?fields=*", NOBODY, marker=lambda s: s.w_public.email),
    row("wagtailapi:winners:detail", "API v2 winner (consent)",
        lambda s: f"/api/v2/winners/{s.w_public.public_slug}/", EVERYONE),
    row("wagtailapi:winners:detail", "API v2 winner (no consent)",
        lambda s: f"/api/v2/winners/{s.w_private.public_slug}/", NOBODY),
    row("aap_wagtail:accessibility_statement", "accessibility statement",
        lambda s: reverse("aap_wagtail:accessibility_statement"), EVERYONE),
    row("aap_wagtail:my_applications", "my dossiers (by account): A's dossier",
        lambda s: reverse("aap_wagtail:my_applications"), NOBODY,
        marker=lambda s: s.a_review.organisation_name),
    row("route:CallPage.resume_link_request", "ask for a new resume link",
        on_call("nouveau-lien/"), EVERYONE),
    row("aap_wagtail:report_link_request", "ask for the report link again",
        lambda s: reverse("aap_wagtail:report_link_request"), EVERYONE),
    # --- resume and report links: a bearer secret, sent by e-mail to the applicant --------------
    row("aap_wagtail:resume", "resume link of A's draft (whoever holds it)",
        lambda s: reverse("aap_wagtail:resume", args=[access.make_resume_token(s.a_draft)]),
        EVERYONE),
    row("aap_wagtail:resume", "report token used as a resume link",
        lambda s: reverse("aap_wagtail:resume", args=[s.a_report_token]), NOBODY),
    row("aap_wagtail:resume", "revoked resume link",
        lambda s: reverse("aap_wagtail:resume", args=[s.revoked_token]), NOBODY),
    row("aap_wagtail:resume", "tampered resume link",
        lambda s: reverse(
            "aap_wagtail:resume", args=[access.make_resume_token(s.a_draft)[:-3] + "xyz"]
        ), NOBODY),
    row("aap_wagtail:report", "report link (whoever holds it)",
        lambda s: reverse("aap_wagtail:report", args=[s.a_report_token]), EVERYONE),
    row("aap_wagtail:report", "resume token used as a report link",
        lambda s: reverse("aap_wagtail:report", args=[access.make_resume_token(s.a_winner)]),
        NOBODY),
    # The grant agreement's link: whoever holds it reads and accepts the agreement (issue 16).
    row("aap_wagtail:agreement", "agreement link (whoever holds it)",
        lambda s: reverse("aap_wagtail:agreement", args=[s.agreement_token]), EVERYONE,
        marker=lambda s: s.a_winner.project_title),
    row("aap_wagtail:agreement", "report token used as an agreement link",
        lambda s: reverse("aap_wagtail:agreement", args=[s.a_report_token]), NOBODY),
    row("aap_wagtail:message_file", "the file of a message to A",
        lambda s: reverse("aap_wagtail:message_file", args=[s.a_message.pk]),
        only(A, M1, SUPER)),
    row("aap_wagtail:message_file", "the file of an internal note shared with the jury",
        lambda s: reverse("aap_wagtail:message_file", args=[s.a_note.pk]),
        only(JUROR, M1, SUPER)),
    row("aap_wagtail:financial_report", "financial report link (whoever holds it)",
        lambda s: reverse("aap_wagtail:financial_report", args=[s.financial_token]), EVERYONE,
        marker=lambda s: s.a_funded.reference),
    row("aap_wagtail:financial_report", "agreement token used as a financial report link",
        lambda s: reverse("aap_wagtail:financial_report", args=[s.agreement_token]), NOBODY),
    row("aap_wagtail:financial_report", "write the report through a forged link",
        lambda s: reverse("aap_wagtail:financial_report", args=[s.financial_token[:-3] + "xyz"]),
        NOBODY, method="post", data=lambda s: {"results": "Forged", "send": "0"},
        effect=lambda s, role: FinancialReport.objects.filter(results="Forged").exists()),
    row("aap_wagtail:financial_report_pdf", "financial report PDF (whoever holds the link)",
        lambda s: reverse("aap_wagtail:financial_report_pdf", args=[s.financial_token]),
        EVERYONE),
    row("aap_wagtail:financial_report_pdf", "financial report PDF, report token",
        lambda s: reverse("aap_wagtail:financial_report_pdf", args=[s.a_report_token]), NOBODY),
    row("aap_wagtail:agreement_pdf", "agreement PDF (whoever holds the link)",
        lambda s: reverse("aap_wagtail:agreement_pdf", args=[s.agreement_token]), EVERYONE),
    row("aap_wagtail:agreement_pdf", "agreement PDF, forged link",
        lambda s: reverse("aap_wagtail:agreement_pdf", args=[s.agreement_token[:-3] + "xyz"]),
        NOBODY),
    # --- the wizard: each browser continues only its own draft ---------------------------------
    row("route:CallPage.apply", "start or continue a dossier", on_call("deposer/"), EVERYONE),
    row("route:CallPage.apply_step", "organisation step filled with A's draft",
        on_call("deposer/organisation/"), A_ONLY, marker=lambda s: s.a_draft.organisation_name),
    row("route:CallPage.apply_step", "organisation step filled with the mediator's draft",
        on_call("deposer/organisation/"), only(MEDIATOR),
        marker=lambda s: s.m_draft.organisation_name),
    row("route:CallPage.apply_step", "project step of A's draft", on_call("deposer/projet/"),
        A_ONLY, marker=lambda s: s.a_draft.project_title),
    row("route:CallPage.apply_step", "documents step with A's file",
        on_call("deposer/documents/"), A_ONLY, marker=lambda s: s.a_file.original_name),
    row("route:CallPage.apply_step", "POST the project step into A's draft",
        on_call("deposer/projet/"), A_ONLY, method="post",
        data=project_step("Changed"),
        effect=lambda s, role: Application.objects.get(pk=s.a_draft.pk).project_title == "Changed"),
    # --- the applicant's pages under the call ----------------------------------------------------
    row("route:CallPage.application_status", "status of A's dossier",
        dossier_url("a_review"), A_ONLY),
    row("route:CallPage.application_status", "status of B's dossier",
        dossier_url("b_review"), only(B)),
    row("route:CallPage.application_status", "status of the mediator's draft",
        dossier_url("m_draft"), only(MEDIATOR)),
    row("route:CallPage.application_status",
        "status of B's dossier whose links were revoked after B's browser opened one",
        dossier_url("b_revoked"), NOBODY),
    row("route:CallPage.application_data", "data download of A's dossier",
        dossier_url("a_review", "donnees/"), A_ONLY),
    row("route:CallPage.application_data", "data download of the mediator's draft",
        dossier_url("m_draft", "donnees/"), only(MEDIATOR)),
    row("route:CallPage.application_withdraw", "withdraw A's draft",
        dossier_url("a_draft", "retirer/"), A_ONLY, method="post",
        effect=status_is("a_draft", S.WITHDRAWN)),
    row("route:CallPage.application_withdraw", "withdraw the mediator's draft",
        dossier_url("m_draft", "retirer/"), only(MEDIATOR), method="post",
        effect=status_is("m_draft", S.WITHDRAWN)),
    row("route:CallPage.attachment_delete", "remove a file from A's draft",
        dossier_url("a_draft", lambda s: f"fichiers/{s.a_file.pk}/supprimer/"), A_ONLY,
        method="post",
        effect=lambda s, role: not Attachment.objects.filter(pk=s.a_file.pk).exists()),
    # --- private files ---------------------------------------------------------------------------
    row("aap_wagtail:attachment", "file of A's draft", file_url("a_file"), only(A, M1, SUPER)),
    row("aap_wagtail:attachment", "file of A's dossier in review", file_url("a_review_file"),
        only(A, JUROR, M1, SUPER)),
    row("aap_wagtail:attachment", "file of B's dossier in review", file_url("b_review_file"),
        only(B, JUROR, CONFLICTED, M1, SUPER)),
    row("aap_wagtail:attachment", "file of the mediator's draft", file_url("m_file"),
        only(MEDIATOR, M1, SUPER)),
    row("aap_wagtail:attachment", "file of a site-2 dossier", file_url("d2_file"),
        CALL_2_STAFF),
    row("aap_wagtail:attachment", "file of B's dossier revoked after B's browser opened its link",
        file_url("b_revoked_file"), CALL_1_STAFF),
    row("aap_wagtail:report_image", "image of a report not published",
        lambda s: reverse("aap_wagtail:report_image", args=[s.a_image.pk]), only(A, M1, SUPER)),
    row("aap_wagtail:report_image", "image of a published report",
        lambda s: reverse("aap_wagtail:report_image", args=[s.public_image.pk]), EVERYONE),
    # --- the applicant API: each role presents its own bearer token (staff have none) ----------
    row("aap_wagtail:api:openapi", "OpenAPI document", api(lambda s: "openapi.json"), EVERYONE),
    row("aap_wagtail:api:calls", "calls", api(lambda s: "calls/"), EVERYONE,
        marker=lambda s: s.call1.title),
    row("aap_wagtail:api:call", "a call of this site", api(lambda s: f"calls/{s.call1.pk}/"),
        EVERYONE),
    row("aap_wagtail:api:call", "a call of another site", api(lambda s: f"calls/{s.call2.pk}/"),
        NOBODY),
    row("aap_wagtail:api:create_application", "start a dossier",
        api(lambda s: f"calls/{s.call1.pk}/applications/"), EVERYONE, method="post", json=True,
        data=lambda s: {
            "eligibilite": wh.eligibility_answers(s.call1),
            "organisation": {
                **{k: v for k, v in wh.organisation_answers().items() if "-" not in k},
                "partners": [],
            },
        }),
    row("aap_wagtail:api:link_request", "ask for resume links",
        api(lambda s: f"calls/{s.call1.pk}/link-request/"), EVERYONE, method="post", json=True,
        data=lambda s: {"email": s.a_draft.email}),
    row("aap_wagtail:api:report_link_request", "ask for report links",
        api(lambda s: "report-link-request/"), EVERYONE, method="post", json=True,
        data=lambda s: {"email": s.a_winner.email}),
    # Public data once a directory is configured (tests/applications/test_organisation_directory);
    # this site has none: the look-up is off for everyone.
    row("aap_wagtail:api:organisation_lookup", "SIRET look-up, no directory configured",
        api(lambda s: "organisations/73282932000074/"), NOBODY),
    row("aap_wagtail:api:application", "A's dossier", app_api("a_review"), A_ONLY,
        token=lambda s: s.a_review),
    row("aap_wagtail:api:application", "B's dossier", app_api("b_review"), only(B),
        token=lambda s: s.b_review),
    row("aap_wagtail:api:application", "the mediator's draft", app_api("m_draft"),
        only(MEDIATOR), token=lambda s: s.m_draft),
    row("aap_wagtail:api:data", "data of A's dossier", app_api("a_review", "data/"), A_ONLY,
        token=lambda s: s.a_review),
    row("aap_wagtail:api:token", "revoke A's links", app_api("a_draft", "token/"), A_ONLY,
        method="delete", token=lambda s: s.a_draft),
    row("aap_wagtail:api:step", "read a step of A's draft",
        app_api("a_draft", "steps/organisation/"), A_ONLY, token=lambda s: s.a_draft),
    row("aap_wagtail:api:step", "write a step of A's draft", app_api("a_draft", "steps/projet/"),
        A_ONLY, method="put", json=True, token=lambda s: s.a_draft,
        data=lambda s: {**wh.project_answers(s.call1), "title": "Changed by API"},
        effect=lambda s, role: (
            Application.objects.get(pk=s.a_draft.pk).project_title == "Changed by API"
        )),
    row("aap_wagtail:api:files", "list A's files", app_api("a_draft", "files/"), A_ONLY,
        token=lambda s: s.a_draft),
    row("aap_wagtail:api:files", "upload into A's draft", app_api("a_draft", "files/"), A_ONLY,
        method="post", token=lambda s: s.a_draft,
        data=pdf_upload(lambda s: s.a_file.slot),
        effect=lambda s, role: s.a_draft.attachments.filter(original_name="new.pdf").exists()),
    row("aap_wagtail:api:file", "download A's file",
        app_api("a_draft", lambda s: f"files/{s.a_file.pk}/"), A_ONLY,
        token=lambda s: s.a_draft),
    row("aap_wagtail:api:file", "delete A's file",
        app_api("a_draft", lambda s: f"files/{s.a_file.pk}/"), A_ONLY, method="delete",
        token=lambda s: s.a_draft,
        effect=lambda s, role: not Attachment.objects.filter(pk=s.a_file.pk).exists()),
    row("aap_wagtail:api:submit", "submit the mediator's draft", app_api("m_draft", "submit/"),
        only(MEDIATOR), method="post", json=True, token=lambda s: s.m_draft, data=lambda s: {}),
    row("aap_wagtail:api:report", "read A's report", app_api("a_winner", "report/"), A_ONLY,
        token=lambda s: s.a_winner),
    row("aap_wagtail:api:report", "write A's report", app_api("a_winner", "report/"), A_ONLY,
        method="put", json=True, token=lambda s: s.a_winner,
        data=lambda s: {"title": "Bilan", "actions": "Changed by API"},
        effect=lambda s, role: ProjectReport.objects.filter(
            application=s.a_winner, actions="Changed by API"
        ).exists()),
    row("aap_wagtail:api:messages", "read A's messages", app_api("a_review", "messages/"),
        A_ONLY, token=lambda s: s.a_review),
    row("aap_wagtail:api:messages", "write to A's dossier's staff",
        app_api("a_review", "messages/"), A_ONLY, method="post", json=True,
        token=lambda s: s.a_review, data=lambda s: {"message": "Written by API"},
        effect=lambda s, role: DossierMessage.objects.filter(body="Written by API").exists()),
    row("aap_wagtail:api:financial_report", "read A's financial report",
        app_api("a_funded", "financial-report/"), A_ONLY, token=lambda s: s.a_funded),
    row("aap_wagtail:api:financial_report", "write A's financial report",
        app_api("a_funded", "financial-report/"), A_ONLY, method="put", json=True,
        token=lambda s: s.a_funded, data=lambda s: {"results": "Changed by API"},
        effect=lambda s, role: FinancialReport.objects.filter(results="Changed by API").exists()),
    row("aap_wagtail:api:not_found", "an unknown API path", api(lambda s: "admin/"), NOBODY),
    # --- the admin: listings, exports, inspect --------------------------------------------------
    row("wagtailadmin_home", "dashboard: site 1's call", lambda s: reverse("wagtailadmin_home"),
        CALL_1_STAFF, marker=lambda s: s.call1.title),
    row("wagtailadmin_home", "dashboard: site 2's call", lambda s: reverse("wagtailadmin_home"),
        CALL_2_STAFF, marker=lambda s: s.call2.title),
    row("aap_calls", "calls listing: site 1's call", lambda s: reverse("aap_calls"),
        only(JUROR, CONFLICTED, M1, SUPER), marker=lambda s: s.call1.title),
    row("aap_calls", "calls listing: site 2's call", lambda s: reverse("aap_calls"),
        CALL_2_STAFF, marker=lambda s: s.call2.title),
    row("aap_wagtail_application_modeladmin_index", "dossiers: A's (conflict declared on it)",
        admin("aap_wagtail_application_modeladmin_index"), only(JUROR, M1, SUPER),
        marker=lambda s: s.a_review.reference),
    row("aap_wagtail_application_modeladmin_index", "dossiers: B's",
        admin("aap_wagtail_application_modeladmin_index"), only(JUROR, CONFLICTED, M1, SUPER),
        marker=lambda s: s.b_review.reference),
    row("aap_wagtail_application_modeladmin_index", "dossiers: a submitted one (not for jury)",
        admin("aap_wagtail_application_modeladmin_index"), CALL_1_STAFF,
        marker=lambda s: s.b_submitted.reference),
    row("aap_wagtail_application_modeladmin_index", "dossiers: site 2's",
        admin("aap_wagtail_application_modeladmin_index"), CALL_2_STAFF,
        marker=lambda s: s.d2_review.reference),
    row("aap_wagtail_application_modeladmin_index", "dossiers: drafts",
        admin("aap_wagtail_application_modeladmin_index", query="?status=draft"), CALL_1_STAFF,
        marker=lambda s: s.a_draft.organisation_name),
    row("aap_wagtail_application_modeladmin_index", "CSV export",
        admin("aap_wagtail_application_modeladmin_index", query="?export=csv"), CALL_1_STAFF,
        marker=lambda s: s.a_review.reference),
    row("aap_wagtail_application_modeladmin_index", "XLSX export",
        admin("aap_wagtail_application_modeladmin_index", query="?export=xlsx"), CALL_1_STAFF,
        marker=lambda s: s.a_review.reference),
    row("aap_wagtail_application_modeladmin_index", "XLSX export of site 2",
        admin("aap_wagtail_application_modeladmin_index", query="?export=xlsx"), CALL_2_STAFF,
        marker=lambda s: s.d2_review.reference),
    row("aap_wagtail_application_modeladmin_inspect", "inspect A's dossier (conflict)",
        admin("aap_wagtail_application_modeladmin_inspect", "a_review"),
        only(JUROR, M1, SUPER)),
    row("aap_wagtail_application_modeladmin_inspect", "inspect B's dossier",
        admin("aap_wagtail_application_modeladmin_inspect", "b_review"),
        only(JUROR, CONFLICTED, M1, SUPER)),
    row("aap_wagtail_application_modeladmin_inspect", "inspect a submitted dossier",
        admin("aap_wagtail_application_modeladmin_inspect", "b_submitted"), CALL_1_STAFF),
    row("aap_wagtail_application_modeladmin_inspect", "inspect the mediator's draft",
        admin("aap_wagtail_application_modeladmin_inspect", "m_draft"), CALL_1_STAFF),
    row("aap_wagtail_application_modeladmin_inspect", "inspect a site-2 dossier",
        admin("aap_wagtail_application_modeladmin_inspect", "d2_review"), CALL_2_STAFF),
    row("aap_wagtail_application_modeladmin_create", "create a dossier in the admin",
        admin("aap_wagtail_application_modeladmin_create"), NOBODY),
    row("aap_wagtail_application_modeladmin_edit", "edit a dossier in the admin",
        admin("aap_wagtail_application_modeladmin_edit", "b_submitted"), NOBODY),
    row("aap_wagtail_application_modeladmin_delete", "delete a dossier in the admin",
        admin("aap_wagtail_application_modeladmin_delete", "b_submitted"), NOBODY),
    row("aap_wagtail_application_modeladmin_delete", "POST delete a dossier in the admin",
        admin("aap_wagtail_application_modeladmin_delete", "b_submitted"), NOBODY,
        method="post",
        effect=lambda s, role: not Application.objects.filter(pk=s.b_submitted.pk).exists()),
    # Wagtail's log of every object: a dossier's entries only for superusers (inspect shows
    # a dossier's history to the call's managers).
    row("wagtailadmin_reports:site_history", "site history: a dossier's log entries",
        lambda s: reverse("wagtailadmin_reports:site_history"), only(SUPER),
        marker=lambda s: s.a_review.reference),
    # --- the admin: transitions and deliberation ------------------------------------------------
    row("aap_transition", "eligibility form of a submitted dossier",
        lambda s: reverse("aap_transition", args=[s.b_submitted.pk, "mark_eligible"]),
        CALL_1_STAFF),
    row("aap_transition", "mark a submitted dossier eligible",
        lambda s: reverse("aap_transition", args=[s.b_submitted.pk, "mark_eligible"]),
        CALL_1_STAFF, method="post", effect=status_is("b_submitted", S.ELIGIBLE)),
    row("aap_transition", "archive a dossier not selected (the jury sees it)",
        lambda s: reverse("aap_transition", args=[s.w_unannounced.pk, "archive"]), CALL_1_STAFF,
        method="post", effect=status_is("w_unannounced", S.ARCHIVED)),
    row("aap_transition", "mark a site-2 dossier eligible",
        lambda s: reverse("aap_transition", args=[s.d2_submitted.pk, "mark_eligible"]),
        CALL_2_STAFF, method="post", effect=status_is("d2_submitted", S.ELIGIBLE)),
    row("aap_deliberation", "deliberation of call 1", admin("aap_deliberation", "call1"),
        CALL_1_STAFF),
    row("aap_deliberation", "deliberation of call 2", admin("aap_deliberation", "call2"),
        CALL_2_STAFF),
    row("aap_decide", "decide on B's dossier",
        lambda s: reverse("aap_decide", args=[s.call1.pk, s.b_review.pk]), CALL_1_STAFF,
        method="post", data=decision_data, effect=status_is("b_review", S.NOT_SELECTED)),
    row("aap_send_results", "results summary", admin("aap_send_results", "call1"), CALL_1_STAFF),
    row("aap_send_results", "send the results", admin("aap_send_results", "call1"), CALL_1_STAFF,
        method="post"),
    # --- the admin: the jury ---------------------------------------------------------------------
    row("aap_jury_progress", "jury page of call 1: A's dossier",
        admin("aap_jury_progress", "call1"), only(JUROR, M1, SUPER),
        marker=lambda s: s.a_review.reference),
    row("aap_jury_progress", "jury page of call 1: B's dossier",
        admin("aap_jury_progress", "call1"), only(JUROR, CONFLICTED, M1, SUPER),
        marker=lambda s: s.b_review.reference),
    row("aap_jury_progress", "jury page of call 2", admin("aap_jury_progress", "call2"),
        CALL_2_STAFF, marker=lambda s: reverse("aap_jury_assign", args=[s.call2.pk])),
    row("aap_jury_assign", "assignment form", admin("aap_jury_assign", "call1"), CALL_1_STAFF),
    row("aap_jury_assign", "assign a jury member", admin("aap_jury_assign", "call2"),
        CALL_2_STAFF, method="post",
        data=lambda s: {"members": [s.users[JUROR].pk], "scope": "call"},
        effect=lambda s, role: JuryAssignment.objects.filter(
            call=s.call2, member=s.users[JUROR]
        ).exists()),
    row("aap_jury_send_eligible", "send eligible dossiers to the jury",
        admin("aap_jury_send_eligible", "call1"), CALL_1_STAFF, method="post",
        effect=status_is("b_eligible", S.IN_REVIEW)),
    row("aap_jury_unassign", "remove a jury member", admin("aap_jury_unassign", "assignment"),
        CALL_1_STAFF, method="post",
        effect=lambda s, role: not JuryAssignment.objects.filter(pk=s.assignment.pk).exists()),
    row("aap_review_unlock", "unlock a submitted review", admin("aap_review_unlock", "review"),
        CALL_1_STAFF, method="post",
        effect=lambda s, role: not Review.objects.get(pk=s.review.pk).is_locked),
    row("aap_jury_score", "score A's dossier (conflict declared by one juror)",
        admin("aap_jury_score", "a_review"), only(JUROR)),
    row("aap_jury_score", "score B's dossier", admin("aap_jury_score", "b_review"),
        only(JUROR, CONFLICTED)),
    row("aap_jury_score", "declare no conflict on A's dossier",
        admin("aap_jury_score", "a_review"), only(JUROR), method="post",
        data=lambda s: {"step": "conflict", "conflict": "no"},
        effect=lambda s, role: Review.objects.filter(
            application=s.a_review, member__username=role, conflict_of_interest=False
        ).exists()),
    # --- the admin: ZIP exports, reports, editions, presets, paper dossiers ---------------------
    row("aap_export_start", "ZIP page of call 1", admin("aap_export_start", "call1"),
        CALL_1_STAFF),
    row("aap_export_start", "start a ZIP of call 1", admin("aap_export_start", "call1"),
        CALL_1_STAFF, method="post",
        effect=lambda s, role: CallExport.objects.filter(call=s.call1).count() > 1),
    row("aap_export_start", "ZIP page of call 2", admin("aap_export_start", "call2"),
        CALL_2_STAFF),
    row("aap_export_detail", "progress of call 1's ZIP", admin("aap_export_detail", "export1"),
        CALL_1_STAFF),
    row("aap_export_download", "download call 1's ZIP", admin("aap_export_download", "export1"),
        CALL_1_STAFF),
    row("aap_export_download", "download call 2's ZIP", admin("aap_export_download", "export2"),
        CALL_2_STAFF),
    row("aap_reports", "reports of call 1", admin("aap_reports", "call1"), CALL_1_STAFF),
    row("aap_reports", "reports of call 2", admin("aap_reports", "call2"), CALL_2_STAFF),
    row("aap_report", "A's report", admin("aap_report", "a_winner"), CALL_1_STAFF),
    row("aap_report", "ask changes on a sent report", admin("aap_report", "sent_winner"),
        CALL_1_STAFF, method="post",
        data=lambda s: {"action": "changes", "message": "Ajoutez des photos."},
        effect=lambda s, role: ProjectReport.objects.filter(
            application=s.sent_winner, moderation_message="Ajoutez des photos."
        ).exists()),
    row("aap_funding", "agreements and payments of call 1", admin("aap_funding", "call1"),
        CALL_1_STAFF),
    row("aap_funding", "agreements and payments of call 2", admin("aap_funding", "call2"),
        CALL_2_STAFF),
    row("aap_funders_csv", "funders' report of call 1", admin("aap_funders_csv", "call1"),
        CALL_1_STAFF),
    row("aap_funders_csv", "funders' report of call 2", admin("aap_funders_csv", "call2"),
        CALL_2_STAFF),
    row("aap_agreement", "A's agreement", admin("aap_agreement", "a_winner"), CALL_1_STAFF,
        marker=lambda s: s.a_winner.reference),
    row("aap_agreement", "prepare the public winner's agreement",
        admin("aap_agreement", "w_public"),
        CALL_1_STAFF, method="post", data=lambda s: {"action": "prepare"},
        effect=lambda s, role: Agreement.objects.filter(application=s.w_public).exists()),
    row("aap_agreement_pdf", "A's agreement as a PDF", admin("aap_agreement_pdf", "a_winner"),
        CALL_1_STAFF),
    row("aap_messages", "A's messages in the admin", admin("aap_messages", "a_review"),
        only(JUROR, M1, SUPER)),
    row("aap_messages", "write to A from the admin", admin("aap_messages", "a_review"),
        CALL_1_STAFF, method="post", data=lambda s: {"action": "write", "body": "Admin wrote"},
        effect=lambda s, role: DossierMessage.objects.filter(body="Admin wrote").exists()),
    row("aap_financial_report_pdf", "A's financial report as a PDF",
        admin("aap_financial_report_pdf", "a_funded"), CALL_1_STAFF),
    row("aap_agreement_scan", "the signed scan of a paper agreement",
        admin("aap_agreement_scan", "sent_winner"), CALL_1_STAFF),
    row("aap_next_edition", "next edition form of call 1", admin("aap_next_edition", "call1"),
        CALL_1_STAFF),
    row("aap_next_edition", "prepare call 2's next edition", admin("aap_next_edition", "call2"),
        CALL_2_STAFF, method="post", data=lambda s: {"move_by": "year"},
        effect=lambda s, role: CallPage.objects.child_of(s.index2).count() > 1),
    row("aap_export_preset", "preset of call 1", admin("aap_export_preset", "call1"),
        CALL_1_STAFF),
    row("aap_export_preset", "preset of call 2", admin("aap_export_preset", "call2"),
        CALL_2_STAFF),
    row("aap_import_preset", "import form offers site 1's calls index",
        lambda s: reverse("aap_import_preset"), CALL_1_STAFF,
        marker=lambda s: s.index1.title),
    row("aap_import_preset", "import a preset under site 1's calls index",
        lambda s: reverse("aap_import_preset"), CALL_1_STAFF, method="post",
        data=preset_import_under("index1"), effect=imported_under("index1")),
    row("aap_import_preset", "import a preset under site 2's calls index",
        lambda s: reverse("aap_import_preset"), CALL_2_STAFF, method="post",
        data=preset_import_under("index2"), effect=imported_under("index2")),
    row("aap_paper_dossier", "paper dossier form of call 1", admin("aap_paper_dossier", "call1"),
        CALL_1_STAFF),
    row("aap_paper_dossier", "enter a paper dossier in call 2",
        admin("aap_paper_dossier", "call2"), CALL_2_STAFF, method="post",
        data=lambda s: {"received_on": timezone.localdate().isoformat()},
        effect=lambda s, role: Application.objects.filter(
            call=s.call2, entered_by=EnteredBy.STAFF
        ).exists()),
    # --- the site's operators' tools (example site): failed jobs and Django's admin ----------
    row("ops:django_rq", "the queue's dashboard", lambda s: "/django-rq/", only(SUPER)),
    row("ops:django_rq", "the queue's failed jobs",
        lambda s: "/django-rq/queues/0/failed/", only(SUPER)),
    row("ops:django_admin", "Django's own admin", lambda s: "/django-admin/", only(SUPER)),
]
# fmt: on


# --- the scenario ----------------------------------------------------------------------------


def attach(application: Application, name: str, slot: str = "rib", document=None) -> Attachment:
    checked = check_upload(
        SimpleUploadedFile(name, wh.pdf_bytes()), extensions=["pdf"], max_size_mb=1
    )
    return store_attachment(application, slot=slot, label="RIB", document=document, checked=checked)


def start_draft(client: Client, call: CallPage, organisation: dict) -> Application:
    """Eligibility then organisation through the wizard: this browser now holds the draft."""
    response = wh.post_step(client, call, "eligibilite", wh.eligibility_answers(call))
    assert response.status_code == 302, response.context["form"].errors
    answers = {**wh.organisation_answers(partners=[]), **organisation}
    response = wh.post_step(client, call, "organisation", answers)
    assert response.status_code == 302, response.context["form"].errors
    return Application.objects.get(call=call, email=organisation["email"])


def open_link(client: Client, url: str) -> None:
    assert client.get(url).status_code == 302, url


def resume(application: Application) -> str:
    return reverse("aap_wagtail:resume", args=[access.make_resume_token(application)])


def select(application: Application, manager) -> Application:
    return factories.announce(
        workflow.decide(
            application,
            user=manager,
            outcome="selected",
            awarded_amount=Decimal("1000"),
            support_kinds=["grant"],
        )
    )


def report_with_image(application: Application, manager, *, send: bool) -> ReportImage:
    workflow.mark_report_due(application, user=manager)
    report = workflow.save_report(application, {"actions": "Ateliers", "results": "Bilan"})
    image = ReportImage(report=report, alt_text="Photo", content_type="image/png", size=10)
    image.file.save("photo.png", io.BytesIO(png_bytes()), save=True)
    if send:
        workflow.save_report(application, {}, submit=True)
    return image


def zip_export(call: CallPage, manager) -> CallExport:
    export = CallExport.objects.create(call=call, requested_by=manager, status=ExportStatus.DONE)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("dossiers.txt", "matrix")
    export.file.save("dossiers.zip", ContentFile(buffer.getvalue()))
    return export


@pytest.fixture
def scenario(make_dossier_call, settings):
    """Two sites, one open call each; A, B and a mediator with dossiers in call 1; two jury
    members of call 1 (one declared a conflict on A's dossier); a manager per site."""
    settings.ALLOWED_HOSTS = ["testserver", SITE_2_HOST]
    s = SimpleNamespace()
    s.call1 = make_dossier_call(title="Call One Matrix", reference_prefix="ONE")
    s.index1 = CallIndexPage.objects.get(pk=s.call1.get_parent().pk)
    CallIndexPage.objects.filter(pk=s.index1.pk).update(title="Calls Index One Matrix")
    s.index1.refresh_from_db()
    root2 = Page.get_first_root_node().add_child(title="Site two", slug="site-two")
    Site.objects.create(hostname=SITE_2_HOST, root_page=root2, site_name="Site two")
    s.index2 = factories.make_index(parent=root2, title="Calls Index Two Matrix")
    s.call2 = CallPage.objects.get(
        pk=factories.make_call(s.index2, title="Call Two Matrix", reference_prefix="TWO").pk
    )
    s.winners = make_winners_index(title="Winners Matrix")
    s.path = {page.pk: page.get_url_parts()[2] for page in (s.call1, s.index1, s.winners)}

    m1, _ = factories.make_other_site_manager(s.index1, username=M1)
    m2, _ = factories.make_other_site_manager(s.index2, username=M2)
    s.users = {
        JUROR: factories.make_user(JUROR, "AAP jury"),
        CONFLICTED: factories.make_user(CONFLICTED, "AAP jury"),
        M1: m1,
        M2: m2,
        SUPER: get_user_model().objects.create_superuser(SUPER, f"{SUPER}@example.org", "x"),
    }
    s.clients = {role: Client() for role in ROLES}
    for role, user in s.users.items():
        s.clients[role].force_login(user)

    # The mediator fills in a dossier for an association in their own browser.
    s.m_draft = start_draft(
        s.clients[MEDIATOR],
        s.call1,
        {
            "organisation_name": "Gamma Helped Asso",
            "email": "gamma@example.org",
            "helped_by_mediator": "on",
            "mediator_name": "Mina Mediator",
            "mediator_structure": "Espace public numerique",
        },
    )
    assert s.m_draft.entered_by == EnteredBy.MEDIATOR
    s.m_file = attach(s.m_draft, "gamma-rib.pdf")

    # A's draft, through the wizard, with a project and a file.
    client_a = s.clients[A]
    s.a_draft = start_draft(
        client_a, s.call1, {"organisation_name": "Alpha Draft Asso", "email": "alpha@example.org"}
    )
    project = {**wh.project_answers(s.call1), "title": "Alpha Secret Project"}
    assert wh.post_step(client_a, s.call1, "projet", project).status_code == 302
    s.a_draft.refresh_from_db()
    rib = s.call1.required_documents.get(label="RIB")
    s.a_file = attach(s.a_draft, "alpha-rib.pdf", slot=f"doc{rib.pk}", document=rib)

    def submitted(status, reference, call=s.call1, **fields):
        return factories.make_submitted(
            call,
            status=status,
            reference=reference,
            organisation_name=f"{reference} Asso",
            **fields,
        )

    s.a_review = submitted(S.IN_REVIEW, "REF-AREV", email="alpha@example.org")
    s.a_review_file = attach(s.a_review, "alpha-review.pdf")
    s.b_review = submitted(S.IN_REVIEW, "REF-BREV", email="beta@example.org")
    s.b_review_file = attach(s.b_review, "beta-review.pdf")
    s.b_submitted = submitted(S.SUBMITTED, "REF-BSUB", email="beta@example.org")
    s.b_eligible = submitted(S.ELIGIBLE, "REF-BELI", email="beta@example.org")
    s.d2_review = submitted(S.IN_REVIEW, "REF-SITE2", call=s.call2)
    s.d2_file = attach(s.d2_review, "site2.pdf")
    s.d2_submitted = submitted(S.SUBMITTED, "REF-TWOSUB", call=s.call2)

    # Winners: A's (report due, not published), a public one, one without consent, one
    # whose report was sent, and one decided but not announced yet.
    s.a_winner = select(submitted(S.IN_REVIEW, "REF-AWIN", email="alpha@example.org"), m1)
    s.a_image = report_with_image(s.a_winner, m1, send=False)
    s.a_report_token = access.make_report_token(s.a_winner)
    s.w_public = select(
        submitted(
            S.IN_REVIEW,
            "REF-WPUB",
            consent_publication=True,
            project_title="Public Winner Project",
            email="public-winner@example.org",
        ),
        m1,
    )
    s.public_image = report_with_image(s.w_public, m1, send=True)
    workflow.publish_report(s.w_public, user=m1)
    s.w_private = select(
        submitted(S.IN_REVIEW, "REF-WPRIV", project_title="Private Winner Project"), m1
    )
    s.sent_winner = select(submitted(S.IN_REVIEW, "REF-WSENT"), m1)
    report_with_image(s.sent_winner, m1, send=True)
    # A's agreement, sent for signature; the sent winner's, signed on paper with a scan.
    agreement = workflow.prepare_agreement(s.a_winner, user=m1)
    s.agreement = workflow.send_agreement(agreement, user=m1, text="<p>Convention A</p>")
    s.agreement_token = agreements.make_sign_token(s.agreement)
    workflow.record_paper_signature(
        workflow.prepare_agreement(s.sent_winner, user=m1),
        user=m1,
        signed_on=timezone.localdate(),
        signer_name="Signataire",
        store_scan=lambda a: a.signed_file.save("scan.pdf", ContentFile(b"%PDF-1.4"), save=False),
    )

    # Messages on A's dossier in review: one to A with a file, an internal note shared with
    # the jury (with a file too).
    def with_file(name):
        def store(message):
            message.file.save(name, ContentFile(b"%PDF-1.4"), save=False)
            message.original_name = name

        return store

    s.a_message = workflow.post_staff_message(
        s.a_review, user=m1, body="Message to A", store_file=with_file("to-a.pdf")
    )
    s.a_note = workflow.post_staff_message(
        s.a_review, user=m1, body="Note", internal=True, store_file=with_file("note.pdf")
    )
    workflow.share_with_jury(s.a_note, user=m1)
    s.alert = CallAlertSubscription.objects.create(site=s.call1.get_site(), email="x@example.org")
    s.alert_confirm = alerts.make_token(s.alert, "confirm")
    s.alert_leave = alerts.make_token(s.alert, "unsubscribe")
    # A's funded project: agreement signed on paper, financial report asked for.
    s.a_funded = select(submitted(S.IN_REVIEW, "REF-AFUND", email="alpha@example.org"), m1)
    funded = workflow.record_paper_signature(
        workflow.prepare_agreement(s.a_funded, user=m1),
        user=m1,
        signed_on=timezone.localdate(),
        signer_name="Signataire",
        store_scan=lambda a: None,
    )
    s.financial = workflow.request_financial_report(
        funded, user=m1, due_on=timezone.localdate() + datetime.timedelta(days=90)
    )
    s.financial_token = financial.make_token(s.financial)
    s.w_unannounced = workflow.decide(
        submitted(S.IN_REVIEW, "REF-WUNANN"), user=m1, outcome="not_selected", reason="Non."
    )

    # The jury of call 1: both members on the whole call; one has a conflict with A's dossier.
    workflow.assign_jury(s.call1, [s.users[JUROR], s.users[CONFLICTED]], user=m1)
    s.assignment = JuryAssignment.objects.get(call=s.call1, member=s.users[JUROR])
    workflow.declare_conflict(s.a_review, user=s.users[CONFLICTED], conflict=True)
    workflow.declare_conflict(s.b_review, user=s.users[JUROR], conflict=False)
    s.review = Review.objects.get(application=s.b_review, member=s.users[JUROR])
    Review.objects.filter(pk=s.review.pk).update(status="submitted")

    s.export1 = zip_export(s.call1, m1)
    s.export2 = zip_export(s.call2, m2)
    s.revoked_token = access.make_resume_token(s.b_submitted)
    access.revoke_links(s.b_submitted)

    # The applicants' browsers: B opened their links; A opened theirs and the report link,
    # then went back to the draft (the one the wizard continues).
    for application in (s.b_review, s.b_submitted):
        open_link(s.clients[B], resume(application))
    for url in (
        resume(s.a_review),
        resume(s.a_winner),
        reverse("aap_wagtail:report", args=[s.a_report_token]),
    ):
        assert client_a.get(url).status_code in (200, 302), url
    open_link(client_a, resume(s.a_draft))
    # B's browser opened this one's link, then every link was revoked (a new one asked for).
    s.b_revoked = submitted(S.SUBMITTED, "REF-BREVOKED", email="beta@example.org")
    s.b_revoked_file = attach(s.b_revoked, "beta-revoked.pdf")
    open_link(s.clients[B], resume(s.b_revoked))
    access.revoke_links(s.b_revoked)

    # Each applicant's bearer tokens (the resume links e-mailed to them).
    s.owned = {
        A: [s.a_draft, s.a_review, s.a_winner, s.a_funded],
        B: [s.b_review, s.b_submitted],
        MEDIATOR: [s.m_draft],
    }
    for attr in ("a_draft", "a_review", "b_submitted", "a_winner"):
        getattr(s, attr).refresh_from_db()
    return s


# --- playing the table -----------------------------------------------------------------------


def token_for(s, role: str, target: Application) -> str | None:
    """The token a role presents for ``target``: its own for its dossiers, for another one the
    token of a dossier it does hold (trying its luck); staff and visitors hold none."""
    owned = s.owned.get(role, [])
    if not owned:
        return None
    application = target if any(a.pk == target.pk for a in owned) else owned[0]
    return access.make_resume_token(Application.objects.get(pk=application.pk))


def request_of(s, r: Row, role: str) -> tuple[str, dict, dict | str | None]:
    """(url, headers, data) of the row's request as ``role``."""
    headers = {}
    if r.token is not None:
        token = token_for(s, role, r.token(s))
        if token:
            headers["HTTP_AUTHORIZATION"] = f"Bearer {token}"
        headers["HTTP_IDEMPOTENCY_KEY"] = "matrix"
    data = r.data(s) if r.data is not None else None
    return r.url(s), headers, data


def send(client: Client, r: Row, url: str, headers: dict, data):
    if r.json:
        body = json.dumps(data) if data is not None else None
        return getattr(client, r.method)(url, body, content_type="application/json", **headers)
    if r.method in ("get", "post"):
        return getattr(client, r.method)(url, data or {}, **headers)
    return getattr(client, r.method)(url, **headers)


@dataclass(frozen=True)
class Answer:
    """What a response said, kept after the transaction (the same GET is asked once)."""

    status: int
    location: str
    text: str


def answer_of(response) -> Answer:
    content = b"".join(response.streaming_content) if response.streaming else response.content
    if "spreadsheetml" in response.get("Content-Type", ""):
        workbook = openpyxl.load_workbook(io.BytesIO(content))
        text = " ".join(
            str(cell)
            for sheet in workbook
            for line in sheet.iter_rows(values_only=True)
            for cell in line
            if cell is not None
        )
    else:
        text = content.decode("utf-8", "replace")
    return Answer(response.status_code, response.get("Location", ""), text)


def outcome(r: Row, answer: Answer) -> str:
    code = answer.status
    if code >= 500 or code in (405, 429):
        return f"error ({code})"
    if r.marker is not None:
        return ALLOW if 200 <= code < 300 and r.marker_text in answer.text else DENY
    if code in (401, 403, 404):
        return DENY
    if 300 <= code < 400:
        path = urlsplit(answer.location).path
        login = path.startswith(("/admin/login/", reverse("admin:login")))  # Wagtail's, Django's
        refused = login or path == reverse("wagtailadmin_home")
        return DENY if refused else ALLOW
    if 200 <= code < 300 or code in (400, 409):
        return ALLOW
    return f"unexpected ({code})"


class _Rollback(Exception):
    pass


def play(s, r: Row, role: str, answers: dict) -> tuple[str, int]:
    """The row's request as ``role``, then forgotten (database and cookies).

    A write is judged by its ``effect``, checked before the rollback; a read by the response,
    kept in ``answers`` so that rows asking the same page with another marker reuse it."""
    url, headers, data = request_of(s, r, role)
    key = (role, url, tuple(sorted(headers.items())))
    if r.method == "get" and r.effect is None and key in answers:
        answer = answers[key]
        return outcome(r, answer), answer.status
    client = s.clients[role]
    cookies = copy.deepcopy(client.cookies)
    result = None
    try:
        with transaction.atomic():
            response = send(client, r, url, headers, data)
            try:
                answer = answer_of(response)
            finally:
                # As the test client closes a response: without closing the database
                # connection (request_finished would, inside this transaction, on PostgreSQL).
                signals.request_finished.disconnect(close_old_connections)
                try:
                    response.close()
                finally:
                    signals.request_finished.connect(close_old_connections)
            if r.effect is not None and answer.status < 500:
                result = (ALLOW if r.effect(s, role) else DENY), answer.status
            raise _Rollback
    except _Rollback:
        pass
    finally:
        client.cookies = cookies
    if result is not None:
        return result
    if r.method == "get":
        answers[key] = answer
    return outcome(r, answer), answer.status


def test_the_permission_matrix(scenario):
    answers: dict = {}
    problems = []
    for r in ROWS:
        r = r.bound(scenario)
        for role in ROLES:
            expected = ALLOW if role in r.allow else DENY
            got, code = play(scenario, r, role, answers)
            if got != expected:
                kind = "LEAK" if got == ALLOW else "REFUSED" if got == DENY else "ERROR"
                problems.append(
                    f"{kind}: {r.method.upper()} {r.name} — {r.what} — as {role}: "
                    f"expected {expected}, got {got} (HTTP {code})"
                )
    assert not problems, f"{len(problems)} cell(s) of the matrix differ:\n" + "\n".join(problems)


# --- every endpoint has a row ----------------------------------------------------------------


def endpoint_names() -> set[str]:
    """Every URL the package serves: its own URLs, its API's, its admin views and its pages'
    routes, plus the winners endpoint it adds to Wagtail's API."""
    resolver = get_resolver()
    package = resolver.namespace_dict["aap_wagtail"][1]
    api_urls = package.namespace_dict["api"][1]
    names = {f"aap_wagtail:{n}" for n in package.reverse_dict if isinstance(n, str)}
    names |= {f"aap_wagtail:api:{n}" for n in api_urls.reverse_dict if isinstance(n, str)}
    names |= {n for n in resolver.reverse_dict if isinstance(n, str) and n.startswith("aap_")}
    for page_class in (CallIndexPage, CallPage, WinnersIndexPage):
        names |= {f"route:{page_class.__name__}.{p.name}" for p in page_class.get_subpage_urls()}
    names -= {"route:CallIndexPage.index_route", "route:WinnersIndexPage.index_route"}
    return names | {"wagtailapi:winners:listing", "wagtailapi:winners:detail"}


def test_every_endpoint_has_a_row():
    names = endpoint_names()
    assert "aap_wagtail:api:submit" in names and "aap_jury_score" in names  # found at all
    missing = sorted(names - {r.name for r in ROWS})
    assert not missing, f"endpoints without a row in the permission matrix: {missing}"


def test_each_row_names_known_roles():
    for r in ROWS:
        assert r.allow <= EVERYONE, r
