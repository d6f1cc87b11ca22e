"""`make bench`: run every benchmark script and refresh its output in docs/BENCHMARKS.md.

Each script's recorded output sits between `<!-- bench:<script>:start -->` and
`<!-- bench:<script>:end -->` markers; the prose around it (what is measured, the reading) is
kept. The header line gets the date and the machine's core count.
"""

import datetime
import os
import re
import subprocess
import sys
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
DOC = REPO_ROOT / "docs" / "BENCHMARKS.md"
SCRIPTS = [
    "extraction.py",
    "generation.py",
    "pipeline.py",
    "submit_section.py",
    "evaluation.py",
    "scale.py",
    "results_export.py",
]
HEADER = re.compile(r"^_Last run: .*_$", re.MULTILINE)


def main() -> int:
    doc = DOC.read_text()
    failed = []
    for script in SCRIPTS:
        print(f"== {script}", flush=True)
        result = subprocess.run(
            [sys.executable, f"bench/{script}"], cwd=REPO_ROOT, capture_output=True, text=True
        )
        print(result.stdout, end="")
        if result.returncode != 0:
            print(result.stderr, file=sys.stderr)
            failed.append(script)
            continue
        doc = _replace_block(doc, script, result.stdout.strip())
    stamp = (
        f"_Last run: {datetime.datetime.now(datetime.UTC):%Y-%m-%d %H:%M} UTC on "
        f"{os.cpu_count()} cores (`make bench`)._"
    )
    doc = HEADER.sub(stamp, doc) if HEADER.search(doc) else doc.replace("\n", f"\n\n{stamp}\n", 1)
    DOC.write_text(doc)
    if failed:
        print(f"failed: {', '.join(failed)}", file=sys.stderr)
    return 1 if failed else 0


def _replace_block(doc: str, script: str, output: str) -> str:
    start, end = f"<!-- bench:{script}:start -->", f"<!-- bench:{script}:end -->"
    block = f"{start}\n```\n{output}\n```\n{end}"
    pattern = re.compile(re.escape(start) + r".*?" + re.escape(end), re.DOTALL)
    if pattern.search(doc):
        return pattern.sub(lambda _: block, doc)
    return f"{doc.rstrip()}\n\n{block}\n"


if __name__ == "__main__":
    sys.exit(main())
