import uuid

from django.db import models
from django.db.models import Q


class AssessmentStatus(models.TextChoices):
    DRAFT = "DRAFT"
    PUBLISHED = "PUBLISHED"


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
    # Bumped on every edit or status change: part of the candidate-view cache key.
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    published_at = models.DateTimeField(null=True, blank=True)

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
        ]
        indexes = [
            models.Index(fields=["status", "-created_at"], name="assessment_status_idx"),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_published(self) -> bool:
        return self.status == AssessmentStatus.PUBLISHED
