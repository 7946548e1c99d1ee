from django.core.management.base import BaseCommand

from ...applications import emails


class Command(BaseCommand):
    help = "Queue the reminder e-mails for drafts of calls that close soon (run it daily)."

    def handle(self, *args, **options):
        queued = emails.send_draft_reminders.call()
        self.stdout.write(f"{queued} reminder(s) queued.")
