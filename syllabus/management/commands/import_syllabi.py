"""Bulk-load syllabus PDFs from disk through the same service as the API and the admin."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from assessment_engine.api.errors import DomainError
from syllabus.services import PdfUpload, syllabus_upload


class Command(BaseCommand):
    help = (
        "import_syllabi SUBJECT FILE... — extract and store PDFs under SUBJECT. "
        "All-or-nothing: one bad file stores nothing."
    )

    def add_arguments(self, parser):
        parser.add_argument("subject")
        parser.add_argument("files", nargs="+", type=Path)

    def handle(self, *args, subject: str, files: list[Path], **options):
        missing = [str(path) for path in files if not path.is_file()]
        if missing:
            raise CommandError(f"Not a file: {', '.join(missing)}")
        uploads = [PdfUpload(path.name, path, path.stat().st_size) for path in files]
        try:
            results = syllabus_upload(subject=subject, files=uploads)
        except DomainError as exc:
            rejected = exc.details.get("files") or []
            for item in rejected:
                self.stderr.write(f"{item['filename']}: {item['message']}")
            raise CommandError(f"Nothing imported: {exc.message}") from exc
        for result in results:
            syllabus = result.syllabus
            state = "created" if result.created else "exists "
            self.stdout.write(
                f"{state} {syllabus.id} {syllabus.original_filename} "
                f"({syllabus.page_count} pages, {syllabus.text_length} characters)"
            )
        created = sum(result.created for result in results)
        self.stdout.write(
            self.style.SUCCESS(f"{created} created, {len(results) - created} existed.")
        )
