"""Seeding a drill's private database, in a child process with the drill's settings
(`Stack.seed("drills.seed", COMMAND, **params)`): the drill's own pytest process is bound to
the test database, so it cannot write to the private one through the ORM. Prints one line of
JSON (ids and bearer tokens).
"""

import json
import sys

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
    from assessments.factories import make_assessment

    made = make_assessment(sections=sections, title=f"Drill quiz ({sections} sections)")
    return {"assessmentId": str(made.pk), "sectionCount": sections}


def syllabi(*, count: int) -> dict:
    """`count` syllabi uploaded through the real service, each with a text of its own:
    generation is deduplicated by the text's hash, and the drill counts one job per syllabus."""
    from harness.pdfs import course_pdf
    from syllabus.factories import make_syllabus

    made = [
        make_syllabus(
            subject=f"Drill subject {n}",
            name=f"drill-{n}.pdf",
            pdf=course_pdf(1, extra=f"\nDrill cohort {n} meets on day {n + 1} of the term."),
        )
        for n in range(count)
    ]
    return {"syllabusIds": [str(syllabus.pk) for syllabus in made]}


COMMANDS = {"users": users, "assessment": assessment, "syllabi": syllabi}


if __name__ == "__main__":
    command, params = sys.argv[1], json.loads(sys.argv[2]) if len(sys.argv) > 2 else {}
    django.setup()
    print(json.dumps(COMMANDS[command](**params)))
