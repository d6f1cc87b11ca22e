import pytest

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("path", ["/healthz", "/healthz/"])
def test_healthz_needs_no_token(api_client, path):
    response = api_client.get(path)
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_readyz_pings_database_and_redis(api_client):
    response = api_client.get("/readyz")

    assert response.status_code == 200
    assert response.json() == {
        "status": "ok",
        "checks": {"database": "ok", "redis": "ok"},
        "details": {"failedJobs": 0, "aiProvider": {"name": "offline"}},
    }


def test_readyz_names_redis_when_it_is_unreachable(api_client, settings):
    settings.REDIS_URL = "redis://127.0.0.1:1/0"  # a closed port; the shared Redis keeps running

    response = api_client.get("/readyz")

    assert response.status_code == 503
    body = response.json()
    assert body["checks"]["database"] == "ok"
    assert body["checks"]["redis"].startswith("error")
    assert body["error"]["code"] == "SERVICE_UNAVAILABLE"
    assert body["error"]["details"] == {"failing": ["redis"]}


def test_schema_and_docs_need_no_token(api_client):
    schema = api_client.get("/api/v1/schema", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert schema.status_code == 200
    assert schema.json()["openapi"].startswith("3.")
    assert api_client.get("/api/v1/docs").status_code == 200
