"""The candidate calls of the HTTP contract, and a stdlib client that logs every reply.

`CandidateFlow` builds the calls; its client sends them: `HttpClient` over TCP to a running
server (drills), Django's test client in the tests (`SessionFlow`), Locust's in the load test.
"""

from __future__ import annotations

import json
import threading
import time
import urllib.error
import urllib.request
from collections import Counter
from dataclasses import dataclass

API = "/api/v1"
# Longer than any wait of the server's own (an Idempotency-Key repeat waits for the first
# request), so a slow answer shows as what it is rather than as a client timeout.
REQUEST_TIMEOUT_SECONDS = 45


@dataclass(frozen=True)
class Reply:
    kind: str  # what the caller was doing: "submit", "generate", ...
    method: str
    path: str
    status_code: int  # 0: no HTTP answer at all (refused, reset, timed out)
    body: bytes
    content_type: str
    sent_at: float  # time.monotonic() when sent
    elapsed: float

    def json(self):
        try:
            return json.loads(self.body)
        except ValueError:
            return None

    @property
    def error_code(self) -> str | None:
        body = self.json()
        if isinstance(body, dict) and isinstance(body.get("error"), dict):
            return body["error"].get("code")
        return None

    @property
    def is_unavailable_envelope(self) -> bool:
        """The contract's answer while a backing service is down: 503 in the JSON envelope."""
        return (
            self.status_code == 503
            and self.content_type.startswith("application/json")
            and self.error_code == "SERVICE_UNAVAILABLE"
            and b"Traceback" not in self.body
        )

    def describe(self) -> str:
        answer = f"{self.status_code} in {self.elapsed:.1f} s: {self.body[:300]!r}"
        return f"{self.method} {self.path} -> {answer}"


class TrafficLog:
    """Every reply, from any thread."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.replies: list[Reply] = []

    def add(self, reply: Reply) -> None:
        with self._lock:
            self.replies.append(reply)

    def snapshot(self) -> list[Reply]:
        with self._lock:
            return list(self.replies)

    def sent_between(self, start: float, end: float) -> list[Reply]:
        return [reply for reply in self.snapshot() if start <= reply.sent_at < end]

    @staticmethod
    def status_counts(replies: list[Reply]) -> dict[str, int]:
        return dict(sorted(Counter(str(reply.status_code) for reply in replies).items()))


class HttpClient:
    """JSON requests with an optional bearer token; every reply goes to the traffic log."""

    def __init__(self, base_url: str, log: TrafficLog, token: str | None = None) -> None:
        self.base_url, self.log, self.token = base_url, log, token

    def get(self, path: str, *, kind: str) -> Reply:
        return self.request("GET", path, kind=kind)

    def post(self, path: str, body=None, *, kind: str, headers: dict | None = None) -> Reply:
        return self.request("POST", path, body, kind=kind, headers=headers)

    def request(
        self, method: str, path: str, body=None, *, kind: str, headers: dict | None = None
    ) -> Reply:
        headers = {"Accept": "application/json", **(headers or {})}
        if body is not None:
            headers["Content-Type"] = "application/json"
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        request = urllib.request.Request(
            self.base_url + path,
            method=method,
            data=None if body is None else json.dumps(body).encode(),
            headers=headers,
        )
        sent_at = time.monotonic()
        status, payload, content_type = _send(request)
        reply = Reply(
            kind, method, path, status, payload, content_type, sent_at, time.monotonic() - sent_at
        )
        self.log.add(reply)
        return reply


def _send(request: urllib.request.Request) -> tuple[int, bytes, str]:
    try:
        with urllib.request.urlopen(request, timeout=REQUEST_TIMEOUT_SECONDS) as response:
            return response.status, response.read(), response.headers.get("Content-Type", "")
    except urllib.error.HTTPError as error:
        return error.code, error.read(), error.headers.get("Content-Type", "")
    except OSError as error:  # refused, reset, timed out: no HTTP answer at all
        return 0, repr(error).encode(), ""


def expect(reply, status: int):
    """The reply's JSON body, if it has the status a fault-free step must have."""
    if reply.status_code != status:
        detail = reply.describe() if isinstance(reply, Reply) else reply.content
        raise AssertionError(f"expected {status}, got {reply.status_code}: {detail!r}")
    return reply.json()


class CandidateFlow:
    """The contract's session calls for one authenticated client."""

    def __init__(self, client) -> None:
        self.client = client

    def opt_in(self, assessment_id, **extra):
        body = {"assessmentId": str(assessment_id), **extra}
        return self._send("POST", f"{API}/sessions/opt-in", body, kind="opt-in")

    def start(self, session_id, **extra):
        body = {"sessionId": str(session_id), **extra}
        return self._send("POST", f"{API}/sessions/start", body, kind="start")

    def submit(self, session_id, index, section_id=None, answers=None, *, idempotency_key=None):
        body = {
            "sectionId": section_id or f"s{index + 1}",
            "sectionIndex": index,
            "answers": answers if answers is not None else {},
        }
        headers = {"Idempotency-Key": idempotency_key} if idempotency_key else None
        path = f"{API}/sessions/{session_id}/submit-section"
        return self._send("POST", path, body, kind="submit", headers=headers)

    def heartbeat(self, session_id):
        return self._send("POST", f"{API}/sessions/{session_id}/heartbeat", kind="heartbeat")

    def complete(self, session_id):
        return self._send("POST", f"{API}/sessions/{session_id}/complete", kind="complete")

    def get(self, session_id, **params):
        return self._send("GET", f"{API}/sessions/{session_id}", kind="session", params=params)

    def active_session(self, assessment) -> str:
        """Opt in and start (`assessment`: an id or a model); the session id."""
        opted_in = self.opt_in(getattr(assessment, "pk", assessment))
        if opted_in.status_code not in (200, 201):
            raise AssertionError(f"opt-in answered {opted_in.status_code}")
        session_id = opted_in.json()["sessionId"]
        expect(self.start(session_id), 200)
        return session_id

    def _send(self, method, path, body=None, *, kind, headers=None, params=None):
        if params:
            raise NotImplementedError("HttpClient sends no query parameters")
        return self.client.request(method, path, body, kind=kind, headers=headers)


class SessionFlow(CandidateFlow):
    """The contract's session calls, sent through Django's test client (`self.client`)."""

    def _send(self, method, path, body=None, *, kind, headers=None, params=None):
        meta = {f"HTTP_{n.upper().replace('-', '_')}": v for n, v in (headers or {}).items()}
        if method == "GET":
            return self.client.get(path, params, **meta)
        return self.client.post(path, body, format=None if body is None else "json", **meta)
