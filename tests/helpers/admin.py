"""The staff side of the admin: the listing's URL names, refusals, files, dossiers in bulk."""

from __future__ import annotations

import hashlib
from decimal import Decimal

from django.core.files.base import ContentFile
from django.urls import reverse

from aap_wagtail.models import Application, Attachment, EnteredBy

from .. import factories

INDEX = "aap_wagtail_application_modeladmin_index"
INSPECT = "aap_wagtail_application_modeladmin_inspect"

other_site_manager = factories.make_other_site_manager


def refused(response) -> bool:
    """Wagtail's admin answers a refusal with a redirect to its home page (and a message)."""
    if response.status_code == 403:
        return True
    return response.status_code == 302 and response.url == reverse("wagtailadmin_home")


def attach(application, name: str = "rib.pdf", data: bytes = b"%PDF-1.4 test") -> Attachment:
    attachment = Attachment(
        application=application,
        slot="rib",
        label="Bank details",
        original_name=name,
        content_type="application/pdf",
        size=len(data),
        sha256=hashlib.sha256(data).hexdigest(),
    )
    attachment.file.save(name, ContentFile(data), save=True)
    return attachment


def add_dossiers(call, count: int, start: int = 1) -> None:
    """``count`` submitted dossiers, fast (no workflow, no signals): the listing is under test."""
    Application.objects.bulk_create(
        [
            Application(
                call=call,
                number=n,
                reference=f"BIG-{n:05d}",
                status="submitted" if n % 7 else "in_review",
                email=f"asso{n}@example.org",
                organisation_name=f"Association {n}",
                project_title=f"Project {n}",
                requested_amount=Decimal(1000 + n % 1300),
                entered_by=EnteredBy.MEDIATOR if n % 5 == 0 else EnteredBy.APPLICANT,
            )
            for n in range(start, start + count)
        ],
        batch_size=2000,
    )
