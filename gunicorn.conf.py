"""gunicorn settings from the environment (PORT, BIND_HOST, WEB_CONCURRENCY)."""

import os

BIND_HOST = os.environ.get("BIND_HOST", "127.0.0.1")
PORT = os.environ.get("PORT", "8000")
bind = f"{BIND_HOST}:{PORT}"
# gunicornc's socket, in the checkout's .run/ and named by port, so two servers on one host
# (a checkout's `make run` and its tests, or two checkouts) never share the default path.
control_socket = os.path.join(
    os.path.dirname(os.path.abspath(__file__)), ".run", f"gunicorn-{PORT}.ctl"
)
# Django's debug pages show settings and paths: never to the network.
if os.environ.get("DJANGO_DEBUG", "").lower() in {"1", "true", "yes", "on"} and BIND_HOST not in {
    "127.0.0.1",
    "localhost",
    "::1",
    "[::1]",
}:
    raise SystemExit(
        f"DJANGO_DEBUG is on and BIND_HOST={BIND_HOST} is not loopback: refusing to serve "
        "debug pages to the network. Unset DJANGO_DEBUG, or use `make dev` (127.0.0.1)."
    )
# Sync workers: each request holds one DB connection for its duration; scale with processes.
workers = int(os.environ.get("WEB_CONCURRENCY", (os.cpu_count() or 1) * 2 + 1))
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "60"))
# SIGTERM: finish in-flight requests for up to this long before exiting.
graceful_timeout = int(os.environ.get("GUNICORN_GRACEFUL_TIMEOUT", "30"))
accesslog = None  # our middleware writes one structured line per request
errorlog = "-"
# Recycle workers now and then (leaks), spread out so they do not all restart together.
max_requests = 5000
max_requests_jitter = 2500


def post_worker_init(worker) -> None:
    """Fewer collections of the cyclic garbage collector: a request allocates thousands of
    short-lived objects and each generation-0 pass walks them all. What the application loaded
    at start-up is frozen out of every pass (docs/BENCHMARKS.md, "Second pass")."""
    import gc

    gc.freeze()
    gc.set_threshold(50_000, 20, 100)
