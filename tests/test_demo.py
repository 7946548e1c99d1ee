"""The demo content: a French site with the closed 2023 call and a current, open edition."""

import re

from django.core.management import call_command
from django.utils import timezone

from aap_wagtail.models import CallIndexPage, CallPage


def test_load_demo_is_idempotent_and_shows_both_editions(client, db, capsys):
    call_command("load_demo")
    call_command("load_demo")
    out = capsys.readouterr().out
    assert "admin / admin-demo" in out
    assert CallIndexPage.objects.count() == 1
    calls = {c.slug: c for c in CallPage.objects.live()}
    year = timezone.localtime().year
    assert len(calls) == 2
    closed = calls["usages-du-numerique-2023"]
    current = next(c for slug, c in calls.items() if slug != "usages-du-numerique-2023")
    assert closed.get_status().value == "closed"
    assert current.get_status().value == "open"
    assert str(timezone.localtime(current.opens_at).year) in current.title
    assert abs(timezone.localtime(current.opens_at).year - year) <= 1

    home = client.get("/")
    assert home.status_code == 200 and 'lang="fr"' in home.content.decode()
    index = client.get("/appels-a-projets/").content.decode()
    assert "Appels ouverts" in index and "Appels clos" in index
    page = client.get(closed.url).content.decode()
    assert re.search(r"2\s300\s€", page)
    assert client.get(current.url).content.decode().count('class="aap-cta"') == 1


def test_demo_accounts_can_log_into_the_admin(client, db):
    call_command("load_demo")
    assert client.login(username="admin", password="admin-demo")
    assert client.get("/admin/").status_code == 200
    client.logout()
    assert client.login(username="editeur", password="editeur-demo")
    assert client.get("/admin/").status_code == 200


def test_the_demo_has_dossiers_at_the_jury_and_review_accounts(client, db):
    from aap_wagtail import permissions
    from aap_wagtail.models import Application, Review

    call_command("load_demo")
    call_command("load_demo")  # once only
    closed = CallPage.objects.get(slug="usages-du-numerique-2023")
    dossiers = Application.objects.filter(call=closed)
    assert dossiers.count() == 7
    assert set(dossiers.values_list("status", flat=True)) == {"in_review", "ineligible"}
    assert Review.objects.filter(status="submitted").count() == 12
    for username, password in [
        ("gestionnaire", "gestionnaire-demo"),
        ("jury1", "jury1-demo"),
        ("jury2", "jury2-demo"),
    ]:
        assert client.login(username=username, password=password)
        assert client.get("/admin/").status_code == 200
    from django.contrib.auth import get_user_model

    jury1 = get_user_model().objects.get(username="jury1")
    assert permissions.jury_applications(jury1).count() == 6
