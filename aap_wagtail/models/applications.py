"""A dossier (``Application``) and the files attached to it.

The status of an application is written only by ``aap_wagtail.workflow``; nothing here changes
it. Attachments live in private storage and are only served by a permission-checked view.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Case, Q, Value, When
from django.utils.translation import gettext_lazy as _

from ..core.storage import get_private_storage


class ApplicationStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Submitted")
    ELIGIBLE = "eligible", _("Eligible")
    INELIGIBLE = "ineligible", _("Not eligible")
    IN_REVIEW = "in_review", _("In review")
    SELECTED = "selected", _("Selected")
    NOT_SELECTED = "not_selected", _("Not selected")
    WAITLISTED = "waitlisted", _("Waiting list")
    REPORT_DUE = "report_due", _("Report due")
    REPORT_RECEIVED = "report_received", _("Report received")
    ARCHIVED = "archived", _("Archived")
    WITHDRAWN = "withdrawn", _("Withdrawn")


S = ApplicationStatus
# The groupings of states, named once here (an enum takes plain attributes after its members).
# Sets, except where the order is shown to people.
#: Before the review starts: the applicant may still withdraw.
S.WITHDRAWABLE = frozenset({S.DRAFT, S.SUBMITTED})
#: A decision can be taken (or changed, until the results are sent) from these.
S.DECIDABLE = frozenset({S.IN_REVIEW, S.WAITLISTED, S.SELECTED, S.NOT_SELECTED})
#: Still to be decided at the deliberation.
S.TO_DECIDE = frozenset({S.IN_REVIEW, S.WAITLISTED})
#: What the deliberation lists: still to decide, decided, and past selection (final).
S.DELIBERATED = frozenset(
    {S.IN_REVIEW, S.WAITLISTED, S.SELECTED, S.NOT_SELECTED, S.REPORT_DUE, S.REPORT_RECEIVED}
)
S.ARCHIVABLE = frozenset(
    {S.REPORT_RECEIVED, S.NOT_SELECTED, S.INELIGIBLE, S.WAITLISTED, S.WITHDRAWN}
)
#: Decided: their applicants receive "send results".
S.RESULTS = (S.SELECTED, S.NOT_SELECTED, S.WAITLISTED, S.INELIGIBLE)  # in the order shown
#: An assigned jury member may open the dossier (and score it while in review).
S.JURY_VISIBLE = frozenset({S.IN_REVIEW, S.SELECTED, S.NOT_SELECTED, S.WAITLISTED})
#: Jury members can be assigned to these dossiers.
S.JURY_ASSIGNABLE = frozenset({S.ELIGIBLE, S.IN_REVIEW})
#: Funded: the project was selected (before its report is in, or once it is).
S.FUNDED = frozenset({S.SELECTED, S.REPORT_DUE, S.REPORT_RECEIVED})
#: Funded and its end-of-project report not received yet (the Brest returning rule).
S.REPORT_PENDING = frozenset({S.SELECTED, S.REPORT_DUE})
#: Around the end-of-project report (the staff's reports list).
S.REPORT_STAGE = frozenset({S.REPORT_DUE, S.REPORT_RECEIVED})
#: A report came in (it may be published from these).
S.REPORT_IN = frozenset({S.REPORT_RECEIVED, S.ARCHIVED})
#: Selected, whatever happened since: the winners, and what counts against the envelope.
S.WINNERS = frozenset({S.SELECTED, S.REPORT_DUE, S.REPORT_RECEIVED, S.ARCHIVED})


class EnteredBy(models.TextChoices):
    APPLICANT = "applicant", _("The applicant alone")
    MEDIATOR = "mediator", _("The applicant, helped by a mediator")
    STAFF = "staff", _("Staff, from a paper dossier")


#: Dossiers past the draft, not withdrawn: what "submitted" counts mean everywhere.
SUBMITTED = ~Q(status__in=[ApplicationStatus.DRAFT, ApplicationStatus.WITHDRAWN])
#: Dossiers that staff found eligible (whatever happened to them since).
FOUND_ELIGIBLE = Q(eligibility_check__eligible=True)


class ApplicationQuerySet(models.QuerySet):
    def of_organisation(self, email: str, *, siret: str = "", rna: str = ""):
        """The dossiers of the organisation with this SIRET or RNA number, or of this e-mail (how
        a returning organisation is recognised), those matched by a number first; none when all
        are empty."""
        by_number = Q()
        if siret:
            by_number |= Q(siret=siret)
        if rna:
            by_number |= Q(rna=rna)
        match = by_number
        if email:
            match |= Q(email__iexact=email)
        rank = Case(When(by_number, then=Value(0)), default=Value(1)) if by_number else Value(1)
        found = self.filter(match) if match else self.none()
        return found.alias(number_match=rank)

    def previous_funding(self, call, email: str, *, siret: str = "", rna: str = ""):
        """The latest dossier of this organisation funded in another call (an earlier edition)."""
        return (
            self.of_organisation(email, siret=siret, rna=rna)
            .filter(status__in=S.FUNDED)
            .exclude(call=call)
            .order_by("number_match", "-submitted_at")
            .first()
        )

    def report_owed(self, call, email: str, *, siret: str = "", rna: str = ""):
        """The earliest funded dossier of this organisation (any other call) still owing its
        end-of-project report, or None."""
        return (
            self.of_organisation(email, siret=siret, rna=rna)
            .filter(status__in=S.REPORT_PENDING)
            .exclude(call=call)
            .order_by("number_match", "submitted_at")
            .first()
        )

    def financial_report_owed(self, call, email: str, *, siret: str = "", rna: str = ""):
        """The earliest dossier of this organisation (any other call) whose financial report is
        past its due date and not sent, or None: what blocks a new dossier when the call's
        ``returning_rule`` counts the financial report."""
        from django.utils import timezone

        return (
            self.of_organisation(email, siret=siret, rna=rna)
            .filter(
                agreement__financial_report__status__in=["requested", "changes_requested"],
                agreement__financial_report__due_on__lt=timezone.localdate(),
            )
            .exclude(call=call)
            .order_by("number_match", "submitted_at")
            .first()
        )

    def owing(self, call, email: str, *, siret: str = "", rna: str = ""):
        """``(dossier, "report" | "financial")``: what this organisation still owes before it
        may apply to ``call`` (the end-of-project report, and the financial report when the
        call counts it), or ``(None, "")``."""
        previous = self.report_owed(call, email, siret=siret, rna=rna)
        if previous is not None:
            return previous, "report"
        if getattr(call, "returning_rule", "report") == "both":
            previous = self.financial_report_owed(call, email, siret=siret, rna=rna)
            if previous is not None:
                return previous, "financial"
        return None, ""

    def for_listing(self):
        return self.select_related("call").prefetch_related("axes")

    def submitted(self):
        return self.filter(SUBMITTED)

    def with_weighted_score(self):
        """Annotate ``weighted_score``: the mean of the submitted reviews' weighted scores
        (as ``rules.average_score``), leaving out reviews whose author declared a conflict."""
        from .review import Review

        averages = (
            Review.objects.counted()
            .filter(application=models.OuterRef("pk"))
            .order_by()
            .values("application")
            .annotate(average=models.Avg("weighted_score"))
            .values("average")
        )
        return self.annotate(
            weighted_score=models.Subquery(
                averages, output_field=models.DecimalField(max_digits=6, decimal_places=2)
            )
        )


class Application(models.Model):
    """One organisation's dossier for one call."""

    call = models.ForeignKey(
        "aap_wagtail.CallPage",
        on_delete=models.PROTECT,
        related_name="applications",
        verbose_name=_("call"),
    )
    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    reference = models.CharField(_("reference"), max_length=64, blank=True, db_index=True)
    number = models.PositiveIntegerField(_("number in the call"), null=True, blank=True)
    status = models.CharField(
        _("status"),
        max_length=20,
        choices=ApplicationStatus.choices,
        default=ApplicationStatus.DRAFT,
        db_index=True,
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="aap_applications",
        verbose_name=_("account"),
    )
    email = models.EmailField(
        _("e-mail for the resume link"),
        blank=True,
        help_text=_("May be empty for a paper dossier from an applicant without e-mail."),
    )
    # A few answers kept as columns for listings, search and matching; the full dossier is in
    # ``answers`` (cleaned values per step) and ``wizard_state`` (what the forms received).
    organisation_name = models.CharField(_("organisation"), max_length=255, blank=True)
    siret = models.CharField(_("SIRET"), max_length=14, blank=True, db_index=True)
    rna = models.CharField(_("RNA number"), max_length=10, blank=True, db_index=True)
    project_title = models.CharField(_("project title"), max_length=255, blank=True)
    requested_amount = models.DecimalField(
        _("amount requested"), max_digits=12, decimal_places=2, null=True, blank=True
    )
    total_amount = models.DecimalField(
        _("total budget"), max_digits=12, decimal_places=2, null=True, blank=True
    )
    axes = models.ManyToManyField(
        "aap_wagtail.CallAxis", blank=True, related_name="applications", verbose_name=_("axes")
    )
    entered_by = models.CharField(
        _("filled in by"), max_length=20, choices=EnteredBy.choices, default=EnteredBy.APPLICANT
    )
    mediator_name = models.CharField(_("mediator"), max_length=255, blank=True)
    mediator_structure = models.CharField(_("mediator's structure"), max_length=255, blank=True)
    funded_before = models.BooleanField(_("funded by an earlier edition"), default=False)
    previous_application = models.ForeignKey(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("earlier funded application"),
    )
    consent_publication = models.BooleanField(_("agrees to publication"), default=False)
    consent_data = models.BooleanField(_("agrees to the processing of data"), default=False)
    answers = models.JSONField(_("answers"), default=dict, blank=True)
    extra_answers = models.JSONField(
        _("answers to extra questions"),
        default=list,
        blank=True,
        help_text=_("Each answer is stored with the question as it was asked."),
    )
    wizard_state = models.JSONField(default=dict, blank=True, editable=False)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    submitted_at = models.DateTimeField(_("submitted"), null=True, blank=True)
    withdrawn_at = models.DateTimeField(_("withdrawn"), null=True, blank=True)
    received_by_post_on = models.DateField(
        _("received by post on"),
        null=True,
        blank=True,
        help_text=_("Set when staff enter a paper dossier: the date it reached the city."),
    )
    reminder_sent_at = models.DateTimeField(_("reminder sent"), null=True, blank=True)
    public_slug = models.SlugField(
        _("address on the winners' pages"),
        max_length=120,
        blank=True,
        db_index=True,
        help_text=_("Year and title, set once when the dossier is selected; never changes."),
    )
    results_sent_at = models.DateTimeField(_("results sent"), null=True, blank=True)
    #: Part of every resume link and API token; raising it revokes all those issued before.
    access_generation = models.PositiveIntegerField(default=0, editable=False)
    #: Set by ``retention.anonymise``: personal data removed after the retention period.
    anonymised_at = models.DateTimeField(_("anonymised"), null=True, blank=True, editable=False)
    #: The Idempotency-Key of the API request that submitted the dossier (a retry is answered
    #: with the same result instead of an error).
    submission_key = models.CharField(max_length=100, blank=True, editable=False)

    objects = ApplicationQuerySet.as_manager()

    # Registering the model in wagtail-modeladmin would add it to Wagtail's reference index: a
    # task and several queries on every save of every draft, for a "usage" count nobody reads.
    wagtail_reference_index_ignore = True

    class Meta:
        verbose_name = _("application")
        verbose_name_plural = _("applications")
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["call", "number"], name="aap_unique_application_number_per_call"
            ),
            # Across the install: two calls never hand out the same reference (a draft has none).
            models.UniqueConstraint(
                fields=["reference"],
                condition=~Q(reference=""),
                name="aap_unique_application_reference",
            ),
        ]

    def __str__(self) -> str:
        return (
            self.reference
            or f"{self.organisation_name or self.email} ({self.get_status_display()})"
        )

    @property
    def is_draft(self) -> bool:
        return self.status == ApplicationStatus.DRAFT


class ReferenceCounter(models.Model):
    """The last reference number given in a call; locked while a submission takes the next one."""

    call = models.OneToOneField(
        "aap_wagtail.CallPage", on_delete=models.CASCADE, related_name="reference_counter"
    )
    last_number = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.call_id}: {self.last_number}"


def attachment_path(instance: Attachment, filename: str) -> str:
    return f"applications/{instance.application.uuid}/{uuid.uuid4().hex}/{filename}"


class Attachment(models.Model):
    """A file attached to an application, for one required document (or extra question)."""

    application = models.ForeignKey(
        Application, on_delete=models.CASCADE, related_name="attachments"
    )
    document = models.ForeignKey(
        "aap_wagtail.RequiredDocument",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    slot = models.CharField(
        _("slot"), max_length=64, help_text=_("Which document or question this file answers.")
    )
    label = models.CharField(_("document"), max_length=255)
    file = models.FileField(
        _("file"), upload_to=attachment_path, storage=get_private_storage, max_length=500
    )
    original_name = models.CharField(_("file name"), max_length=255)
    content_type = models.CharField(max_length=100, blank=True)
    size = models.PositiveBigIntegerField(_("size (bytes)"))
    sha256 = models.CharField(max_length=64)
    page_count = models.PositiveIntegerField(null=True, blank=True)
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")
        ordering = ["application_id", "slot", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["application", "slot"], name="aap_one_file_per_slot"),
        ]

    def __str__(self) -> str:
        return f"{self.label}: {self.original_name}"
