"""Create candidate accounts: one by name, or many from a CSV file (username,password[,email])."""

import csv
import secrets
from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from assessment_engine.accounts.services import candidate_create


class Command(BaseCommand):
    help = (
        "Create a candidate: create_candidate USERNAME [--password P] (a random password is "
        "generated and printed when omitted), or in bulk: create_candidate --csv FILE with rows "
        "username,password[,email] (a header row is optional). Good rows are created, bad rows "
        "are reported, and the command exits non-zero if any row was rejected."
    )

    def add_arguments(self, parser):
        parser.add_argument("username", nargs="?")
        parser.add_argument("--password")
        parser.add_argument("--email", default="")
        parser.add_argument("--csv", dest="csv_path", type=Path)

    def handle(self, *args, username=None, password=None, email="", csv_path=None, **options):
        if bool(username) == bool(csv_path):
            raise CommandError("Give either USERNAME or --csv FILE (not both).")
        if csv_path:
            self._create_from_csv(csv_path)
        else:
            self._create_one(username, password, email)

    def _create_one(self, username: str, password: str | None, email: str) -> None:
        generated = password is None
        password = password if password is not None else secrets.token_urlsafe(12)
        try:
            candidate_create(username=username, password=password, email=email)
        except ValidationError as exc:
            raise CommandError(f"{username}: {_reason(exc)}") from exc
        suffix = f" with password: {password}" if generated else ""
        self.stdout.write(self.style.SUCCESS(f"Created candidate {username!r}{suffix}"))

    def _create_from_csv(self, path: Path) -> None:
        try:
            rows = list(csv.reader(path.read_text(encoding="utf-8-sig").splitlines()))
        except (OSError, UnicodeDecodeError) as exc:
            raise CommandError(f"Cannot read {path}: {exc}") from exc
        if rows and [cell.strip().lower() for cell in rows[0][:2]] == ["username", "password"]:
            rows = [None, *rows[1:]]  # keep line numbers true to the file
        created, rejected = 0, []
        for line_number, row in enumerate(rows, start=1):
            if row is None or not any(cell.strip() for cell in row):
                continue
            problem = self._create_row(row)
            if problem:
                rejected.append(f"line {line_number}: {problem}")
            else:
                created += 1
        for message in rejected:
            self.stderr.write(message)
        self.stdout.write(f"Created {created} candidate(s); rejected {len(rejected)} row(s).")
        if rejected:
            raise CommandError(f"{len(rejected)} row(s) rejected (see above).")

    def _create_row(self, row: list[str]) -> str | None:
        if len(row) not in (2, 3):
            return f"expected username,password[,email], got {len(row)} column(s)"
        username, password, email = (*row, "")[:3]
        if not password:
            return f"{username.strip() or '?'}: password is required"
        try:
            candidate_create(username=username, password=password, email=email)
        except ValidationError as exc:
            return f"{username.strip() or '?'}: {_reason(exc)}"
        return None


def _reason(exc: ValidationError) -> str:
    return " ".join(exc.messages)
