"""A small HTTP client (stdlib only) for the system under test, and a log of every request.

The drills talk to the real gunicorn over TCP, as clients would; every reply is kept with its
time so a drill can tell what happened before, during and after an outage.
"""

import json
import threading
import time
import urllib.error
import urllib.request
from collections import Counter
from dataclasses import dataclass

# Above the server's own longest wait (an Idempotency-Key repeat waits up to 30 s for the
# first request), so a slow answer is seen as what it is rather than as a client timeout.
REQUEST_TIMEOUT_SECONDS = 45


@dataclass(frozen=True)
class Reply:
    kind: str  # what the drill was doing: "submit", "generate", ...
    method: str
    path: str
    status: int  # 0: no HTTP answer at all (refused, reset, timed out)
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
            self.status == 503
            and self.content_type.startswith("application/json")
            and self.error_code == "SERVICE_UNAVAILABLE"
            and b"Traceback" not in self.body
        )

    def describe(self) -> str:
        answer = f"{self.status} in {self.elapsed:.1f} s: {self.body[:300]!r}"
        return f"{self.method} {self.path} -> {answer}"


class TrafficLog:
    """Every reply of a drill, from any thread."""

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
        return dict(sorted(Counter(str(reply.status) for reply in replies).items()))


class ApiClient:
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
        request = urllib.request.Request(
            self.base_url + path,
            method=method,
            data=None if body is None else json.dumps(body).encode(),
            headers=self._headers(body, headers),
        )
        sent_at = time.monotonic()
        status, payload, content_type = self._send(request)
        reply = Reply(
            kind, method, path, status, payload, content_type, sent_at, time.monotonic() - sent_at
        )
        self.log.add(reply)
        return reply

    def _headers(self, body, extra: dict | None) -> dict:
        headers = {"Accept": "application/json", **(extra or {})}
        if body is not None:
            headers["Content-Type"] = "application/json"
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        return headers

    @staticmethod
    def _send(request: urllib.request.Request) -> tuple[int, bytes, str]:
        try:
            with urllib.request.urlopen(request, timeout=REQUEST_TIMEOUT_SECONDS) as response:
                return response.status, response.read(), response.headers.get("Content-Type", "")
        except urllib.error.HTTPError as error:
            return error.code, error.read(), error.headers.get("Content-Type", "")
        except OSError as error:  # refused, reset, timed out: no HTTP answer at all
            return 0, repr(error).encode(), ""


def expect(reply: Reply, status: int) -> dict:
    """The reply's JSON body, if it has the status a fault-free step must have."""
    if reply.status != status:
        raise AssertionError(f"expected {status}: {reply.describe()}")
    return reply.json()


def section_answers(index: int) -> dict:
    """Answers for section `index` of the drills' hand-made assessment (`drills.seed`)."""
    number = index + 1
    return {f"s{number}q1": "B", f"s{number}q2": f"Drill answer to section {number}."}


class CandidateFlow:
    """The candidate calls of the contract, for one candidate's client."""

    def __init__(self, client: ApiClient) -> None:
        self.client = client

    def start_session(self, assessment_id: str) -> str:
        """Opt in and start; the session id. Runs before any fault, so anything else is fatal."""
        opted_in = self.client.post(
            "/api/v1/sessions/opt-in", {"assessmentId": assessment_id}, kind="opt-in"
        )
        session_id = expect(opted_in, 201)["sessionId"]
        start = {"sessionId": session_id}
        expect(self.client.post("/api/v1/sessions/start", start, kind="start"), 200)
        return session_id

    def submit(self, session_id: str, index: int, *, idempotency_key: str | None = None) -> Reply:
        body = {"sectionId": f"s{index + 1}", "sectionIndex": index}
        body["answers"] = section_answers(index)
        headers = {"Idempotency-Key": idempotency_key} if idempotency_key else {}
        return self.client.post(
            f"/api/v1/sessions/{session_id}/submit-section", body, kind="submit", headers=headers
        )

    def heartbeat(self, session_id: str) -> Reply:
        return self.client.post(f"/api/v1/sessions/{session_id}/heartbeat", kind="heartbeat")

    def complete(self, session_id: str) -> Reply:
        return self.client.post(f"/api/v1/sessions/{session_id}/complete", kind="complete")

    def get(self, session_id: str) -> Reply:
        return self.client.get(f"/api/v1/sessions/{session_id}", kind="session")
