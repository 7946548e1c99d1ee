"""The applicant's end-of-project report: its form and its images, for the report link's page
(``report_views``) and the JSON API alike.

What the applicant saves or sends goes through ``workflow.save_report``; the images are checked
like any upload and saved in private storage within the same transaction.
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

from django import forms
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from .. import rules, workflow
from ..applications.attachments import check_upload
from ..applications.photos import clean_photo
from ..core.parsing import parse_id
from ..models import Application, ApplicationStatus, ProjectReport, ReportImage

S = ApplicationStatus

#: At most this many images per report.
MAX_IMAGES = 5
IMAGE_EXTENSIONS = ["jpg", "jpeg", "png", "webp"]
IMAGE_MAX_MB = 5
#: What an image may be served as; anything else is sent as a download, never displayed.
IMAGE_CONTENT_TYPES = frozenset({"image/jpeg", "image/png", "image/webp"})
#: Fields the applicant must fill in before sending (a draft may leave them empty).
REQUIRED_TO_SEND = ("actions", "results", "budget_spent")
TEXT_FIELDS = ("partners", "actions", "results", "next_steps")
MAX_AMOUNT = Decimal("9999999999.99")

_SPACES = re.compile(r"[\s\u00a0\u202f']")


def parse_amount(value: str) -> Decimal | None:
    """ "1 234,50", "1234.5", "1 234 €" → Decimal; "" → None; anything else → ValueError."""
    text = _SPACES.sub("", (value or "").replace("€", ""))
    if not text:
        return None
    if "," in text and "." in text:
        text = text.replace(".", "")  # "1.234,50": dots group thousands
    text = text.replace(",", ".")
    if not re.fullmatch(r"[0-9]{1,10}(\.[0-9]{1,2})?", text):
        raise ValueError(value)
    try:
        amount = Decimal(text)
    except InvalidOperation as error:  # pragma: no cover - the pattern already excludes it
        raise ValueError(value) from error
    if amount > MAX_AMOUNT:
        raise ValueError(value)
    return amount


class ProjectReportForm(forms.Form):
    """The report's fields and up to ``free_slots`` new images, each with its description.

    With ``sending`` the fields the staff need become required; a draft may be incomplete.
    """

    title = forms.CharField(label=gettext_lazy("Title of the project"), max_length=255)
    partners = forms.CharField(
        label=gettext_lazy("Partners of the project"),
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        help_text=gettext_lazy("Who worked with you, and how."),
    )
    actions = forms.CharField(
        label=gettext_lazy("What was done"), widget=forms.Textarea, required=False
    )
    results = forms.CharField(
        label=gettext_lazy("Results"),
        widget=forms.Textarea,
        required=False,
        help_text=gettext_lazy("Who took part, what changed for them, what worked less well."),
    )
    next_steps = forms.CharField(
        label=gettext_lazy("What comes next"), widget=forms.Textarea, required=False
    )
    budget_spent = forms.CharField(
        label=gettext_lazy("Budget spent (€)"),
        max_length=30,
        required=False,
        help_text=gettext_lazy("The total spent on the project, in euros, e.g. 1 234,50."),
    )

    def __init__(self, *args, call, free_slots: int = MAX_IMAGES, sending: bool = False, **kw):
        super().__init__(*args, **kw)
        self.call = call
        self.sending = sending
        self.checked_images: list[tuple] = []
        already = MAX_IMAGES - free_slots
        for n in range(1, free_slots + 1):
            # Numbered after the images already there, so "image 3" is the third of the report.
            self.fields[f"image_{n}"] = forms.FileField(
                label=_("Image %(n)s") % {"n": already + n},
                required=False,
                allow_empty_file=True,  # check_upload says what to do with an empty file
                help_text=_("JPG, PNG or WebP, %(size)s MB at most.") % {"size": IMAGE_MAX_MB},
            )
            self.fields[f"image_{n}_alt"] = forms.CharField(
                label=_("Description of image %(n)s") % {"n": already + n},
                max_length=255,
                required=False,
                help_text=_("What the image shows, for people who cannot see it."),
            )
        for name in TEXT_FIELDS:
            field = self.fields[name]
            field.widget.attrs.setdefault("rows", 6)
            field.help_text = (f"{field.help_text} " if field.help_text else "") + _(
                "%(limit)s characters at most."
            ) % {"limit": call.max_text_length}

    @property
    def image_fields(self):
        """(file field, description field) of each new image, for the template."""
        count = sum(1 for name in self.fields if name.startswith("image_") and "_alt" not in name)
        return [(self[f"image_{n}"], self[f"image_{n}_alt"]) for n in range(1, count + 1)]

    def clean_budget_spent(self):
        try:
            return parse_amount(self.cleaned_data.get("budget_spent", ""))
        except ValueError:
            raise ValidationError(
                _("Write an amount in euros, e.g. 1 234,50."), code="amount"
            ) from None

    def clean(self):
        cleaned = super().clean()
        for name in TEXT_FIELDS:
            error = rules.check_text_length(cleaned.get(name) or "", self.call.max_text_length)
            if error:
                self.add_error(name, error)
        if self.sending:
            for name in REQUIRED_TO_SEND:
                if name not in self.errors and cleaned.get(name) in (None, ""):
                    self.add_error(name, _("Fill this in before sending the report."))
        for file_field, alt_field in self.image_fields:
            upload = cleaned.get(file_field.name)
            alt_text = (cleaned.get(alt_field.name) or "").strip()
            if upload:
                try:
                    checked = clean_photo(
                        check_upload(upload, extensions=IMAGE_EXTENSIONS, max_size_mb=IMAGE_MAX_MB)
                    )
                except ValidationError as error:
                    self.add_error(file_field.name, error)
                    continue
                if not alt_text:
                    if alt_field.name not in self.errors:
                        self.add_error(
                            alt_field.name,
                            _("Describe this image in a few words: what does it show?"),
                        )
                    continue
                self.checked_images.append((checked, alt_text))
            elif alt_text and alt_field.name not in self.errors:
                self.add_error(
                    file_field.name,
                    _("Choose the image this description is for, or empty the description."),
                )
        return cleaned

    def report_fields(self) -> dict:
        return {
            name: self.cleaned_data[name]
            for name in ("title", *TEXT_FIELDS, "budget_spent")
            if name in self.cleaned_data
        }


# --- storing -----------------------------------------------------------------------------------


def _store_images(report: ProjectReport, checked_images, stored: list[str]) -> None:
    """Save the checked images of ``report`` (under the dossier's lock, within its transaction);
    ``stored`` collects the file names written, so that a rollback can remove them."""
    if report.images.count() + len(checked_images) > MAX_IMAGES:
        raise workflow.TransitionRefused(
            _("A report has %(max)s images at most: remove one before adding another.")
            % {"max": MAX_IMAGES}
        )
    for checked, alt_text in checked_images:
        image = ReportImage(
            report=report, alt_text=alt_text, content_type=checked.content_type, size=checked.size
        )
        checked.file.seek(0)
        image.file.save(checked.name, checked.file, save=False)
        stored.append(image.file.name)
        image.save()


def save_report_with_images(application: Application, form: ProjectReportForm, *, submit: bool):
    """The applicant's report and new images are saved together, or not at all."""
    stored: list[str] = []
    try:
        with transaction.atomic():
            report = workflow.save_report(application, form.report_fields())
            _store_images(report, form.checked_images, stored)
            if submit:
                report = workflow.save_report(application, {}, submit=True)
    except Exception:
        from ..core.storage import get_private_storage

        for name in stored:
            get_private_storage().delete(name)
        raise
    return report


def remove_image(application: Application, pk: str) -> bool:
    pk = parse_id(pk)
    if pk is None:
        return False
    with transaction.atomic():
        locked = Application.objects.select_for_update().filter(pk=application.pk).first()
        if locked is None or locked.status != S.REPORT_DUE:
            return False
        image = ReportImage.objects.filter(report__application=locked, pk=pk).first()
        if image is None:
            return False
        storage, name = image.file.storage, image.file.name
        image.delete()
        transaction.on_commit(lambda: storage.delete(name))
    return True
