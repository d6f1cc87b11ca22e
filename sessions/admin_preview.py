""" "Preview as a candidate sees it", a page of the assessment admin added from here (see
`sessions.admin`): the preview uses the sessions' shuffling and review levels."""

import secrets

from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path
from django.utils import timezone

from assessments.models import Assessment, ReviewLevel
from assessments.policy import review_level

from .preview import assessment_preview


class AssessmentPreviewMixin:
    def get_urls(self):
        return [
            path(
                "<uuid:assessment_id>/preview/",
                self.admin_site.admin_view(self.preview_view),
                name="assessments_assessment_preview",
            ),
            *super().get_urls(),
        ]

    def preview_view(self, request, assessment_id):
        assessment = get_object_or_404(Assessment.objects.defer("content"), pk=assessment_id)
        if not self.has_view_permission(request, assessment):
            raise PermissionDenied
        # Another seed is another candidate's order; the link on the page draws a new one.
        seed = _int(request.GET.get("seed")) or secrets.randbits(63)
        level = request.GET.get("level")
        if level not in ReviewLevel.values:
            level = review_level(assessment, timezone.now())  # what a candidate gets now
        preview = assessment_preview(assessment, seed=seed, level=level)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "original": assessment,
            "title": "Preview as a candidate sees it",
            "preview": preview,
            "levels": ReviewLevel.values,
            "new_seed": secrets.randbits(63),
        }
        return TemplateResponse(request, "admin/assessments/assessment/preview.html", context)


def _int(value) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None
