"""The content the benchmarks measure, built fast: the tests' factories and bulk creation.

The winners and the admin's dossiers are written with the same builders as the query-budget
tests (``tests/winners/test_winners_queries.py``, ``tests/admin/test_admin_queries.py``), so the
figures of ``docs/performance.md`` and the budgets the tests enforce are about the same data.
"""

from __future__ import annotations

import datetime
import hashlib
from pathlib import Path

from django.core.files.base import ContentFile
from django.utils import timezone
from home.models import HomePage
from wagtail.models import Page, Site

from aap_wagtail.core.storage import get_private_storage
from aap_wagtail.models import (
    AapSiteSettings,
    Application,
    ApplicationStatus,
    Attachment,
    CallPage,
    EligibilityQuestion,
    RequiredDocument,
)
from tests import factories
from tests.helpers.winners import make_winners_index


def publish(page: Page) -> Page:
    page.save_revision().publish()
    return type(page).objects.get(pk=page.pk)


def build_site() -> dict[str, Page]:
    """The demo's shape: a ``HomePage`` as the default site's root, with under it

    - the bare pages: ``HomePage``s with no content of their own, rendered in the site's
      ``base.html`` like every page of the package (one at the depth of the winners index,
      one a level deeper, at the depth of a call page: Wagtail's routing costs a query a level);
    - a calls index and the call the applicants fill in (open, closing in an hour);
    - the winners index.
    """
    home = Page.get_first_root_node().add_child(
        instance=HomePage(title="Ville exemple", slug="ville-exemple")
    )
    home = publish(home)
    Site.objects.filter(is_default_site=True).update(root_page=home)
    AapSiteSettings.objects.update_or_create(
        site=Site.objects.get(is_default_site=True),
        defaults={"attributing_body_name": "Ville exemple"},
    )
    bare = publish(home.add_child(instance=HomePage(title="Page nue", slug="page-nue")))
    bare_deep = publish(bare.add_child(instance=HomePage(title="Sous-page nue", slug="sous-page")))
    calls = factories.make_index(parent=home, title="Appels à projets")
    now = timezone.now()
    call = dossier_call(calls, "Usages du numérique", now + datetime.timedelta(hours=1))
    upload_call = dossier_call(
        calls,
        "Grands fichiers",
        now + datetime.timedelta(days=30),
        documents=[
            RequiredDocument(label="Dossier scanné", accepted_types="pdf", max_size_mb=60),
        ],
    )
    return {
        "home": home,
        "bare": bare,
        "bare_deep": bare_deep,
        "calls": calls,
        "call": call,
        "upload_call": upload_call,
        "winners": make_winners_index(parent=home),
    }


def dossier_call(index, title: str, closes_at, documents=None) -> CallPage:
    """An open call ready for the wizard and the API: two eligibility questions, a RIB."""
    call = factories.make_call(
        index,
        title=title,
        closes_at=closes_at,
        reference_prefix="BENCH",
        notification_emails="service@example.org",
    )
    call.eligibility_questions = [
        EligibilityQuestion(
            question="Êtes-vous une association ?",
            qualifying_answer=True,
            explanation="Seules les associations peuvent candidater.",
        ),
        EligibilityQuestion(
            question="Le projet consiste-t-il seulement à acheter du matériel ?",
            qualifying_answer=False,
            explanation="Les achats seuls sont exclus.",
        ),
    ]
    call.required_documents = documents or [
        RequiredDocument(label="RIB", accepted_types="pdf", max_size_mb=5, holds_bank_details=True)
    ]
    call.save_revision().publish()
    return CallPage.objects.get(pk=call.pk)


def copy_dossier(model: Application, call: CallPage, count: int, pdf: bytes) -> int:
    """``count`` submitted copies of a real dossier in ``call``, each with its own copy of
    ``pdf`` in the private storage: the ZIP export's input. Returns the bytes written."""
    fields = {
        f.attname: getattr(model, f.attname)
        for f in Application._meta.concrete_fields
        if f.attname not in {"id", "uuid", "call_id", "number", "reference", "public_slug"}
    }
    rows = Application.objects.bulk_create(
        [
            Application(
                **{
                    **fields,
                    "call_id": call.pk,
                    "number": n,
                    "reference": f"{call.reference_prefix}-{n:04d}",
                    "organisation_name": f"{model.organisation_name} {n}",
                    "status": ApplicationStatus.SUBMITTED,
                    "submitted_at": timezone.now(),
                }
            )
            for n in range(1, count + 1)
        ],
        batch_size=500,
    )
    document = call.required_documents.first()
    storage = get_private_storage()
    digest = hashlib.sha256(pdf).hexdigest()
    attachments = []
    for application in rows:
        name = storage.save(f"applications/{application.uuid}/rib.pdf", ContentFile(pdf))
        attachments.append(
            Attachment(
                application=application,
                document=document,
                slot=f"doc{document.pk}",
                label=document.label,
                file=name,
                original_name="RIB association.pdf",
                content_type="application/pdf",
                size=len(pdf),
                sha256=digest,
                page_count=1,
            )
        )
    Attachment.objects.bulk_create(attachments, batch_size=500)
    return count * len(pdf)


def scan_bytes(tmp: Path, size: int) -> bytes:
    """A one-page scanned PDF of about ``size`` bytes (a RIB)."""
    from tests.helpers.pdf import write_scan_pdf

    path = tmp / f"scan-{size}.pdf"
    write_scan_pdf(path, size)
    return path.read_bytes()
