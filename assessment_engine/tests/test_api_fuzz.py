"""Property-based fuzzing of the whole API from its own OpenAPI schema (schemathesis).

For every operation, as a candidate and as staff: no 5xx, every response conforms to the
schema, and every error uses the envelope. A bounded number of examples keeps it CI-sized.
"""

import pytest
import schemathesis
from django.core import signals
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from knox.models import AuthToken
from schemathesis.core.parameters import ParameterLocation
from schemathesis.specs.openapi.checks import negative_data_rejection, positive_data_acceptance

from assessment_engine.accounts.factories import UserFactory
from assessment_engine.wsgi import application

schema = schemathesis.openapi.from_wsgi("/api/v1/schema?format=json", application)
# The API refuses a NUL character anywhere in a body or query (PostgreSQL cannot store one), and
# OpenAPI 3.0 cannot say so for every string and property name: generate none.
schema.config.generation.update(allow_x00=False)

EXAMPLES_PER_OPERATION = 12


@schemathesis.check
def errors_use_the_envelope(ctx, response, case) -> None:
    if response.status_code < 400:
        return
    body = response.json()
    assert set(body) >= {"error"}, f"no error envelope: {body}"
    assert {"code", "message", "details"} <= set(body["error"]), f"incomplete envelope: {body}"


@pytest.fixture(autouse=True)
def _keep_the_test_transaction_open():
    """The raw WSGI app closes connections at request end; inside a test transaction that would
    close the test's own. Django's test client detaches the same handlers."""
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


@pytest.fixture(params=["candidate", "staff"])
def bearer(request, db) -> dict[str, str]:
    user = UserFactory(is_staff=request.param == "staff")
    _, token = AuthToken.objects.create(user=user)
    return {"Authorization": f"Bearer {token}"}


@pytest.mark.slow
@schema.parametrize()
@settings(
    max_examples=EXAMPLES_PER_OPERATION,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    derandomize=True,
)
def test_api_conforms_to_its_schema(case, bearer):
    # The schema cannot say "the file must be a PDF": a schema-valid upload may rightly be 415.
    excluded = [positive_data_acceptance] if case.operation.path.endswith("/upload") else []
    # A case made invalid by dropping the Authorization header is made valid again by the
    # bearer header added here, so its acceptance says nothing about the API.
    if case.meta is not None and case.meta.is_negative_at(ParameterLocation.HEADER):
        excluded.append(negative_data_rejection)
    case.call_and_validate(
        headers=bearer, additional_checks=[errors_use_the_envelope], excluded_checks=excluded
    )
