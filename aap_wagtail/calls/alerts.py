"""New-call alerts: on a calls index, "Prévenez-moi des prochains appels" takes an e-mail address
and consent; a confirmation link (double opt-in) records the consent; when a call of the site
opens, each confirmed address gets one e-mail, with an unsubscribe link that deletes the address.
Nothing says whether an address was already subscribed (no enumeration)."""

from __future__ import annotations

import datetime
import hashlib

from django import forms
from django.core import signing
from django.core.mail import EmailMultiAlternatives
from django.db import IntegrityError, transaction
from django.shortcuts import redirect
from django.template.loader import render_to_string
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import patch_cache_control
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from wagtail.models import Site

from .. import conf
from ..core import ratelimit
from ..models import CallAlertSubscription, CallPage
from ..tasks import Message, notify, send_claimed, sender_for, task

SALT = "aap_wagtail.call_alert"
CONFIRM_MAX_AGE = 7 * 24 * 3600
#: A call that opened longer ago than this is not announced any more (e.g. on a first run).
ANNOUNCE_WITHIN = datetime.timedelta(days=7)


class AlertForm(forms.Form):
    email = forms.EmailField(label=gettext_lazy("Your e-mail address"), max_length=254)
    consent = forms.BooleanField(
        label=gettext_lazy(
            "I agree to receive an e-mail when a new call opens on this site. I can unsubscribe "
            "at any time with the link in each e-mail."
        ),
        error_messages={"required": gettext_lazy("Tick this box to receive the alerts.")},
    )


def _digest(email: str) -> str:
    return hashlib.sha256(email.lower().encode()).hexdigest()[:16]


def make_token(subscription: CallAlertSubscription, purpose: str) -> str:
    payload = {"a": subscription.pk, "e": _digest(subscription.email), "p": purpose}
    return signing.dumps(payload, salt=SALT, compress=True)


def read_token(token: str, purpose: str, max_age=None) -> CallAlertSubscription | None:
    try:
        payload = signing.loads(token, salt=SALT, max_age=max_age)
    except signing.BadSignature:
        return None
    if not isinstance(payload, dict) or payload.get("p") != purpose:
        return None
    found = CallAlertSubscription.objects.filter(pk=payload.get("a")).first()
    if found is None or _digest(found.email) != payload.get("e"):
        return None
    return found


def _url(site: Site, name: str, token: str) -> str:
    return site.root_url + reverse(f"aap_wagtail:{name}", kwargs={"token": token})


def _render(request, template: str, status: int = 200, **context):
    context = {"aap_base_template": conf.get("BASE_TEMPLATE"), **context}
    response = TemplateResponse(request, template, context, status=status)
    patch_cache_control(response, private=True, no_store=True)
    return response


def calls_index(request, page):
    """The calls index page, with the alerts' form at its foot."""
    return page.render(request, context_overrides={"alert_form": AlertForm()})


def subscribe(request, page):
    """``<calls index>/alertes/``: the form (also on the index page) and what follows a POST."""
    form = AlertForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        refusal = ratelimit.check(request, "link_request")
        if refusal:
            form.add_error("email", refusal)
        else:
            site = page.get_site()
            email = form.cleaned_data["email"].strip()
            subscription = CallAlertSubscription.objects.filter(
                site=site, email__iexact=email
            ).first()
            if subscription is None:
                try:
                    with transaction.atomic():
                        subscription = CallAlertSubscription.objects.create(site=site, email=email)
                except IntegrityError:
                    subscription = CallAlertSubscription.objects.get(site=site, email=email)
            if subscription.confirmed_at is None:
                notify(Message.CALL_ALERT_CONFIRM, subscription.pk)
            return redirect(page.url + page.reverse_subpage("call_alerts") + "?envoye=1")
    return _render(
        request,
        "aap_wagtail/alerts/subscribe.html",
        status=400 if request.method == "POST" else 200,
        page=page,
        form=form,
        sent="envoye" in request.GET,
    )


def confirm(request, token: str):
    """``aap/alertes/confirmer/<token>/``: the consent, recorded (the link of the e-mail)."""
    subscription = read_token(token, "confirm", CONFIRM_MAX_AGE)
    if subscription is None:
        return _render(request, "aap_wagtail/alerts/done.html", status=404, state="invalid")
    if subscription.confirmed_at is None:
        subscription.confirmed_at = timezone.now()
        subscription.save(update_fields=["confirmed_at"])
    return _render(
        request,
        "aap_wagtail/alerts/done.html",
        state="confirmed",
        unsubscribe=reverse(
            "aap_wagtail:call_alert_unsubscribe",
            kwargs={"token": make_token(subscription, "unsubscribe")},
        ),
    )


def unsubscribe(request, token: str):
    """``aap/alertes/desinscrire/<token>/``: a button (a link checker's GET deletes nothing);
    the POST deletes the address."""
    subscription = read_token(token, "unsubscribe")
    if request.method == "POST":
        if subscription is not None:
            subscription.delete()
        return _render(request, "aap_wagtail/alerts/done.html", state="unsubscribed")
    if subscription is None:
        return _render(request, "aap_wagtail/alerts/done.html", status=404, state="invalid")
    return _render(request, "aap_wagtail/alerts/unsubscribe.html", email=subscription.email)


# --- the e-mails -----------------------------------------------------------------------------


@task()
def send_alert_confirmation(subscription_id: int) -> int:
    subscription = CallAlertSubscription.objects.filter(pk=subscription_id).first()
    if subscription is None or subscription.confirmed_at is not None:
        return 0
    site = subscription.site
    link = _url(site, "call_alert_confirm", make_token(subscription, "confirm"))

    def build() -> EmailMultiAlternatives:
        return EmailMultiAlternatives(
            subject=_("Confirm the alerts for the new calls of %(site)s")
            % {"site": site.site_name or site.hostname},
            body=render_to_string(
                "aap_wagtail/emails/call_alert_confirm.txt", {"site": site, "link": link}
            ),
            to=[subscription.email],
        )

    # Once a day at most for an address (asking again does not flood the inbox).
    return send_claimed(f"alert-confirm:{subscription_id}:{timezone.localdate()}", build)


@task()
def send_call_alert(call_id: int, subscription_id: int) -> int:
    subscription = CallAlertSubscription.objects.filter(
        pk=subscription_id, confirmed_at__isnull=False
    ).first()
    call = CallPage.objects.filter(pk=call_id).first()
    if subscription is None or call is None:
        return 0
    site = subscription.site
    unsubscribe_url = _url(site, "call_alert_unsubscribe", make_token(subscription, "unsubscribe"))

    def build() -> EmailMultiAlternatives:
        message = EmailMultiAlternatives(
            subject=_("A new call is open: %(call)s") % {"call": call.title},
            body=render_to_string(
                "aap_wagtail/emails/call_alert.txt",
                {"call": call, "url": call.full_url, "unsubscribe": unsubscribe_url},
            ),
            from_email=sender_for(call),
            to=[subscription.email],
            headers={"List-Unsubscribe": f"<{unsubscribe_url}>"},
        )
        return message

    return send_claimed(f"call-alert:{call_id}:{subscription_id}", build)


@task()
def send_call_alerts() -> int:
    """Queue one e-mail per confirmed address of the site of each call that opened (in the last
    week) and was not announced yet; delete the addresses never confirmed. Run daily or hourly
    (``manage.py aap_send_reminders``)."""
    now = timezone.now()
    queued = 0
    # Addresses never confirmed are not kept past their link's life.
    CallAlertSubscription.objects.filter(
        confirmed_at__isnull=True, created_at__lt=now - datetime.timedelta(seconds=CONFIRM_MAX_AGE)
    ).delete()
    calls = (
        CallPage.objects.live()
        .public()
        .filter(alert_sent_at__isnull=True, opens_at__lte=now, opens_at__gte=now - ANNOUNCE_WITHIN)
    )
    for call in calls:
        site = call.get_site()
        if site is None or call.closes_at <= now:
            continue
        with transaction.atomic():
            claimed = CallPage.objects.filter(pk=call.pk, alert_sent_at__isnull=True).update(
                alert_sent_at=now
            )
            if not claimed:
                continue
            for pk in CallAlertSubscription.objects.filter(
                site=site, confirmed_at__isnull=False
            ).values_list("pk", flat=True):
                notify(Message.CALL_ALERT, call.pk, pk)
                queued += 1
    return queued
