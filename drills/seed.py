"""Seeding a drill's private database, in a child process with the drill's settings.

    python -m drills.seed COMMAND '{"param": value}'

prints one line of JSON (ids and bearer tokens). The drill's own pytest process is bound to the
shared test database by pytest-django, so it cannot write to the private one through the ORM.
"""

import json
import sys
import tempfile
from pathlib import Path

import django


def users(*, candidates: int) -> dict:
    """One staff user and `candidates` candidates, each with a bearer token."""
    from knox.models import AuthToken

    from assessment_engine.accounts.models import User

    def make(username: str, *, is_staff: bool) -> dict:
        user = User.objects.create_user(username=username, is_staff=is_staff)
        _, token = AuthToken.objects.create(user=user)
        return {"id": str(user.pk), "token": token}

    return {
        "staff": make("drill-staff", is_staff=True),
        "candidates": [make(f"drill-candidate-{n}", is_staff=False) for n in range(candidates)],
    }


def assessment(*, sections: int) -> dict:
    """A published, hand-made assessment (one MCQ and one short answer per section)."""
    from sessions.tests.factories import make_assessment

    made = make_assessment(sections=sections, title=f"Drill quiz ({sections} sections)")
    return {"assessmentId": str(made.pk), "sectionCount": sections}


def syllabi(*, count: int) -> dict:
    """`count` syllabi with distinct text, uploaded through the real service.

    Distinct text matters: generation is deduplicated by a hash of the text, so identical
    syllabi would share one job and the drill would count fewer jobs than it triggered.
    """
    from fpdf import FPDF

    from assessments.tests.factories import COURSE_TEXT
    from syllabus.services import PdfUpload, syllabus_upload

    ids = []
    with tempfile.TemporaryDirectory() as folder:
        for number in range(count):
            pdf = FPDF(format="A4")
            pdf.set_font("Helvetica", size=11)
            pdf.add_page()
            text = f"{COURSE_TEXT}\nDrill cohort {number} meets on day {number + 1} of the term."
            pdf.multi_cell(0, 6, text)
            path = Path(folder) / f"drill-{number}.pdf"
            path.write_bytes(bytes(pdf.output()))
            [result] = syllabus_upload(
                subject=f"Drill subject {number}",
                files=[PdfUpload(path.name, path, path.stat().st_size)],
            )
            ids.append(str(result.syllabus.pk))
    return {"syllabusIds": ids}


COMMANDS = {"users": users, "assessment": assessment, "syllabi": syllabi}


def main(argv: list[str]) -> None:
    command, params = argv[1], json.loads(argv[2]) if len(argv) > 2 else {}
    django.setup()
    print(json.dumps(COMMANDS[command](**params)))


if __name__ == "__main__":
    main(sys.argv)
