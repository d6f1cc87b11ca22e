import uuid

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Now


class AssessmentStatus(models.TextChoices):
    DRAFT = "DRAFT"
    PUBLISHED = "PUBLISHED"


class ReviewLevel(models.TextChoices):
    """What a candidate sees of a graded session, in increasing order (see `policy.py`)."""

    SCORES = "SCORES"
    FEEDBACK = "FEEDBACK"
    FULL = "FULL"


def default_max_attempts() -> int:
    return settings.ASSESSMENT_DEFAULT_MAX_ATTEMPTS


def default_review_policy() -> str:
    return settings.ASSESSMENT_DEFAULT_REVIEW_POLICY


class Assessment(models.Model):
    """A generated questionnaire. `content` holds everything, answer keys included."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    title = models.CharField(max_length=300)
    subject = models.CharField(max_length=200)
    syllabi = models.ManyToManyField("syllabus.Syllabus", related_name="assessments")
    content = models.JSONField()
    options = models.JSONField()
    # "generation:<hash of syllabus text + canonical options>": the same as its job's key.
    dedupe_key = models.CharField(max_length=255)
    syllabus_hash = models.CharField(max_length=64)
    status = models.CharField(
        max_length=20, choices=AssessmentStatus.choices, default=AssessmentStatus.PUBLISHED
    )
    provider = models.CharField(max_length=50)
    model = models.CharField(max_length=100)
    prompt_version = models.CharField(max_length=50)
    job = models.OneToOneField(
        "jobs.AIJob", null=True, blank=True, on_delete=models.SET_NULL, related_name="assessment"
    )
    section_count = models.PositiveIntegerField()
    question_count = models.PositiveIntegerField()
    # `content.quality.quality_report` at generation: items by type and Bloom level, topic
    # coverage, item-writing rules that failed attempts, items a verifier regenerated.
    quality_report = models.JSONField(null=True, blank=True)
    # Bumped on every edit or status change: part of the candidate-view cache key.
    version = models.PositiveIntegerField(default=1)
    # The number of the content as it is now (`AssessmentVersion`): bumped only when the
    # content changes. Sessions pin the number they started on; staff edits check it as an
    # optimistic lock ("edit version 3" fails once someone else saved version 4).
    content_version = models.PositiveIntegerField(default=1, db_default=1)
    # Who made the current content and why: copied into its `AssessmentVersion` row by the
    # database trigger that writes those rows (null/blank: the generator).
    content_changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    content_change_note = models.CharField(max_length=300, blank=True, default="", db_default="")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    published_at = models.DateTimeField(null=True, blank=True)

    # The delivery policy (API.md "Delivery policy"). Columns of the assessment rather than a
    # row of its own: every assessment has exactly one policy (NOT NULL says so), the window
    # check is a plain CHECK on one row, and the session path reads it in the join it already
    # makes for the content version. The rules that read it live in `assessments.policy`.
    max_attempts = models.PositiveIntegerField(default=default_max_attempts)
    time_limit_seconds = models.PositiveIntegerField(null=True, blank=True)
    opens_at = models.DateTimeField(null=True, blank=True)
    closes_at = models.DateTimeField(null=True, blank=True)
    shuffle_questions = models.BooleanField(default=True)
    shuffle_options = models.BooleanField(default=True)
    review_policy = models.CharField(
        max_length=10, choices=ReviewLevel.choices, default=default_review_policy
    )
    review_after_close = models.CharField(
        max_length=10, choices=ReviewLevel.choices, default=ReviewLevel.FULL
    )

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["dedupe_key"], name="assessment_unique_dedupe_key"),
            models.CheckConstraint(
                condition=~Q(status=AssessmentStatus.PUBLISHED) | Q(published_at__isnull=False),
                name="assessment_published_has_timestamp",
            ),
            models.CheckConstraint(
                condition=Q(section_count__gte=1) & Q(question_count__gte=1),
                name="assessment_has_questions",
            ),
            models.CheckConstraint(
                condition=Q(content_version__gte=1), name="assessment_content_version_positive"
            ),
            models.CheckConstraint(
                condition=Q(max_attempts__gte=1),
                name="assessment_policy_attempts_positive",
                violation_error_message="Max attempts must be at least 1.",
            ),
            models.CheckConstraint(
                condition=Q(time_limit_seconds__isnull=True) | Q(time_limit_seconds__gt=0),
                name="assessment_policy_time_limit_positive",
                violation_error_message="The time limit must be a positive number of seconds.",
            ),
            models.CheckConstraint(
                condition=Q(opens_at__isnull=True)
                | Q(closes_at__isnull=True)
                | Q(opens_at__lt=F("closes_at")),
                name="assessment_policy_window_order",
                violation_error_message="The window must close after it opens.",
            ),
            models.CheckConstraint(
                condition=Q(review_policy__in=ReviewLevel.values)
                & Q(review_after_close__in=ReviewLevel.values),
                name="assessment_policy_review_levels",
            ),
            # After the close a candidate never sees less than before it.
            models.CheckConstraint(
                condition=~Q(
                    review_policy=ReviewLevel.FULL, review_after_close__in=["SCORES", "FEEDBACK"]
                )
                & ~Q(review_policy=ReviewLevel.FEEDBACK, review_after_close=ReviewLevel.SCORES),
                name="assessment_policy_review_after_close_not_lower",
                violation_error_message="The review level after the close cannot be lower.",
            ),
        ]
        indexes = [
            models.Index(fields=["status", "-created_at"], name="assessment_status_idx"),
            # The close sweep looks up assessments whose window has closed.
            models.Index(
                fields=["closes_at"],
                condition=Q(closes_at__isnull=False),
                name="assessment_closes_at_idx",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_published(self) -> bool:
        return self.status == AssessmentStatus.PUBLISHED


class AssessmentVersion(models.Model):
    """One content of an assessment, immutable: a session keeps reading the version it started
    on, and grades by it, while staff edit the assessment for new sessions.

    Rows are written by the database (a trigger on every INSERT of an assessment and every
    UPDATE of its content, migration 0005), so no write path can change content without
    leaving its version behind, and a trigger refuses any UPDATE of a row.
    """

    assessment = models.ForeignKey(Assessment, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField()
    content = models.JSONField()
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    note = models.CharField(max_length=300, blank=True, default="", db_default="")
    created_at = models.DateTimeField(db_default=Now())

    class Meta:
        ordering = ["assessment", "-number"]
        constraints = [
            models.UniqueConstraint(
                fields=["assessment", "number"], name="assessmentversion_unique_number"
            ),
            models.CheckConstraint(
                condition=Q(number__gte=1), name="assessmentversion_number_positive"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.assessment_id} v{self.number}"


class ItemApproval(models.Model):
    """A person's approval of one question as it reads now (`ASSESSMENT_REQUIRE_REVIEW`).

    One row per (assessment, question), holding a hash of the approved item: any later change
    to the item (an edit by someone else, a regeneration) makes the hashes differ, so the item
    is unapproved again without anyone having to remember to clear it.
    """

    assessment = models.ForeignKey(
        Assessment, on_delete=models.CASCADE, related_name="item_approvals"
    )
    question_id = models.CharField(max_length=64)
    item_hash = models.CharField(max_length=64)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    approved_at = models.DateTimeField()

    class Meta:
        ordering = ["assessment", "question_id"]
        constraints = [
            models.UniqueConstraint(
                fields=["assessment", "question_id"], name="itemapproval_one_per_item"
            ),
            models.CheckConstraint(condition=~Q(item_hash=""), name="itemapproval_has_item_hash"),
        ]

    def __str__(self) -> str:
        return f"{self.question_id} of {self.assessment_id}"
