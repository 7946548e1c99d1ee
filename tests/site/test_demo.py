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
    statuses = dict(dossiers.values_list("organisation_name", "status"))
    # Five selected; one of them has since sent its end-of-project report.
    assert list(statuses.values()).count("selected") == 4
    assert statuses["Fablab du Port"] == "report_received"
    assert statuses["Clic & Cartable"] == "not_selected"
    assert statuses["Association Phare"] == "ineligible"
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
    # The six dossiers it reviewed, but Fablab du Port's: its report is in, the jury is long over.
    assert permissions.jury_applications(jury1).count() == 5


def test_the_demo_deliberation_stays_within_the_envelope_and_its_results_are_sent(db):
    from aap_wagtail import workflow
    from aap_wagtail.models import Application

    call_command("load_demo")
    closed = CallPage.objects.get(slug="usages-du-numerique-2023")
    assert workflow.awarded_total(closed) == closed.envelope
    not_selected = Application.objects.get(call=closed, status="not_selected")
    assert "aide aux devoirs" in not_selected.decision.reason
    decided = Application.objects.filter(call=closed).exclude(status="in_review")
    assert decided.exists()
    assert not decided.filter(results_sent_at__isnull=True).exists()  # told, hence public


def test_the_demo_winners_page_lists_the_consenting_winners_in_french(client, db):
    call_command("load_demo")
    call_command("load_demo")  # once only
    from aap_wagtail.models import WinnersIndexPage

    assert WinnersIndexPage.objects.live().filter(slug="laureats").count() == 1
    response = client.get("/laureats/")
    assert response.status_code == 200
    text = response.content.decode()
    assert 'lang="fr"' in text and "<h1>Lauréats</h1>" in text
    main = text.split("<main", 1)[1]
    titles = re.findall(r'<h3><a href="(/laureats/2023-[^"]+/)">([^<]+)</a></h3>', main)
    assert sorted(title for _url, title in titles) == [
        "Ateliers numériques au centre social",
        "Réparer plutôt que jeter : café bidouille",
        "Tablettes et visio pour les résidents",
        "Une webradio écrite par les habitants",
    ]
    assert "Mémoires de Recouvrance" not in text  # selected, but did not agree to publication
    assert "Clic &amp; Cartable" not in text  # not selected
    assert "Centre social de Kérourien" in main  # partners
    assert re.search(r"2\s300\s€", main) and re.search(r"1\s800\s€", main)  # French amounts
    url = dict((title, url) for url, title in titles)["Ateliers numériques au centre social"]
    page = client.get(url).content.decode()
    assert "Les Écrans Partagés" in page and "Usages du numérique 2023" in page
    assert '"@type": "MonetaryGrant"' in page
    assert client.get("/laureats/", {"q": "radio"}).content.decode().count("<h3>") == 1


def test_the_demo_winners_have_signed_agreements_and_paid_advances(db):
    """Issue 16: the 2023 winners' agreements are signed, their advances paid; Fablab du Port
    sent its report and got its balance."""
    from decimal import Decimal

    from aap_wagtail.models import Agreement, Payment

    call_command("load_demo")
    closed = CallPage.objects.get(slug="usages-du-numerique-2023")
    agreements = Agreement.objects.filter(application__call=closed)
    assert agreements.count() == 5 and all(a.is_signed for a in agreements)
    advances = Payment.objects.filter(agreement__in=agreements, kind="advance")
    assert {p.status for p in advances} == {"paid"}
    fablab = agreements.get(application__organisation_name="Fablab du Port")
    assert fablab.application.status == "report_received"
    assert sum(p.paid_amount for p in fablab.payments.all()) == fablab.amount == Decimal("2300")
    others = Payment.objects.filter(agreement__in=agreements, kind="balance", status="planned")
    assert others.count() == 4
    from aap_wagtail.models import AwardShare

    shares = AwardShare.objects.filter(agreement__in=agreements)
    assert {s.funder for s in shares} == {"Contrat de ville de Brest métropole"}
    assert sum(s.amount for s in shares) == closed.envelope  # the whole envelope is committed
    # The balance waited for the approved financial report; one winner borrowed the video kit.
    assert fablab.payments.get(kind="balance").unlock == "financial"
    assert fablab.financial_report.status == "approved"
    assert any(line["explanation"] for line in fablab.financial_report.lines)
    from aap_wagtail.models import DossierMessage, EquipmentLoan

    thread = DossierMessage.objects.filter(application__organisation_name="Radio Quartiers")
    assert [(m.author_kind, m.internal) for m in thread] == [
        ("staff", False),
        ("applicant", False),
        ("staff", True),
    ]
    [loan] = EquipmentLoan.objects.filter(application__call=closed)
    assert loan.application.organisation_name == "Les Écrans Partagés"
    assert loan.returned_on is not None and loan.value == Decimal("650")


def test_the_demo_s_scdl_file_passes_frictionless_validation(client, db, tmp_path):
    from ..winners.test_opendata import frictionless_errors

    call_command("load_demo")
    response = client.get("/laureats/donnees/scdl/")
    assert response.status_code == 200
    lines = response.content.decode().strip().splitlines()
    assert len(lines) == 1 + 4  # the four consenting winners, each with a signed agreement
    loaned = next(line for line in lines if "Les Écrans Partagés" in line)
    assert "aide en numéraire;aide en nature" in loaned
    assert frictionless_errors(response.content, tmp_path) == []
