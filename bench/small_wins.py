"""Where an in-process submit's time goes, and the small per-request costs, each switched on
and off in one process, alternately.

    .venv/bin/python bench/small_wins.py [part of a variant's name]

On the bench database; what it measures and how: docs/BENCHMARKS.md, "5. Small wins".
"""

from __future__ import annotations

import gc
import statistics
import sys
import time
from collections.abc import Callable
from functools import partial

from _harness import (
    configure_django,
    measured_call,
    print_header,
    print_table_header,
    server_versions,
    start_run,
)

from harness.processes import HarnessError, cpu_seconds, run_main

configure_django(LOG_LEVEL="WARNING")

from django.contrib.auth import get_user_model  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from submit_section import SECTIONS, SessionKey, seed_http_sessions, submit_body  # noqa: E402

from assessments.factories import make_assessment  # noqa: E402
from sessions.apis import SessionViewSet  # noqa: E402
from sessions.services import session_submit_section  # noqa: E402

ROUNDS = 4
SUBMITS_PER_ROUND = 120


def test_client(key: SessionKey) -> Client:
    return Client(HTTP_HOST="127.0.0.1", HTTP_AUTHORIZATION=f"Bearer {key.token}")


def post_submit(client: Client, key: SessionKey, index: int):
    """A submit through the whole Django stack (the test client), which must answer 201."""
    response = client.post(
        f"/api/v1/sessions/{key.session}/submit-section",
        submit_body(index),
        content_type="application/json",
    )
    if response.status_code != 201:
        raise HarnessError(f"in-process submit: {response.status_code} {response.content[:200]}")
    return response


def backend_cpu_seconds() -> float:
    pid = connection.connection.info.backend_pid
    return cpu_seconds([pid])[pid]


def submit_round(assessment) -> tuple[float, float]:
    """CPU ms per submit through the whole Django stack: (this process, its PostgreSQL
    backend)."""
    keys = seed_http_sessions(assessment, -(-SUBMITS_PER_ROUND // SECTIONS))
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


def print_breakdown(assessment) -> None:
    """Wall time of the submit service alone and of the whole stack, one thread, no server."""
    service_key, stack_key = seed_http_sessions(assessment, 2)
    user = get_user_model().objects.get(pk=service_key.user)
    client = test_client(stack_key)
    steps = {
        "session_submit_section service": lambda index: session_submit_section(
            session_id=service_key.session,
            user=user,
            section_index=index,
            section_id=f"s{index + 1}",
            answers=submit_body(index)["answers"],
        ),
        "whole Django stack, test client": lambda index: post_submit(client, stack_key, index),
    }
    print(f"Where a submit's time goes (wall time, median of {SECTIONS}):")
    for what, step in steps.items():
        timings = []
        for index in range(SECTIONS):
            _, seconds, statements = measured_call(partial(step, index))
            timings.append(seconds)
        label = f"{what} ({statements} SQL statements)"
        print(f"  {label:<56}{statistics.median(timings) * 1000:6.1f} ms")


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
    assessment = make_assessment(sections=SECTIONS, title="Small wins")
    submit_round(assessment)  # warm-up: imports, the content memo, the first connection
    print_breakdown(assessment)
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
            base.append(submit_round(assessment))
            switch(True)
            variant.append(submit_round(assessment))
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
    run_main(main, what="benchmark")
