"""Issue 17: new-call alerts — an address and consent on the calls index, a confirmation link
(double opt-in), one e-mail when a call of the site opens, an unsubscribe link that deletes
the address; nothing tells whether an address was subscribed."""

from __future__ import annotations

import datetime
import re

import pytest
from django.core import mail
from django.test import Client
from django.utils import timezone

from aap_wagtail.calls import alerts
from aap_wagtail.models import CallAlertSubscription, CallPage


@pytest.fixture
def index(make_call):
    call = make_call()
    CallPage.objects.filter(pk=call.pk).update(alert_sent_at=timezone.now())  # announced
    return CallPage.objects.get(pk=call.pk).get_parent().specific


def subscribe(client, index, email="habitant@example.org", consent=True):
    url = index.url + index.reverse_subpage("call_alerts")
    data = {"email": email, **({"consent": "on"} if consent else {})}
    return client.post(url, data)


def link_in(message, name: str) -> str:
    return re.search(rf"https?://\S+/aap/alertes/{name}/\S+/", message.body).group(0)


def test_the_index_offers_the_form_and_a_missing_consent_is_said_next_to_it(client, index):
    page = client.get(index.url).content.decode()
    assert 'name="email"' in page and 'name="consent"' in page
    response = subscribe(client, index, consent=False)
    assert response.status_code == 400
    assert response.context["form"]["consent"].errors == [
        "Cochez cette case pour recevoir les alertes."
    ]
    assert not CallAlertSubscription.objects.exists()


def test_double_opt_in_then_one_alert_per_new_call_then_unsubscribe(
    client, index, make_call, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        assert subscribe(client, index).status_code == 302
    [confirmation] = mail.outbox
    subscription = CallAlertSubscription.objects.get()
    assert subscription.confirmed_at is None

    mail.outbox.clear()
    new_call = make_call(
        title="Inclusion numérique 2027",
        reference_prefix="INC-2027",
        opens_at=timezone.now() - datetime.timedelta(days=1),
    )
    with django_capture_on_commit_callbacks(execute=True):
        alerts.send_call_alerts.call()
    assert mail.outbox == []  # not confirmed: nothing

    confirm = link_in(confirmation, "confirmer")
    page = client.get(confirm[confirm.index("/aap/") :])
    assert 'data-aap-alert-state="confirmed"' in page.content.decode()
    subscription.refresh_from_db()
    assert subscription.confirmed_at is not None

    CallPage.objects.filter(pk=new_call.pk).update(alert_sent_at=None)
    with django_capture_on_commit_callbacks(execute=True):
        assert alerts.send_call_alerts.call() == 1
        assert alerts.send_call_alerts.call() == 0  # once per call
    [alert] = mail.outbox
    assert "Inclusion numérique 2027" in alert.subject
    assert alert.extra_headers["List-Unsubscribe"].startswith("<http")

    leave = link_in(alert, "desinscrire")
    path = leave[leave.index("/aap/") :]
    assert client.get(path).status_code == 200
    assert CallAlertSubscription.objects.exists()  # a GET deletes nothing
    client.post(path)
    assert not CallAlertSubscription.objects.exists()
    assert client.get(path).status_code == 404


def test_asking_twice_says_the_same_and_keeps_one_address(
    index, django_capture_on_commit_callbacks
):
    first, second = Client(), Client()
    with django_capture_on_commit_callbacks(execute=True):
        one = subscribe(first, index)
        two = subscribe(second, index, email="HABITANT@example.org")
    assert one.status_code == two.status_code == 302 and one["Location"] == two["Location"]
    assert CallAlertSubscription.objects.count() == 1
    assert len(mail.outbox) == 1  # one confirmation a day


def test_a_forged_link_or_one_for_another_purpose_opens_nothing(client, index):
    subscription = CallAlertSubscription.objects.create(
        site=index.get_site(), email="x@example.org"
    )
    token = alerts.make_token(subscription, "confirm")
    assert client.get(f"/aap/alertes/desinscrire/{token}/").status_code == 404
    assert client.get(f"/aap/alertes/confirmer/{token[:-2]}xx/").status_code == 404
    client.post(f"/aap/alertes/desinscrire/{token}/")
    assert CallAlertSubscription.objects.exists()


def test_addresses_never_confirmed_are_deleted_after_a_week(index):
    old = CallAlertSubscription.objects.create(site=index.get_site(), email="old@example.org")
    CallAlertSubscription.objects.filter(pk=old.pk).update(
        created_at=timezone.now() - datetime.timedelta(days=8)
    )
    alerts.send_call_alerts.call()
    assert not CallAlertSubscription.objects.filter(pk=old.pk).exists()
