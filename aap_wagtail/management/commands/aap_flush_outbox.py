from django.core.management.base import BaseCommand, CommandError

from ... import outbox


class Command(BaseCommand):
    help = (
        "Enqueue the tasks (e-mails…) that could not reach the queue, e.g. while Redis was down. "
        "Run it every few minutes from cron; it exits with an error while the queue refuses them."
    )

    def add_arguments(self, parser):
        parser.add_argument("--limit", type=int, default=None, help="At most this many tasks.")

    def handle(self, *args, **options):
        result = outbox.flush(limit=options["limit"])
        self.stdout.write(
            f"{result.enqueued} task(s) enqueued, {result.waiting} still in the outbox."
        )
        if result.failed:
            raise CommandError(f"{result.failed} task(s) could not be enqueued (see the log).")
