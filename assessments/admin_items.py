"""Item review on the assessment's admin page (Moodle's question bank is the model): every
question with its key, an edit form per question, approval one by one, regeneration of one
question or one section, and publish/unpublish. Each page calls one service; the services
decide, the pages only show what they said."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import NoReverseMatch, path, reverse
from django.utils.html import format_html
from django.views.decorators.http import require_POST

from assessment_engine.api.errors import DomainError
from jobs.models import AIJob

from .errors import QuestionNotFound
from .forms import QuestionEditForm
from .items import (
    ItemInvalid,
    assessment_item_approve,
    assessment_item_update,
    find_question_ref,
    item_hash,
)
from .models import Assessment, ItemApproval
from .publication import assessment_publish, assessment_unpublish
from .regeneration import regeneration_trigger

RECENT_REGENERATIONS = 5


class ItemReviewAdminMixin:
    """Mixed into `AssessmentAdmin`: the review panel on the change page and its actions."""

    change_form_template = "admin/assessments/assessment/change_form.html"

    def get_urls(self):
        def view(method):
            return self.admin_site.admin_view(method)

        return [
            path(
                "<uuid:assessment_id>/items/<str:question_id>/edit/",
                view(self.edit_item_view),
                name="assessments_assessment_edit_item",
            ),
            path(
                "<uuid:assessment_id>/items/approve/",
                view(require_POST(self.approve_item_view)),
                name="assessments_assessment_approve_item",
            ),
            path(
                "<uuid:assessment_id>/regenerate/",
                view(require_POST(self.regenerate_view)),
                name="assessments_assessment_regenerate",
            ),
            path(
                "<uuid:assessment_id>/publication/",
                view(require_POST(self.publication_view)),
                name="assessments_assessment_publication",
            ),
            *super().get_urls(),
        ]

    def change_view(self, request, object_id, form_url="", extra_context=None):
        assessment = self.get_object(request, object_id)  # None for an unknown or bad id
        extra = dict(extra_context or {})
        if assessment is not None:
            extra["review"] = self._review_panel(request, assessment)
        return super().change_view(request, object_id, form_url, extra)

    # --- pages and actions -------------------------------------------------------------------

    def edit_item_view(self, request, assessment_id, question_id):
        assessment = self._changeable(request, assessment_id)
        try:
            question = find_question_ref(assessment.content, question_id).question
        except QuestionNotFound as exc:
            raise Http404(exc.message) from exc
        form = QuestionEditForm(
            request.POST or None, question=question, content_version=assessment.content_version
        )
        if request.method == "POST" and form.is_valid():
            try:
                assessment_item_update(
                    assessment_id=assessment.pk,
                    question_id=question_id,
                    changes=form.changes(),
                    expected_version=form.cleaned_data["expected_version"],
                    user=request.user,
                )
            except ItemInvalid as exc:
                form.add_validator_error(exc)
            except DomainError as exc:
                form.add_error(None, exc.message)
            else:
                self.message_user(
                    request,
                    f"Saved {question_id}: a new content version, approved by you. Sessions "
                    "already started keep the version they started on.",
                    messages.SUCCESS,
                )
                return redirect("admin:assessments_assessment_change", assessment.pk)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "original": assessment,
            "title": f"Edit {question_id} ({question['type']})",
            "question": question,
            "form": form,
        }
        return TemplateResponse(request, "admin/assessments/assessment/edit_item.html", context)

    def approve_item_view(self, request, assessment_id):
        assessment = self._changeable(request, assessment_id)
        question_id = request.POST.get("approve_question_id", "")
        try:
            assessment_item_approve(
                assessment_id=assessment.pk,
                question_id=question_id,
                expected_version=_int(request.POST.get("content_version")),
                user=request.user,
            )
        except DomainError as exc:
            self.message_user(request, f"{question_id}: {exc.message}", messages.ERROR)
        else:
            self.message_user(request, f"Approved {question_id}.", messages.SUCCESS)
        return redirect("admin:assessments_assessment_change", assessment.pk)

    def regenerate_view(self, request, assessment_id):
        assessment = self._changeable(request, assessment_id)
        section_id = request.POST.get("regenerate_section_id") or None
        question_id = None if section_id else (request.POST.get("regenerate_question_id") or None)
        if section_id is None and question_id is None:
            self.message_user(request, "Choose a section or a question.", messages.ERROR)
            return redirect("admin:assessments_assessment_change", assessment.pk)
        try:
            trigger = regeneration_trigger(
                assessment_id=assessment.pk,
                section_id=section_id,
                question_id=question_id,
                user=request.user,
            )
        except DomainError as exc:
            self.message_user(request, exc.message, messages.ERROR)
        else:
            job = trigger.job
            outcome = "queued" if trigger.queued else f"already {job.status.lower()}"
            self.message_user(
                request,
                format_html(
                    'Regenerating {}: job <a href="{}">{}</a> {}.',
                    section_id or question_id,
                    reverse("admin:jobs_aijob_change", args=[job.pk]),
                    job.pk,
                    outcome,
                ),
                messages.SUCCESS,
            )
        return redirect("admin:assessments_assessment_change", assessment.pk)

    def publication_view(self, request, assessment_id):
        assessment = self._changeable(request, assessment_id)
        wanted = request.POST.get("publication")
        if wanted not in ("publish", "unpublish"):
            self.message_user(request, "Choose publish or unpublish.", messages.ERROR)
            return redirect("admin:assessments_assessment_change", assessment.pk)
        publish = wanted == "publish"
        service = assessment_publish if publish else assessment_unpublish
        try:
            change = service(assessment_id=assessment.pk)
        except DomainError as exc:
            self.message_user(request, exc.message, messages.ERROR)
        else:
            done = "Published" if publish else "Unpublished"
            self.message_user(
                request,
                f"{done}." if change.changed else f"Already {change.assessment.status.lower()}.",
                messages.SUCCESS,
            )
        return redirect("admin:assessments_assessment_change", assessment.pk)

    # --- helpers -----------------------------------------------------------------------------

    def _changeable(self, request, assessment_id) -> Assessment:
        assessment = get_object_or_404(Assessment, pk=assessment_id)
        if not self.has_change_permission(request, assessment):
            raise PermissionDenied
        return assessment

    def _review_panel(self, request, assessment: Assessment) -> dict[str, Any]:
        approvals = {
            approval.question_id: approval
            for approval in ItemApproval.objects.filter(assessment=assessment).select_related(
                "approved_by"
            )
        }
        sections = []
        unapproved = 0
        for section in assessment.content["sections"]:
            items = []
            for question in section["questions"]:
                approval = approvals.get(question["questionId"])
                approved = approval is not None and approval.item_hash == item_hash(question)
                unapproved += not approved
                items.append({"question": question, "approved": approved, "approval": approval})
            sections.append({"section": section, "items": items})
        return {
            "assessment": assessment,
            "sections": sections,
            "unapproved": unapproved,
            "require_review": settings.ASSESSMENT_REQUIRE_REVIEW,
            "can_change": self.has_change_permission(request, assessment),
            "preview_url": _preview_url(assessment),
            "regenerations": [
                {"job": job, "target": " ".join(job.payload["target"].values())}
                for job in AIJob.objects.filter(payload__assessmentId=str(assessment.pk)).order_by(
                    "-created_at"
                )[:RECENT_REGENERATIONS]
            ],
        }


def _preview_url(assessment: Assessment) -> str | None:
    # The preview shows sessions' shuffling and review levels, so the sessions app adds it
    # (assessments never imports sessions); without it there is no link.
    try:
        return reverse("admin:assessments_assessment_preview", args=[assessment.pk])
    except NoReverseMatch:
        return None


def _int(value) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return -1  # no version: a conflict, never a silent approval
