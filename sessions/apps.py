from django.apps import AppConfig


class CandidateSessionsConfig(AppConfig):
    # The package is called `sessions`; the label avoids a clash with django.contrib.sessions.
    name = "sessions"
    label = "candidate_sessions"
    verbose_name = "Candidate sessions"

    def ready(self) -> None:
        from jobs.models import JobType
        from jobs.registry import register_handler

        from .evaluation import EvaluationHandler

        register_handler(JobType.EVALUATION, EvaluationHandler())
