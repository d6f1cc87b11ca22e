"""The results and statistics pages of the assessment admin, added from here (see
`sessions.admin`): they read sessions and evaluations."""

from django import forms
from django.contrib import admin
from django.core.paginator import Paginator
from django.http import HttpRequest
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html

from assessments.models import Assessment

from .models import SessionStatus
from .results import REVIEW_STATES, ResultsFilter, results_csv_response, results_queryset
from .statistics import assessment_statistics

RESULTS_PER_PAGE = 100
CHART_WIDTH, CHART_HEIGHT, BAR_GAP = 400, 160, 4
# What the pages show: sessions and their evaluations.
RESULT_PERMISSIONS = (
    "candidate_sessions.view_candidatesession",
    "candidate_sessions.view_evaluation",
)


class ResultsFilterForm(forms.Form):
    status = forms.ChoiceField(
        choices=[("", "All"), *SessionStatus.choices], required=False, label="Status"
    )
    review_state = forms.ChoiceField(
        choices=[("", "All"), *((state, state) for state in REVIEW_STATES)],
        required=False,
        label="Review state",
    )

    def results_filter(self) -> ResultsFilter:
        if not self.is_valid():  # an unknown value filters nothing; the form shows the error
            return ResultsFilter()
        data = self.cleaned_data
        return ResultsFilter(
            status=data["status"] or None, review_state=data["review_state"] or None
        )


class AssessmentResultsMixin:
    def get_fieldsets(self, request, obj=None):
        fieldsets = list(super().get_fieldsets(request, obj))
        if obj is None or not self._may_see_results(request, obj):
            return fieldsets
        return [fieldsets[0], ("Results", {"fields": ["results_links"]}), *fieldsets[1:]]

    def get_readonly_fields(self, request, obj=None):
        return [*super().get_readonly_fields(request, obj), "results_links"]

    @admin.display(description="Results")
    def results_links(self, assessment: Assessment) -> str:
        return format_html(
            '<a href="{}" id="results-link">Results per session</a> · '
            '<a href="{}" id="statistics-link">Item statistics</a>',
            reverse("admin:assessments_assessment_results", args=[assessment.pk]),
            reverse("admin:assessments_assessment_statistics", args=[assessment.pk]),
        )

    def get_urls(self):
        def view(method):
            return self.admin_site.admin_view(method)

        return [
            path(
                "<uuid:assessment_id>/results/",
                view(self.results_view),
                name="assessments_assessment_results",
            ),
            path(
                "<uuid:assessment_id>/results/export/",
                view(self.results_export_view),
                name="assessments_assessment_results_export",
            ),
            path(
                "<uuid:assessment_id>/statistics/",
                view(self.statistics_view),
                name="assessments_assessment_statistics",
            ),
            *super().get_urls(),
        ]

    def _may_see_results(self, request: HttpRequest, assessment: Assessment) -> bool:
        return self.has_view_permission(request, assessment) and request.user.has_perms(
            RESULT_PERMISSIONS
        )

    def _page(self, request, assessment, template: str, title: str, **context):
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "original": assessment,
            "title": title,
            **context,
        }
        return TemplateResponse(
            request, f"admin/candidate_sessions/assessment_results/{template}", context
        )

    def results_view(self, request, assessment_id):
        assessment = get_object_or_404(Assessment.objects.defer("content"), pk=assessment_id)
        if not self._may_see_results(request, assessment):
            return redirect("admin:index")
        form = ResultsFilterForm(request.GET)
        rows = results_queryset(assessment_id=assessment.pk, filters=form.results_filter())
        page = Paginator(rows, RESULTS_PER_PAGE).get_page(request.GET.get("page"))
        query = request.GET.copy()
        query.pop("page", None)
        return self._page(
            request,
            assessment,
            "results.html",
            f"Results: {assessment.title}",
            form=form,
            page=page,
            filter_query=query.urlencode(),
        )

    def results_export_view(self, request, assessment_id):
        """The API's CSV exports: scores, or one line per answer with `?rows=answers`."""
        assessment = get_object_or_404(Assessment, pk=assessment_id)
        if not self._may_see_results(request, assessment):
            return redirect("admin:index")
        rows = results_queryset(
            assessment_id=assessment.pk, filters=ResultsFilterForm(request.GET).results_filter()
        )
        return results_csv_response(
            assessment_id=assessment.pk,
            content=assessment.content,
            rows=rows,
            answers=request.GET.get("rows") == "answers",
        )

    def statistics_view(self, request, assessment_id):
        assessment = get_object_or_404(Assessment, pk=assessment_id)
        if not self._may_see_results(request, assessment):
            return redirect("admin:index")
        figures = assessment_statistics(assessment_id=assessment.pk, content=assessment.content)
        return self._page(
            request,
            assessment,
            "statistics.html",
            f"Item statistics: {assessment.title}",
            figures=figures,
            chart=distribution_chart(figures["score_distribution"]),
        )


def distribution_chart(buckets: list[dict]) -> dict:
    """Bars of an inline SVG of the score distribution, drawn on the server (no script)."""
    tallest = max((bucket["count"] for bucket in buckets), default=0) or 1
    width = CHART_WIDTH / len(buckets)
    bars = []
    for index, bucket in enumerate(buckets):
        height = round(CHART_HEIGHT * bucket["count"] / tallest, 1)
        bars.append(
            {
                "x": round(index * width + BAR_GAP / 2, 1),
                "y": round(CHART_HEIGHT - height, 1),
                "width": round(width - BAR_GAP, 1),
                "height": height,
                "label_x": round(index * width + width / 2, 1),
                "count": bucket["count"],
                "label": f"{bucket['from_percentage']:g}-{bucket['to_percentage']:g}%",
            }
        )
    return {"width": CHART_WIDTH, "height": CHART_HEIGHT, "bars": bars}
