"""What `/readyz` reports besides its own checks (PostgreSQL, Redis): figures the apps register
when they load (`AppConfig.ready`), so the platform's probe names no app.

A detail informs ops; it never decides readiness. One that returns None is left out.
"""

from collections.abc import Callable
from typing import Any

_details: dict[str, Callable[[], Any]] = {}


def register_readiness_detail(name: str, compute: Callable[[], Any]) -> None:
    _details[name] = compute


def readiness_details() -> dict[str, Any]:
    computed = {name: compute() for name, compute in _details.items()}
    return {name: value for name, value in computed.items() if value is not None}
