from django.db.models import QuerySet

from .errors import SyllabusNotFound
from .models import Syllabus


def syllabus_get(*, syllabus_id) -> Syllabus:
    """One syllabus with its extracted text."""
    syllabus = Syllabus.objects.filter(pk=syllabus_id).first()
    if syllabus is None:
        raise SyllabusNotFound()
    return syllabus


def syllabus_list(*, subject: str | None = None) -> QuerySet[Syllabus]:
    syllabi = Syllabus.objects.defer("text").order_by("-created_at", "id")
    if subject:
        syllabi = syllabi.filter(subject__iexact=" ".join(subject.split()))
    return syllabi
