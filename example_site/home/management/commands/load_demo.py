"""Fill the example site with demo content: a home page, a calls index, the closed 2023 Brest call
(with its deliberation) and a current edition open today, the winners' page, plus demo accounts.
Safe to run again."""

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand
from django.db import transaction
from wagtail.models import Page, Site

from aap_wagtail import presets
from aap_wagtail.models import AapSiteSettings, CallIndexPage, WinnersIndexPage
from home import demo_dossiers
from home.models import HomePage

DEMO_ACCOUNTS = [
    # username, password, superuser, groups
    ("admin", "admin-demo", True, []),
    ("editeur", "editeur-demo", False, ["Editors"]),
    ("gestionnaire", "gestionnaire-demo", False, ["AAP managers"]),
    ("jury1", "jury1-demo", False, ["AAP jury"]),
    ("jury2", "jury2-demo", False, ["AAP jury"]),
]


class Command(BaseCommand):
    help = "Load the demo content and accounts (idempotent)."

    @transaction.atomic
    def handle(self, *args, **options):
        home = self._home()
        index = CallIndexPage.objects.child_of(home).filter(slug="appels-a-projets").first()
        if index is None:
            index = CallIndexPage(
                title="Appels à projets",
                slug="appels-a-projets",
                intro="<p>Les appels à projets de la Ville : lisez le règlement et le calendrier, "
                "puis déposez votre dossier en ligne tant que l'appel est ouvert.</p>",
            )
            home.add_child(instance=index)
            index.save_revision().publish()
        data = presets.read_preset("brest-2023")
        closed = presets.load_preset(data, index)
        current = presets.load_preset(data, index, days=presets.days_to_open_now(data))
        for result in (closed, current):
            self.stdout.write(f"Call: {result.page.title} ({result.page.get_status().label})")
        users = self._accounts()
        self._awarding_body()
        made = demo_dossiers.load(
            closed.page, users["gestionnaire"], [users["jury1"], users["jury2"]]
        )
        if made:
            self.stdout.write(f"{made} sample dossiers in {closed.page.title}.")
        self._winners_index(home)

    def _awarding_body(self) -> None:
        """Who awards the grants, for the agreements and the open data (SCDL): made up."""
        site = Site.objects.get(is_default_site=True)
        settings = AapSiteSettings.for_site(site)
        if not settings.attributing_body_name:
            settings.attributing_body_name = "Ville exemple"
            settings.attributing_body_siret = demo_dossiers.sample_siret(2900)
            settings.save()

    def _winners_index(self, home: HomePage) -> WinnersIndexPage:
        page = WinnersIndexPage.objects.child_of(home).filter(slug="laureats").first()
        if page is None:
            page = WinnersIndexPage(
                title="Lauréats",
                slug="laureats",
                intro="<p>Les projets soutenus par la Ville, édition par édition. Seuls les "
                "porteurs de projet qui ont accepté la publication apparaissent ici.</p>",
            )
            home.add_child(instance=page)
            page.save_revision().publish()
        self.stdout.write(f"Winners: {page.url}")
        return page

    def _home(self) -> HomePage:
        home = HomePage.objects.first()
        if home is None:
            root = Page.get_first_root_node()
            home = HomePage(
                title="Ville exemple",
                slug="accueil",
                intro="<p>Bienvenue sur le site de démonstration d'aap_wagtail.</p>",
            )
            root.add_child(instance=home)
            home.save_revision().publish()
            site = Site.objects.filter(is_default_site=True).first()
            old_root = site.root_page if site else None
            Site.objects.update_or_create(
                is_default_site=True,
                defaults={
                    "hostname": "localhost",
                    "port": 80,
                    "root_page": home,
                    "site_name": "Ville exemple",
                },
            )
            # Wagtail's initial migration creates a placeholder "Welcome" page: remove it.
            if old_root is not None and old_root.pk != home.pk and old_root.depth == 2:
                old_root.delete()
        return home

    def _accounts(self) -> dict:
        User = get_user_model()
        users = {}
        self.stdout.write("\nDemo accounts (admin at http://127.0.0.1:8000/admin/):")
        for username, password, superuser, groups in DEMO_ACCOUNTS:
            user, _ = User.objects.get_or_create(
                username=username, defaults={"email": f"{username}@example.org"}
            )
            user.is_staff = True
            user.is_superuser = superuser
            user.set_password(password)
            user.save()
            for name in groups:
                group = Group.objects.filter(name=name).first()
                if group:
                    user.groups.add(group)
            self.stdout.write(f"  {username} / {password}")
            users[username] = User.objects.get(pk=user.pk)  # fresh permission cache
        return users
