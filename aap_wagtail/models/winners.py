"""The public side after the decision: the winners index, end-of-project reports, and the
identity of the body that awards the grants (for open data)."""

from __future__ import annotations

import uuid

from django.core.validators import RegexValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from wagtail.admin.panels import FieldPanel
from wagtail.contrib.routable_page.models import RoutablePageMixin, path
from wagtail.contrib.settings.models import BaseSiteSetting, register_setting
from wagtail.fields import RichTextField
from wagtail.models import Page

from ..core.storage import get_private_storage
from . import routes
from .pages import AapPageMixin


@register_setting(icon="site")
class AapSiteSettings(BaseSiteSetting):
    """The identity of the body that runs the calls of this site (one per city on a
    multi-site install): named in open data (SCDL), e-mails and the call pages."""

    attributing_body_name = models.CharField(
        _("name of the awarding body"),
        max_length=255,
        blank=True,
        help_text=_("As it should appear in open data, e.g. “Ville de Brest”."),
    )
    attributing_body_siret = models.CharField(
        _("SIRET of the awarding body"),
        max_length=14,
        blank=True,
        validators=[RegexValidator(r"^\d{14}$", _("A SIRET is 14 digits."))],
    )

    sender_email = models.EmailField(
        _("sender e-mail address"),
        blank=True,
        help_text=_(
            "The “From” address of the e-mails sent for this site's calls. "
            "Leave empty to use the server's default address."
        ),
    )
    data_protection_contact = models.TextField(
        _("data-protection contact"),
        blank=True,
        help_text=_(
            "Who applicants can write to about their personal data. Shown on the call pages "
            "and at the last step of the application form."
        ),
    )
    retention_years = models.PositiveSmallIntegerField(
        _("retention period (years)"),
        default=5,
        help_text=_(
            "How long dossiers are kept after their decision, for the calls that set no "
            "period of their own. Then their personal data and files are deleted."
        ),
    )
    privacy_notice = RichTextField(
        _("privacy notice"),
        blank=True,
        features=["bold", "italic", "link", "ul", "ol"],
        help_text=_(
            "What the city does with applicants' personal data, why, for how long, and their "
            "rights. Shown just before applicants agree to it, at the last step of the form."
        ),
    )
    logo = models.ForeignKey(
        "wagtailimages.Image",
        verbose_name=_("logo"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text=_("Shown at the top of the call pages."),
    )

    panels = [
        FieldPanel("attributing_body_name"),
        FieldPanel("attributing_body_siret"),
        FieldPanel("sender_email"),
        FieldPanel("data_protection_contact"),
        FieldPanel("retention_years"),
        FieldPanel("privacy_notice"),
        FieldPanel("logo"),
    ]

    class Meta:
        verbose_name = _("calls for projects: site settings")


class WinnersIndexPage(RoutablePageMixin, AapPageMixin, Page):
    """The public list of selected projects of the calls of its site, with their reports.

    Only dossiers whose applicants agreed to publication appear, and only their public fields:
    everything public goes through ``winners.public``. The views behind the routes are named in
    ``models.routes``.
    """

    intro = RichTextField(_("introduction"), blank=True)

    content_panels = [*Page.content_panels, FieldPanel("intro")]
    subpage_types: list[str] = []
    template = "aap_wagtail/pages/winners_index_page.html"

    class Meta:
        verbose_name = _("winners index")
        verbose_name_plural = _("winners indexes")

    @path("")
    def winners_list(self, request):
        return routes.serve("winners_index", request, self)

    @path("flux/rss/", name="winners_rss")
    def winners_rss(self, request):
        return routes.serve("winners_feed", request, self, atom=False)

    @path("flux/atom/", name="winners_atom")
    def winners_atom(self, request):
        return routes.serve("winners_feed", request, self, atom=True)

    @path("donnees/<str:fmt>/", name="winners_data")
    def winners_data(self, request, fmt):
        return routes.serve("winners_download", request, self, fmt)

    @path("<slug:slug>/", name="winner")
    def winner(self, request, slug):
        return routes.serve("winner_page", request, self, slug)


class ReportStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Sent, awaiting moderation")
    CHANGES_REQUESTED = "changes_requested", _("Changes requested")
    PUBLISHED = "published", _("Published")


class ProjectReport(models.Model):
    """The end-of-project report of a selected dossier, written by its applicant.

    Status changes go through ``aap_wagtail.workflow`` (submit, ask for changes, publish).
    """

    application = models.OneToOneField(
        "aap_wagtail.Application", on_delete=models.CASCADE, related_name="report"
    )
    title = models.CharField(_("title of the project"), max_length=255)
    partners = models.TextField(_("partners of the project"), blank=True)
    actions = models.TextField(_("what was done"))
    results = models.TextField(_("results"))
    next_steps = models.TextField(_("what comes next"), blank=True)
    budget_spent = models.DecimalField(
        _("budget spent (€)"), max_digits=12, decimal_places=2, null=True, blank=True
    )
    status = models.CharField(
        _("status"), max_length=20, choices=ReportStatus.choices, default=ReportStatus.DRAFT
    )
    moderation_message = models.TextField(
        _("message to the applicant"),
        blank=True,
        help_text=_("What to change, when asking for changes."),
    )
    submitted_at = models.DateTimeField(_("sent"), null=True, blank=True)
    published_at = models.DateTimeField(_("published"), null=True, blank=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("end-of-project report")
        verbose_name_plural = _("end-of-project reports")

    def __str__(self) -> str:
        return f"{self.application}: {self.title}"

    @property
    def is_published(self) -> bool:
        return self.status == ReportStatus.PUBLISHED


def report_image_path(instance: ReportImage, filename: str) -> str:
    return f"reports/{instance.report.application.uuid}/{uuid.uuid4().hex}/{filename}"


class ReportImage(models.Model):
    """A photo of a report: private until the report is published, then served by a view."""

    report = models.ForeignKey(ProjectReport, on_delete=models.CASCADE, related_name="images")
    file = models.FileField(
        _("image"), upload_to=report_image_path, storage=get_private_storage, max_length=500
    )
    alt_text = models.CharField(
        _("description of the image"),
        max_length=255,
        help_text=_("What the image shows, for people who cannot see it."),
    )
    content_type = models.CharField(max_length=100, blank=True)
    size = models.PositiveBigIntegerField(default=0)
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("report image")
        verbose_name_plural = _("report images")
        ordering = ["report_id", "pk"]

    def __str__(self) -> str:
        return self.alt_text
