"""The small per-request costs, each switched on and off in one process, alternately.

    .venv/bin/python bench/small_wins.py [part of a variant's name]

A submit through the whole Django stack (the test client: middleware, knox, DRF, the service,
the 201 view), one thread, no server, on the submit benchmark's database and sessions. For each
variant, rounds of 120 submits alternate with the baseline's (4 rounds each); what is compared
is CPU time per submit, this process's own plus its PostgreSQL backend's (from /proc), the
median round of each. Variants:

- `CONN_HEALTH_CHECKS` off: no `SELECT 1` before a request's first query;
- server-side binding (psycopg's `server_side_binding`: parameters sent apart from the query);
- orjson as the JSON encoder under the camelCase renderer (`drf-orjson-renderer`);
- the cyclic garbage collector's thresholds raised (`gc.freeze()` after warm-up, then
  `gc.set_threshold(50_000, 20, 100)`).
"""

from __future__ import annotations

import gc
import statistics
import sys
import time
from collections.abc import Callable

from _harness import (
    configure_django,
    cpu_seconds,
    print_header,
    print_table_header,
    run_benchmark,
    server_versions,
    start_run,
)

configure_django(LOG_LEVEL="WARNING")

from django.db import connection  # noqa: E402
from submit_section import SECTIONS, post_submit, seed_http_sessions, test_client  # noqa: E402

from assessments.factories import make_assessment  # noqa: E402
from sessions.apis import SessionViewSet  # noqa: E402

ROUNDS = 4
SUBMITS_PER_ROUND = 120


def backend_cpu_seconds() -> float:
    pid = connection.connection.info.backend_pid
    return cpu_seconds([pid])[pid]


class Submitter:
    def __init__(self, assessment):
        self.assessment = assessment
        self.keys, self.next_section = [], []

    def round(self) -> tuple[float, float]:
        """CPU ms per submit: (this process, its PostgreSQL backend)."""
        sessions = -(-SUBMITS_PER_ROUND // SECTIONS)
        keys = seed_http_sessions(self.assessment, sessions)
        connection.ensure_connection()
        own, backend = time.process_time(), backend_cpu_seconds()
        for key in keys:
            client = test_client(key)
            for index in range(SECTIONS):
                post_submit(client, key, index)
        count = len(keys) * SECTIONS
        return (
            (time.process_time() - own) * 1000 / count,
            (backend_cpu_seconds() - backend) * 1000 / count,
        )


def health_checks(on: bool) -> None:
    connection.settings_dict["CONN_HEALTH_CHECKS"] = on
    connection.health_check_enabled = on


def server_side_binding(on: bool) -> None:
    connection.close()
    options = connection.settings_dict.setdefault("OPTIONS", {})
    options.pop("server_side_binding", None)
    if on:
        options["server_side_binding"] = True


def orjson_renderer(on: bool) -> None:
    from djangorestframework_camel_case.render import CamelCaseJSONRenderer
    from djangorestframework_camel_case.settings import api_settings
    from drf_orjson_renderer.renderers import ORJSONRenderer
    from rest_framework.renderers import JSONRenderer

    api_settings.RENDERER_CLASS = ORJSONRenderer if on else JSONRenderer
    SessionViewSet.renderer_classes = [CamelCaseJSONRenderer]


def gc_thresholds(on: bool) -> None:
    if on:
        gc.freeze()
        gc.set_threshold(50_000, 20, 100)
    else:
        gc.unfreeze()
        gc.set_threshold(700, 10, 10)


VARIANTS: dict[str, Callable[[bool], None]] = {
    "CONN_HEALTH_CHECKS off": lambda on: health_checks(not on),
    "server-side binding": server_side_binding,
    "orjson under the camelCase renderer": orjson_renderer,
    "gc.freeze() + thresholds 50000/20/100": gc_thresholds,
}


def main() -> None:
    started = start_run(900)
    print_header("Small wins, in process", [server_versions()])
    submitter = Submitter(make_assessment(sections=SECTIONS, title="Small wins"))
    submitter.round()  # warm-up: imports, the content memo, the first connection
    print(
        f"CPU ms per submit (this process + its PostgreSQL backend), median of {ROUNDS} rounds of"
        f" {SUBMITS_PER_ROUND}, each variant alternating with the baseline"
    )
    print_table_header(
        f"{'variant':<40} {'baseline':>14} {'variant':>14} {'saved ms':>9} {'saved':>6}"
    )
    chosen = [name for name in VARIANTS if not sys.argv[1:] or sys.argv[1] in name]
    for name in chosen:
        switch = VARIANTS[name]
        base, variant = [], []
        for _ in range(ROUNDS):
            switch(False)
            base.append(submitter.round())
            switch(True)
            variant.append(submitter.round())
        switch(False)
        b = [statistics.median(part) for part in zip(*base, strict=True)]
        v = [statistics.median(part) for part in zip(*variant, strict=True)]
        saved = sum(b) - sum(v)
        print(
            f"{name:<40} {f'{b[0]:.2f} + {b[1]:.2f}':>14} {f'{v[0]:.2f} + {v[1]:.2f}':>14}"
            f" {saved:>9.2f} {saved / sum(b):>6.1%}"
        )
    print(f"Whole run: {time.perf_counter() - started:.0f} s")


if __name__ == "__main__":
    run_benchmark(main)
