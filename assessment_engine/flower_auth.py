"""Flower 2.2 serves `/metrics` (Prometheus: task and worker names, counts) without its own
basic auth, unlike every other page. `require_auth_for_metrics` puts it behind the same check;
`flowerconfig.py` (read by Flower at start, from the working directory) calls it.

`/healthcheck` stays open: it says "OK" and nothing else, for load-balancer probes.
"""

from tornado import web


def require_auth_for_metrics() -> None:
    from flower.views.monitor import Metrics

    if not getattr(Metrics.get, "requires_auth", False):
        Metrics.get = web.authenticated(Metrics.get)
        Metrics.get.requires_auth = True
