import uuid

from django.conf import settings
from django.db import models


class Syllabus(models.Model):
    """One uploaded syllabus PDF and its extracted, normalized text."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    subject = models.CharField(max_length=200)
    original_filename = models.CharField(max_length=255)
    file = models.FileField(upload_to="syllabi/%Y/%m/", max_length=300)
    file_size = models.PositiveBigIntegerField()
    text = models.TextField()
    page_count = models.PositiveIntegerField()
    text_length = models.PositiveIntegerField()
    # sha256 hex of the normalized text: re-uploads of the same content are recognised even
    # when the PDF bytes differ (another export of the same document).
    content_hash = models.CharField(max_length=64)
    extraction_engine = models.CharField(max_length=40, blank=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name_plural = "syllabi"
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["subject", "content_hash"], name="syllabus_unique_subject_content"
            ),
            models.CheckConstraint(
                condition=models.Q(page_count__gte=1), name="syllabus_page_count_positive"
            ),
        ]
        indexes = [models.Index(fields=["subject", "-created_at"], name="syllabus_subject_idx")]

    def __str__(self) -> str:
        return f"{self.subject}: {self.original_filename}"

    @property
    def content_hash_label(self) -> str:
        return f"sha256:{self.content_hash}"
