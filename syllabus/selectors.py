from django.db.models import QuerySet

from .models import Syllabus


def syllabus_list(*, subject: str | None = None) -> QuerySet[Syllabus]:
    syllabi = Syllabus.objects.defer("text").order_by("-created_at", "id")
    if subject:
        syllabi = syllabi.filter(subject__iexact=" ".join(subject.split()))
    return syllabi
