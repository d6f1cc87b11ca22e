"""Throwaway PostgreSQL and Redis servers on spare ports, for runs that break them on purpose
and so must never touch the shared ones."""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path

import psycopg

from .processes import ChildProcess, free_port, wait_until


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
    """A cluster with trust authentication and no fsync, removed on leaving the `with` block."""

    DATABASE = "drill"
    USER = "postgres"

    def __init__(self) -> None:
        self.port = free_port()
        # Not under pytest's tmp_path, which is private to root: the server runs as `postgres`
        # (initdb refuses to run as root).
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
        options = (
            f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1"
            " -c fsync=off -c synchronous_commit=off -c full_page_writes=off"
        )
        self._pg_ctl("start", "-l", self.log_path, "-o", options)
        self._running = True

    def stop(self, mode: str = "fast") -> None:
        """`fast` ends every session at once (what a restart under load looks like)."""
        self._pg_ctl("stop", "-m", mode)
        self._running = False

    def connect(self) -> psycopg.Connection:
        """A direct connection, for checks outside Django (whose database is another one)."""
        return psycopg.connect(self.url, autocommit=True, connect_timeout=5)

    def __enter__(self) -> PrivatePostgres:
        return self

    def __exit__(self, *exc_info) -> None:
        if self._running:
            with contextlib.suppress(subprocess.CalledProcessError):  # already down: fine
                self.stop("immediate")
        shutil.rmtree(self.root, ignore_errors=True)

    def _pg_ctl(self, action: str, *args) -> None:
        self._as_server_user("pg_ctl", action, "-D", self.data_dir, "-w", "-t", "60", *args)

    def _as_server_user(self, program: str, *args) -> None:
        command = [str(self._bin / program), *map(str, args)]
        if os.geteuid() == 0:
            command = ["runuser", "-u", "postgres", "--", *command]
        # A file, not a pipe: the postmaster inherits it and would keep a pipe open.
        with (self.root / "pg_ctl.out").open("ab") as output:
            result = subprocess.run(
                command, cwd=self.root, stdout=output, stderr=subprocess.STDOUT, check=False
            )
        if result.returncode != 0:
            logs = [self.root / "pg_ctl.out", self.log_path]
            diagnostics = "\n".join(
                p.read_text(errors="replace")[-4000:] for p in logs if p.exists()
            )
            raise subprocess.CalledProcessError(result.returncode, command, output=diagnostics)


class PrivateRedis:
    """redis-server without persistence: a restart loses every key, as a crash would."""

    def __init__(self, work_dir: Path) -> None:
        self.port = free_port()
        self.work_dir = work_dir
        self.server: ChildProcess | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        command = ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1"]
        command += ["--save", "", "--appendonly", "no", "--daemonize", "no"]
        command += ["--dir", str(self.work_dir)]
        log_path = self.work_dir / f"redis-{self.port}.log"
        self.server = ChildProcess("redis", command, env=dict(os.environ), log_path=log_path)
        wait_until(self.ping, timeout=20, what="private Redis answering PING")

    def stop(self) -> None:
        if self.server is not None:
            self.server.stop()
        self.server = None

    def ping(self) -> bool:
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=1) as sock:
                sock.sendall(b"PING\r\n")
                return sock.recv(16).startswith(b"+PONG")
        except OSError:
            return False

    def __enter__(self) -> PrivateRedis:
        return self

    def __exit__(self, *exc_info) -> None:
        self.stop()
