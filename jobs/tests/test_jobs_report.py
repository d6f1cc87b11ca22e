from datetime import timedelta

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from jobs.models import AIJob, JobStatus, JobType

pytestmark = pytest.mark.django_db


def make_job(status: str, job_type=JobType.GENERATION, age_seconds: float = 0) -> AIJob:
    now = timezone.now()
    job = AIJob.objects.create(
        job_type=job_type,
        status=status,
        dedupe_key=f"k-{AIJob.objects.count()}",
        max_attempts=5,
        next_attempt_at=now,
        finished_at=now if status in (JobStatus.COMPLETED, JobStatus.FAILED) else None,
    )
    AIJob.objects.filter(pk=job.pk).update(created_at=now - timedelta(seconds=age_seconds))
    return job


def test_report_prints_counts_and_the_oldest_pending_age(capsys):
    make_job(JobStatus.PENDING, age_seconds=120)
    make_job(JobStatus.FAILED)
    make_job(JobStatus.COMPLETED, JobType.EVALUATION)

    call_command("jobs_report")

    out = capsys.readouterr().out
    assert "GENERATION" in out and "EVALUATION" in out
    generation = next(line for line in out.splitlines() if line.startswith("GENERATION"))
    assert generation.split()[1:] == ["1", "0", "0", "1"]  # PENDING PROCESSING COMPLETED FAILED
    assert "oldest PENDING: 120 s" in out


def test_report_exits_non_zero_above_thresholds():
    make_job(JobStatus.FAILED)
    make_job(JobStatus.FAILED)
    make_job(JobStatus.PENDING, age_seconds=600)

    call_command("jobs_report", "--max-failed", "2", "--max-pending-age", "900")
    with pytest.raises(CommandError, match="2 FAILED jobs"):
        call_command("jobs_report", "--max-failed", "1")
    with pytest.raises(CommandError, match="oldest PENDING job waited"):
        call_command("jobs_report", "--max-pending-age", "60")


def test_readyz_reports_dead_letters(api_client):
    make_job(JobStatus.FAILED)
    assert api_client.get("/readyz").json()["details"] == {
        "failedJobs": 1,
        "aiProvider": {"name": "offline"},
    }
