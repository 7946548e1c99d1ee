"""The applicant's copy of everything their dossier holds (the GDPR right of access), as JSON.

One builder, ``applicant_data``, for the download on the dossier's page (``privacy.views``) and
the JSON API's ``data`` endpoint.
"""

from __future__ import annotations

from typing import Any

from ..models import Application, FinancialReport


def _iso(value) -> str | None:
    return value.isoformat() if value is not None else None


def _amount(value) -> str | None:
    return str(value) if value is not None else None


def applicant_data(application: Application) -> dict[str, Any]:
    """Everything the dossier holds about its applicant, as JSON-ready values (the GDPR right
    of access). The decision and the eligibility check appear once the results are sent, as in
    the e-mail; the jury's reviews are the city's working notes and are not included; files are
    listed (each is downloaded from the dossier's page)."""
    call = application.call
    results_sent = application.results_sent_at is not None
    data: dict[str, Any] = {
        "reference": application.reference,
        "call": {"title": call.title, "url": call.full_url},
        "status": application.status,
        "status_label": str(application.get_status_display()),
        "created_at": _iso(application.created_at),
        "updated_at": _iso(application.updated_at),
        "submitted_at": _iso(application.submitted_at),
        "withdrawn_at": _iso(application.withdrawn_at),
        "received_by_post_on": _iso(application.received_by_post_on),
        "anonymised_at": _iso(application.anonymised_at),
        "email": application.email,
        "organisation_name": application.organisation_name,
        "siret": application.siret,
        "rna": application.rna,
        "project_title": application.project_title,
        "requested_amount": _amount(application.requested_amount),
        "total_amount": _amount(application.total_amount),
        "axes": [axis.title for axis in application.axes.all()],
        "entered_by": application.entered_by,
        "mediator_name": application.mediator_name,
        "mediator_structure": application.mediator_structure,
        "funded_before": application.funded_before,
        "consent_publication": application.consent_publication,
        "consent_data": application.consent_data,
        "answers": application.answers or {},
        "extra_answers": application.extra_answers or [],
        "attachments": [
            {
                "document": attachment.label,
                "file_name": attachment.original_name,
                "size": attachment.size,
                "sha256": attachment.sha256,
                "uploaded_at": _iso(attachment.uploaded_at),
            }
            for attachment in application.attachments.all()
        ],
        "eligibility": None,
        "decision": None,
        "report": None,
        "agreement": None,
    }
    check = getattr(application, "eligibility_check", None)
    if results_sent and check is not None:
        data["eligibility"] = {"eligible": check.eligible, "reason": check.reason}
    decision = getattr(application, "decision", None)
    if results_sent and decision is not None:
        data["decision"] = {
            "outcome": decision.outcome,
            "awarded_amount": _amount(decision.awarded_amount),
            "support_kinds": list(decision.support_kinds or []),
            "reason": decision.reason,
            "decided_at": _iso(decision.decided_at),
        }
    agreement = getattr(application, "agreement", None)
    if agreement is not None and (agreement.sent_at is not None or agreement.is_signed):
        data["agreement"] = {
            "status": agreement.status,
            "amount": _amount(agreement.amount),
            "project_start": _iso(agreement.project_start),
            "project_end": _iso(agreement.project_end),
            "sent_at": _iso(agreement.sent_at),
            "signed_at": _iso(agreement.signed_at),
            "signer_name": agreement.signer_name,
            "signer_capacity": agreement.signer_capacity,
            "signer_ip": agreement.signer_ip,
            "payments": [
                {
                    "kind": payment.kind,
                    "planned_amount": _amount(payment.planned_amount),
                    "status": payment.status,
                    "paid_on": _iso(payment.paid_on),
                    "paid_amount": _amount(payment.paid_amount),
                }
                for payment in agreement.payments.all()
            ],
        }
        financial = FinancialReport.objects.filter(agreement=agreement).first()
        if financial is not None:
            data["financial_report"] = {
                "status": financial.status,
                "due_on": _iso(financial.due_on),
                **{name: getattr(financial, name) for name in ("outcome", "outcome_details")},
                "new_end": _iso(financial.new_end),
                "public_reached": financial.public_reached,
                "results": financial.results,
                "signer_name": financial.signer_name,
                "signer_capacity": financial.signer_capacity,
                "lines": financial.lines,
            }
    data["messages"] = [
        {
            "from": message.author_kind,
            "sent_at": _iso(message.created_at),
            "message": message.body,
            "file": message.original_name,
        }
        for message in application.messages.filter(internal=False)
    ]
    loans = list(application.loans.all())
    if loans:
        data["loans"] = [
            {
                "item": loan.item_name,
                "quantity": loan.quantity,
                "value": _amount(loan.value),
                "lent_on": _iso(loan.lent_on),
                "return_by": _iso(loan.return_by),
                "returned_on": _iso(loan.returned_on),
            }
            for loan in loans
        ]
    report = getattr(application, "report", None)
    if report is not None:
        data["report"] = {
            "title": report.title,
            "partners": report.partners,
            "actions": report.actions,
            "results": report.results,
            "next_steps": report.next_steps,
            "budget_spent": _amount(report.budget_spent),
            "status": report.status,
            "submitted_at": _iso(report.submitted_at),
            "published_at": _iso(report.published_at),
            "images": [image.alt_text for image in report.images.all()],
        }
    return data
