"""How well the grader agrees with people, per prompt version and provider.

    manage.py grading_report [--json]

Over the short answers a person graded after the grader (see `sessions.agreement`): count,
exact agreement, mean absolute difference (points and share of the question's points) and
quadratic weighted kappa. The same numbers as the admin's "Agreement statistics" page.
"""

import json

from django.core.management.base import BaseCommand

from sessions.agreement import AgreementRow, agreement_statistics

HEADERS = ("prompt version", "provider", "answers", "exact", "mean |diff|", "share", "kappa")


class Command(BaseCommand):
    help = "Agreement of the grader with people per prompt version and provider."

    def add_arguments(self, parser):
        parser.add_argument("--json", action="store_true", help="print JSON instead of a table")

    def handle(self, *args, **options):
        rows = agreement_statistics()
        if options["json"]:
            self.stdout.write(json.dumps([row.as_dict() for row in rows], indent=2))
            return
        if not rows:
            self.stdout.write("No answer has been graded by a person after the grader yet.")
            return
        self.stdout.write(_table([_cells(row) for row in rows]))


def _cells(row: AgreementRow) -> tuple[str, ...]:
    return (
        row.prompt_version,
        row.provider,
        str(row.count),
        f"{row.exact_agreement:.0%}",
        f"{row.mean_abs_difference:.2f}",
        f"{row.mean_abs_difference_share:.1%}",
        "-" if row.kappa is None else f"{row.kappa:.3f}",
    )


def _table(rows: list[tuple[str, ...]]) -> str:
    widths = [max(len(cells[i]) for cells in (HEADERS, *rows)) for i in range(len(HEADERS))]
    lines = [
        "  ".join(cell.ljust(width) for cell, width in zip(cells, widths, strict=True)).rstrip()
        for cells in (HEADERS, *rows)
    ]
    lines.insert(1, "  ".join("-" * width for width in widths))
    return "\n".join(lines)
