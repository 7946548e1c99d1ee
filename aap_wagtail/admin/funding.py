"""After the decision, in the Wagtail admin: a call's agreements and payments (what is awarded,
signed, paid and left to pay, and what is late), and a dossier's page to prepare, send, record
and amend its agreement and to record or cancel its payments.

Only the call's managers see these pages (404 for anyone else). Every change goes through
``workflow.funding``; each form puts its message next to its field."""

from __future__ import annotations

import datetime
from decimal import Decimal

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Prefetch
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_safe

from .. import workflow
from ..applications.attachments import check_upload
from ..funding import agreements
from ..models import (
    AapSiteSettings,
    Agreement,
    AgreementStatus,
    Application,
    ApplicationStatus,
    CallPage,
    Payment,
    PaymentStatus,
)
from ..rules import funding as funding_rules
from . import financial as after_decision
from . import managed_application, managed_call
from .funders import funder_totals, funders_report

S = ApplicationStatus
A = AgreementStatus
#: A sent agreement not signed after this many days is listed as late.
SIGNATURE_LATE_DAYS = 30
SCAN_EXTENSIONS = ["pdf", "jpg", "png"]
SCAN_MAX_MB = 20
DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class PrepareForm(forms.Form):
    project_start = forms.DateField(
        label=gettext_lazy("Project start"), required=False, widget=DATE
    )
    project_end = forms.DateField(label=gettext_lazy("Project end"), required=False, widget=DATE)

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("project_start"), cleaned.get("project_end")
        if start and end and end < start:
            self.add_error("project_end", _("The project cannot end before it starts."))
        return cleaned


class PaperForm(forms.Form):
    signed_on = forms.DateField(label=gettext_lazy("Signed on"), widget=DATE)
    signer_name = forms.CharField(label=gettext_lazy("Signed by"), max_length=255, required=False)
    scan = forms.FileField(
        label=gettext_lazy("Scan of the signed agreement"),
        help_text=gettext_lazy("PDF, JPG or PNG, 20 MB at most."),
    )

    def clean_signed_on(self):
        value = self.cleaned_data["signed_on"]
        if value > timezone.localdate():
            raise ValidationError(_("Write the date of the signature, today or earlier."))
        return value

    def clean_scan(self):
        return check_upload(
            self.cleaned_data["scan"], extensions=SCAN_EXTENSIONS, max_size_mb=SCAN_MAX_MB
        )


class AmendForm(forms.Form):
    amount = forms.DecimalField(
        label=gettext_lazy("New amount (€)"),
        min_value=Decimal("0"),
        max_digits=12,
        decimal_places=2,
    )
    project_end = forms.DateField(
        label=gettext_lazy("New project end"), required=False, widget=DATE
    )
    reason = forms.CharField(
        label=gettext_lazy("Why (the amendment's object)"),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=5000,
    )


class PaymentForm(forms.Form):
    paid_on = forms.DateField(label=gettext_lazy("Paid on"), widget=DATE)
    amount = forms.DecimalField(
        label=gettext_lazy("Amount paid (€)"), max_digits=12, decimal_places=2
    )
    reference = forms.CharField(
        label=gettext_lazy("Accounting reference"),
        max_length=100,
        required=False,
        help_text=gettext_lazy("The payment order's number, for example."),
    )
    beyond_award = forms.BooleanField(
        label=gettext_lazy("Pay beyond the amount awarded"),
        required=False,
        help_text=gettext_lazy("Only when the council decided so: it is recorded."),
    )

    def __init__(self, *args, payment: Payment, paid: Decimal, **kwargs):
        self.payment, self.paid = payment, paid
        kwargs.setdefault("prefix", f"pay-{payment.pk}")
        kwargs.setdefault(
            "initial", {"paid_on": timezone.localdate(), "amount": payment.planned_amount}
        )
        super().__init__(*args, **kwargs)

    def clean_paid_on(self):
        value = self.cleaned_data["paid_on"]
        if value > timezone.localdate():
            raise ValidationError(_("Write the date of the payment, today or earlier."))
        return value

    def clean(self):
        cleaned = super().clean()
        if "amount" in cleaned:
            problem = funding_rules.payment_problem(
                self.payment.agreement.amount,
                self.paid,
                cleaned["amount"],
                override=bool(cleaned.get("beyond_award")),
            )
            if problem:
                self.add_error("amount", problem)
        return cleaned


class SharesForm(forms.Form):
    """The agreement's amount split between the call's funders, one field a funder."""

    def __init__(self, *args, agreement: Agreement, sources, **kwargs):
        self.agreement, self.sources = agreement, list(sources)
        kwargs.setdefault("prefix", "shares")
        super().__init__(*args, **kwargs)
        current = {share.funding_source_id: share.amount for share in agreement.shares.all()}
        alone = len(self.sources) == 1 and not current
        for source in self.sources:
            self.fields[f"funder_{source.pk}"] = forms.DecimalField(
                label=source.label,
                min_value=Decimal("0"),
                max_digits=12,
                decimal_places=2,
                initial=current.get(source.pk, agreement.amount if alone else Decimal("0")),
            )

    def clean(self):
        cleaned = super().clean()
        if not self.errors:
            problem = funding_rules.shares_problem(
                self.agreement.amount, [cleaned[f"funder_{s.pk}"] for s in self.sources]
            )
            if problem:
                self.add_error(None, problem)
        return cleaned

    def shares(self) -> list[tuple]:
        return [(s, self.cleaned_data[f"funder_{s.pk}"]) for s in self.sources]


class ReasonForm(forms.Form):
    reason = forms.CharField(
        label=gettext_lazy("Reason"), widget=forms.Textarea(attrs={"rows": 3}), max_length=5000
    )


# --- a call's agreements and payments ----------------------------------------------------------


def call_summary(call: CallPage, today: datetime.date | None = None) -> dict:
    """Per call: awarded, committed by a signed agreement, paid, left to pay; the rows; what is
    late (agreements sent and not signed, payments past their planned date)."""
    today = today or timezone.localdate()
    payments = Prefetch("agreement__payments", queryset=Payment.objects.order_by("position"))
    selected = (
        Application.objects.filter(call=call, decision__outcome="selected")
        .select_related("decision", "agreement")
        .prefetch_related(payments)
        .order_by("reference", "pk")
    )
    rows, totals = [], dict.fromkeys(("awarded", "committed", "paid", "left"), Decimal("0"))
    late_signatures, late_payments = [], []
    for application in selected:
        agreement = getattr(application, "agreement", None)
        awarded = application.decision.awarded_amount or Decimal("0")
        paid = Decimal("0")
        left = Decimal("0")
        if agreement is not None:
            for payment in agreement.payments.all():
                if payment.status == PaymentStatus.PAID:
                    paid += payment.paid_amount or 0
                elif payment.status == PaymentStatus.PLANNED:
                    left += payment.planned_amount
                    if payment.planned_date and payment.planned_date < today:
                        late_payments.append((application, payment))
            if agreement.is_signed:
                totals["committed"] += agreement.amount
            sent_long_ago = (
                agreement.sent_at and (today - timezone.localdate(agreement.sent_at)).days
            )
            if agreement.status == A.SENT and sent_long_ago and sent_long_ago > SIGNATURE_LATE_DAYS:
                late_signatures.append(application)
        totals["awarded"] += awarded
        totals["paid"] += paid
        totals["left"] += left
        rows.append(
            {
                "application": application,
                "agreement": agreement,
                "awarded": awarded,
                "paid": paid,
                "left": left,
            }
        )
    return {
        "rows": rows,
        "totals": totals,
        "late_signatures": late_signatures,
        "late_payments": late_payments,
    }


def missing_body_settings(call: CallPage) -> tuple[list[str], str | None]:
    """What the site settings lack for the agreements and the SCDL file (the awarding body's
    name and SIRET), and the address of the page that sets them."""
    from django.urls import reverse

    site = call.get_site()
    if site is None:
        return [], None
    settings = AapSiteSettings.for_site(site)
    missing = [
        str(settings._meta.get_field(name).verbose_name)
        for name in ("attributing_body_name", "attributing_body_siret")
        if not getattr(settings, name)
    ]
    url = reverse("wagtailsettings:edit", args=["aap_wagtail", "aapsitesettings", site.pk])
    return missing, url


@require_safe
def funding_list(request, call_pk: int):
    call = managed_call(request.user, call_pk)
    context = {"call": call, "page_title": _("Agreements and payments"), **call_summary(call)}
    context["late_days"] = SIGNATURE_LATE_DAYS
    context["missing_settings"], context["settings_url"] = missing_body_settings(call)
    context["funders"] = funder_totals(call)
    context.update(after_decision.overdue(call))
    return TemplateResponse(request, "aap_wagtail/admin/funding_list.html", context)


# --- a dossier's agreement ---------------------------------------------------------------------

ACTIONS = (
    *("prepare", "send", "paper", "amend", "pay", "cancel", "not_carried_out", "shares"),
    *after_decision.ACTIONS,
)


def _forms(agreement: Agreement | None, data=None, files=None, action: str = "", payment=None):
    """Every form of the page, bound to the POST for the one action that was sent."""

    def bound(name: str):
        return (data, files) if action == name else (None, None)

    found = {
        "prepare": PrepareForm(*bound("prepare")),
        "paper": PaperForm(*bound("paper")),
        "amend": AmendForm(*bound("amend"), initial={"amount": getattr(agreement, "amount", None)}),
        "not_carried_out": ReasonForm(*bound("not_carried_out"), prefix="ncr"),
        "payments": [],
        "shares": None,
    }
    if agreement is not None:
        sources = agreement.application.call.funding_sources.all()
        if sources:
            found["shares"] = SharesForm(bound("shares")[0], agreement=agreement, sources=sources)
        paid = workflow.paid_total(agreement)
        for item in agreement.payments.all():
            mine = payment is not None and item.pk == payment.pk
            pay_data = (data, None) if mine and action == "pay" else (None, None)
            cancel_data = data if mine and action == "cancel" else None
            found["payments"].append(
                {
                    "payment": item,
                    "form": PaymentForm(*pay_data, payment=item, paid=paid),
                    "cancel": ReasonForm(cancel_data, prefix=f"cancel-{item.pk}"),
                    "locked": workflow.payment_locked_reason(item),
                }
            )
    return found


def _apply(request, application, agreement, action: str, forms_: dict, payment) -> bool:
    """Run ``action`` with its valid form; ``True`` when something changed."""
    user = request.user
    if action in after_decision.ACTIONS:
        loan_pk = _int(request.POST.get("loan"))
        return after_decision.apply(
            request, application, agreement, action, forms_["after"], loan_pk
        )
    if action == "prepare":
        form = forms_["prepare"]
        if not form.is_valid():
            return False
        workflow.prepare_agreement(application, user=user, **form.cleaned_data)
        messages.success(request, _("The agreement is prepared with its payment schedule."))
    elif action == "send":
        workflow.send_agreement(agreement, user=user, text=agreements.render_text(agreement))
        messages.success(request, _("The agreement is sent, with the link to accept it online."))
    elif action == "paper":
        form = forms_["paper"]
        if not form.is_valid():
            return False
        checked = form.cleaned_data["scan"]

        def store_scan(locked):
            locked.signed_file.save(checked.name, checked.file, save=False)

        workflow.record_paper_signature(
            agreement,
            user=user,
            signed_on=form.cleaned_data["signed_on"],
            signer_name=form.cleaned_data["signer_name"],
            store_scan=store_scan,
        )
        messages.success(request, _("The signed agreement is recorded."))
    elif action == "amend":
        form = forms_["amend"]
        if not form.is_valid():
            return False
        workflow.amend_agreement(agreement, user=user, **form.cleaned_data)
        messages.success(request, _("The amendment is recorded."))
    elif action in ("pay", "cancel"):
        row = next((r for r in forms_["payments"] if r["payment"].pk == payment.pk), None)
        form = row["form"] if action == "pay" else row["cancel"]
        if not form.is_valid():
            return False
        if action == "pay":
            data = form.cleaned_data
            workflow.record_payment(
                payment,
                user=user,
                paid_on=data["paid_on"],
                amount=data["amount"],
                reference=data["reference"],
                beyond_award=data["beyond_award"],
            )
            messages.success(request, _("The payment is recorded."))
        else:
            workflow.cancel_payment(payment, user=user, reason=form.cleaned_data["reason"])
            messages.success(request, _("The payment is cancelled."))
    elif action == "shares":
        form = forms_["shares"]
        if form is None or not form.is_valid():
            return False
        workflow.split_award(agreement, user=user, shares=form.shares())
        messages.success(request, _("The split between the funders is recorded."))
    elif action == "not_carried_out":
        form = forms_["not_carried_out"]
        if not form.is_valid():
            return False
        workflow.project_not_carried_out(agreement, user=user, reason=form.cleaned_data["reason"])
        messages.success(request, _("What was left to pay is cancelled."))
    return True


@require_http_methods(["GET", "HEAD", "POST"])
def agreement_detail(request, pk: int):
    application = managed_application(request.user, pk, "decision")
    agreement = Agreement.objects.filter(application=application).first()
    action = request.POST.get("action", "") if request.method == "POST" else ""
    payment = None
    if action in ("pay", "cancel") and agreement is not None:
        payment = agreement.payments.filter(pk=_int(request.POST.get("payment"))).first()
        if payment is None:
            action = ""
    forms_ = _forms(agreement, request.POST, request.FILES, action, payment)
    forms_["after"] = after_decision.forms_for(
        application, agreement, request.POST, action, _int(request.POST.get("loan"))
    )
    if action in ACTIONS and (
        agreement is not None or action == "prepare" or action in after_decision.WITHOUT_AGREEMENT
    ):
        try:
            if _apply(request, application, agreement, action, forms_, payment):
                return redirect("aap_agreement", pk=application.pk)
        except workflow.TransitionRefused as refusal:
            messages.error(request, str(refusal))
            if action == "send":
                return redirect("aap_agreement", pk=application.pk)
            # Otherwise the page again, its forms bound: nothing typed is lost.
    status = 400 if request.method == "POST" else 200
    context = {
        "application": application,
        "call": application.call,
        "decision": getattr(application, "decision", None),
        "agreement": agreement,
        "forms": forms_,
        "amendments": list(agreement.amendments.all()) if agreement else [],
        "paid": workflow.paid_total(agreement) if agreement else Decimal("0"),
        "can_prepare": agreement is None
        and application.status in S.FUNDED | S.REPORT_IN
        and getattr(getattr(application, "decision", None), "outcome", "") == "selected",
        "page_title": _("Agreement and payments"),
    }
    return TemplateResponse(
        request, "aap_wagtail/admin/funding_dossier.html", context, status=status
    )


def _int(value) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return 0


@require_safe
def agreement_pdf(request, pk: int):
    application = managed_application(request.user, pk, "decision")
    agreement = get_object_or_404(Agreement, application=application)
    response = HttpResponse(agreements.agreement_pdf(agreement), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{application.reference}-convention.pdf"'
    return response


@require_safe
def agreement_scan(request, pk: int):
    application = managed_application(request.user, pk, "decision")
    agreement = get_object_or_404(Agreement, application=application)
    if not agreement.signed_file:
        raise Http404
    return FileResponse(agreement.signed_file.open("rb"), as_attachment=True)


def admin_urls():
    return [
        path("aap/funding/<aap_id:call_pk>/", funding_list, name="aap_funding"),
        path("aap/funding/<aap_id:call_pk>/funders/", funders_report, name="aap_funders_csv"),
        path("aap/funding/dossier/<aap_id:pk>/", agreement_detail, name="aap_agreement"),
        path("aap/funding/dossier/<aap_id:pk>/pdf/", agreement_pdf, name="aap_agreement_pdf"),
        path("aap/funding/dossier/<aap_id:pk>/scan/", agreement_scan, name="aap_agreement_scan"),
    ]


def register() -> None:
    from wagtail import hooks

    from . import add_call_action

    hooks.register("register_admin_urls", admin_urls)
    add_call_action("aap_funding", gettext_lazy("Agreements and payments"))
