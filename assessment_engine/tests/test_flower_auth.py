"""Every Flower route but the bare healthcheck asks for its basic auth, /metrics included."""

import base64
from types import SimpleNamespace

from tornado.testing import AsyncHTTPTestCase

from assessment_engine.flower_auth import require_auth_for_metrics

CREDENTIALS = "ops:not-a-real-secret"


class FlowerRoutesNeedAuth(AsyncHTTPTestCase):
    def get_app(self):
        from flower.app import Flower
        from flower.options import default_options

        from assessment_engine.celery import app as celery_app

        require_auth_for_metrics()  # what flowerconfig.py does when Flower starts
        options = SimpleNamespace(**{**default_options.as_dict(), "basic_auth": [CREDENTIALS]})
        return Flower(options=options, capp=celery_app)

    def authorized(self) -> dict[str, str]:
        return {"Authorization": "Basic " + base64.b64encode(CREDENTIALS.encode()).decode()}

    def test_metrics_without_credentials_is_401(self):
        assert self.fetch("/metrics").code == 401

    def test_metrics_with_credentials_answers(self):
        response = self.fetch("/metrics", headers=self.authorized())
        assert response.code == 200 and b"flower" in response.body

    def test_the_dashboard_needs_credentials_too(self):
        assert self.fetch("/", follow_redirects=False).code == 401

    def test_the_healthcheck_stays_open_and_says_nothing_else(self):
        response = self.fetch("/healthcheck")
        assert (response.code, response.body) == (200, b"OK")
