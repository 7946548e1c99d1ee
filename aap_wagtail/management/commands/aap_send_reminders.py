from django.core.management.base import BaseCommand

from ... import tasks


class Command(BaseCommand):
    help = "Queue the reminder e-mails for drafts of calls that close soon (run it daily)."

    def handle(self, *args, **options):
        queued = tasks.send_draft_reminders.call()
        self.stdout.write(f"{queued} reminder(s) queued.")
