import uuid

from django.conf import settings
from django.contrib.postgres.indexes import GinIndex
from django.db import models
from django.db.models import F, Q


class SessionStatus(models.TextChoices):
    OPTED_IN = "OPTED_IN"
    ACTIVE = "ACTIVE"
    COMPLETED = "COMPLETED"
    EXPIRED = "EXPIRED"


OPEN_STATUSES = (SessionStatus.OPTED_IN, SessionStatus.ACTIVE)


class CandidateSession(models.Model):
    """One candidate going through one assessment. Transitions live in `sessions.transitions`."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="candidate_sessions"
    )
    assessment = models.ForeignKey(
        "assessments.Assessment", on_delete=models.PROTECT, related_name="sessions"
    )
    status = models.CharField(
        max_length=20, choices=SessionStatus.choices, default=SessionStatus.OPTED_IN
    )
    # Sections are submitted strictly in order, so this is also the number submitted so far.
    current_section_index = models.PositiveIntegerField(default=0)
    section_count = models.PositiveIntegerField()  # copied from the assessment at opt-in
    opted_in_at = models.DateTimeField()
    started_at = models.DateTimeField(null=True, blank=True)
    last_activity_at = models.DateTimeField(null=True, blank=True)
    completed_at = models.DateTimeField(null=True, blank=True)
    expired_at = models.DateTimeField(null=True, blank=True)
    evaluation_job = models.ForeignKey(
        "jobs.AIJob", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # 1 for a candidate's first session of an assessment, 2 for the second... (the delivery
    # policy's maxAttempts counts these; unique, so two racing opt-ins cannot both be attempt 1).
    attempt = models.PositiveIntegerField(default=1, db_default=1)
    # Fixed at start from the policy: started_at + time limit (null without one). The window's
    # close is read from the assessment, so staff moving `closes_at` applies to running sessions.
    deadline = models.DateTimeField(null=True, blank=True)
    # COMPLETED by the deadline or the window's close rather than by the candidate.
    auto_completed = models.BooleanField(default=False, db_default=False)
    # (The database defaults serve rows written in bulk with raw SQL: benchmarks, imports.)
    # The order of questions and options, fixed at start (`sessions.shuffling`); null = as
    # authored. Ids never change, so grading ignores it.
    shuffle_seed = models.BigIntegerField(null=True, blank=True)
    shuffle_questions = models.BooleanField(default=False, db_default=False)
    shuffle_options = models.BooleanField(default=False, db_default=False)
    # The assessment's content version this session shows and is graded by
    # (`assessments.AssessmentVersion`): taken at opt-in and fixed at start, so staff editing
    # the assessment later changes it for new sessions only.
    content_version = models.PositiveIntegerField(default=1, db_default=1)
    # Bumped by every transition: a cheap "has anything changed" for clients and caches.
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["-opted_in_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["user"],
                condition=Q(status=SessionStatus.ACTIVE),
                name="session_one_active_per_user",
            ),
            models.UniqueConstraint(
                fields=["user", "assessment"],
                condition=Q(status__in=OPEN_STATUSES),
                name="session_one_open_per_user_assessment",
            ),
            models.UniqueConstraint(
                fields=["user", "assessment", "attempt"], name="session_unique_attempt"
            ),
            models.CheckConstraint(condition=Q(attempt__gte=1), name="session_attempt_positive"),
            models.CheckConstraint(
                condition=Q(auto_completed=False) | Q(status=SessionStatus.COMPLETED),
                name="session_auto_completed_is_completed",
            ),
            models.CheckConstraint(
                condition=Q(current_section_index__lte=F("section_count"))
                & Q(section_count__gte=1),
                name="session_section_index_in_bounds",
            ),
            models.CheckConstraint(
                condition=~Q(status=SessionStatus.OPTED_IN)
                | Q(
                    started_at__isnull=True,
                    completed_at__isnull=True,
                    expired_at__isnull=True,
                    deadline__isnull=True,
                ),
                name="session_opted_in_not_started",
            ),
            models.CheckConstraint(
                condition=~Q(status=SessionStatus.ACTIVE)
                | Q(
                    started_at__isnull=False,
                    last_activity_at__isnull=False,
                    completed_at__isnull=True,
                    expired_at__isnull=True,
                ),
                name="session_active_timestamps",
            ),
            # Completed by the candidate means every section was submitted; completed by the
            # clock may leave sections unsubmitted (they score 0).
            models.CheckConstraint(
                condition=~Q(status=SessionStatus.COMPLETED)
                | Q(started_at__isnull=False, completed_at__isnull=False, expired_at__isnull=True)
                & (Q(current_section_index=F("section_count")) | Q(auto_completed=True)),
                name="session_completed_timestamps",
            ),
            models.CheckConstraint(
                condition=~Q(status=SessionStatus.EXPIRED)
                | Q(started_at__isnull=False, expired_at__isnull=False, completed_at__isnull=True),
                name="session_expired_timestamps",
            ),
        ]
        # No index holds a column that a submit or a heartbeat writes (`last_activity_at`,
        # `current_section_index`, `version`), so those UPDATEs are HOT: no index entry written,
        # none left dead. The expiry sweep reads the ACTIVE sessions through any of the partial
        # indexes on them (`test_expiry.py` checks the plan): its cost follows the ACTIVE
        # sessions, not the table. The table's fillfactor (migration 0006) leaves room on each
        # page for the new row versions.
        indexes = [
            # The deadline sweep reads only ACTIVE sessions with a time limit, earliest first.
            models.Index(
                fields=["deadline"],
                condition=Q(status=SessionStatus.ACTIVE, deadline__isnull=False),
                name="session_active_deadline_idx",
            ),
            # The close sweep finds the ACTIVE sessions of an assessment whose window closed.
            models.Index(
                fields=["assessment"],
                condition=Q(status=SessionStatus.ACTIVE),
                name="session_active_assessment_idx",
            ),
            models.Index(fields=["user", "-opted_in_at"], name="session_user_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.user_id} on {self.assessment_id} ({self.status})"


class SectionSubmission(models.Model):
    session = models.ForeignKey(
        CandidateSession, on_delete=models.CASCADE, related_name="submissions"
    )
    section_index = models.PositiveIntegerField()
    section_id = models.CharField(max_length=50)
    answers = models.JSONField(default=dict)
    submitted_at = models.DateTimeField()

    class Meta:
        ordering = ["session", "section_index"]
        constraints = [
            models.UniqueConstraint(
                fields=["session", "section_index"], name="submission_one_per_section"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.session_id} section {self.section_index}"


class Evaluation(models.Model):
    """The grade of one completed session (one row per session; regrades update it and keep
    the earlier result in `EvaluationHistory`; staff overrides are in `ScoreOverride`)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    session = models.OneToOneField(
        CandidateSession, on_delete=models.CASCADE, related_name="evaluation"
    )
    job = models.ForeignKey("jobs.AIJob", null=True, on_delete=models.SET_NULL, related_name="+")
    round = models.PositiveIntegerField(default=1)  # 1 = first grading, 2+ = regrades
    # As graded (MCQ key, AI or offline grader), and as shown (overrides applied).
    graded_questions = models.JSONField()
    questions = models.JSONField()
    total_score = models.FloatField()
    max_score = models.FloatField()
    percentage = models.FloatField()
    provider = models.CharField(max_length=50)
    model = models.CharField(max_length=100)
    prompt_version = models.CharField(max_length=50)
    graded_at = models.DateTimeField()
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(total_score__gte=0) & Q(total_score__lte=F("max_score")),
                name="evaluation_score_within_max",
            ),
        ]
        indexes = [
            # The grading queue finds flagged answers with a containment lookup on `questions`.
            GinIndex(
                fields=["questions"], opclasses=["jsonb_path_ops"], name="evaluation_questions_gin"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.session_id}: {self.total_score}/{self.max_score}"


class EvaluationHistory(models.Model):
    """Append-only: an earlier grading of a session, kept when a regrade replaced it."""

    evaluation = models.ForeignKey(Evaluation, on_delete=models.CASCADE, related_name="history")
    round = models.PositiveIntegerField()
    job = models.ForeignKey("jobs.AIJob", null=True, on_delete=models.SET_NULL, related_name="+")
    graded_questions = models.JSONField()
    questions = models.JSONField()
    total_score = models.FloatField()
    max_score = models.FloatField()
    provider = models.CharField(max_length=50)
    model = models.CharField(max_length=100)
    prompt_version = models.CharField(max_length=50)
    graded_at = models.DateTimeField()
    replaced_at = models.DateTimeField()

    class Meta:
        ordering = ["evaluation", "round"]
        constraints = [
            models.UniqueConstraint(fields=["evaluation", "round"], name="history_unique_round"),
        ]
        verbose_name_plural = "evaluation history"

    def __str__(self) -> str:
        return f"{self.evaluation_id} round {self.round}"


class ScoreOverride(models.Model):
    """Append-only: a staff member's score for one question, with the reason. The latest one
    per question counts, across regrades too; the graded score stays in
    `Evaluation.graded_questions`."""

    evaluation = models.ForeignKey(Evaluation, on_delete=models.CASCADE, related_name="overrides")
    question_id = models.CharField(max_length=50)
    previous_score = models.FloatField()
    score = models.FloatField()
    reason = models.TextField()
    overridden_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    # Set when staff regraded and explicitly discarded manual grades: the round whose grading
    # replaced this one. Null = in force (regrades keep it).
    superseded_in_round = models.PositiveIntegerField(null=True, blank=True)
    # Graded per criterion in the grading queue: [{criterion, points, maxPoints}] (they sum to
    # `score`) and the feedback the candidate gets instead of the grader's. Empty for a plain
    # whole-question override. Kept here so a regrade re-applies them with the score.
    criteria = models.JSONField(default=list, blank=True)
    feedback = models.TextField(blank=True, default="", db_default="")

    class Meta:
        ordering = ["evaluation", "created_at"]
        constraints = [
            models.CheckConstraint(condition=Q(score__gte=0), name="override_score_not_negative"),
            models.CheckConstraint(condition=~Q(reason=""), name="override_has_reason"),
        ]

    def __str__(self) -> str:
        return f"{self.question_id}: {self.previous_score:g} → {self.score:g}"
