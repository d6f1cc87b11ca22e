"""The Celery application: configured from Django settings (CELERY_* names).

The request id of the HTTP request that published a task travels in the message headers and
is restored while the task runs, so a task's log lines can be traced back to the request.

Database connections outlive a task, as they outlive a web request: before and after each
task Django's own rule applies (`close_old_connections`: CONN_MAX_AGE, broken connections,
one left in a transaction), where Celery's fix-up would close them all (CELERY_DB_REUSE_MAX in
the settings turns that off). A worker thread's connection is reused from task to task; an AI
call still holds none (`jobs.ai.factory.call_ai`).
"""

import os

from celery import Celery, signals
from django.db import close_old_connections

from .request_context import request_id_var

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "assessment_engine.settings.local")

app = Celery("assessment_engine")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

REQUEST_ID_HEADER = "request_id"


@signals.before_task_publish.connect
def _attach_request_id(headers: dict, **_kwargs) -> None:
    request_id = request_id_var.get()
    if request_id and REQUEST_ID_HEADER not in headers:
        headers[REQUEST_ID_HEADER] = request_id


@signals.task_prerun.connect
def _restore_request_id(task=None, **_kwargs) -> None:
    request_id = getattr(task.request, REQUEST_ID_HEADER, None) if task else None
    request_id_var.set(request_id or (task.request.id if task else None))


@signals.task_postrun.connect
def _clear_request_id(**_kwargs) -> None:
    request_id_var.set(None)


@signals.task_prerun.connect
@signals.task_postrun.connect
def _close_old_database_connections(task=None, **_kwargs) -> None:
    if task is not None and getattr(task.request, "is_eager", False):
        return  # runs inside the caller's transaction: its connection is not ours to close
    close_old_connections()
