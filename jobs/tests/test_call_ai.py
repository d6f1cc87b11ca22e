"""`call_ai` releases the worker thread's database connection while a remote call is out."""

import psycopg
import pytest
from django.db import connection

from harness.fake_gemini import json_reply
from jobs.ai.base import AIRequest
from jobs.ai.factory import call_ai

pytestmark = pytest.mark.django_db(transaction=True)


def request(answer=dict) -> AIRequest:
    return AIRequest(
        purpose="test",
        prompt_version="t",
        system_instruction="",
        contents="",
        response_schema={"type": "object"},
        offline_answer=answer,
    )


def backend_alive(pid: int) -> bool:
    settings = connection.settings_dict
    with psycopg.connect(
        host=settings["HOST"] or "127.0.0.1",
        port=settings["PORT"] or 5432,
        user=settings["USER"] or "postgres",
        dbname="postgres",
    ) as probe:
        return (
            probe.execute("SELECT 1 FROM pg_stat_activity WHERE pid = %s", [pid]).fetchone()
            is not None
        )


def test_no_database_connection_is_held_during_a_remote_call(gemini):
    connection.ensure_connection()
    pid = connection.connection.info.backend_pid
    seen = {}

    def answer(_body):
        seen["alive_during_call"] = backend_alive(pid)  # asked from the fake server's thread
        return json_reply({"ok": True})

    gemini.default = answer

    assert call_ai(request()).data == {"ok": True}
    assert seen == {"alive_during_call": False}


def test_the_offline_provider_keeps_the_connection():
    connection.ensure_connection()
    pid = connection.connection.info.backend_pid

    assert call_ai(request(lambda: {"ok": True})).data == {"ok": True}
    assert connection.connection is not None and connection.connection.info.backend_pid == pid
