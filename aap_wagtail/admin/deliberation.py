"""The deliberation screen of a call, and "send results".

One page per call ranks the dossiers sent to the jury by their weighted score, proposes an award
for each (the request within the call's caps, or the allocation helper's fair share when the
requests left exceed what is left of the envelope), shows the envelope gauge and takes a decision
per dossier. Every change goes through ``workflow.decide`` / ``workflow.send_results``; this module
only reads, builds forms and routes the workflow's refusals to the field they concern.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django import forms
from django.contrib import messages
from django.db.models import Count, Prefetch
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_http_methods, require_POST

from .. import permissions, rules, workflow
from ..core.formatting import format_amount
from ..models import Application, ApplicationStatus, CallPage, DecisionOutcome, Review
from . import add_call_action, forbidden
from .funders import funder_totals

S = ApplicationStatus

#: ``?prefill=helper`` pre-fills the proposed awards with the allocation helper's shares.
PREFILL_HELPER = "helper"


# --- forms ----------------------------------------------------------------------------------


class AmountField(forms.DecimalField):
    """Euros as people type them: "1 500", "1 500 €" and "1500,50" (in French) are accepted."""

    def to_python(self, value):
        if isinstance(value, str):
            value = value.replace("€", "")
            for space in (" ", "\u00a0", "\u202f"):
                value = value.replace(space, "")
        return super().to_python(value)


class DecisionForm(forms.Form):
    """The decision on one dossier; prefixed with the dossier's id (many on one page)."""

    outcome = forms.ChoiceField(
        label=gettext_lazy("Decision"),
        choices=DecisionOutcome.choices,
        widget=forms.RadioSelect,
        error_messages={"required": gettext_lazy("Choose a decision.")},
    )
    awarded_amount = AmountField(
        label=gettext_lazy("Amount awarded (€)"),
        required=False,
        max_digits=12,
        decimal_places=2,
        min_value=Decimal(0),
        localize=True,
        widget=forms.TextInput(attrs={"inputmode": "decimal", "size": 10}),
        help_text=gettext_lazy("For a selected dossier."),
    )
    support_kinds = forms.MultipleChoiceField(
        label=gettext_lazy("Kinds of support"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    council_deliberation_number = forms.CharField(
        label=gettext_lazy("Council deliberation number"), required=False, max_length=50
    )
    council_deliberation_date = forms.DateField(
        label=gettext_lazy("Council deliberation date"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    reason = forms.CharField(
        label=gettext_lazy("Reason"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=gettext_lazy(
            "Required when the dossier is not selected: the applicant reads it."
        ),
    )
    override_envelope = forms.BooleanField(
        label=gettext_lazy("Exceed the envelope on purpose"), required=False
    )

    def __init__(self, *args, support_choices=(), offer_override: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["support_kinds"].choices = list(support_choices)
        # The override is offered once the envelope guard has refused the amount (or when the
        # manager already ticked it), never up front: exceeding must be a second, deliberate step.
        self.offer_override = offer_override or (self.is_bound and self._posted_override())

    def _posted_override(self) -> bool:
        return self.fields["override_envelope"].widget.value_from_datadict(
            self.data, self.files, self.add_prefix("override_envelope")
        )

    def decision_kwargs(self) -> dict:
        data = self.cleaned_data
        return {
            "outcome": data["outcome"],
            "awarded_amount": data["awarded_amount"],
            "support_kinds": data["support_kinds"],
            "council_deliberation_number": data["council_deliberation_number"],
            "council_deliberation_date": data["council_deliberation_date"],
            "reason": data["reason"],
            "override_envelope": data["override_envelope"],
        }


def _prefix(application_pk: int) -> str:
    return f"d{application_pk}"


def _input_amount(amount: Decimal | None) -> Decimal | None:
    """2300.00 → 2300 in the amount box; cents only when there are some."""
    if amount is None:
        return None
    return amount.quantize(Decimal(1)) if amount == amount.to_integral_value() else amount


def _initial(application: Application, proposed: Decimal | None, support_choices) -> dict:
    decision = getattr(application, "decision", None)
    kinds = [kind for kind, _label in support_choices]
    if decision is None:
        outcome = application.status if application.status in DecisionOutcome.values else None
        return {
            "outcome": outcome,
            "awarded_amount": _input_amount(proposed),
            "support_kinds": ["grant"] if "grant" in kinds else [],
        }
    return {
        "outcome": decision.outcome,
        "awarded_amount": _input_amount(decision.awarded_amount or proposed),
        "support_kinds": decision.support_kinds or (["grant"] if "grant" in kinds else []),
        "council_deliberation_number": decision.council_deliberation_number,
        "council_deliberation_date": decision.council_deliberation_date,
        "reason": decision.reason,
    }


# --- what the page shows --------------------------------------------------------------------


@dataclass
class Line:
    """One dossier on the deliberation screen."""

    application: Application
    score: Decimal | None
    reviews_counted: int
    cap: Decimal
    share: Decimal | None  # the allocation helper's proposal (dossiers still to decide)
    proposed: Decimal | None
    form: DecisionForm | None  # None once the decision is final
    rank: int | None = None

    @property
    def to_decide(self) -> bool:
        return self.application.status in S.TO_DECIDE

    @property
    def decision(self):
        return getattr(self.application, "decision", None)


@dataclass
class Envelope:
    """The gauge: what is awarded, what is left, and whether the requests left fit."""

    envelope: Decimal | None
    awarded: Decimal
    caps_to_decide: Decimal

    @property
    def left(self) -> Decimal | None:
        return None if self.envelope is None else self.envelope - self.awarded

    @property
    def available(self) -> Decimal | None:
        """What the allocation helper may share: the envelope less what is already awarded."""
        return None if self.envelope is None else max(self.envelope - self.awarded, Decimal(0))

    @property
    def oversubscribed(self) -> bool:
        return self.envelope is not None and self.awarded + self.caps_to_decide > self.envelope

    @property
    def meter_value(self) -> Decimal:
        return min(self.awarded, self.envelope) if self.envelope is not None else self.awarded

    @property
    def percent(self) -> int:
        if not self.envelope:
            return 0
        return int(min(self.awarded / self.envelope, 1) * 100)

    @property
    def text(self) -> str:
        if self.envelope is None:
            return _("%(awarded)s awarded; this call has no envelope.") % {
                "awarded": format_amount(self.awarded)
            }
        values = {
            "awarded": format_amount(self.awarded),
            "envelope": format_amount(self.envelope),
            "left": format_amount(abs(self.left)),
        }
        if self.left < 0:
            return _("%(awarded)s of %(envelope)s awarded: %(left)s over the envelope.") % values
        return _("%(awarded)s of %(envelope)s awarded, %(left)s left.") % values


def _support_choices(call: CallPage) -> list[tuple[str, str]]:
    return [(kind.kind, kind.display_label) for kind in call.support_kinds.all()]


def _applications(call: CallPage):
    counted = Review.objects.counted()
    return (
        Application.objects.filter(call=call, status__in=S.DELIBERATED)
        .select_related("decision")
        .prefetch_related(Prefetch("reviews", queryset=counted, to_attr="counted_reviews"))
    )


def _decidable(application: Application) -> bool:
    """Whether the page offers a decision form (the workflow has the last word on POST)."""
    if application.status not in S.DECIDABLE:
        return False
    return application.results_sent_at is None or application.status == S.WAITLISTED


def deliberation_lines(
    call: CallPage,
    *,
    prefill_helper: bool = False,
    bound: tuple[int, DecisionForm] | None = None,
) -> tuple[list[Line], Envelope]:
    """The ranked dossiers of a call with their proposed awards, and the envelope gauge."""
    support_choices = _support_choices(call)
    applications = list(_applications(call))
    scores = {a.pk: [review.weighted_score for review in a.counted_reviews] for a in applications}
    averages = {pk: rules.average_score(values) for pk, values in scores.items()}
    # Best first, unscored last; the helper sees them in this order, so on equal remainders the
    # euros that rounding frees go to the better ranked dossier.
    applications.sort(
        key=lambda a: (averages[a.pk] is None, -(averages[a.pk] or 0), a.reference, a.pk)
    )
    caps = {
        a.pk: rules.award_cap(call, requested=a.requested_amount, total=a.total_amount)
        for a in applications
    }
    to_decide = [a for a in applications if a.status in S.TO_DECIDE]
    gauge = Envelope(
        envelope=call.envelope,
        awarded=workflow.awarded_total(call),
        caps_to_decide=sum((caps[a.pk] for a in to_decide), Decimal(0)),
    )
    shares = {}
    if gauge.oversubscribed:
        shares = rules.propose_allocation(
            gauge.available,
            [(a.pk, a.requested_amount or Decimal(0), caps[a.pk]) for a in to_decide],
        )
    lines = []
    for application in applications:
        share = shares.get(application.pk)
        decision = getattr(application, "decision", None)
        if application.status in S.TO_DECIDE:
            proposed = share if (prefill_helper and share is not None) else caps[application.pk]
        elif decision is not None and decision.awarded_amount is not None:
            proposed = decision.awarded_amount
        else:
            proposed = None
        form = None
        if bound is not None and bound[0] == application.pk:
            form = bound[1]
        elif _decidable(application):
            form = DecisionForm(
                prefix=_prefix(application.pk),
                initial=_initial(application, proposed or caps[application.pk], support_choices),
                support_choices=support_choices,
                offer_override=bool(decision and decision.envelope_override),
            )
        lines.append(
            Line(
                application=application,
                score=averages[application.pk],
                reviews_counted=len([s for s in scores[application.pk] if s is not None]),
                cap=caps[application.pk],
                share=share,
                proposed=proposed,
                form=form,
            )
        )
    rank = 0
    for line in lines:
        if line.score is not None:
            rank += 1
            line.rank = rank
    return lines, gauge


def _ineligible(call: CallPage):
    return (
        Application.objects.filter(call=call, status=S.INELIGIBLE)
        .select_related("eligibility_check")
        .order_by("reference", "pk")
    )


# --- views ----------------------------------------------------------------------------------


def _forbidden(request, call: CallPage):
    allowed, _reason = permissions.can_manage_call(request.user, call)
    if allowed:
        return None
    return forbidden(
        request, _("Only the managers of this call can open its deliberation and send its results.")
    )


def _page_url(call: CallPage, *, prefill_helper: bool = False, anchor: str = "") -> str:
    url = reverse("aap_deliberation", args=[call.pk])
    if prefill_helper:
        url += f"?prefill={PREFILL_HELPER}"
    return url + (f"#{anchor}" if anchor else "")


def _render(request, call: CallPage, *, prefill_helper: bool, bound=None, status: int = 200):
    lines, gauge = deliberation_lines(call, prefill_helper=prefill_helper, bound=bound)
    ineligible = list(_ineligible(call))
    context = {
        "call": call,
        "lines": lines,
        "gauge": gauge,
        "funders": funder_totals(call),
        "ineligible": ineligible,
        "helper_shown": gauge.oversubscribed,
        "prefill_helper": prefill_helper,
        "prefill_value": PREFILL_HELPER if prefill_helper else "",
        "with_helper_url": _page_url(call, prefill_helper=True),
        "with_caps_url": _page_url(call),
        "send_results_url": reverse("aap_send_results", args=[call.pk]),
        "pending_results": sum(
            1
            for a in [line.application for line in lines] + ineligible
            if a.status in S.RESULTS and a.results_sent_at is None
        ),
    }
    return TemplateResponse(request, "aap_wagtail/admin/deliberation.html", context, status=status)


def deliberation(request, call_pk: int):
    call = get_object_or_404(CallPage, pk=call_pk)
    if refusal := _forbidden(request, call):
        return refusal
    return _render(request, call, prefill_helper=request.GET.get("prefill") == PREFILL_HELPER)


def _route_refusal(form: DecisionForm, application: Application, call, exc) -> None:
    """Put the workflow's refusal next to the field it is about (or above the form)."""
    message = str(exc)
    data = form.cleaned_data
    field = None  # a refusal because of the dossier's state is about the whole form
    if not _decidable(application):
        form.add_error(None, message)
        return
    if data["outcome"] == DecisionOutcome.SELECTED:
        amount = data["awarded_amount"]
        if amount is None or amount <= 0:
            field = "awarded_amount"
        else:
            envelope_problem = rules.check_envelope(
                call.envelope,
                awarded_elsewhere=workflow.awarded_total(call, exclude=application),
                amount=amount.quantize(rules.CENT),
            )
            if envelope_problem == message:
                field = "awarded_amount"
                form.offer_override = True
    elif data["outcome"] == DecisionOutcome.NOT_SELECTED and not data["reason"].strip():
        field = "reason"
    form.add_error(field, message)


@require_POST
def decide(request, call_pk: int, application_pk: int):
    call = get_object_or_404(CallPage, pk=call_pk)
    if refusal := _forbidden(request, call):
        return refusal
    application = get_object_or_404(Application, pk=application_pk, call=call)
    prefill_helper = request.POST.get("prefill") == PREFILL_HELPER
    form = DecisionForm(
        request.POST,
        prefix=_prefix(application.pk),
        support_choices=_support_choices(call),
    )
    if form.is_valid():
        try:
            workflow.decide(application, user=request.user, **form.decision_kwargs())
        except workflow.TransitionRefused as exc:
            if application.status not in S.DELIBERATED:
                messages.error(request, str(exc))
                return redirect(_page_url(call, prefill_helper=prefill_helper))
            _route_refusal(form, application, call, exc)
        else:
            application.refresh_from_db()
            messages.success(
                request,
                _("Decision on %(reference)s saved: %(status)s.")
                % {
                    "reference": application.reference,
                    "status": application.get_status_display(),
                },
            )
            return redirect(
                _page_url(call, prefill_helper=prefill_helper, anchor=f"dossier-{application.pk}")
            )
    messages.error(
        request,
        _("The decision on %(reference)s was not saved: see the message on its form.")
        % {"reference": application.reference},
    )
    return _render(request, call, prefill_helper=prefill_helper, bound=(application.pk, form))


def _results_summary(call: CallPage) -> dict:
    """Who "send results" will tell now, and who it will not."""
    pending = Application.objects.filter(
        call=call, status__in=S.RESULTS, results_sent_at__isnull=True
    )
    labels = dict(S.choices)
    by_status = {
        row["status"]: row["n"] for row in pending.values("status").annotate(n=Count("pk"))
    }
    return {
        "to_tell": sum(by_status.values()),
        "by_status": [
            (labels[state], by_status[state]) for state in S.RESULTS if state in by_status
        ],
        "ineligible": by_status.get(S.INELIGIBLE, 0),
        "without_email": pending.filter(email="").count(),
        "already_told": Application.objects.filter(
            call=call, status__in=S.RESULTS, results_sent_at__isnull=False
        ).count(),
        "still_in_review": Application.objects.filter(call=call, status=S.IN_REVIEW).count(),
    }


@require_http_methods(["GET", "POST"])
def send_results(request, call_pk: int):
    call = get_object_or_404(CallPage, pk=call_pk)
    if refusal := _forbidden(request, call):
        return refusal
    if request.method == "GET":
        context = {
            "call": call,
            "summary": _results_summary(call),
            "deliberation_url": _page_url(call),
        }
        return TemplateResponse(
            request, "aap_wagtail/admin/deliberation_send_results.html", context
        )
    try:
        count = workflow.send_results(call, user=request.user)
    except workflow.TransitionRefused as exc:
        messages.error(request, str(exc))
    else:
        if count:
            messages.success(
                request,
                ngettext(
                    "The results e-mail is on its way to %(count)s applicant.",
                    "The results e-mails are on their way to %(count)s applicants.",
                    count,
                )
                % {"count": count},
            )
        else:
            messages.info(request, _("Every decided applicant was already told: nothing sent."))
    return redirect(_page_url(call))


# --- registration ---------------------------------------------------------------------------


def urlpatterns() -> list:
    return [
        path("aap/deliberation/<aap_id:call_pk>/", deliberation, name="aap_deliberation"),
        path(
            "aap/deliberation/<aap_id:call_pk>/decide/<aap_id:application_pk>/",
            decide,
            name="aap_decide",
        ),
        path(
            "aap/deliberation/<aap_id:call_pk>/send-results/",
            send_results,
            name="aap_send_results",
        ),
    ]


def register() -> None:
    from wagtail import hooks

    hooks.register("register_admin_urls", urlpatterns)
    add_call_action("aap_deliberation", gettext_lazy("Deliberation"))
