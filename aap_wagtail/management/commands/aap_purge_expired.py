import datetime

from django.core.management.base import BaseCommand, CommandError

from ...privacy import retention


class Command(BaseCommand):
    help = (
        "Anonymise the dossiers whose retention period has ended and delete the bank details "
        "due (run it daily). See docs/privacy.md."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="List what would be purged; change nothing.",
        )
        parser.add_argument(
            "--date",
            help="Purge as of this day (YYYY-MM-DD) instead of today, e.g. to preview a run.",
        )

    def handle(self, *args, dry_run=False, date=None, **options):
        if date:
            try:
                datetime.date.fromisoformat(date)
            except ValueError:
                raise CommandError(f"--date: {date!r} is not a date (YYYY-MM-DD).") from None
        report = retention.purge_expired_dossiers.call(day=date, dry_run=dry_run)
        verb = "would be" if dry_run else "were"
        for title in report["bank_details_removed"]:
            self.stdout.write(f"bank details: {title}")
        for title in report["anonymised"]:
            self.stdout.write(f"anonymised: {title}")
        self.stdout.write(
            f"{len(report['anonymised'])} dossier(s) {verb} anonymised and "
            f"{len(report['bank_details_removed'])} {verb} cleared of bank details "
            f"as of {report['day']}."
        )
