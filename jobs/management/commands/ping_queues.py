"""Round-trip a ping task through every queue: proves a worker consumes each one."""

import time

from celery.exceptions import TimeoutError as CeleryTimeout
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from jobs.tasks import pings


class Command(BaseCommand):
    help = "Send QUEUE.ping to every queue and report which worker answered and how fast."

    def add_arguments(self, parser):
        parser.add_argument("--timeout", type=float, default=10.0)

    def handle(self, *args, timeout: float, **options):
        silent = []
        for queue in settings.TASK_QUEUES:
            started = time.perf_counter()
            try:
                reply = pings[queue].delay().get(timeout=timeout)
            except CeleryTimeout:
                silent.append(queue)
                self.stdout.write(self.style.ERROR(f"{queue:12} no worker answered in {timeout}s"))
                continue
            elapsed = (time.perf_counter() - started) * 1000
            self.stdout.write(f"{queue:12} {reply['worker']} in {elapsed:.0f} ms")
        if silent:
            raise CommandError(f"No worker on: {', '.join(silent)}")
