"""A grant agreement's text (the call's template with its placeholders filled), its PDF, and the
signed link through which the legal representative accepts it."""

from __future__ import annotations

import re
from html import unescape
from io import BytesIO
from xml.sax.saxutils import escape

from django.core import signing
from django.urls import reverse
from django.utils.translation import gettext as _
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import getSampleStyleSheet
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer

from ..core.formatting import format_amount, format_date
from ..models import AapSiteSettings, Agreement, PaymentStatus, SupportKind
from ..rules import funding as rules

SIGN_SALT = "aap_wagtail.agreement"
#: How long an agreement's link stays valid (days); sending it again makes a new one.
SIGN_LINK_MAX_AGE = 120 * 24 * 3600


def default_template() -> str:
    """The text used when the call has no template of its own (in the active language)."""
    paragraphs = [
        _(
            "Between {{ body }} and {{ organisation }} (SIRET {{ siret }}, RNA {{ rna }}), "
            "{{ address }}."
        ),
        _(
            "Under the call “{{ call }}” and {{ deliberation }}, {{ body }} supports the project "
            "“{{ project }}” (dossier {{ reference }}) with {{ amount }} ({{ support }})."
        ),
        _("The project runs from {{ start }} to {{ end }}. The support is paid as follows:"),
        "{{ schedule }}",
        _(
            "The organisation sends an end-of-project report and a financial report, and tells "
            "{{ body }} at once of any change to the project."
        ),
    ]
    heading = "<h2>" + _("Grant agreement") + "</h2>"
    return heading + "".join(f"<p>{text}</p>" for text in paragraphs)


def _support(agreement: Agreement) -> str:
    kinds = agreement.application.decision.support_kinds or []
    return ", ".join(str(SupportKind(kind).label).lower() for kind in kinds if kind in SupportKind)


def schedule_lines(agreement: Agreement) -> list[str]:
    """One line a payment: what, how much, when it can be made (or what became of it)."""
    unlock = dict(rules.Unlock.CHOICES)
    lines = []
    for payment in agreement.payments.all():
        line = f"{payment.get_kind_display()} — {format_amount(payment.planned_amount)}"
        if payment.status == PaymentStatus.PAID:
            line += " — " + _("paid on %(date)s") % {"date": format_date(payment.paid_on)}
        elif payment.status == PaymentStatus.CANCELLED:
            line += " — " + _("cancelled")
        else:
            line += " — " + _("when %(unlock)s") % {"unlock": unlock[payment.unlock]}
        lines.append(line)
    return lines


def values(agreement: Agreement) -> dict[str, str]:
    """What each placeholder of the template is replaced with, for this agreement."""
    application = agreement.application
    call, decision = application.call, application.decision
    site = call.get_site()
    body = AapSiteSettings.for_site(site).attributing_body_name if site else ""
    if not body and site is not None:
        body = site.site_name or site.hostname
    organisation = (application.answers or {}).get("organisation") or {}
    address = " ".join(
        str(organisation.get(key) or "").strip() for key in ("address", "postcode", "city")
    ).strip()
    deliberation = ""
    if decision.council_deliberation_number or decision.council_deliberation_date:
        deliberation = _("the council's deliberation %(number)s of %(date)s") % {
            "number": decision.council_deliberation_number,
            "date": format_date(decision.council_deliberation_date),
        }
    return {
        "organisation": application.organisation_name,
        "siret": application.siret or "—",
        "rna": application.rna or "—",
        "address": address,
        "project": application.project_title,
        "reference": application.reference,
        "call": call.title,
        "amount": format_amount(agreement.amount),
        "support": _support(agreement),
        "schedule": "\n".join(schedule_lines(agreement)),
        "start": format_date(agreement.project_start) or "—",
        "end": format_date(agreement.project_end) or "—",
        "deliberation": deliberation,
        "body": body,
    }


def render_text(agreement: Agreement) -> str:
    """The agreement's HTML now: the call's template (or the standard one), filled in."""
    template = agreement.application.call.agreement_template or default_template()
    return rules.fill_placeholders(template, values(agreement))


# --- the PDF ---------------------------------------------------------------------------------

_BLOCK = re.compile(r"<(h[1-6]|p|li)\b[^>]*>(.*?)</\1>", re.S | re.I)
_INLINE = re.compile(r"<(/?)(b|strong|i|em)\b[^>]*>", re.I)


def _reportlab_markup(html_fragment: str) -> str:
    """A block's inline HTML as reportlab's markup: bold and italics kept, line breaks kept,
    everything else as text."""
    fragment = re.sub(r"<br\s*/?>", "\n", html_fragment, flags=re.I)
    tags = {"b": "b", "strong": "b", "i": "i", "em": "i"}
    kept: list[str] = []

    def keep(match: re.Match) -> str:
        kept.append(f"<{match.group(1)}{tags[match.group(2).lower()]}>")
        return f"\x00{len(kept) - 1}\x00"

    fragment = _INLINE.sub(keep, fragment)
    text = escape(unescape(re.sub(r"<[^>]+>", "", fragment))).replace("\n", "<br/>")
    return re.sub(r"\x00(\d+)\x00", lambda m: kept[int(m.group(1))], text)


def agreement_pdf(agreement: Agreement) -> bytes:
    """The agreement as an A4 PDF: its text as sent (or as it would be sent now), then how it
    was signed."""
    sheet = getSampleStyleSheet()
    styles = {"h1": sheet["Title"], "h2": sheet["Heading2"], "h3": sheet["Heading3"]}
    text = agreement.text or render_text(agreement)
    story = []
    for tag, inner in _BLOCK.findall(text):
        style = styles.get(tag.lower(), sheet["BodyText"])
        prefix = "• " if tag.lower() == "li" else ""
        try:
            story.append(Paragraph(prefix + _reportlab_markup(inner), style))
        except ValueError:  # tags that do not nest (not from the rich text editor): as text
            plain = escape(unescape(re.sub(r"<[^>]+>", "", inner)))
            story.append(Paragraph(prefix + plain, style))
    if agreement.is_signed:
        story.append(Spacer(1, 12))
        signed = _("Signed on %(date)s by %(name)s, %(capacity)s (%(method)s).") % {
            "date": format_date(agreement.signed_at),
            "name": agreement.signer_name or "—",
            "capacity": agreement.signer_capacity or "—",
            "method": agreement.get_signature_method_display(),
        }
        story.append(Paragraph(escape(signed), sheet["Italic"]))
    buffer = BytesIO()
    application = agreement.application
    doc = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        title=_("Agreement %(reference)s") % {"reference": application.reference},
    )
    doc.build(story or [Paragraph("", sheet["BodyText"])])
    return buffer.getvalue()


# --- the link to accept it -------------------------------------------------------------------


def make_sign_token(agreement: Agreement) -> str:
    return signing.dumps(
        {"s": agreement.uuid.hex, "g": agreement.link_generation}, salt=SIGN_SALT, compress=True
    )


def read_sign_token(token: str) -> tuple[Agreement | None, int]:
    """``(agreement, generation)`` of a signing link; ``(None, 0)`` when it is forged or too
    old. The generation tells whether the link is the latest one (``workflow.sign_agreement``)."""
    try:
        payload = signing.loads(token, salt=SIGN_SALT, max_age=SIGN_LINK_MAX_AGE)
    except signing.BadSignature:
        return None, 0
    if not isinstance(payload, dict) or not isinstance(payload.get("s"), str):
        return None, 0
    agreement = (
        Agreement.objects.select_related("application__call", "application__decision")
        .filter(uuid=payload["s"])
        .first()
    )
    generation = payload.get("g")
    return agreement, generation if isinstance(generation, int) else 0


def sign_url(agreement: Agreement, base_url: str = "") -> str:
    path = reverse("aap_wagtail:agreement", kwargs={"token": make_sign_token(agreement)})
    if base_url:
        return base_url.rstrip("/") + path
    site = agreement.application.call.get_site()
    return f"{site.root_url}{path}" if site else path
