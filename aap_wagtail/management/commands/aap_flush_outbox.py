import time

from django.core.management.base import BaseCommand, CommandError

from ...tasks import outbox


class Command(BaseCommand):
    help = (
        "Enqueue the tasks (e-mails…) that could not reach the queue, e.g. while Redis was down, "
        "and again those whose job was lost (Redis restarted empty) or abandoned (a worker "
        "killed). Run it every few minutes from cron, or keep it running with --every; it exits "
        "with an error while the queue refuses them."
    )

    def add_arguments(self, parser):
        parser.add_argument("--limit", type=int, default=None, help="At most this many tasks.")
        parser.add_argument(
            "--every",
            type=int,
            default=0,
            metavar="SECONDS",
            help="Keep running: sweep the outbox every SECONDS (a sweeper process next to the "
            "workers, e.g. under systemd). A queue that refuses is logged, not fatal.",
        )

    def handle(self, *args, **options):
        if options["every"] > 0:
            while True:  # pragma: no cover - a long-running process, stopped by its supervisor
                self._sweep(options["limit"], fatal=False)
                time.sleep(options["every"])
        self._sweep(options["limit"], fatal=True)

    def _sweep(self, limit, *, fatal: bool) -> None:
        result = outbox.flush(limit=limit)
        self.stdout.write(
            f"{result.enqueued} task(s) enqueued, {result.waiting} still in the outbox."
        )
        if result.failed and fatal:
            raise CommandError(f"{result.failed} task(s) could not be enqueued (see the log).")
