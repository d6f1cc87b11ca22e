"""`make run`'s supervisor: the whole Procfile starts, and a Ctrl-C stops all of it with 0."""

import contextlib
import fcntl
import os
import re
import signal
import subprocess
import sys
import termios
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from assessment_engine.tests.test_deployment_files import procfile_commands
from assessment_engine.tests.test_gunicorn_drain import free_port
from conftest import REPO_ROOT, worker_environment

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True), pytest.mark.timeout(180)]


def http_status(url: str) -> int | None:
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code
    except OSError:
        return None


def wait_until(condition, what: str, log, timeout: float = 90) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise TimeoutError(f"{what} not reached:\n{log()}")
        time.sleep(0.5)


def test_ctrl_c_stops_every_process_and_exits_zero(tmp_path):
    port, flower_port = free_port(), free_port()
    log_path = tmp_path / "supervisor.log"
    environment = {
        **worker_environment(),
        "PORT": str(port),
        "FLOWER_PORT": str(flower_port),
        "FLOWER_ADDRESS": "127.0.0.1",
        "FLOWER_BASIC_AUTH": "flower:test-password",
        "WEB_CONCURRENCY": "1",
        "AI_WORKER_CONCURRENCY": "2",
        "MEDIA_ROOT": str(tmp_path / "media"),
    }
    # `make` runs the supervisor as `make run` does, in a terminal of its own (a pty), so the
    # Ctrl-C below is a real one: the terminal signals its foreground process group.
    makefile = tmp_path / "Makefile"
    makefile.write_text(f"run:\n\t@exec {sys.executable} -m assessment_engine.supervisor\n")
    terminal, terminal_child_side = os.openpty()
    with log_path.open("wb") as log_file:
        supervisor = subprocess.Popen(
            ["make", "--no-print-directory", "-f", str(makefile), "run"],
            cwd=REPO_ROOT,
            env=environment,
            stdin=terminal_child_side,
            stdout=log_file,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            preexec_fn=lambda: fcntl.ioctl(0, termios.TIOCSCTTY, 0),
        )
    os.close(terminal_child_side)

    def log() -> str:
        return log_path.read_text(errors="replace")

    try:
        # given: the whole system up
        wait_until(lambda: http_status(f"http://127.0.0.1:{port}/healthz") == 200, "web", log)
        wait_until(lambda: http_status(f"http://127.0.0.1:{flower_port}/") == 401, "flower", log)
        wait_until(lambda: log().count(" ready.") == 3, "three workers ready", log)
        wait_until(lambda: "beat: Starting" in log(), "beat", log)
        pids = {name: int(pid) for name, pid in re.findall(r"(\w+) started \(pid=(\d+)\)", log())}
        assert sorted(pids) == sorted(procfile_commands())
        # the beat schedule and gunicorn's control socket live in the checkout's .run/
        run_dir = REPO_ROOT / ".run"
        assert any(path.name.startswith("celerybeat-schedule") for path in run_dir.iterdir())
        assert (run_dir / f"gunicorn-{port}.ctl").exists()

        # when: Ctrl-C at the terminal
        os.write(terminal, b"\x03")
        returncode = supervisor.wait(timeout=60)
    finally:
        if supervisor.poll() is None:
            # the supervisor (make's child) leads a process group of its own
            children = Path(f"/proc/{supervisor.pid}/task/{supervisor.pid}/children")
            for child in children.read_text().split() if children.exists() else []:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(os.getpgid(int(child)), signal.SIGKILL)
            os.killpg(supervisor.pid, signal.SIGKILL)
        os.close(terminal)

    # then: `make` itself exits 0, every process is gone, and none of the noise the log used to
    # have (make's "Interrupt" included)
    assert returncode == 0, log()
    assert "Interrupt" not in log()
    for name, pid in pids.items():
        assert not os.path.exists(f"/proc/{pid}"), f"{name} (pid {pid}) still running"
    assert "not found" not in log()
    assert "SIGKILL" not in log(), f"a process had to be killed:\n{log()[-3000:]}"
