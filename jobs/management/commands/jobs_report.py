"""Job health for cron and monitoring: counts by type and status, the oldest PENDING age, and
a non-zero exit when thresholds are crossed."""

from django.core.management.base import BaseCommand, CommandError

from jobs.models import JobStatus, JobType
from jobs.selectors import job_counts, oldest_pending_age_seconds


class Command(BaseCommand):
    help = (
        "Print AI job counts by type and status and the oldest PENDING job's age. Exits 1 when "
        "--max-failed or --max-pending-age (seconds) is exceeded."
    )

    def add_arguments(self, parser):
        parser.add_argument("--max-failed", type=int, default=None)
        parser.add_argument("--max-pending-age", type=float, default=None)

    def handle(self, *args, max_failed=None, max_pending_age=None, **options):
        counts = job_counts()
        statuses = list(JobStatus.values)
        self.stdout.write(f"{'type':12}" + "".join(f"{status:>12}" for status in statuses))
        for job_type in JobType.values:
            cells = "".join(f"{counts.get((job_type, s), 0):>12}" for s in statuses)
            self.stdout.write(f"{job_type:12}{cells}")
        age = oldest_pending_age_seconds()
        self.stdout.write(f"oldest PENDING: {'none' if age is None else f'{age:.0f} s'}")
        failed = sum(count for (_, status), count in counts.items() if status == JobStatus.FAILED)
        alerts = []
        if max_failed is not None and failed > max_failed:
            alerts.append(f"{failed} FAILED jobs (threshold {max_failed})")
        if max_pending_age is not None and age is not None and age > max_pending_age:
            alerts.append(f"oldest PENDING job waited {age:.0f} s (threshold {max_pending_age:g})")
        if alerts:
            raise CommandError("; ".join(alerts))
