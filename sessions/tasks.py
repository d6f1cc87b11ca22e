from celery import shared_task

from . import services


@shared_task(name="maintenance.sweep_sessions", ignore_result=True)
def sweep_sessions() -> dict:
    """Auto-complete sessions past their deadline or close, then expire inactive ones."""
    report = services.sessions_sweep()
    return {"completed": report.completed, "expired": report.expired}
