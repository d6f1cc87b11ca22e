"""Ops view of AI jobs: filter by status/type, read every attempt, re-queue failures."""

from django.contrib import admin, messages
from django.utils import timezone
from django.utils.timesince import timesince

from assessment_engine.db import ReplicaListMixin

from .models import AIJob, AIJobAttempt, JobStatus
from .services import job_requeue


class AttemptInline(admin.TabularInline):
    model = AIJobAttempt
    extra = 0
    can_delete = False
    ordering = ["number"]
    fields = [
        "number",
        "status",
        "error_class",
        "error_message",
        "duration_ms",
        "provider",
        "model",
        "prompt_version",
        "input_tokens",
        "output_tokens",
        "provenance",
        "worker",
        "started_at",
    ]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(AIJob)
class AIJobAdmin(ReplicaListMixin, admin.ModelAdmin):
    list_display = [
        "id",
        "job_type",
        "status",
        "age",
        "attempt_count",
        "max_attempts",
        "waiting_reason",
        "created_at",
    ]
    list_filter = ["status", "job_type"]
    search_fields = ["=id", "dedupe_key"]
    ordering = ["-created_at"]
    show_full_result_count = False  # no COUNT(*) over the whole table on every page
    inlines = [AttemptInline]
    actions = ["retry_failed"]
    readonly_fields = [field.name for field in AIJob._meta.fields]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False  # jobs change through their services, never through a form

    def has_retry_permission(self, request) -> bool:
        return request.user.has_perm(f"{self.opts.app_label}.change_{self.opts.model_name}")

    @admin.display(description="age")
    def age(self, job: AIJob) -> str:
        return timesince(job.created_at, timezone.now())

    @admin.action(description="Retry selected FAILED jobs", permissions=["retry"])
    def retry_failed(self, request, queryset) -> None:
        failed = queryset.filter(status=JobStatus.FAILED).values_list("pk", flat=True)
        requeued = sum(
            job_requeue(job_id=job_id, reason="re-queued from the admin") for job_id in failed
        )
        skipped = queryset.count() - requeued
        self.message_user(request, f"Re-queued {requeued} job(s).", messages.SUCCESS)
        if skipped:
            self.message_user(request, f"{skipped} job(s) were not FAILED.", messages.WARNING)
