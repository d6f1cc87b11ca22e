"""Assessments in the admin: the delivery policy, item review (`admin_items`), publish and
unpublish through the publication service; "Generate assessment" on the syllabus list."""

from django.contrib import admin, messages
from django.template.response import TemplateResponse
from django.utils.html import format_html, format_html_join

from assessment_engine.api.errors import DomainError
from assessment_engine.db import ReplicaListMixin
from syllabus.admin import SyllabusAdmin
from syllabus.models import Syllabus

from .admin_items import ItemReviewAdminMixin
from .forms import GenerationOptionsForm
from .generation import generation_trigger
from .models import Assessment
from .policy import POLICY_FIELDS, assessment_policy_update
from .publication import assessment_publish, assessment_unpublish

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
    "content_version",
    "content_changed_by",
    "content_change_note",
    "created_at",
    "updated_at",
]


@admin.register(Assessment)
class AssessmentAdmin(ItemReviewAdminMixin, ReplicaListMixin, admin.ModelAdmin):
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
    # Everything but the policy is read-only here: questions are edited, approved and
    # regenerated in the item review panel below the form (`admin_items`).
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
        ("Quality", {"fields": ["readable_quality"]}),
    ]
    readonly_fields = [*SUMMARY_FIELDS, *PROVENANCE_FIELDS, "readable_quality"]

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

    @admin.action(description="Publish selected assessments", permissions=["change"])
    def publish(self, request, queryset) -> None:
        self._change_publication(request, queryset, assessment_publish, "Published")

    @admin.action(
        description="Unpublish selected assessments (back to draft)", permissions=["change"]
    )
    def unpublish(self, request, queryset) -> None:
        self._change_publication(request, queryset, assessment_unpublish, "Unpublished")

    def _change_publication(self, request, queryset, service, done: str) -> None:
        changed = 0
        for assessment in queryset.only("pk", "title"):
            try:
                changed += service(assessment_id=assessment.pk).changed
            except DomainError as exc:
                self.message_user(request, f"{assessment}: {exc.message}", messages.ERROR)
        self.message_user(request, f"{done} {changed} assessment(s).", messages.SUCCESS)


def _counts(counts: dict[str, int]) -> str:
    return ", ".join(f"{name}: {count}" for name, count in counts.items()) or "none"


class SyllabusWithGenerationAdmin(SyllabusAdmin):
    """The syllabus admin plus "Generate assessment": added here, so syllabus never imports us."""

    actions = ["generate_assessment"]

    def has_generate_permission(self, request) -> bool:
        # Generating creates an assessment (and its job): the assessments add permission.
        return request.user.has_perm("assessments.add_assessment")

    @admin.action(description="Generate assessment…", permissions=["generate"])
    def generate_assessment(self, request, queryset):
        """A page asking for the options first (section count, questions per section,
        difficulty), then one generation job per selected syllabus."""
        form = GenerationOptionsForm(request.POST if "generate" in request.POST else None)
        if not form.is_valid():
            context = {
                **self.admin_site.each_context(request),
                "opts": self.model._meta,
                "title": "Generate assessments",
                "form": form,
                "syllabi": list(queryset),
                "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME,
            }
            return TemplateResponse(request, "admin/assessments/generate.html", context)
        for syllabus in queryset:
            trigger = generation_trigger(syllabus_id=syllabus.pk, options=form.options())
            outcome = "queued" if trigger.queued else f"already {trigger.job.status.lower()}"
            self.message_user(
                request, f"{syllabus}: job {trigger.job.pk} {outcome}.", messages.SUCCESS
            )
        return None


admin.site.unregister(Syllabus)
admin.site.register(Syllabus, SyllabusWithGenerationAdmin)
