"""A bearer token exists in plain text only in the login response: never in any table."""

import pytest
from django.db import connection

from assessment_engine.accounts.factories import DEFAULT_PASSWORD

pytestmark = pytest.mark.django_db

LOGIN = "/api/v1/auth/login"
SEARCHABLE_TYPES = ("text", "character varying", "character", "json", "jsonb", "bytea")


def tables_containing(needle: str) -> list[str]:
    """Every text-like column of every table in the database that holds `needle`."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT table_name, column_name, data_type FROM information_schema.columns "
            "WHERE table_schema = 'public' AND data_type = ANY(%s)",
            [list(SEARCHABLE_TYPES)],
        )
        columns = cursor.fetchall()
        hits = []
        for table, column, data_type in columns:
            quoted = f"{connection.ops.quote_name(table)}.{connection.ops.quote_name(column)}"
            if data_type == "bytea":
                condition = f"position(convert_to(%s, 'UTF8') in {quoted}) > 0"
            else:
                condition = f"strpos({quoted}::text, %s) > 0"
            cursor.execute(
                f"SELECT count(*) FROM {connection.ops.quote_name(table)} WHERE {condition}",  # noqa: S608 - names from the catalog
                [needle],
            )
            if cursor.fetchone()[0]:
                hits.append(f"{table}.{column}")
    return hits


def test_the_search_finds_a_string_stored_in_a_binary_column(candidate):
    from assessment_engine.idempotency.models import IdempotencyRecord

    IdempotencyRecord.objects.create(user=candidate, key="k", fingerprint="f", body=b'{"x":"s3"}')

    assert tables_containing("s3") == ["idempotency_idempotencyrecord.body"]


@pytest.mark.parametrize("signed_in", [False, True], ids=["anonymous", "with-a-bearer-token"])
def test_a_login_with_an_idempotency_key_stores_its_token_nowhere(
    api_client, client_for, candidate, signed_in
):
    client = client_for(candidate) if signed_in else api_client
    body = {"username": candidate.username, "password": DEFAULT_PASSWORD}

    first = client.post(LOGIN, body, format="json", HTTP_IDEMPOTENCY_KEY="login-1")
    second = client.post(LOGIN, body, format="json", HTTP_IDEMPOTENCY_KEY="login-1")

    assert first.status_code == second.status_code == 200
    assert "Idempotent-Replayed" not in second
    assert first.json()["token"] != second.json()["token"]  # each login issues its own token
    for response in (first, second):
        assert tables_containing(response.json()["token"]) == []
