import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from ... import presets
from ...models import CallPage


class Command(BaseCommand):
    help = (
        "Write a call's configuration as a preset (JSON), to load it on another site with "
        "aap_load_preset."
    )

    def add_arguments(self, parser):
        parser.add_argument("call", help="The call page: its id or its slug.")
        parser.add_argument(
            "-o", "--output", help="Write to this file instead of the standard output."
        )

    def handle(self, *args, **options):
        call = self._find_call(options["call"])
        text = json.dumps(presets.export_preset(call), ensure_ascii=False, indent=2) + "\n"
        if options["output"]:
            Path(options["output"]).write_text(text, encoding="utf-8")
            self.stderr.write(f"Wrote “{call.title}” to {options['output']}.")
        else:
            self.stdout.write(text, ending="")

    def _find_call(self, ref: str) -> CallPage:
        if ref.isdigit():
            call = CallPage.objects.filter(pk=int(ref)).first()
            if call is None:
                raise CommandError(f"No call page with the id {ref}.")
            return call
        calls = list(CallPage.objects.filter(slug=ref))
        if not calls:
            raise CommandError(f"No call page with the slug {ref!r}.")
        if len(calls) > 1:
            found = ", ".join(f"{c.pk} ({c.url_path})" for c in calls)
            raise CommandError(f"Several calls have the slug {ref!r}: give the id. {found}")
        return calls[0]
