"""Seed a database for the load test (`loadtest/`): candidates, a staff user and one PUBLISHED
assessment made by the real pipeline (syllabus upload, generation trigger, the job runner).

    manage.py seed_loadtest --candidates 1000 --password P [--staff-password S]
                            [--syllabus FILE.pdf] [--output seed.json]

Idempotent: existing accounts get the requested password again (one UPDATE), a syllabus already
uploaded is found by its content hash, and the generation trigger returns the job its dedupe key
already has. stdout carries exactly one line, the assessment id; progress goes to stderr.
"""

import json
import time
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from assessments.content import GenerationOptions
from assessments.generation import generation_trigger
from assessments.items import assessment_item_approve, unapproved_question_ids
from assessments.models import Assessment
from assessments.publication import assessment_publish
from jobs.ai.factory import get_provider
from jobs.models import AIJob, JobStatus
from jobs.runner import job_run
from syllabus.services import PdfUpload, syllabus_upload

CANDIDATE_PREFIX = "load-"
STAFF_USERNAME = "load-staff"
SUBJECT = "Load test"
BATCH_SIZE = 1000
# The offline provider answers in milliseconds; a real provider with retries needs longer.
JOB_DEADLINE_SECONDS = 600
SYLLABI_DIR = settings.BASE_DIR.parent / "shared" / "data" / "syllabi"


def candidate_username(number: int) -> str:
    """`load-00001`, … (the locustfile builds the same names)."""
    return f"{CANDIDATE_PREFIX}{number:05d}"


class Command(BaseCommand):
    help = (
        "Create N load-test candidates (load-00001…), the staff user load-staff and one "
        "PUBLISHED assessment generated through the real pipeline; print the assessment id."
    )

    def add_arguments(self, parser):
        parser.add_argument("--candidates", type=int, required=True, metavar="N")
        parser.add_argument("--password", required=True, help="every candidate's password")
        parser.add_argument("--staff-password", help="load-staff's password (default: --password)")
        parser.add_argument(
            "--syllabus",
            type=Path,
            help=f"PDF to generate from (default: the first PDF in {SYLLABI_DIR})",
        )
        parser.add_argument("--subject", default=SUBJECT)
        parser.add_argument(
            "--output", type=Path, help="also write {assessmentId, jobId, …} as JSON here"
        )

    def handle(self, *args, candidates, password, staff_password, syllabus, subject, output, **_):
        if candidates < 0:
            raise CommandError("--candidates must be >= 0.")
        if not password:
            raise CommandError("--password must not be empty.")
        pdf = _syllabus_path(syllabus)
        started = time.perf_counter()
        created = _seed_candidates(candidates, password)
        self._progress(f"candidates: {candidates} ({created} created) in {_since(started)}")
        _seed_staff(staff_password or password)
        self._progress(f"staff user: {STAFF_USERNAME}")
        assessment, job = self._seed_assessment(pdf, subject)
        seed = {
            "assessmentId": str(assessment.pk),
            "jobId": str(job.pk),
            "candidates": candidates,
            "candidatePrefix": CANDIDATE_PREFIX,
            "staffUsername": STAFF_USERNAME,
            "sectionCount": assessment.section_count,
            "questionCount": assessment.question_count,
            "provider": assessment.provider,
        }
        if output:
            output.write_text(json.dumps(seed, indent=2) + "\n")
        self._progress(f"seeded in {_since(started)}")
        self.stdout.write(str(assessment.pk))

    def _seed_assessment(self, pdf: Path, subject: str) -> tuple[Assessment, AIJob]:
        upload = PdfUpload(filename=pdf.name, path=pdf, size=pdf.stat().st_size)
        syllabus = syllabus_upload(subject=subject, files=[upload])[0].syllabus
        self._progress(f"syllabus: {pdf.name} -> {syllabus.pk} ({syllabus.text_length} chars)")
        trigger = generation_trigger(syllabus_id=syllabus.pk, options=GenerationOptions())
        job = trigger.job
        self._progress(
            f"generation job {job.pk} ({'existing' if trigger.deduplicated else 'new'},"
            f" {job.status}); provider {get_provider().name}"
        )
        job = _run_until_finished(job)
        if job.status != JobStatus.COMPLETED:
            raise CommandError(f"Generation job {job.pk} FAILED: {job.error_message}")
        assessment = Assessment.objects.get(pk=job.result["assessmentId"])
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
            self._progress("assessment approved and published (it was DRAFT)")
        self._progress(
            f"assessment {assessment.pk}: {assessment.section_count} sections,"
            f" {assessment.question_count} questions, provider {assessment.provider}"
        )
        return assessment, job

    def _progress(self, message: str) -> None:
        self.stderr.write(f"seed_loadtest: {message}")


def _syllabus_path(given: Path | None) -> Path:
    if given is not None:
        if not given.is_file():
            raise CommandError(f"--syllabus {given}: no such file.")
        return given
    found = sorted(SYLLABI_DIR.glob("*.pdf")) if SYLLABI_DIR.is_dir() else []
    if not found:
        raise CommandError(
            f"No syllabus PDF: none given with --syllabus and none found in {SYLLABI_DIR}."
        )
    return found[0]


def _seed_candidates(count: int, password: str) -> int:
    """One real hash (the configured hasher, full cost), copied to every account: logins still
    pay the full verification cost, seeding does not pay it N times."""
    User = get_user_model()
    encoded = make_password(password)
    wanted = [candidate_username(n) for n in range(1, count + 1)]
    created = 0
    with transaction.atomic():
        for start in range(0, len(wanted), BATCH_SIZE):
            batch = wanted[start : start + BATCH_SIZE]
            existing = set(
                User.objects.filter(username__in=batch).values_list("username", flat=True)
            )
            User.objects.filter(username__in=existing).update(
                password=encoded, is_active=True, is_staff=False, is_superuser=False
            )
            missing = [name for name in batch if name not in existing]
            User.objects.bulk_create(
                [
                    User(username=name, password=encoded, is_active=True, is_staff=False)
                    for name in missing
                ]
            )
            created += len(missing)
    return created


def _seed_staff(password: str) -> None:
    User = get_user_model()
    staff, _ = User.objects.get_or_create(username=STAFF_USERNAME)
    staff.is_staff, staff.is_active = True, True
    staff.set_password(password)
    staff.save()


def _run_until_finished(job: AIJob) -> AIJob:
    """Run the job here, in process, until it is COMPLETED or FAILED (retries wait for their
    due time; a job a live worker holds is left to it and watched)."""
    deadline = time.monotonic() + JOB_DEADLINE_SECONDS
    while True:
        job.refresh_from_db()
        if job.is_finished:
            return job
        if time.monotonic() > deadline:
            raise CommandError(
                f"Generation job {job.pk} still {job.status} after {JOB_DEADLINE_SECONDS} s."
            )
        if job_run(job_id=job.pk, worker="seed_loadtest") == "skipped":
            job.refresh_from_db()
            due = job.next_attempt_at
            wait = (due - timezone.now()).total_seconds() if due else 0.5
            time.sleep(min(max(wait, 0.2), 5.0))


def _since(started: float) -> str:
    return f"{time.perf_counter() - started:.1f} s"
