"""Private PostgreSQL and Redis instances, and the whole system running against them.

Drills break backing services on purpose, so they never touch the shared PostgreSQL (5432) or
Redis (6379): each drill starts its own on spare ports, in a temporary directory, and stops
them at the end, also when the drill fails. The application runs in child processes (gunicorn,
Celery workers, beat), exactly as `make run` starts it, pointed at those private services.
"""

import contextlib
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import psycopg

REPO_ROOT = Path(__file__).resolve().parent.parent
STOP_TIMEOUT_SECONDS = 20


def free_port() -> int:
    """A port nobody listens on right now: the kernel's choice for a bind to port 0."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_until(
    predicate: Callable[[], bool], *, timeout: float, what: str, interval: float = 0.1
) -> float:
    """Poll `predicate` until it holds and return how long that took (seconds)."""
    started = time.monotonic()
    while not predicate():
        if time.monotonic() - started > timeout:
            raise TimeoutError(f"{what}: not within {timeout:.0f} s")
        time.sleep(interval)
    return time.monotonic() - started


def seconds_until(
    predicate: Callable[[], bool], *, timeout: float, interval: float = 0.1
) -> float | None:
    """Like `wait_until`, but None on timeout: a drill records its figures before asserting."""
    try:
        return wait_until(predicate, timeout=timeout, what="", interval=interval)
    except TimeoutError:
        return None


def postgres_bin_dir() -> Path:
    """The newest installed PostgreSQL's binaries (Debian keeps initdb and pg_ctl off PATH)."""
    installed = sorted(
        Path("/usr/lib/postgresql").glob("*/bin/pg_ctl"),
        key=lambda pg_ctl: int(pg_ctl.parent.parent.name),
    )
    if installed:
        return installed[-1].parent
    on_path = shutil.which("pg_ctl")
    if on_path is None:
        raise FileNotFoundError("PostgreSQL server binaries (initdb, pg_ctl) are not installed")
    return Path(on_path).parent


class PrivatePostgres:
    """A throwaway PostgreSQL cluster on a spare port, trust authentication, no fsync."""

    DATABASE = "drill"
    USER = "postgres"

    def __init__(self) -> None:
        self.port = free_port()
        # Under /tmp rather than pytest's tmp_path: that one is private to root (0700), and the
        # server must run as the `postgres` user (initdb refuses to run as root).
        self.root = Path(tempfile.mkdtemp(prefix="drill-pg-"))
        self.data_dir = self.root / "data"
        self.log_path = self.root / "postgres.log"
        self._bin = postgres_bin_dir()
        self._running = False
        if os.geteuid() == 0:
            shutil.chown(self.root, "postgres", "postgres")

    @property
    def url(self) -> str:
        return f"postgres://{self.USER}@127.0.0.1:{self.port}/{self.DATABASE}"

    def start(self) -> None:
        if not self.data_dir.exists():
            self._as_server_user("initdb", "-D", self.data_dir, "-U", self.USER, "--auth=trust")
        self._pg_ctl("start", "-l", self.log_path, "-o", self._server_options())
        self._running = True

    def stop(self, mode: str = "fast") -> None:
        """`fast` ends every session at once (what a restart under load looks like)."""
        self._pg_ctl("stop", "-m", mode)
        self._running = False

    def create_database(self) -> None:
        with self.connect("postgres") as connection:
            connection.execute(f'CREATE DATABASE "{self.DATABASE}"')

    def connect(self, database: str | None = None) -> psycopg.Connection:
        """A direct connection for the drill's own checks (not Django's, which is the test DB)."""
        return psycopg.connect(
            host="127.0.0.1",
            port=self.port,
            user=self.USER,
            dbname=database or self.DATABASE,
            autocommit=True,
            connect_timeout=5,
        )

    def close(self) -> None:
        if self._running:
            with contextlib.suppress(subprocess.CalledProcessError):  # already down: fine
                self.stop("immediate")
        shutil.rmtree(self.root, ignore_errors=True)

    def __enter__(self) -> "PrivatePostgres":
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()

    def _server_options(self) -> str:
        return (
            f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1"
            " -c fsync=off -c synchronous_commit=off -c full_page_writes=off"
        )

    def _pg_ctl(self, action: str, *args) -> None:
        self._as_server_user("pg_ctl", action, "-D", self.data_dir, "-w", "-t", "60", *args)

    def _as_server_user(self, program: str, *args) -> None:
        command = [str(self._bin / program), *map(str, args)]
        if os.geteuid() == 0:
            command = ["runuser", "-u", "postgres", "--", *command]
        # Output to a file, not a pipe: the postmaster inherits it and would keep a pipe open.
        with (self.root / "pg_ctl.out").open("ab") as output:
            result = subprocess.run(
                command, cwd=self.root, stdout=output, stderr=subprocess.STDOUT, check=False
            )
        if result.returncode != 0:
            raise subprocess.CalledProcessError(
                result.returncode, command, output=self._diagnostics()
            )

    def _diagnostics(self) -> str:
        parts = [self.root / "pg_ctl.out", self.log_path]
        return "\n".join(p.read_text(errors="replace")[-4000:] for p in parts if p.exists())


class PrivateRedis:
    """A redis-server child on a spare port with no persistence: a restart loses every key,
    as a real crash of a cache/broker without persistence would."""

    def __init__(self, work_dir: Path) -> None:
        self.port = free_port()
        self.work_dir = work_dir
        self.log_path = work_dir / f"redis-{self.port}.log"
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        command = ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1"]
        command += ["--save", "", "--appendonly", "no", "--daemonize", "no"]
        command += ["--dir", str(self.work_dir)]
        with self.log_path.open("ab") as log:
            self.process = subprocess.Popen(
                command, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
            )
        wait_until(self.ping, timeout=20, what="private Redis answering PING")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=STOP_TIMEOUT_SECONDS)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.process = None

    def ping(self) -> bool:
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=1) as sock:
                sock.sendall(b"PING\r\n")
                return sock.recv(16).startswith(b"+PONG")
        except OSError:
            return False

    def __enter__(self) -> "PrivateRedis":
        return self

    def __exit__(self, *exc_info) -> None:
        self.stop()


class ManagedProcess:
    """A long-running child (gunicorn, a Celery worker, beat) in its own process group, so
    stopping it also stops the children it forked."""

    def __init__(self, name: str, command: list[str], *, env: dict, log_path: Path) -> None:
        self.name, self.command, self.env, self.log_path = name, command, env, log_path
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        with self.log_path.open("ab") as log:
            self.process = subprocess.Popen(
                self.command,
                cwd=REPO_ROOT,
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )

    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def log(self, since: int = 0) -> str:
        """The log from character `since` on (take `len(log())` as a bookmark)."""
        text = self.log_path.read_text(errors="replace") if self.log_path.exists() else ""
        return text[since:]

    def wait_for_log(self, text: str, *, timeout: float = 60) -> None:
        def logged() -> bool:
            if not self.alive():
                raise RuntimeError(f"{self.name} exited:\n{self.log()[-4000:]}")
            return text in self.log()

        wait_until(logged, timeout=timeout, what=f"{self.name} logging {text!r}", interval=0.2)

    def stop(self) -> None:
        if not self.alive():
            return
        os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(timeout=STOP_TIMEOUT_SECONDS)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()


class SystemUnderTest:
    """The application as `make run` starts it (local settings, DEBUG off): gunicorn, one
    Celery worker per queue and beat, all on the given private PostgreSQL and Redis."""

    AI_WORKER_CONCURRENCY = 4  # the Procfile's 20 threads are for real AI latency; 2 cores here

    def __init__(
        self, *, work_dir: Path, database_url: str, redis_url: str, overrides: dict | None = None
    ) -> None:
        self.work_dir = work_dir
        self.port = free_port()
        self.env = self._environment(database_url, redis_url, overrides or {})
        self.processes: dict[str, ManagedProcess] = {}

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def _environment(self, database_url: str, redis_url: str, overrides: dict) -> dict:
        inherited = {
            key: value
            for key, value in os.environ.items()
            # Nothing of the test run's own configuration may leak into the system under test.
            if not key.startswith(("DJANGO_", "PYTEST_", "GEMINI_", "DATABASE_", "CELERY_"))
            and key not in ("REDIS_URL", "TEST_REDIS_URL", "MEDIA_ROOT")
        }
        return {
            **inherited,
            "DJANGO_SETTINGS_MODULE": "assessment_engine.settings.local",
            "DJANGO_DEBUG": "false",
            "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
            "DATABASE_URL": database_url,
            "REDIS_URL": redis_url,
            "CELERY_BROKER_URL": redis_url,
            "MEDIA_ROOT": str(self.work_dir / "media"),
            "PORT": str(self.port),
            "BIND_HOST": "127.0.0.1",
            "WEB_CONCURRENCY": "2",
            # Short so recovery is measured in seconds (defaults: 60 s and 30 s).
            "AI_JOB_STALE_PENDING_SECONDS": "2",
            "MAINTENANCE_INTERVAL_SECONDS": "1",
            "AI_RETRY_BACKOFF_SECONDS": "0.2",
            # The load generators send many requests per user; the throttles stay in the path
            # (they still count in Redis) but must not be what the drill measures.
            "THROTTLE_CANDIDATE_RATE": "100000/min",
            "THROTTLE_GENERATION_RATE": "100000/min",
            "PYTHONUNBUFFERED": "1",
            **overrides,
        }

    # --- one-off commands ----------------------------------------------------------------

    def migrate(self) -> None:
        self._run([sys.executable, "manage.py", "migrate", "--noinput", "-v", "0"])

    def seed(self, command: str, **params) -> dict:
        """Run a `drills.seed` command in a child with this system's settings; its JSON answer."""
        output = self._run([sys.executable, "-m", "drills.seed", command, json.dumps(params)])
        return json.loads(output.strip().splitlines()[-1])

    def _run(self, command: list[str], timeout: float = 180) -> str:
        result = subprocess.run(
            command,
            cwd=REPO_ROOT,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
        if result.returncode != 0:
            raise RuntimeError(f"{command[1:3]} failed:\n{result.stdout}\n{result.stderr}")
        return result.stdout

    # --- long-running processes ----------------------------------------------------------

    def start(self) -> None:
        """Start everything and return once each process says it is ready."""
        self.start_web()
        for queue in ("generation", "evaluation"):
            self.start_worker(queue, pool="threads", concurrency=self.AI_WORKER_CONCURRENCY)
        self.start_worker("maintenance", pool="prefork", concurrency=1)
        self.start_beat()
        for name, process in self.processes.items():
            if name.startswith("worker-"):
                process.wait_for_log(" ready.")
        self.processes["beat"].wait_for_log("beat: Starting...")
        wait_until(self._web_answers, timeout=60, what="gunicorn answering /healthz")

    def start_web(self) -> None:
        command = [sys.executable, "-m", "gunicorn", "assessment_engine.wsgi"]
        self._spawn("web", [*command, "--config", "gunicorn.conf.py"])

    def start_worker(self, queue: str, *, pool: str, concurrency: int) -> None:
        command = [sys.executable, "-m", "celery", "-A", "assessment_engine", "worker"]
        command += ["--queues", queue, "--hostname", f"{queue}@drill-%h"]
        command += ["--pool", pool, "--concurrency", str(concurrency), "--loglevel", "INFO"]
        self._spawn(f"worker-{queue}", command)

    def start_beat(self) -> None:
        command = [sys.executable, "-m", "celery", "-A", "assessment_engine", "beat"]
        command += ["--schedule", str(self.work_dir / "celerybeat-schedule")]
        self._spawn("beat", [*command, "--loglevel", "INFO"])

    def _spawn(self, name: str, command: list[str]) -> None:
        process = ManagedProcess(
            name, command, env=self.env, log_path=self.work_dir / f"{name}.log"
        )
        process.start()
        self.processes[name] = process

    def _web_answers(self) -> bool:
        import urllib.request

        if not self.processes["web"].alive():
            raise RuntimeError(f"gunicorn exited:\n{self.processes['web'].log()[-4000:]}")
        try:
            with urllib.request.urlopen(f"{self.base_url}/healthz", timeout=2) as response:
                return response.status == 200
        except OSError:
            return False

    def dead_processes(self) -> list[str]:
        """Names of processes that exited by themselves (none may, whatever the drill breaks)."""
        return [name for name, process in self.processes.items() if not process.alive()]

    def stop(self) -> None:
        # Web and beat first (no new work), then the workers.
        order = sorted(self.processes, key=lambda name: name.startswith("worker-"))
        for name in order:
            self.processes[name].stop()

    def __enter__(self) -> "SystemUnderTest":
        return self

    def __exit__(self, *exc_info) -> None:
        self.stop()
