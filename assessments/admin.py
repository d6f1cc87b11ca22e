"""Assessments in the admin: readable content with keys, publish/unpublish."""

from django.contrib import admin, messages
from django.db.models import F
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.html import format_html, format_html_join

from assessment_engine.db import ReplicaListMixin
from syllabus.admin import SyllabusAdmin
from syllabus.models import Syllabus

from .generation import generation_trigger
from .models import Assessment, AssessmentStatus
from .policy import POLICY_FIELDS, assessment_policy_update

SUMMARY_FIELDS = [
    "id",
    "title",
    "subject",
    "status",
    "published_at",
    "section_count",
    "question_count",
]
PROVENANCE_FIELDS = [
    "options",
    "dedupe_key",
    "syllabus_hash",
    "provider",
    "model",
    "prompt_version",
    "job",
    "version",
    "created_at",
    "updated_at",
]


@admin.register(Assessment)
class AssessmentAdmin(ReplicaListMixin, admin.ModelAdmin):
    list_display = [
        "title",
        "subject",
        "status",
        "section_count",
        "question_count",
        "provider",
        "created_at",
    ]
    list_filter = ["status", "provider"]
    search_fields = ["title", "subject"]
    ordering = ["-created_at"]
    show_full_result_count = False
    actions = ["publish", "unpublish"]
    # Everything but the policy is read-only: content is edited by regenerating.
    fieldsets = [
        (None, {"fields": SUMMARY_FIELDS}),
        (
            "Delivery policy",
            {
                "fields": list(POLICY_FIELDS),
                "description": (
                    "How candidates take this assessment. The time limit is fixed when a "
                    "session starts; moving the close applies to running sessions at once."
                ),
            },
        ),
        ("Provenance", {"classes": ["collapse"], "fields": PROVENANCE_FIELDS}),
        ("Content", {"fields": ["readable_quality", "readable_content"]}),
    ]
    readonly_fields = [*SUMMARY_FIELDS, *PROVENANCE_FIELDS, "readable_quality", "readable_content"]

    def get_queryset(self, request):
        return super().get_queryset(request).defer("content")

    def has_add_permission(self, request) -> bool:
        return False

    def save_model(self, request, obj: Assessment, form, change: bool) -> None:
        # Only the policy is editable here; it goes through the same service as the API.
        changes = {field: form.cleaned_data[field] for field in form.changed_data}
        assessment_policy_update(assessment_id=obj.pk, changes=changes)

    @admin.display(description="Quality report")
    def readable_quality(self, assessment: Assessment) -> str:
        report = assessment.quality_report
        if not report:
            return "—"
        rows = [
            ("Items", report["items"]),
            ("By type", _counts(report["byType"])),
            ("By Bloom level", _counts(report["byBloomLevel"])),
            (
                "Topics covered",
                f"{report['topicsCovered']} of {report['topicsFound']} found in the syllabus"
                + (f": {', '.join(report['coveredTopics'])}" if report["coveredTopics"] else ""),
            ),
            ("Item-writing rules that failed attempts", _counts(report["rulesTriggered"])),
            ("Items regenerated after the verifier", report["itemsRegenerated"]),
        ]
        return format_html(
            "<table>{}</table>",
            format_html_join("", "<tr><th>{}</th><td>{}</td></tr>", rows),
        )

    @admin.display(description="Content (with answer keys)")
    def readable_content(self, assessment: Assessment) -> str:
        return render_to_string(
            "admin/assessments/assessment/content.html", {"content": assessment.content}
        )

    @admin.action(description="Publish selected assessments", permissions=["change"])
    def publish(self, request, queryset) -> None:
        updated = queryset.exclude(status=AssessmentStatus.PUBLISHED).update(
            status=AssessmentStatus.PUBLISHED,
            published_at=timezone.now(),
            version=F("version") + 1,
        )
        self.message_user(request, f"Published {updated} assessment(s).", messages.SUCCESS)

    @admin.action(
        description="Unpublish selected assessments (back to draft)", permissions=["change"]
    )
    def unpublish(self, request, queryset) -> None:
        updated = queryset.filter(status=AssessmentStatus.PUBLISHED).update(
            status=AssessmentStatus.DRAFT, published_at=None, version=F("version") + 1
        )
        self.message_user(request, f"Unpublished {updated} assessment(s).", messages.SUCCESS)


def _counts(counts: dict[str, int]) -> str:
    return ", ".join(f"{name}: {count}" for name, count in counts.items()) or "none"


class SyllabusWithGenerationAdmin(SyllabusAdmin):
    """The syllabus admin plus "Generate assessment": added here, so syllabus never imports us."""

    actions = ["generate_assessment"]

    def has_generate_permission(self, request) -> bool:
        # Generating creates an assessment (and its job): the assessments add permission.
        return request.user.has_perm("assessments.add_assessment")

    @admin.action(description="Generate assessment (default options)", permissions=["generate"])
    def generate_assessment(self, request, queryset) -> None:
        for syllabus in queryset:
            trigger = generation_trigger(syllabus_id=syllabus.pk)
            outcome = "queued" if trigger.queued else f"already {trigger.job.status.lower()}"
            self.message_user(
                request, f"{syllabus}: job {trigger.job.pk} {outcome}.", messages.SUCCESS
            )


admin.site.unregister(Syllabus)
admin.site.register(Syllabus, SyllabusWithGenerationAdmin)
