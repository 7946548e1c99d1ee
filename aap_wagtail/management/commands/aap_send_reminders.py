from django.core.management.base import BaseCommand

from ...applications import emails
from ...calls import alerts
from ...funding import emails as funding_emails


class Command(BaseCommand):
    help = (
        "Queue the reminder e-mails (run it daily): drafts of calls that close soon, financial "
        "reports due soon or late, lent equipment to return soon, "
        "new-call alerts."
    )

    def handle(self, *args, **options):
        queued = emails.send_draft_reminders.call()
        self.stdout.write(f"{queued} reminder(s) queued.")
        queued = funding_emails.send_funding_reminders.call()
        self.stdout.write(f"{queued} reminder(s) after the decision queued.")
        queued = alerts.send_call_alerts.call()
        self.stdout.write(f"{queued} new-call alert(s) queued.")
