"""Sessions and evaluations in the admin: grades, staff overrides (with reasons), regrades,
the staff grading queue (grade an answer per criterion) and the AI/person agreement page."""

from django import forms
from django.contrib import admin, messages
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.template.loader import render_to_string
from django.template.response import TemplateResponse
from django.urls import path, reverse

from assessment_engine.api.errors import DomainError
from assessment_engine.db import ReplicaListMixin
from assessments.admin import AssessmentAdmin
from assessments.models import Assessment

from .admin_preview import AssessmentPreviewMixin
from .agreement import agreement_statistics
from .evaluation import evaluation_grade_answer, evaluation_override, evaluation_regrade
from .grading.plan import find_question
from .models import CandidateSession, Evaluation, EvaluationHistory, ScoreOverride
from .results_admin import AssessmentResultsMixin
from .selectors import AnswerToGrade, answer_to_grade, grading_queue, session_content


def regrade_sessions(modeladmin, request, session_ids, *, keep_manual_grades=True) -> None:
    queued = 0
    for session_id in session_ids:
        try:
            evaluation_regrade(session_id=session_id, keep_manual_grades=keep_manual_grades)
            queued += 1
        except DomainError as exc:
            modeladmin.message_user(request, f"{session_id}: {exc.message}", messages.WARNING)
    kept = "keeping" if keep_manual_grades else "discarding"
    modeladmin.message_user(
        request, f"Queued {queued} regrade(s), {kept} manual grades.", messages.SUCCESS
    )


@admin.register(CandidateSession)
class CandidateSessionAdmin(ReplicaListMixin, admin.ModelAdmin):
    list_display = [
        "id",
        "user",
        "assessment",
        "attempt",
        "status",
        "auto_completed",
        "current_section_index",
        "section_count",
        "opted_in_at",
        "last_activity_at",
        "deadline",
    ]
    list_filter = ["status", "auto_completed"]
    search_fields = ["=id", "user__username"]
    list_select_related = ["user", "assessment"]
    show_full_result_count = False
    actions = ["regrade"]
    readonly_fields = [
        *(field.name for field in CandidateSession._meta.fields),
        "submitted_answers",
    ]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_regrade_permission(self, request) -> bool:
        # A regrade replaces the session's evaluation: the evaluation change permission.
        return request.user.has_perm(f"{Evaluation._meta.app_label}.change_evaluation")

    @admin.display(description="Submitted answers")
    def submitted_answers(self, session: CandidateSession) -> str:
        content = session_content(session)
        submissions = [
            {
                "submission": submission,
                "answers": [
                    (question_id, find_question(content, question_id), answer)
                    for question_id, answer in submission.answers.items()
                ],
            }
            for submission in session.submissions.order_by("section_index")
        ]
        return render_to_string(
            "admin/candidate_sessions/candidatesession/answers.html",
            {"submissions": submissions},
        )

    @admin.action(description="Regrade selected (completed) sessions", permissions=["regrade"])
    def regrade(self, request, queryset) -> None:
        regrade_sessions(self, request, queryset.values_list("pk", flat=True))


class OverrideInline(admin.TabularInline):
    model = ScoreOverride
    extra = 0
    can_delete = False
    fields = ["question_id", "previous_score", "score", "reason", "overridden_by", "created_at"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None) -> bool:
        return False  # through the "Override a score" page, which validates and recomputes


class HistoryInline(admin.TabularInline):
    model = EvaluationHistory
    extra = 0
    can_delete = False
    fields = ["round", "total_score", "max_score", "provider", "model", "graded_at", "replaced_at"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None) -> bool:
        return False


class OverrideForm(forms.Form):
    question_id = forms.ChoiceField(label="Question")
    score = forms.FloatField(min_value=0)
    reason = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, evaluation: Evaluation, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["question_id"].choices = [
            (q["questionId"], f"{q['questionId']} ({q['score']:g} / {q['maxScore']:g})")
            for q in evaluation.questions
        ]


class GradeAnswerForm(forms.Form):
    """One number per rubric criterion and feedback for the candidate."""

    feedback = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="The candidate gets this instead of the grader's feedback.",
    )

    def __init__(self, *args, answer: AnswerToGrade, **kwargs):
        super().__init__(*args, **kwargs)
        initial = _initial_points(answer)
        points_fields = {
            f"points_{index}": forms.FloatField(
                label=f"{criterion.text} (0-{criterion.points:g})",
                min_value=0,
                max_value=criterion.points,
                initial=initial[index] if initial else None,
            )
            for index, criterion in enumerate(answer.criteria)
        }
        self.fields = {**points_fields, **self.fields}
        if answer.grade.get("reviewedCriteria"):
            self.fields["feedback"].initial = answer.grade.get("feedback", "")

    def points(self) -> list[float]:
        return [value for name, value in self.cleaned_data.items() if name.startswith("points_")]


def _initial_points(answer: AnswerToGrade) -> list[float] | None:
    """A person's earlier points, else the grader's when it graded the same criteria."""
    for criteria in (answer.grade.get("reviewedCriteria"), answer.graded.get("criteria")):
        if criteria and len(criteria) == len(answer.criteria):
            return [item["points"] for item in criteria]
    return None


@admin.register(Evaluation)
class EvaluationAdmin(ReplicaListMixin, admin.ModelAdmin):
    list_display = [
        "session",
        "assessment",
        "candidate",
        "total_score",
        "max_score",
        "percentage",
        "job_status",
        "provider",
        "round",
        "graded_at",
    ]
    list_filter = ["session__assessment", "job__status", "provider"]
    list_select_related = ["session__assessment", "session__user", "job"]
    search_fields = ["=session__id", "session__user__username"]
    show_full_result_count = False
    inlines = [OverrideInline, HistoryInline]
    actions = ["regrade", "regrade_discarding_manual_grades"]
    exclude = ["graded_questions", "questions"]
    readonly_fields = [
        "session",
        "job",
        "round",
        "total_score",
        "max_score",
        "percentage",
        "provider",
        "model",
        "prompt_version",
        "graded_at",
        "grades",
    ]

    def has_add_permission(self, request) -> bool:
        return False

    @admin.display(description="assessment")
    def assessment(self, evaluation: Evaluation):
        return evaluation.session.assessment

    @admin.display(description="candidate")
    def candidate(self, evaluation: Evaluation):
        return evaluation.session.user

    @admin.display(description="job status")
    def job_status(self, evaluation: Evaluation) -> str:
        return evaluation.job.status if evaluation.job else "—"

    @admin.display(description="Grades (graded → shown)")
    def grades(self, evaluation: Evaluation) -> str:
        graded = {q["questionId"]: q for q in evaluation.graded_questions}
        rows = [(q, graded.get(q["questionId"], q)) for q in evaluation.questions]
        override_url = reverse("admin:candidate_sessions_evaluation_override", args=[evaluation.pk])
        return render_to_string(
            "admin/candidate_sessions/evaluation/grades.html",
            {"rows": rows, "override_url": override_url},
        )

    @admin.action(
        description="Regrade the sessions of the selected evaluations (keeps manual grades)",
        permissions=["change"],
    )
    def regrade(self, request, queryset) -> None:
        regrade_sessions(self, request, queryset.values_list("session_id", flat=True))

    @admin.action(
        description="Regrade and DISCARD manual grades (asks to confirm)", permissions=["change"]
    )
    def regrade_discarding_manual_grades(self, request, queryset):
        """Discarding what people decided is never a side effect: a confirmation page first."""
        if request.POST.get("confirm") == "yes":
            regrade_sessions(
                self,
                request,
                queryset.values_list("session_id", flat=True),
                keep_manual_grades=False,
            )
            return None
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": "Regrade and discard manual grades?",
            "evaluations": list(queryset.select_related("session__user")),
            "manual_grades": ScoreOverride.objects.filter(
                evaluation__in=queryset, superseded_in_round__isnull=True
            ).count(),
        }
        return TemplateResponse(
            request, "admin/candidate_sessions/evaluation/discard_regrade.html", context
        )

    def get_urls(self):
        def view(method):
            return self.admin_site.admin_view(method)

        return [
            path(
                "grading-queue/",
                view(self.grading_queue_view),
                name="candidate_sessions_evaluation_grading_queue",
            ),
            path(
                "grading-queue/<uuid:evaluation_id>/<str:question_id>/",
                view(self.grade_answer_view),
                name="candidate_sessions_evaluation_grade_answer",
            ),
            path(
                "agreement/",
                view(self.agreement_view),
                name="candidate_sessions_evaluation_agreement",
            ),
            path(
                "<uuid:evaluation_id>/override/",
                view(self.override_view),
                name="candidate_sessions_evaluation_override",
            ),
            *super().get_urls(),
        ]

    def _page(self, request, template: str, title: str, **context) -> TemplateResponse:
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": title,
            **context,
        }
        return TemplateResponse(request, f"admin/candidate_sessions/evaluation/{template}", context)

    def grading_queue_view(self, request):
        """Answers awaiting a person: flagged first, then the others (ORA's staff grading)."""
        if not self.has_view_permission(request):
            return redirect("admin:index")
        assessment_id = request.GET.get("assessment") or None
        question_id = request.GET.get("question") or None
        assessments = Assessment.objects.filter(sessions__evaluation__isnull=False).distinct()
        chosen = next((a for a in assessments if str(a.pk) == assessment_id), None)
        if assessment_id and chosen is None:
            assessment_id = None  # an unknown or malformed id filters nothing
        questions = [
            q["questionId"]
            for section in (chosen.content["sections"] if chosen else ())
            for q in section["questions"]
            if q["type"] == "SHORT_ANSWER"
        ]
        return self._page(
            request,
            "grading_queue.html",
            "Grading queue",
            items=grading_queue(assessment_id=assessment_id, question_id=question_id),
            assessments=assessments,
            chosen_assessment=assessment_id,
            questions=questions,
            chosen_question=question_id or "",
        )

    def grade_answer_view(self, request, evaluation_id, question_id):
        answer = answer_to_grade(evaluation_id, question_id)
        if answer is None:
            raise Http404("No such short answer.")
        if not self.has_change_permission(request, answer.evaluation):
            return redirect("admin:index")
        form = GradeAnswerForm(request.POST or None, answer=answer)
        if request.method == "POST" and form.is_valid():
            try:
                evaluation_grade_answer(
                    evaluation_id=evaluation_id,
                    question_id=question_id,
                    points=form.points(),
                    feedback=form.cleaned_data["feedback"],
                    staff_user=request.user,
                )
            except DomainError as exc:
                for field, problems in exc.details.items():
                    form.add_error(field if field in form.fields else None, problems)
            else:
                self.message_user(
                    request,
                    f"Graded {question_id} of {answer.evaluation.session.user}: "
                    f"{sum(form.points()):g} / {answer.grade['maxScore']:g}.",
                )
                return redirect("admin:candidate_sessions_evaluation_grading_queue")
        return self._page(
            request,
            "grade_answer.html",
            f"Grade {question_id}",
            answer=answer,
            form=form,
            original=answer.evaluation,
        )

    def agreement_view(self, request):
        if not self.has_view_permission(request):
            return redirect("admin:index")
        return self._page(
            request,
            "agreement.html",
            "Agreement of the grader with people",
            rows=agreement_statistics(),
        )

    def override_view(self, request, evaluation_id):
        evaluation = get_object_or_404(Evaluation, pk=evaluation_id)
        if not self.has_change_permission(request, evaluation):
            return redirect("admin:index")
        form = OverrideForm(request.POST or None, evaluation=evaluation)
        if request.method == "POST" and form.is_valid():
            try:
                evaluation_override(
                    evaluation_id=evaluation.pk, staff_user=request.user, **form.cleaned_data
                )
            except DomainError as exc:
                for field, problems in exc.details.items():
                    form.add_error(field if field in form.fields else None, problems)
            else:
                self.message_user(request, "Score overridden; the total was recomputed.")
                return redirect("admin:candidate_sessions_evaluation_change", evaluation.pk)
        return self._page(
            request, "override.html", "Override a score", form=form, original=evaluation
        )


# The assessment admin with the pages that read sessions: the candidate preview, results and
# statistics. Registered in its place from here, so assessments never imports sessions (as
# `assessments.admin` adds generation to the syllabus admin).
class AssessmentWithSessionPagesAdmin(
    AssessmentResultsMixin, AssessmentPreviewMixin, AssessmentAdmin
):
    pass


admin.site.unregister(Assessment)
admin.site.register(Assessment, AssessmentWithSessionPagesAdmin)
