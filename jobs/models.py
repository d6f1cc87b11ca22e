"""AI jobs: the row is the source of truth and the outbox for its Celery task."""

import uuid

from django.db import models
from django.db.models import Q


class JobType(models.TextChoices):
    GENERATION = "GENERATION"
    EVALUATION = "EVALUATION"


class JobStatus(models.TextChoices):
    PENDING = "PENDING"
    PROCESSING = "PROCESSING"
    COMPLETED = "COMPLETED"
    FAILED = "FAILED"


class AttemptStatus(models.TextChoices):
    PROCESSING = "PROCESSING"
    COMPLETED = "COMPLETED"
    FAILED = "FAILED"


class AIJob(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    job_type = models.CharField(max_length=20, choices=JobType.choices)
    status = models.CharField(max_length=20, choices=JobStatus.choices, default=JobStatus.PENDING)
    dedupe_key = models.CharField(max_length=255)
    payload = models.JSONField(default=dict)
    result = models.JSONField(null=True, blank=True)
    error_message = models.TextField(blank=True)
    # Why a PENDING job is not running right now (e.g. "retrying after a provider timeout").
    waiting_reason = models.CharField(max_length=300, blank=True)
    attempt_count = models.PositiveIntegerField(default=0)
    max_attempts = models.PositiveIntegerField()
    request_id = models.CharField(max_length=128, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    # Outbox bookkeeping: when the task was last published, and when a retry is due.
    dispatched_at = models.DateTimeField(null=True, blank=True)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    # A PROCESSING job belongs to its worker until this moment; after it, the sweeper takes it.
    lease_expires_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = "AI job"
        constraints = [
            models.UniqueConstraint(fields=["dedupe_key"], name="aijob_unique_dedupe_key"),
            models.CheckConstraint(
                condition=Q(attempt_count__lte=models.F("max_attempts")),
                name="aijob_attempts_within_max",
            ),
            models.CheckConstraint(
                condition=~Q(status=JobStatus.PROCESSING) | Q(lease_expires_at__isnull=False),
                name="aijob_processing_has_lease",
            ),
            models.CheckConstraint(
                condition=~Q(status__in=[JobStatus.COMPLETED, JobStatus.FAILED])
                | Q(finished_at__isnull=False),
                name="aijob_finished_has_timestamp",
            ),
        ]
        indexes = [
            # The sweepers: stale PENDING jobs and PROCESSING jobs whose lease ran out.
            models.Index(
                fields=["next_attempt_at"],
                condition=Q(status=JobStatus.PENDING),
                name="aijob_pending_due_idx",
            ),
            models.Index(
                fields=["lease_expires_at"],
                condition=Q(status=JobStatus.PROCESSING),
                name="aijob_processing_lease_idx",
            ),
            # The admin's list: filter by type and status, newest first.
            models.Index(fields=["job_type", "status", "-created_at"], name="aijob_admin_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.job_type} {self.id} ({self.status})"

    @property
    def is_finished(self) -> bool:
        return self.status in (JobStatus.COMPLETED, JobStatus.FAILED)


class AIJobAttempt(models.Model):
    RAW_RESPONSE_LIMIT = 64 * 1024

    job = models.ForeignKey(AIJob, on_delete=models.CASCADE, related_name="attempts")
    number = models.PositiveIntegerField()
    status = models.CharField(max_length=20, choices=AttemptStatus.choices)
    error_class = models.CharField(max_length=200, blank=True)
    error_message = models.TextField(blank=True)
    started_at = models.DateTimeField()
    finished_at = models.DateTimeField(null=True, blank=True)
    duration_ms = models.PositiveIntegerField(null=True, blank=True)
    provider = models.CharField(max_length=50, blank=True)
    model = models.CharField(max_length=100, blank=True)
    prompt_version = models.CharField(max_length=50, blank=True)
    input_tokens = models.PositiveIntegerField(null=True, blank=True)
    output_tokens = models.PositiveIntegerField(null=True, blank=True)
    raw_response = models.TextField(blank=True)
    # What the handler adds to the audit trail (Execution.provenance): e.g. the further calls of
    # an attempt that made several, and their verdicts. Its shape belongs to the handler.
    provenance = models.JSONField(default=dict, blank=True)
    worker = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["job", "number"]
        constraints = [
            models.UniqueConstraint(fields=["job", "number"], name="aijobattempt_unique_number"),
            models.CheckConstraint(condition=Q(number__gte=1), name="aijobattempt_number_positive"),
        ]

    def __str__(self) -> str:
        return f"attempt {self.number} of {self.job_id} ({self.status})"
