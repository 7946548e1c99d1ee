"""The e-mails of the agreement: the jobs behind ``tasks.Message.AGREEMENT_SENT`` and
``AGREEMENT_SIGNED`` (``tasks.MESSAGE_JOBS``). They take ids, build the e-mail when they run and
are sent once each (a link once per version of the agreement)."""

from __future__ import annotations

from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.utils.translation import gettext as _

from ..models import Agreement, AgreementStatus
from ..tasks import reply_to, send_claimed, sender_for, task
from . import agreements


def _agreement(agreement_id: int) -> Agreement:
    return Agreement.objects.select_related("application__call", "application__decision").get(
        pk=agreement_id
    )


def _message(
    agreement: Agreement, subject: str, template: str, **context
) -> EmailMultiAlternatives:
    application = agreement.application
    call = application.call
    message = EmailMultiAlternatives(
        subject=subject,
        body=render_to_string(
            template, {"agreement": agreement, "application": application, "call": call, **context}
        ),
        from_email=sender_for(call),
        to=[application.email],
        reply_to=reply_to(call),
    )
    message.attach(
        f"{application.reference}-convention.pdf",
        agreements.agreement_pdf(agreement),
        "application/pdf",
    )
    return message


@task()
def send_agreement_link(agreement_id: int, generation: int) -> int:
    """The agreement (PDF) and the link to accept it online, once per version sent."""
    agreement = _agreement(agreement_id)
    if (
        agreement.status != AgreementStatus.SENT
        or agreement.link_generation != generation
        or not agreement.application.email
    ):
        return 0  # signed meanwhile, or sent again: the newer job sends the newer link

    def build() -> EmailMultiAlternatives:
        return _message(
            agreement,
            _("Your grant agreement %(reference)s: to accept online")
            % {"reference": agreement.application.reference},
            "aap_wagtail/emails/agreement_sent.txt",
            link=agreements.sign_url(agreement),
        )

    return send_claimed(f"agreement-link:{agreement_id}:{generation}", build)


@task()
def send_signed_agreement(agreement_id: int) -> int:
    """A copy of the accepted agreement, with how and when it was accepted. Sent once."""
    agreement = _agreement(agreement_id)
    if not agreement.is_signed or not agreement.application.email:
        return 0

    def build() -> EmailMultiAlternatives:
        return _message(
            agreement,
            _("Your grant agreement %(reference)s is signed")
            % {"reference": agreement.application.reference},
            "aap_wagtail/emails/agreement_signed.txt",
        )

    return send_claimed(f"agreement-signed:{agreement_id}", build)
