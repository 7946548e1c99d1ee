"""What the applicant API says about a call (everything a front end needs to render the
dossier) and about a dossier (its status, steps and files)."""

from __future__ import annotations

from typing import Any

from django.urls import reverse

from .. import rules
from ..applications import drafts
from ..applications.wizard.forms import STEP_FORMS, DocumentsForm
from ..models import Agreement, Application, Attachment, FinancialReport, steps
from . import bridge


def _iso(value) -> str | None:
    return value.isoformat() if value else None


def _money(value) -> str | None:
    return str(value) if value is not None else None


def _file_slots(form, documents: dict[str, Any]) -> list[dict]:
    slots = []
    for slot, (document, label, extensions, max_size) in form.upload_targets.items():
        entry = {
            "slot": slot,
            "label": str(label),
            "accepted_types": list(extensions),
            "max_size_mb": max_size,
            "required": document is not None,
        }
        if document is not None:
            entry["help_text"] = document.help_text
            entry["required_when"] = document.required_when
            entry["counts_towards_page_limit"] = document.counts_towards_page_limit
        slots.append(entry)
    return slots


def describe_steps(call) -> list[dict]:
    described = []
    for name, label in steps.STEPS:
        if name == steps.DOCUMENTS:
            # Every document the call may ask for, each saying when it applies.
            form = DocumentsForm(call=call, prefix=name, has_partners=True, funded_before=True)
        else:
            form = STEP_FORMS[name](call=call, prefix=name)
        fields = bridge.describe_form(form)
        if name == steps.ELIGIBILITY:
            # The answer that qualifies is public (the call page says it): a front end can
            # explain a refusal at once, as the wizard does on submission.
            qualifying = {f"q{q.pk}": q for q in form.questions}
            for field in fields:
                question = qualifying.get(field["name"])
                if question is not None:
                    field["qualifying_answer"] = "yes" if question.qualifying_answer else "no"
                    field["explanation"] = question.explanation
        entry = {
            "name": name,
            "label": str(label),
            "fields": fields,
            "files": _file_slots(form, {}),
        }
        if name == steps.REPORT:
            entry["applies_when"] = "funded_before"
        described.append(entry)
    return described


def describe_call(request, call) -> dict:
    """The call as the dossier's front end needs it."""
    status = call.get_status()
    return {
        "id": call.pk,
        "title": call.title,
        "html_url": call.get_full_url(request),
        "status": status.value,
        "status_label": str(status.label),
        "calendar": {
            "opens_at": _iso(call.opens_at),
            "closes_at": _iso(call.closes_at),
            "submissions_close_at": _iso(rules.submission_closes_at(call))
            if call.closes_at
            else None,
            "milestones": [
                {
                    "label": m.label,
                    "starts_on": _iso(m.starts_on),
                    "ends_on": _iso(m.ends_on),
                }
                for m in call.milestones.all()
            ],
        },
        "money": {
            "currency": call.currency,
            "max_grant": _money(call.max_grant),
            "max_grant_percent": _money(call.max_grant_percent),
            "min_grant": _money(call.min_grant),
            "cofunding_threshold": _money(call.cofunding_threshold),
            "envelope": _money(call.envelope),
        },
        "limits": {"max_pages": call.max_pages, "max_text_length": call.max_text_length},
        "axes": [
            {"id": a.pk, "title": a.title, "description": a.description} for a in call.axes.all()
        ],
        "publication_consent_text": call.publication_consent_text,
        "steps": describe_steps(call),
    }


def file_entry(request, attachment: Attachment) -> dict:
    return {
        "id": attachment.pk,
        "slot": attachment.slot,
        "label": attachment.label,
        "name": attachment.original_name,
        "size": attachment.size,
        "content_type": attachment.content_type,
        "page_count": attachment.page_count,
        "uploaded_at": _iso(attachment.uploaded_at),
        "url": request.build_absolute_uri(
            reverse(
                "aap_wagtail:api:file",
                kwargs={"uuid": attachment.application.uuid, "pk": attachment.pk},
            )
        ),
    }


def status_entry(request, application: Application) -> dict:
    stored = (application.wizard_state or {}).get("step_data") or {}
    return {
        "id": str(application.uuid),
        "call": application.call_id,
        "reference": application.reference or None,
        "status": application.status,
        "status_label": str(application.get_status_display()),
        "email": application.email,
        "organisation_name": application.organisation_name,
        "project_title": application.project_title,
        "created_at": _iso(application.created_at),
        "updated_at": _iso(application.updated_at),
        "submitted_at": _iso(application.submitted_at),
        "steps": [
            {"name": name, "label": str(steps.STEP_LABELS[name]), "complete": name in stored}
            for name in drafts.applicable_steps(application)
        ],
        "files": [file_entry(request, a) for a in application.attachments.all()],
        "agreement": agreement_entry(application),
    }


def agreement_entry(application: Application) -> dict | None:
    """The grant agreement once it is sent, and its payments: what was paid, what comes next
    (the status page's table), for the applicant's front end."""
    agreement = Agreement.objects.filter(application=application).first()
    if agreement is None or (agreement.sent_at is None and not agreement.is_signed):
        return None
    report = FinancialReport.objects.filter(agreement=agreement).first()
    return {
        "status": agreement.status,
        "status_label": str(agreement.get_status_display()),
        "amount": str(agreement.amount),
        "project_start": _iso(agreement.project_start),
        "project_end": _iso(agreement.project_end),
        "signed_at": _iso(agreement.signed_at),
        "payments": [
            {
                "kind": payment.kind,
                "label": str(payment.get_kind_display()),
                "planned_amount": str(payment.planned_amount),
                "unlock": payment.unlock,
                "status": payment.status,
                "paid_on": _iso(payment.paid_on),
                "paid_amount": None if payment.paid_amount is None else str(payment.paid_amount),
            }
            for payment in agreement.payments.all()
        ],
        "financial_report": None
        if report is None
        else {
            "status": report.status,
            "status_label": str(report.get_status_display()),
            "due_on": _iso(report.due_on),
        },
    }
