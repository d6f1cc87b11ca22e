"""`make run`'s process supervisor: every Procfile process under honcho, stopped together.

`honcho start` itself exits 130 after a Ctrl-C, which `make` reports as a failure. Here a stop
someone asked for (SIGINT or SIGTERM) ends with 0; a process that exits on its own still stops
the others, and its exit code becomes the supervisor's. Started from a terminal, the supervisor
becomes the terminal's foreground process group, so a Ctrl-C reaches it and not `make`, which
would otherwise report "Interrupt" and exit 130 whatever the supervisor did.

    .venv/bin/python -m assessment_engine.supervisor
"""

import contextlib
import os
import signal
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


@contextlib.contextmanager
def terminal_foreground():
    """Own the controlling terminal's foreground while running, and hand it back after."""
    try:
        terminal = os.open("/dev/tty", os.O_RDWR)
    except OSError:
        yield  # no controlling terminal: a service manager, a test, CI
        return
    previous = os.tcgetpgrp(terminal)
    # A background group that changes the foreground gets SIGTTOU: ignore it for these calls.
    with _ignoring(signal.SIGTTOU):
        os.setpgid(0, 0)
        os.tcsetpgrp(terminal, os.getpgrp())
    try:
        yield
    finally:
        with _ignoring(signal.SIGTTOU), contextlib.suppress(OSError):
            os.tcsetpgrp(terminal, previous)
        os.close(terminal)


@contextlib.contextmanager
def _ignoring(signal_number: int):
    handler = signal.signal(signal_number, signal.SIG_IGN)
    try:
        yield
    finally:
        signal.signal(signal_number, handler)


def main() -> int:
    with terminal_foreground():
        return _run()


def _run() -> int:
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
