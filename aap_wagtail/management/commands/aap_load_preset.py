from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from wagtail.models import Page, Site

from ... import presets


class Command(BaseCommand):
    help = (
        "Load a call preset (e.g. brest-2023) as a call page under a parent page "
        "(a calls index). Loading again updates the same page."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "name", nargs="?", help="Preset name (see --list) or path to a .json file."
        )
        parser.add_argument(
            "--parent",
            required=False,
            help="The calls index page: its id, or its URL path on the default site (or on "
            "--site), e.g. /appels-a-projets/.",
        )
        parser.add_argument(
            "--site",
            help="Hostname of the site whose URL path --parent gives (default: the default site).",
        )
        parser.add_argument(
            "--open-now",
            action="store_true",
            help="Move every date so that the call opened 30 days ago (demo).",
        )
        parser.add_argument("--shift-days", type=int, default=0, help="Move every date by N days.")
        parser.add_argument("--slug", help="Use this slug instead of the preset's.")
        parser.add_argument("--draft", action="store_true", help="Save without publishing.")
        parser.add_argument("--list", action="store_true", help="List the available presets.")

    def handle(self, *args, **options):
        if options["list"]:
            for name in presets.available_presets():
                self.stdout.write(name)
            return
        if not options["name"]:
            raise CommandError("Give a preset name or a .json file (see --list).")
        if not options["parent"]:
            raise CommandError("Give the calls index page with --parent.")
        parent = self._find_parent(options["parent"], options["site"])
        try:
            data = presets.read_preset(options["name"])
            days = options["shift_days"]
            if options["open_now"]:
                days = presets.days_to_open_now(data)
            with transaction.atomic():
                result = presets.load_preset(
                    data, parent, days=days, slug=options["slug"], publish=not options["draft"]
                )
        except presets.PresetError as exc:
            raise CommandError(str(exc)) from exc
        verb = "Created" if result.created else "Updated"
        self.stdout.write(
            self.style.SUCCESS(
                f"{verb} “{result.page.title}” (id {result.page.pk}, {result.page.url_path})."
            )
        )

    def _find_parent(self, ref: str, hostname: str | None = None) -> Page:
        from ...models import CallIndexPage

        if ref.isdigit():
            page = Page.objects.filter(pk=int(ref)).first()
        else:
            sites = Site.objects.select_related("root_page")
            if hostname:
                site = sites.filter(hostname=hostname).first()
                if site is None:
                    raise CommandError(f"No site with the hostname {hostname!r}.")
            else:
                site = sites.filter(is_default_site=True).first()
            if site is None:
                raise CommandError("No default site: give the parent page's id instead.")
            path = site.root_page.url_path + ref.strip("/") + "/"
            page = Page.objects.filter(url_path=path).first()
        if page is None:
            raise CommandError(f"No page found for --parent {ref!r}.")
        page = page.specific
        if not isinstance(page, CallIndexPage):
            raise CommandError(
                f"“{page.title}” is a {page.specific_class._meta.verbose_name}, "
                "not a calls index: call pages live under a calls index page."
            )
        return page
