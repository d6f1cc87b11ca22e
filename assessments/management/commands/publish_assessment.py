"""Publish or unpublish assessments from the shell, through the one publication service.

    manage.py publish_assessment ASSESSMENT_ID [ASSESSMENT_ID ...] [--unpublish]

Exits 1 if any of them could not be changed (unknown id, or unapproved questions while
ASSESSMENT_REQUIRE_REVIEW is on: the questions are named).
"""

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from assessment_engine.api.errors import DomainError
from assessments.publication import assessment_publish, assessment_unpublish


class Command(BaseCommand):
    help = "Publish (or with --unpublish, unpublish) assessments by id."

    def add_arguments(self, parser):
        parser.add_argument("assessment_ids", nargs="+", metavar="ASSESSMENT_ID")
        parser.add_argument("--unpublish", action="store_true")

    def handle(self, *args, assessment_ids, unpublish, **_):
        service = assessment_unpublish if unpublish else assessment_publish
        failed = 0
        for assessment_id in assessment_ids:
            try:
                change = service(assessment_id=assessment_id)
            except (DomainError, ValidationError) as exc:
                failed += 1
                message = exc.message if isinstance(exc, DomainError) else "not a valid id"
                self.stderr.write(f"{assessment_id}: {message}")
                continue
            state = change.assessment.status
            self.stdout.write(f"{assessment_id}: {state}{'' if change.changed else ' (unchanged)'}")
        if failed:
            raise CommandError(f"{failed} of {len(assessment_ids)} not changed.")
