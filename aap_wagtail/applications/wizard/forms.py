"""One form per step of the dossier. Rules come from ``aap_wagtail.rules``; these forms only
turn HTTP input into values, ask the rules, and put each message on its field."""

from __future__ import annotations

from decimal import Decimal

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ... import rules, workflow
from ...extensions import identifier_checker
from ...models import Application, EnteredBy, steps
from .base import (
    MONEY,
    YES_NO,
    FormsetStepForm,
    StepForm,
    coded_error,
)

# --- 1. Eligibility ----------------------------------------------------------------------------


class EligibilityForm(StepForm):
    step_name = steps.ELIGIBILITY

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.questions = list(self.call.eligibility_questions.all())
        for q in self.questions:
            self.fields[f"q{q.pk}"] = forms.ChoiceField(
                label=q.question, choices=YES_NO, widget=forms.RadioSelect
            )

    def clean(self):
        cleaned = super().clean()
        answers = {
            q.pk: cleaned[f"q{q.pk}"] == "yes" for q in self.questions if f"q{q.pk}" in cleaned
        }
        for q in rules.failed_eligibility(self.call, answers):
            self.add_error(f"q{q.pk}", coded_error(q.explanation, "not_eligible"))
        if not self.errors and self.application is None:
            # Only a new dossier needs an open call; a draft may finish within the grace period.
            error = rules.can_start_draft(self.call)
            if error:
                raise coded_error(error)
        return cleaned


# --- 2. Organisation and contact ---------------------------------------------------------------


class PartnerForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("Partner's name"), max_length=255, required=False)
    role = forms.CharField(
        label=gettext_lazy("Role in the project"), max_length=255, required=False
    )

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("role") and not cleaned.get("name"):
            self.add_error(
                "name",
                coded_error(_("Give the partner's name, or empty this line."), "name_missing"),
            )
        return cleaned


PartnerFormSet = forms.formset_factory(PartnerForm, extra=0, min_num=1, max_num=30, absolute_max=30)


class LegalStatus:
    CHOICES = [
        ("association", gettext_lazy("Non-profit association")),
        ("local_structure", gettext_lazy("Other local structure")),
        ("group", gettext_lazy("Group or individual supported by an association")),
    ]


class OrganisationForm(FormsetStepForm):
    step_name = steps.ORGANISATION
    long_text_fields = steps.LONG_TEXT_FIELDS[step_name]
    formset_classes = {"partners": PartnerFormSet}

    organisation_name = forms.CharField(
        label=gettext_lazy("Name of the organisation"), max_length=255
    )
    legal_status = forms.ChoiceField(
        label=gettext_lazy("Legal status"), choices=LegalStatus.CHOICES, widget=forms.RadioSelect
    )
    siret = forms.CharField(
        label=gettext_lazy("SIRET number"),
        required=False,
        max_length=30,
        help_text=gettext_lazy(
            "14 digits, on your registration notice or at annuaire-entreprises.data.gouv.fr."
        ),
    )
    rna = forms.CharField(
        label=gettext_lazy("RNA number (associations)"),
        required=False,
        max_length=30,
        help_text=gettext_lazy("W and 9 digits, on the receipt of your association's declaration."),
    )
    address = forms.CharField(label=gettext_lazy("Address"), max_length=255)
    postcode = forms.RegexField(
        label=gettext_lazy("Postcode"),
        regex=r"^\d{5}$",
        max_length=5,
        error_messages={"invalid": gettext_lazy("Write the 5 digits of the postcode.")},
    )
    city = forms.CharField(label=gettext_lazy("Town"), max_length=100)
    phone = forms.RegexField(
        label=gettext_lazy("Phone"),
        regex=r"^[+\d][\d .\-()]{7,20}$",
        max_length=25,
        error_messages={"invalid": gettext_lazy("Write a phone number, e.g. 02 98 00 00 00.")},
    )
    email = forms.EmailField(
        label=gettext_lazy("E-mail"),
        max_length=254,
        help_text=gettext_lazy("We send the link to come back to your dossier to this address."),
    )
    website = forms.URLField(label=gettext_lazy("Website"), required=False, assume_scheme="https")
    presentation = forms.CharField(
        label=gettext_lazy("Presentation of the organisation"), widget=forms.Textarea
    )
    lead_name = forms.CharField(label=gettext_lazy("Project lead's name"), max_length=255)
    lead_phone = forms.CharField(
        label=gettext_lazy("Project lead's phone"), max_length=25, required=False
    )
    lead_email = forms.EmailField(label=gettext_lazy("Project lead's e-mail"), required=False)
    funded_before = forms.BooleanField(
        label=gettext_lazy("Our organisation was funded by an earlier edition of this call"),
        required=False,
    )
    helped_by_mediator = forms.BooleanField(
        label=gettext_lazy("A mediator is helping us fill in this dossier"), required=False
    )
    mediator_name = forms.CharField(
        label=gettext_lazy("Mediator's name"), max_length=255, required=False
    )
    mediator_structure = forms.CharField(
        label=gettext_lazy("Mediator's structure"), max_length=255, required=False
    )

    def __init__(self, *args, may_create=None, **kwargs):
        #: Asked once the step is valid and before the draft is created: the rate limit.
        self.may_create = may_create
        super().__init__(*args, **kwargs)
        if self.application is not None and self.application.entered_by == EnteredBy.STAFF:
            # A paper dossier: the applicant may have no e-mail address.
            self.fields["email"].required = False
            self.fields["email"].help_text = _(
                "Paper dossier: the applicant's e-mail, if any. Without one, no e-mail is sent."
            )

    def _clean_number(self, name: str, check) -> str:
        value = self.cleaned_data.get(name, "")
        error = check(value)
        if error:
            raise ValidationError(error, code="identifier")
        number = identifier_checker().normalise(value)
        longest = Application._meta.get_field(name).max_length
        if len(number) > longest:  # a checker of one's own accepted more than the field holds
            raise ValidationError(
                _("This number is too long: %(max)s characters at most.") % {"max": longest},
                code="identifier",
            )
        return number

    def clean_siret(self):
        return self._clean_number("siret", identifier_checker().check_siret)

    def clean_rna(self):
        return self._clean_number("rna", identifier_checker().check_rna)

    def clean(self):
        cleaned = super().clean()
        errors = rules.check_mediator(
            bool(cleaned.get("helped_by_mediator")),
            cleaned.get("mediator_name", ""),
            cleaned.get("mediator_structure", ""),
        )
        for name, message in errors.items():
            self.add_error(name, coded_error(message))
        if "siret" not in self.errors and "rna" not in self.errors:
            missing = rules.missing_organisation_number(
                self.call.organisation_number, cleaned.get("siret"), cleaned.get("rna")
            )
            for name, message in missing.items():
                self.add_error(name, coded_error(message, "required"))
        self._check_previous_report(cleaned)
        if not self.errors and self.application is None and self.may_create is not None:
            refusal = self.may_create()
            if refusal:
                self.add_error(None, coded_error(refusal, "rate_limited"))
        return cleaned

    def _check_previous_report(self, cleaned):
        """The Brest rule: an organisation funded before must have sent its report first."""
        if {"siret", "rna", "email"} & set(self.errors):
            return
        numbers = {name: cleaned.get(name) or "" for name in ("siret", "rna")}
        previous, owed = Application.objects.owing(self.call, cleaned.get("email") or "", **numbers)
        if previous is None:
            return
        #: The earlier dossier whose report is missing (the step template links to the form).
        self.report_missing_for = previous if owed == "report" else None
        field = next(
            (name for name, value in numbers.items() if value and getattr(previous, name) == value),
            "email",
        )
        self.add_error(
            field, ValidationError(workflow.report_owed_message(owed), code="report_missing")
        )


# --- 3. Project --------------------------------------------------------------------------------


class ProjectForm(StepForm):
    step_name = steps.PROJECT
    long_text_fields = steps.LONG_TEXT_FIELDS[step_name]

    title = forms.CharField(label=gettext_lazy("Title of the project"), max_length=255)
    synthesis = forms.CharField(label=gettext_lazy("Summary of the project"), widget=forms.Textarea)
    actions = forms.CharField(
        label=gettext_lazy("Planned actions and stages"), widget=forms.Textarea
    )
    axes = forms.TypedMultipleChoiceField(
        label=gettext_lazy("Axes of the call your project addresses"),
        coerce=int,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": gettext_lazy("Tick at least one axis.")},
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["axes"].choices = [(axis.pk, axis.title) for axis in self.call.axes.all()]


# --- 4. Objectives -----------------------------------------------------------------------------


class ObjectivesForm(StepForm):
    step_name = steps.OBJECTIVES
    long_text_fields = steps.LONG_TEXT_FIELDS[step_name]

    objectives = forms.CharField(label=gettext_lazy("Objectives"), widget=forms.Textarea)
    audiences = forms.CharField(
        label=gettext_lazy("Audiences"),
        widget=forms.Textarea,
        help_text=gettext_lazy("Who takes part, especially people far from digital tools."),
    )
    facilitators = forms.CharField(
        label=gettext_lazy("Facilitators"),
        widget=forms.Textarea,
        help_text=gettext_lazy("Who leads the activities and how people are accompanied."),
    )


# --- 5. Budget and calendar --------------------------------------------------------------------


class BudgetLineForm(forms.Form):
    label = forms.CharField(label=gettext_lazy("Item"), max_length=255, required=False)
    amount = forms.DecimalField(label=gettext_lazy("Amount (€)"), required=False, **MONEY)

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("label") and cleaned.get("amount") is None:
            self.add_error(
                "amount", coded_error(_("Give the amount of this line."), "amount_missing")
            )
        if cleaned.get("amount") is not None and not cleaned.get("label"):
            self.add_error("label", coded_error(_("Say what this amount is for."), "label_missing"))
        return cleaned


BudgetLineFormSet = forms.formset_factory(
    BudgetLineForm, extra=0, min_num=2, max_num=40, absolute_max=40
)


class BudgetForm(FormsetStepForm):
    step_name = steps.BUDGET
    long_text_fields = steps.LONG_TEXT_FIELDS[step_name]
    formset_classes = {"expenses": BudgetLineFormSet, "income": BudgetLineFormSet}

    requested_amount = forms.DecimalField(label=gettext_lazy("Amount requested (€)"), **MONEY)
    total_amount = forms.DecimalField(
        label=gettext_lazy("Total budget of the project (€)"), **MONEY
    )
    start_date = forms.DateField(
        label=gettext_lazy("Start date"), widget=forms.DateInput(attrs={"type": "date"})
    )
    end_date = forms.DateField(
        label=gettext_lazy("End date"), widget=forms.DateInput(attrs={"type": "date"})
    )
    key_stages = forms.CharField(
        label=gettext_lazy("Key stages"), widget=forms.Textarea, required=False
    )

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("start_date"), cleaned.get("end_date")
        error = rules.check_project_dates(start, end)
        if error:
            self.add_error("end_date", coded_error(error))
        income_ok = self.formsets["income"].is_valid()
        other_income = (
            rules.sum_amounts(Decimal(line["amount"]) for line in self.lines("income"))
            if income_ok
            else Decimal("0")
        )
        errors = rules.check_budget(
            self.call,
            requested=cleaned.get("requested_amount"),
            total=cleaned.get("total_amount"),
            other_income=other_income,
        )
        self.income_error = errors.pop("income", None)
        for field, message in errors.items():
            self.add_error(field, coded_error(message))
        if self.income_error:
            self.add_error(None, coded_error(self.income_error))
        if self.formsets["expenses"].is_valid() and cleaned.get("requested_amount") is not None:
            expenses = rules.sum_amounts(Decimal(line["amount"]) for line in self.lines("expenses"))
            warning = rules.budget_warning(expenses, other_income + cleaned["requested_amount"])
            if warning:
                self.warnings.append(warning)
        return cleaned


# --- 6. Documents ------------------------------------------------------------------------------


class DocumentsForm(StepForm):
    """One upload per document that applies to this dossier; a file already sent can stay."""

    step_name = steps.DOCUMENTS

    def __init__(self, *args, has_partners=False, funded_before=False, **kwargs):
        super().__init__(*args, **kwargs)
        self.documents = rules.applicable_documents(
            self.call, has_partners=has_partners, funded_before=funded_before
        )
        for doc in self.documents:
            self.upload_targets[f"doc{doc.pk}"] = (doc, doc.label, doc.extensions, doc.max_size_mb)
            self.fields[f"doc{doc.pk}"] = forms.FileField(
                label=doc.label,
                required=False,
                allow_empty_file=True,  # the package's own check says what to do
                help_text=" ".join(
                    filter(
                        None,
                        [
                            doc.help_text,
                            _("Accepted: %(types)s, %(size)s MB at most.")
                            % {"types": ", ".join(doc.extensions), "size": doc.max_size_mb},
                        ],
                    )
                ),
            )

    def clean(self):
        cleaned = super().clean()
        for doc in self.documents:
            name = f"doc{doc.pk}"
            if not cleaned.get(name) and name not in self.existing and name not in self.errors:
                self.add_error(name, coded_error(_("Attach this document."), "document_missing"))
        return cleaned

    def to_answers(self):
        return {"documents": [d.pk for d in self.documents]}


# --- 7. Report on the previous project ---------------------------------------------------------


class ReportForm(StepForm):
    step_name = steps.REPORT
    long_text_fields = steps.LONG_TEXT_FIELDS[step_name]

    previous_title = forms.CharField(
        label=gettext_lazy("Title of the project funded before"), max_length=255
    )
    previous_partners = forms.CharField(
        label=gettext_lazy("Its partners"), max_length=500, required=False
    )
    results = forms.CharField(
        label=gettext_lazy("What was done and its results"), widget=forms.Textarea
    )
    next_steps = forms.CharField(label=gettext_lazy("What comes next"), widget=forms.Textarea)
    previous_budget = forms.CharField(label=gettext_lazy("Budget spent"), max_length=500)


# --- 8. Review and submit ----------------------------------------------------------------------


class ReviewForm(StepForm):
    step_name = steps.REVIEW

    consent_publication = forms.BooleanField(label="", required=False)
    consent_data = forms.BooleanField(
        label=gettext_lazy(
            "I agree that the city processes the personal data of this dossier to examine it."
        ),
        error_messages={"required": gettext_lazy("Tick this box to submit your dossier.")},
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["consent_publication"].label = self.call.publication_consent_text or _(
            "If my project is selected, I agree that it is made public."
        )


STEP_FORMS = {
    steps.ELIGIBILITY: EligibilityForm,
    steps.ORGANISATION: OrganisationForm,
    steps.PROJECT: ProjectForm,
    steps.OBJECTIVES: ObjectivesForm,
    steps.BUDGET: BudgetForm,
    steps.DOCUMENTS: DocumentsForm,
    steps.REPORT: ReportForm,
    steps.REVIEW: ReviewForm,
}
