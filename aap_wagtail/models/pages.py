"""The public pages of a call for projects: the index of calls and the call itself."""

from __future__ import annotations

import datetime
from decimal import Decimal
from types import SimpleNamespace

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from wagtail.admin.forms import WagtailAdminPageForm
from wagtail.admin.panels import (
    FieldPanel,
    FieldRowPanel,
    InlinePanel,
    MultiFieldPanel,
    ObjectList,
    TabbedInterface,
)
from wagtail.api import APIField
from wagtail.contrib.routable_page.models import RoutablePageMixin, path
from wagtail.fields import RichTextField, StreamField
from wagtail.models import Page
from wagtail.search import index

from .. import conf, rules
from ..rules import funding as funding_rules
from . import routes, timeline
from .blocks import QUESTION_KINDS
from .call_funding import CallAfterDecision

MONEY = {"max_digits": 12, "decimal_places": 2}


class AapPageMixin:
    """Gives the package's page templates the host site's base template to extend."""

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        context["aap_base_template"] = conf.get("BASE_TEMPLATE")
        return context


class CallIndexPage(RoutablePageMixin, AapPageMixin, Page):
    """Lists its calls for projects: open first, then upcoming, then closed (newest first).

    Also serves the feeds of its calls (``flux/rss/``, ``flux/atom/``).
    """

    intro = RichTextField(_("introduction"), blank=True)

    content_panels = [*Page.content_panels, FieldPanel("intro")]
    subpage_types = ["aap_wagtail.CallPage"]
    template = "aap_wagtail/pages/call_index_page.html"
    api_fields = [APIField("intro")]

    class Meta:
        verbose_name = _("calls for projects index")
        verbose_name_plural = _("calls for projects indexes")

    def get_calls(self):
        return CallPage.objects.live().public().child_of(self).order_by("-opens_at", "-pk")

    @path("")
    def calls_list(self, request):
        return routes.serve("calls_index", request, self)

    @path("alertes/", name="call_alerts")
    def call_alerts(self, request):
        return routes.serve("call_alerts", request, self)

    @path("flux/rss/", name="calls_rss")
    def calls_rss(self, request):
        return routes.serve("calls_feed", request, self, atom=False)

    @path("flux/atom/", name="calls_atom")
    def calls_atom(self, request):
        return routes.serve("calls_feed", request, self, atom=True)

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        now = timezone.now()
        groups = {status: [] for status in rules.CallStatus}
        for call in self.get_calls():
            groups[call.get_status(now)].append(call)
        context["call_groups"] = [
            (status, groups[status])
            for status in (
                rules.CallStatus.OPEN,
                rules.CallStatus.UPCOMING,
                rules.CallStatus.CLOSED,
            )
            if groups[status]
        ]
        return context


class Tab(ObjectList):
    """A tab of the call's editor with a fixed HTML id (``#tab-<slug>``). Wagtail builds the
    editor once per process and names a tab from its translated heading: without a slug, the
    ids would depend on the language of the first request (links and tests to a tab break)."""

    def __init__(self, *args, slug: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.slug = slug

    def clone_kwargs(self):
        return {**super().clone_kwargs(), "slug": self.slug}

    @property
    def clean_name(self) -> str:
        return self.slug


class CallPageForm(WagtailAdminPageForm):
    """Checks what spans several fields and inline panels (e.g. funders vs. envelope)."""

    def clean(self):
        cleaned = super().clean()
        funding = self.formsets.get("funding_sources")
        if funding is not None and funding.is_valid():
            funding_total = rules.sum_amounts(
                form.cleaned_data.get("amount")
                for form in funding.forms
                if form.cleaned_data and not form.cleaned_data.get("DELETE")
            )
            error = rules.check_funding(cleaned.get("envelope"), funding_total)
            if error:
                self.add_error("envelope", error)
        self._check_reference_prefix(cleaned)
        unknown = funding_rules.unknown_placeholders(cleaned.get("agreement_template") or "")
        if unknown:
            self.add_error(
                "agreement_template",
                _("Unknown placeholders: %(names)s. Use only those listed under the field.")
                % {"names": ", ".join("{{ " + name + " }}" for name in unknown)},
            )
        return cleaned

    def _check_reference_prefix(self, cleaned) -> None:
        """Two calls of the install (any site) never share a reference prefix: their dossiers
        would share references. The prefix compared is the one used (the slug's when empty)."""
        if "reference_prefix" in self.errors or "slug" in self.errors:
            return

        candidate = SimpleNamespace(
            reference_prefix=cleaned.get("reference_prefix") or "",
            slug=cleaned.get("slug") or self.instance.slug,
        )
        prefix = rules.reference_prefix(candidate)
        others = CallPage.objects.exclude(pk=self.instance.pk).only(
            "title", "slug", "reference_prefix"
        )
        taken = next((c for c in others if rules.reference_prefix(c) == prefix), None)
        if taken is not None:
            self.add_error(
                "reference_prefix",
                _(
                    "The call “%(call)s” already uses the reference prefix %(prefix)s: the "
                    "dossiers of both calls would share their references. Choose another one, "
                    "e.g. with the year."
                )
                % {"call": taken.title, "prefix": prefix},
            )


class CallPage(RoutablePageMixin, AapPageMixin, CallAfterDecision, Page):
    """One edition of a call for projects, with its rules, money, criteria and calendar."""

    # Presentation
    intro = models.TextField(
        _("short introduction"), help_text=_("One or two sentences shown in lists and at the top.")
    )
    body = RichTextField(_("body"), blank=True)
    keywords = models.CharField(
        _("keywords"),
        max_length=500,
        blank=True,
        help_text=_("A line of keywords shown under the title, separated by commas."),
    )
    # Eligibility
    who_may_apply = RichTextField(_("who may apply"), blank=True)
    exclusions = RichTextField(_("exclusions"), blank=True)
    # Money
    max_grant = models.DecimalField(
        _("maximum grant per project (€)"),
        **MONEY,
        validators=[MinValueValidator(Decimal("0.01"))],
    )
    max_grant_percent = models.DecimalField(
        _("maximum grant as a % of the project's total budget"),
        max_digits=5,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0.01")), MaxValueValidator(Decimal("100"))],
        help_text=_("Optional. The grant cannot be more than this share of the project's budget."),
    )
    min_grant = models.DecimalField(
        _("minimum grant per project (€)"),
        **MONEY,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0"))],
    )
    cofunding_threshold = models.DecimalField(
        _("co-funding threshold (€)"),
        **MONEY,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0"))],
        help_text=_("Above this amount, own or other funding is expected."),
    )
    cofunding_message = models.TextField(
        _("co-funding message"),
        blank=True,
        help_text=_("Shown to applicants who ask for more than the co-funding threshold."),
    )
    envelope = models.DecimalField(
        _("total envelope (€)"),
        **MONEY,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0.01"))],
        help_text=_("The total amount available for all the projects of this call."),
    )
    # Dossier limits
    max_pages = models.PositiveSmallIntegerField(
        _("maximum pages"), null=True, blank=True, validators=[MinValueValidator(1)]
    )
    max_text_length = models.PositiveIntegerField(
        _("maximum characters per long answer"),
        default=3000,
        validators=[MinValueValidator(100), MaxValueValidator(100000)],
    )
    organisation_number = models.CharField(
        _("organisation number required"),
        max_length=10,
        choices=rules.NumberRequirement.CHOICES,
        default=rules.NumberRequirement.EITHER,
        help_text=_(
            "What the organisation step requires. A grant is paid to a SIRET; an association "
            "without one may give its RNA number."
        ),
    )
    # Calendar
    opens_at = models.DateTimeField(_("opens at"))
    closes_at = models.DateTimeField(
        _("closes at"),
        help_text=_("Applications are accepted until the end of this minute."),
    )
    # Contact
    contact_service = models.CharField(_("service"), max_length=255, blank=True)
    contact_name = models.CharField(_("contact person"), max_length=255, blank=True)
    contact_phone = models.CharField(_("phone"), max_length=50, blank=True)
    contact_email = models.EmailField(_("e-mail"), blank=True)
    postal_address = models.TextField(_("postal address for paper dossiers"), blank=True)
    grace_minutes = models.PositiveSmallIntegerField(
        _("grace period (minutes)"),
        default=0,
        validators=[MaxValueValidator(24 * 60)],
        help_text=_(
            "Submissions started before the deadline are still accepted this many minutes after it."
        ),
    )
    reference_prefix = models.CharField(
        _("reference prefix"),
        max_length=40,
        blank=True,
        validators=[
            RegexValidator(r"^[A-Z0-9][A-Z0-9-]*$", _("Capital letters, digits and dashes only."))
        ],
        help_text=_(
            "Dossier references read PREFIX-017, e.g. BREST-2027. Leave empty to use the "
            "call's slug."
        ),
    )
    extra_questions = StreamField(
        QUESTION_KINDS,
        blank=True,
        verbose_name=_("extra questions"),
        help_text=_("Questions added to a step of the dossier, for this call only."),
    )
    notification_emails = models.TextField(
        _("notify these addresses of new dossiers"),
        blank=True,
        help_text=_("One e-mail address per line: the call's managers."),
    )
    reminder_days = models.PositiveSmallIntegerField(
        _("remind draft holders (days before closing)"),
        default=0,
        validators=[MaxValueValidator(90)],
        help_text=_(
            "Applicants with an unfinished dossier get one reminder this many days before the "
            "call closes. 0: no reminder."
        ),
    )
    #: When the subscribers of the site's new-call alerts were told this call opened.
    alert_sent_at = models.DateTimeField(null=True, blank=True, editable=False)
    amounts_public = models.BooleanField(
        _("show the amounts awarded in public"),
        default=True,
        help_text=_("On the winners' pages, in the feeds and in the open-data downloads."),
    )
    open_data_licence = models.CharField(
        _("licence of the open data"),
        max_length=255,
        default="CC BY 4.0",
        help_text=_("Printed with the downloads of the winners (CSV, JSON)."),
    )
    publication_consent_text = models.TextField(
        _("publication consent text"),
        blank=True,
        help_text=_("What applicants agree to about publishing their project if it is selected."),
    )
    retention_months = models.PositiveSmallIntegerField(
        _("keep the dossiers (months after the decision)"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(600)],
        help_text=_(
            "Then their personal data and files are deleted; the reference, amounts and decision "
            "stay. Leave empty to use the site's retention period."
        ),
    )
    bank_details_months = models.PositiveSmallIntegerField(
        _("keep the bank details (months after the decision)"),
        null=True,
        blank=True,
        default=12,
        validators=[MinValueValidator(1), MaxValueValidator(600)],
        help_text=_(
            "The documents marked as bank details are deleted this long after the decision, "
            "earlier than the rest. Leave empty to delete them with the rest of the dossier."
        ),
    )

    base_form_class = CallPageForm
    parent_page_types = ["aap_wagtail.CallIndexPage"]
    subpage_types: list[str] = []
    template = "aap_wagtail/pages/call_page.html"

    search_fields = [*Page.search_fields, index.SearchField("intro"), index.SearchField("body")]

    content_panels = [
        *Page.content_panels,
        FieldPanel("intro"),
        FieldPanel("keywords"),
        FieldPanel("body"),
        InlinePanel("axes", heading=_("Thematic axes"), label=_("Axis")),
        InlinePanel("downloads", heading=_("Documents to download"), label=_("Document")),
    ]
    eligibility_panels = [
        FieldPanel("who_may_apply"),
        InlinePanel(
            "eligibility_questions", heading=_("Eligibility questions"), label=_("Question")
        ),
        FieldPanel("exclusions"),
    ]
    money_panels = [
        InlinePanel("support_kinds", heading=_("Kinds of support"), label=_("Kind of support")),
        MultiFieldPanel(
            [
                FieldRowPanel([FieldPanel("min_grant"), FieldPanel("max_grant")]),
                FieldPanel("max_grant_percent"),
                FieldPanel("cofunding_threshold"),
                FieldPanel("cofunding_message"),
            ],
            heading=_("Grant per project (EUR)"),
        ),
        FieldPanel("envelope"),
        InlinePanel("funding_sources", heading=_("Funding of the envelope"), label=_("Funder")),
    ]
    selection_panels = [
        InlinePanel("criteria", heading=_("Selection criteria"), label=_("Criterion")),
        MultiFieldPanel(
            [FieldPanel("max_pages"), FieldPanel("max_text_length")],
            heading=_("Dossier limits"),
        ),
        FieldPanel("organisation_number"),
        InlinePanel("required_documents", heading=_("Required documents"), label=_("Document")),
        FieldPanel("extra_questions"),
        FieldPanel("reference_prefix"),
    ]
    calendar_panels = [
        FieldRowPanel([FieldPanel("opens_at"), FieldPanel("closes_at")]),
        FieldPanel("grace_minutes"),
        FieldPanel("reminder_days"),
        InlinePanel("milestones", heading=_("Milestones"), label=_("Milestone")),
    ]
    contact_panels = [
        MultiFieldPanel(
            [
                FieldPanel("contact_service"),
                FieldPanel("contact_name"),
                FieldRowPanel([FieldPanel("contact_phone"), FieldPanel("contact_email")]),
                FieldPanel("postal_address"),
            ],
            heading=_("Contact"),
        ),
        FieldPanel("publication_consent_text"),
        MultiFieldPanel(
            [FieldPanel("retention_months"), FieldPanel("bank_details_months")],
            heading=_("Personal data"),
        ),
        FieldPanel("amounts_public"),
        FieldPanel("open_data_licence"),
        FieldPanel("notification_emails"),
    ]

    edit_handler = TabbedInterface(
        [
            Tab(content_panels, heading=_("Call"), slug="appel"),
            Tab(eligibility_panels, heading=_("Eligibility"), slug="eligibilite"),
            Tab(money_panels, heading=_("Money"), slug="financement"),
            Tab(selection_panels, heading=_("Selection and dossier"), slug="selection_et_dossier"),
            Tab(calendar_panels, heading=_("Calendar"), slug="calendrier"),
            Tab(contact_panels, heading=_("Contact"), slug="contact"),
            Tab(
                CallAfterDecision.funding_panels,
                heading=_("After the decision"),
                slug="apres_decision",
            ),
            Tab(Page.promote_panels, heading=_("Promote"), slug="promotion"),
            Tab(Page.settings_panels, heading=_("Settings"), slug="parametres"),
        ]
    )

    api_fields = [
        APIField("intro"),
        APIField("body"),
        APIField("keywords"),
        APIField("status"),
        APIField("opens_at"),
        APIField("closes_at"),
        APIField("who_may_apply"),
        APIField("exclusions"),
        APIField("currency"),
        APIField("max_grant"),
        APIField("max_grant_percent"),
        APIField("min_grant"),
        APIField("cofunding_threshold"),
        APIField("cofunding_message"),
        APIField("envelope"),
        APIField("max_pages"),
        APIField("max_text_length"),
        APIField("organisation_number"),
        APIField("axes"),
        APIField("eligibility_questions"),
        APIField("support_kinds"),
        APIField("funding_sources"),
        APIField("criteria"),
        APIField("required_documents"),
        APIField("milestones"),
        APIField("downloads"),
        APIField("contact_service"),
        APIField("contact_name"),
        APIField("contact_phone"),
        APIField("contact_email"),
        APIField("postal_address"),
        APIField("publication_consent_text"),
    ]

    class Meta:
        verbose_name = _("call for projects")
        verbose_name_plural = _("calls for projects")
        # On the call, not on Application: Wagtail shows a model's audit log (Reports → Site
        # history) to anyone holding any permission on that model, and the dossiers' history
        # must stay with the people entitled to each dossier (see permissions.py).
        permissions = [
            ("manage_applications", _("Can check, send to the jury and decide on dossiers")),
            ("score_application", _("Can score the dossiers assigned to them")),
        ]

    currency = "EUR"

    def clean(self) -> None:
        super().clean()
        errors = rules.check_call_configuration(self)
        if errors:
            raise ValidationError(errors)

    # --- derived, never stored ---------------------------------------------------------------

    def get_status(self, now: datetime.datetime | None = None) -> rules.CallStatus:
        return rules.call_status(self, now)

    @property
    def status(self) -> str:
        return self.get_status().value

    @property
    def is_open(self) -> bool:
        return self.get_status() is rules.CallStatus.OPEN

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        context["call_status"] = self.get_status()
        context["timeline"] = timeline.call_timeline(self)
        context["calendar_url"] = self.get_calendar_url(request)
        return context

    # --- the applicant's pages -----------------------------------------------------------------

    @path("deposer/", name="apply")
    def apply(self, request):
        return routes.serve("apply", request, self)

    @path("deposer/<str:step>/", name="apply_step")
    def apply_step(self, request, step):
        return routes.serve("apply", request, self, step=step)

    @path("nouveau-lien/", name="resume_link_request")
    def resume_link_request(self, request):
        return routes.serve("resume_link_request", request, self)

    @path("dossier/<str:uuid>/", name="application_status")
    def application_status(self, request, uuid):
        return routes.serve("application_status", request, self, uuid)

    @path("dossier/<str:uuid>/donnees/", name="application_data")
    def application_data(self, request, uuid):
        return routes.serve("application_data", request, self, uuid)

    @path("dossier/<str:uuid>/retirer/", name="application_withdraw")
    def application_withdraw(self, request, uuid):
        return routes.serve("application_withdraw", request, self, uuid)

    @path("dossier/<str:uuid>/fichiers/<aap_id:pk>/supprimer/", name="attachment_delete")
    def attachment_delete(self, request, uuid, pk):
        return routes.serve("attachment_delete", request, self, uuid, pk)

    def get_apply_url(self, request=None) -> str:
        return (self.get_url(request) or "") + self.reverse_subpage("apply")

    def get_calendar_url(self, request=None) -> str:
        """The iCalendar feed of the call's dates, served by ``aap_wagtail.urls``."""
        url = self.get_url(request)
        return f"{url}calendar.ics" if url else ""
