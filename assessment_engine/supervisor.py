"""`make run`'s process supervisor: every Procfile process under honcho, stopped together.

`honcho start` itself exits 130 after a Ctrl-C, which `make` reports as a failure. Here a stop
someone asked for (SIGINT or SIGTERM) ends with 0; a process that exits on its own still stops
the others, and its exit code becomes the supervisor's.

    .venv/bin/python -m assessment_engine.supervisor
"""

import os
import sys
from pathlib import Path

from honcho import manager as honcho_manager
from honcho.environ import parse_procfile
from honcho.manager import Manager

REPO_ROOT = Path(__file__).resolve().parents[1]
# honcho's return codes for a stop on SIGINT and on SIGTERM.
STOP_REQUESTED = {130, 143}
# honcho sends SIGKILL to what still runs 5 s after its SIGTERM; a Celery worker's warm shutdown
# on a busy host, or gunicorn finishing a request (graceful_timeout), needs longer.
STOP_GRACE_SECONDS = 30


def main() -> int:
    honcho_manager.KILL_WAIT = STOP_GRACE_SECONDS  # read by Manager.loop() when it stops
    (REPO_ROOT / ".run").mkdir(exist_ok=True)  # beat's schedule, gunicorn's control socket
    # The Procfile names gunicorn and celery: take them from this interpreter's virtualenv.
    bin_dir = str(Path(sys.executable).parent)
    environment = {**os.environ, "PATH": os.pathsep.join([bin_dir, os.environ.get("PATH", "")])}
    manager = Manager()
    procfile = parse_procfile((REPO_ROOT / "Procfile").read_text())
    for name, command in procfile.processes.items():
        manager.add_process(name, command, env=environment, cwd=str(REPO_ROOT))
    manager.loop()
    return 0 if manager.returncode in STOP_REQUESTED else manager.returncode


if __name__ == "__main__":
    sys.exit(main())
