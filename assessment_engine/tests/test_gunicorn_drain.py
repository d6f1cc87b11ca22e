"""SIGTERM to gunicorn drains: a request in flight still gets its answer."""

import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.request

import pytest
from knox.models import AuthToken

from conftest import REPO_ROOT, worker_environment
from harness import pdfs

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True), pytest.mark.timeout(120)]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def multipart(fields: dict[str, str], files: dict[str, tuple[str, bytes]]) -> tuple[bytes, str]:
    boundary = "drain-test-boundary"
    parts = [
        f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode()
        for name, value in fields.items()
    ]
    for name, (filename, content) in files.items():
        header = (f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; '
                  f'filename="{filename}"\r\nContent-Type: application/pdf\r\n\r\n')  # fmt: skip
        parts.append(header.encode() + content + b"\r\n")
    return b"".join(parts) + f"--{boundary}--\r\n".encode(), boundary


def test_sigterm_drains_the_request_in_flight(staff, tmp_path):
    port = free_port()
    env = {**worker_environment(), "PORT": str(port), "WEB_CONCURRENCY": "1",
           "MEDIA_ROOT": str(tmp_path), "DJANGO_ALLOWED_HOSTS": "127.0.0.1"}  # fmt: skip
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "assessment_engine.wsgi", "-c", "gunicorn.conf.py"],
        cwd=REPO_ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        start_new_session=True,
    )  # fmt: skip
    try:
        _wait_until_serving(port)
        _, token = AuthToken.objects.create(user=staff)
        # A decompression bomb: the parser child needs a moment before it gives up (422).
        body, boundary = multipart({"subject": "Drain"}, {"files[]": ("bomb.pdf", pdfs.bomb_pdf())})
        request = urllib.request.Request(
            f"http://127.0.0.1:{port}/api/v1/admin/syllabus/upload", data=body, method="POST",
            headers={"Authorization": f"Bearer {token}",
                     "Content-Type": f"multipart/form-data; boundary={boundary}"},
        )  # fmt: skip
        outcome = {}
        client = threading.Thread(target=lambda: outcome.update(_send(request)))
        client.start()
        time.sleep(0.5)  # the request is being handled

        os.kill(server.pid, signal.SIGTERM)
        client.join(timeout=60)

        assert outcome.get("status") == 422, outcome
        assert outcome["body"]["error"]["code"] == "UNPROCESSABLE_PDF"
        assert server.wait(timeout=30) == 0
    finally:
        if server.poll() is None:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait()


def _send(request) -> dict:
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return {"status": response.status, "body": json.loads(response.read())}
    except urllib.error.HTTPError as error:
        return {"status": error.code, "body": json.loads(error.read())}


def _wait_until_serving(port: int) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1).close()
            return
        except OSError:
            time.sleep(0.2)
    raise TimeoutError("gunicorn did not start")
