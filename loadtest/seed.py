"""Seed a database for the load test: candidates, a staff user and one PUBLISHED assessment made
by the real pipeline (syllabus upload, generation trigger, the job runner).

    python -m loadtest.seed --candidates 1000 --password P [--staff-password S] [--syllabus F]

with DJANGO_SETTINGS_MODULE and DATABASE_URL pointing at the database to seed (`loadtest/run.py`
does it). Idempotent: existing accounts get the requested password again, a syllabus already
uploaded is found by its content hash, and the generation trigger returns the job its dedupe
key already has. The last line of stdout is the seed as JSON (read by the locustfile).
"""

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

import django

CANDIDATE_PREFIX = "load-"
STAFF_USERNAME = "load-staff"
BATCH_SIZE = 1000
JOB_DEADLINE_SECONDS = 600  # a real provider with retries takes longer than the offline one


def seed(*, candidates: int, password: str, staff_password: str, syllabus: Path) -> dict:
    started = time.perf_counter()
    created = seed_candidates(candidates, password)
    progress(f"candidates: {candidates} ({created} created)")
    seed_staff(staff_password)
    assessment, job = seed_assessment(syllabus)
    progress(
        f"assessment {assessment.pk}: {assessment.section_count} sections,"
        f" {assessment.question_count} questions, provider {assessment.provider}"
    )
    return {
        "assessmentId": str(assessment.pk),
        "jobId": str(job.pk),
        "candidates": candidates,
        "candidatePrefix": CANDIDATE_PREFIX,
        "staffUsername": STAFF_USERNAME,
        "sectionCount": assessment.section_count,
        "questionCount": assessment.question_count,
        "provider": assessment.provider,
        "seedSeconds": time.perf_counter() - started,
    }


def seed_candidates(count: int, password: str) -> int:
    """`load-00001`… with one real hash (the configured hasher, full cost) copied to every
    account: logins still pay the full verification cost, seeding does not pay it N times."""
    from django.contrib.auth import get_user_model
    from django.contrib.auth.hashers import make_password
    from django.db import transaction

    user_model = get_user_model()
    encoded = make_password(password)
    wanted = [f"{CANDIDATE_PREFIX}{n:05d}" for n in range(1, count + 1)]
    created = 0
    with transaction.atomic():
        for start in range(0, len(wanted), BATCH_SIZE):
            batch = wanted[start : start + BATCH_SIZE]
            existing = set(
                user_model.objects.filter(username__in=batch).values_list("username", flat=True)
            )
            user_model.objects.filter(username__in=existing).update(
                password=encoded, is_active=True, is_staff=False, is_superuser=False
            )
            missing = [name for name in batch if name not in existing]
            user_model.objects.bulk_create(
                [user_model(username=name, password=encoded, is_active=True) for name in missing]
            )
            created += len(missing)
    return created


def seed_staff(password: str) -> None:
    from django.contrib.auth import get_user_model

    staff, _ = get_user_model().objects.get_or_create(username=STAFF_USERNAME)
    staff.is_staff, staff.is_active = True, True
    staff.set_password(password)
    staff.save()


def seed_assessment(pdf: Path):
    from assessments.content import GenerationOptions
    from assessments.generation import generation_trigger
    from assessments.items import assessment_item_approve, unapproved_question_ids
    from assessments.models import Assessment
    from assessments.policy import assessment_policy_update
    from assessments.publication import assessment_publish
    from jobs.models import JobStatus
    from syllabus.services import PdfUpload, syllabus_upload

    upload = PdfUpload(filename=pdf.name, path=pdf, size=pdf.stat().st_size)
    syllabus = syllabus_upload(subject="Load test", files=[upload])[0].syllabus
    progress(f"syllabus: {pdf.name} -> {syllabus.pk} ({syllabus.text_length} chars)")
    trigger = generation_trigger(syllabus_id=syllabus.pk, options=GenerationOptions())
    job = run_until_finished(trigger.job)
    if job.status != JobStatus.COMPLETED:
        raise SystemExit(f"generation job {job.pk} FAILED: {job.error_message}")
    assessment = Assessment.objects.get(pk=job.result["assessmentId"])
    # Each candidate takes it again and again.
    assessment_policy_update(assessment_id=assessment.pk, changes={"max_attempts": 1_000_000})
    if not assessment.is_published:  # ASSESSMENT_REQUIRE_REVIEW=true
        # The seed stands in for the reviewer: it approves every question, then publishes
        # through the one publication service.
        for question_id in unapproved_question_ids(assessment):
            assessment_item_approve(
                assessment_id=assessment.pk,
                question_id=question_id,
                expected_version=assessment.content_version,
                user=None,
            )
        assessment = assessment_publish(assessment_id=assessment.pk).assessment
    return assessment, job


def run_until_finished(job):
    """Run the job here until it is COMPLETED or FAILED (a retry waits for its due time; a job
    a live worker holds is left to it and watched)."""
    from django.utils import timezone

    from jobs.runner import job_run

    deadline = time.monotonic() + JOB_DEADLINE_SECONDS
    while True:
        job.refresh_from_db()
        if job.is_finished:
            return job
        if time.monotonic() > deadline:
            raise SystemExit(f"generation job {job.pk} still {job.status} after the deadline")
        if job_run(job_id=job.pk, worker="loadtest.seed") == "skipped":
            job.refresh_from_db()
            due = job.next_attempt_at
            wait = (due - timezone.now()).total_seconds() if due else 0.5
            time.sleep(min(max(wait, 0.2), 5.0))


def progress(message: str) -> None:
    print(f"loadtest.seed: {message}", file=sys.stderr, flush=True)


def main() -> None:
    from harness.pdfs import course_pdf, sample_syllabi

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--candidates", type=int, required=True, metavar="N")
    parser.add_argument("--password", required=True, help="every candidate's password")
    parser.add_argument("--staff-password", help="load-staff's password (default: --password)")
    parser.add_argument(
        "--syllabus", type=Path, help="PDF to generate from (default: the first sample syllabus)"
    )
    args = parser.parse_args()
    if args.candidates < 0 or not args.password:
        parser.error("--candidates must be >= 0 and --password not empty")
    syllabus = args.syllabus or next(iter(sample_syllabi()), None)
    if syllabus is None:  # no ../shared beside the repository: the tests' generated course
        syllabus = Path(tempfile.mkdtemp(prefix="loadtest-seed-")) / "course.pdf"
        syllabus.write_bytes(course_pdf())
    django.setup()
    data = seed(
        candidates=args.candidates,
        password=args.password,
        staff_password=args.staff_password or args.password,
        syllabus=syllabus,
    )
    print(json.dumps(data))


if __name__ == "__main__":
    main()
