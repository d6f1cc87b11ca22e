"""A local stand-in for the Gemini REST API, so tests exercise the real google-genai client.

It listens on 127.0.0.1 (an ephemeral port) and answers
`POST /{api_version}/models/{model}:generateContent` from, in this order: the first route whose
predicate matches the request body, the queue of scripted replies, and `default`. Every request
is recorded before it is answered, so a test can count HTTP requests (the SDK must send exactly
one per `complete()` call) and inspect what the client sent. Standard library only.

    with FakeGemini() as fake:
        fake.respond_json({"questions": []})
        provider = GeminiProvider(api_key="k", model="m", base_url=fake.url)

Routes script a conversation of several different calls (generation, then verification...)
whatever their order or retries: `fake.route(asks_for("verdicts"), json_reply({...}))` answers
every request whose response schema has a top-level `verdicts` property.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import re
import sys
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, NamedTuple

import pytest

from .processes import ChildProcess, free_port

GENERATE_CONTENT_PATH = re.compile(
    r"^/(?P<api_version>[^/]+)/models/(?P<model>[^/:]+):generateContent$"
)

# google.rpc status names Gemini puts in its error bodies.
_STATUS_NAMES = {
    400: "INVALID_ARGUMENT",
    401: "UNAUTHENTICATED",
    403: "PERMISSION_DENIED",
    404: "NOT_FOUND",
    408: "DEADLINE_EXCEEDED",
    429: "RESOURCE_EXHAUSTED",
    500: "INTERNAL",
    502: "UNAVAILABLE",
    503: "UNAVAILABLE",
    504: "DEADLINE_EXCEEDED",
}


class Reply(NamedTuple):
    """What the fake answers: HTTP status, body (a dict is sent as JSON, a str as text/plain)."""

    status: int
    body: dict[str, Any] | str
    delay: float = 0.0


Responder = Callable[[Any], Reply | tuple[int, dict[str, Any] | str, float]]
Predicate = Callable[[Any], bool]  # called with the parsed request body


@dataclass
class _Route:
    when: Predicate
    answer: Reply | Responder
    remaining: int | None  # None: every matching request


def request_text(body: Any) -> str:
    """The system instruction and the user contents of a generateContent body, as one text."""
    if not isinstance(body, dict):
        return ""
    parts = list((body.get("systemInstruction") or {}).get("parts") or [])
    for content in body.get("contents") or []:
        parts.extend(content.get("parts") or [])
    return "\n".join(part.get("text", "") for part in parts if isinstance(part, dict))


def request_schema(body: Any) -> dict[str, Any]:
    """The response schema a generateContent body asks for ({} if none)."""
    if not isinstance(body, dict):
        return {}
    return (body.get("generationConfig") or {}).get("responseSchema") or {}


def asks_for(*properties: str) -> Predicate:
    """A predicate: the request's response schema has all these top-level properties."""

    def matches(body: Any) -> bool:
        return set(properties) <= set(request_schema(body).get("properties") or {})

    return matches


@dataclass(frozen=True)
class RecordedCall:
    method: str
    path: str
    headers: dict[str, str]  # keys lower-cased
    body: Any  # the parsed JSON request body, or None if it was not JSON
    timestamp: float  # time.monotonic() when the request arrived, before any scripted delay
    api_version: str | None = None
    model: str | None = None


def text_reply(text: str, *, delay: float = 0.0, finish_reason: str = "STOP") -> Reply:
    """A normal generateContent answer whose model output is exactly `text`."""
    body = {
        "candidates": [
            {
                "content": {"role": "model", "parts": [{"text": text}]},
                "finishReason": finish_reason,
                "index": 0,
            }
        ],
        "usageMetadata": {
            "promptTokenCount": 120,
            "candidatesTokenCount": max(1, len(text) // 4),
            "totalTokenCount": 120 + max(1, len(text) // 4),
        },
        "modelVersion": "fake-gemini",
        "responseId": "fake-response",
    }
    return Reply(200, body, delay)


def json_reply(obj: Any, *, delay: float = 0.0) -> Reply:
    """A normal answer whose model output is `obj` serialized as JSON (structured output)."""
    return text_reply(json.dumps(obj), delay=delay)


def error_reply(status: int, message: str = "fake error", *, delay: float = 0.0) -> Reply:
    """A Gemini-style error body: {"error": {"code", "message", "status"}}."""
    status_name = _STATUS_NAMES.get(status, "UNKNOWN")
    return Reply(
        status, {"error": {"code": status, "message": message, "status": status_name}}, delay
    )


def blocked_reply(*, delay: float = 0.0) -> Reply:
    """The prompt itself was blocked: HTTP 200 with no candidates, only promptFeedback."""
    body = {
        "promptFeedback": {"blockReason": "SAFETY"},
        "usageMetadata": {"promptTokenCount": 120, "totalTokenCount": 120},
    }
    return Reply(200, body, delay)


def _unscripted(_request_json: Any) -> Reply:
    # Loud rather than plausible: a test that forgot to script a reply should see why it failed.
    return error_reply(500, "FakeGemini: no scripted reply queued and no default set")


class FakeGemini:
    """A scriptable fake Gemini server in a background thread; see the module docstring."""

    def __init__(self, *, port: int = 0, request_queue_size: int = 256) -> None:
        self.default: Responder = _unscripted
        self._port = port  # 0: an ephemeral port, so parallel test runs never collide
        self._request_queue_size = request_queue_size
        self._lock = threading.Lock()
        self._replies: deque[Reply] = deque()
        self._routes: list[_Route] = []
        self._calls: list[RecordedCall] = []
        self._in_flight = 0
        self._max_in_flight = 0
        self._stopping = threading.Event()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # --- lifecycle -------------------------------------------------------------------------

    def start(self) -> FakeGemini:
        self._stopping.clear()
        handler = type("_BoundHandler", (_GeminiHandler,), {"fake": self})
        server_class = type(
            "_Server",
            (_QuietThreadingHTTPServer,),
            {"request_queue_size": self._request_queue_size},
        )
        self._server = server_class(("127.0.0.1", self._port), handler)
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.05},
            name="fake-gemini",
            daemon=True,
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is None:
            return
        self._stopping.set()  # wakes handlers sleeping through a scripted delay
        self._server.shutdown()
        self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._server = None
        self._thread = None

    def __enter__(self) -> FakeGemini:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    @property
    def url(self) -> str:
        """The base URL to give the client (GeminiProvider's base_url)."""
        if self._server is None:
            raise RuntimeError("FakeGemini is not running")
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    # --- scripting -------------------------------------------------------------------------

    def respond(self, reply: Reply) -> None:
        """Queue one reply; queued replies are used in order, one per request."""
        with self._lock:
            self._replies.append(reply)

    def route(
        self, when: Predicate, answer: Reply | Responder, *, times: int | None = None
    ) -> None:
        """Answer requests whose body matches `when` with `answer` (a Reply, or a responder
        called with the body), before the queue: the next `times` of them, or all (None).
        Routes are tried in the order they were added."""
        with self._lock:
            self._routes.append(_Route(when, answer, times))

    def respond_json(self, obj: Any, *, delay: float = 0.0) -> None:
        self.respond(json_reply(obj, delay=delay))

    def respond_text(self, text: str, *, delay: float = 0.0) -> None:
        self.respond(text_reply(text, delay=delay))

    def respond_error(
        self, status: int, message: str = "fake error", *, delay: float = 0.0
    ) -> None:
        self.respond(error_reply(status, message, delay=delay))

    def respond_blocked(self) -> None:
        self.respond(blocked_reply())

    def respond_delay(self, seconds: float, then: Reply | None = None) -> None:
        """Hold the request for `seconds`, then send `then` (by default a valid `{}` answer)."""
        reply = then if then is not None else json_reply({})
        self.respond(reply._replace(delay=seconds))

    # --- inspection ------------------------------------------------------------------------

    @property
    def calls(self) -> list[RecordedCall]:
        """A snapshot of the requests received so far, in arrival order."""
        with self._lock:
            return list(self._calls)

    def calls_where(self, when: Predicate) -> list[RecordedCall]:
        """The requests so far whose body matches `when`, in arrival order."""
        return [call for call in self.calls if when(call.body)]

    @property
    def max_in_flight(self) -> int:
        """The most requests the fake was handling at once (for concurrency benchmarks)."""
        with self._lock:
            return self._max_in_flight

    def reset(self) -> None:
        """Forget recorded calls, routes and queued replies; `default` stays as it is."""
        with self._lock:
            self._calls.clear()
            self._replies.clear()
            self._routes.clear()
            self._max_in_flight = self._in_flight

    # --- used by the request handler -------------------------------------------------------

    def _begin(self, call: RecordedCall, *, routable: bool) -> Reply:
        """Record the request and pick its reply; every call to this is paired with _finished."""
        with self._lock:
            self._calls.append(call)
            self._in_flight += 1
            self._max_in_flight = max(self._max_in_flight, self._in_flight)
            if not routable:
                return error_reply(404, f"FakeGemini does not serve {call.path}")
            route = self._take_route(call.body)
            queued = self._replies.popleft() if self._replies and route is None else None
        if route is not None:
            return self._answer(route.answer, call.body, "route")
        if queued is not None:
            return queued
        return self._answer(self.default, call.body, "default")

    def _take_route(self, body: Any) -> _Route | None:
        """The first live route matching `body`, its count used up by one (holding the lock)."""
        for route in self._routes:
            if route.remaining == 0:
                continue
            try:
                matched = route.when(body)
            except Exception:  # noqa: BLE001 - a predicate that cannot read the body: no match
                matched = False
            if matched:
                if route.remaining is not None:
                    route.remaining -= 1
                return route
        return None

    @staticmethod
    def _answer(answer: Reply | Responder, body: Any, source: str) -> Reply:
        if isinstance(answer, Reply):
            return answer
        try:
            return Reply(*answer(body))
        except Exception as exc:  # noqa: BLE001 - reported to the client, which is the test
            return error_reply(500, f"FakeGemini {source} responder raised {exc!r}")

    def _finished(self) -> None:
        with self._lock:
            self._in_flight -= 1


class _QuietThreadingHTTPServer(ThreadingHTTPServer):
    daemon_threads = True  # a request still sleeping through its delay must not block stop()
    allow_reuse_address = True

    def handle_error(self, request: Any, client_address: Any) -> None:
        # A client that timed out closes its socket mid-reply; that is the scenario, not a bug.
        if isinstance(sys.exc_info()[1], ConnectionError):
            return
        super().handle_error(request, client_address)


class _GeminiHandler(BaseHTTPRequestHandler):
    fake: FakeGemini  # set on the per-server subclass in FakeGemini.start()
    protocol_version = "HTTP/1.1"  # keep-alive, so pooled client connections are reused
    # Headers and body go out in separate writes; with Nagle on, the body would wait for the
    # client's delayed ACK.
    disable_nagle_algorithm = True

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        raw_body = self.rfile.read(length) if length else b""
        path = self.path.split("?", 1)[0]
        match = GENERATE_CONTENT_PATH.match(path)
        call = RecordedCall(
            method="POST",
            path=path,
            headers={name.lower(): value for name, value in self.headers.items()},
            body=_parse_json(raw_body),
            timestamp=time.monotonic(),
            api_version=match["api_version"] if match else None,
            model=match["model"] if match else None,
        )
        reply = self.fake._begin(call, routable=match is not None)
        try:
            if reply.delay and self.fake._stopping.wait(reply.delay):
                self.close_connection = True  # the server is stopping: drop the request
                return
            self._send(reply)
        finally:
            self.fake._finished()

    def _send(self, reply: Reply) -> None:
        if isinstance(reply.body, str):
            payload, content_type = reply.body.encode(), "text/plain; charset=utf-8"
        else:
            payload, content_type = json.dumps(reply.body).encode(), "application/json"
        self.send_response(reply.status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, format: str, *args: Any) -> None:
        pass  # keep test output clean


def _parse_json(raw: bytes) -> Any:
    try:
        return json.loads(raw) if raw else None
    except ValueError:
        return None


@pytest.fixture
def fake_gemini() -> Iterator[FakeGemini]:
    """A running FakeGemini, stopped after the test."""
    with FakeGemini() as fake:
        yield fake


def start_fake_gemini(
    answer: dict,
    *,
    delay_seconds: float,
    log_dir: Path,
    answer_name: str,
    routes: dict[str, dict] | None = None,
) -> tuple[ChildProcess, str]:
    """The fake Gemini server answering every call with `answer` after `delay_seconds` (a call
    whose response schema asks for a field of `routes` with that field's answer), and its base
    URL. In its own process, so serving many requests at once does not take the GIL from the
    code under test."""
    port = free_port()
    command = [sys.executable, "-m", "harness.fake_gemini", "--port", str(port)]
    command += ["--delay", str(delay_seconds)]
    for field, routed in {"": answer, **(routes or {})}.items():
        path = log_dir / f"{field or 'default'}-{answer_name}"
        path.write_text(json.dumps(routed))
        command += ["--route", f"{field}={path}"] if field else ["--answer", str(path)]
    fake = ChildProcess(
        "fake-gemini", command, env=dict(os.environ), log_path=log_dir / "fake-gemini.log"
    )
    fake.wait_for_log("fake Gemini at", timeout=15)
    return fake, f"http://127.0.0.1:{port}"


def main(argv: list[str] | None = None) -> None:
    """Serve from a process of its own, e.g. for a benchmark, so the fake's request handling
    does not compete with the code under test for one GIL:

        .venv/bin/python -m harness.fake_gemini --port 8089 --delay 1 --answer answer.json
    """
    parser = argparse.ArgumentParser(description="A fake Gemini API on 127.0.0.1.")
    parser.add_argument("--port", type=int, default=8089)
    parser.add_argument("--delay", type=float, default=0.0, help="seconds before each answer")
    parser.add_argument("--answer", type=Path, help="JSON file every call answers (default {})")
    parser.add_argument(
        "--route",
        action="append",
        default=[],
        metavar="FIELD=FILE",
        help="calls whose response schema asks for FIELD answer FILE's JSON instead",
    )
    parser.add_argument("--malformed", action="store_true", help="answer text that is not JSON")
    args = parser.parse_args(argv)
    if args.malformed:
        reply = text_reply('{"not": "json', delay=args.delay)
    else:
        answer = json.loads(args.answer.read_text()) if args.answer else {}
        reply = json_reply(answer, delay=args.delay)
    with FakeGemini(port=args.port) as fake:
        fake.default = lambda _request_json: reply
        for route in args.route:
            field, _, path = route.partition("=")
            answer = json.loads(Path(path).read_text())
            fake.route(asks_for(field), json_reply(answer, delay=args.delay))
        print(f"fake Gemini at {fake.url} (GEMINI_API_BASE_URL); Ctrl-C stops it", flush=True)
        with contextlib.suppress(KeyboardInterrupt):
            threading.Event().wait()


if __name__ == "__main__":
    main()
