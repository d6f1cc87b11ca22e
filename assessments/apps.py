from django.apps import AppConfig


class AssessmentsConfig(AppConfig):
    name = "assessments"
    verbose_name = "Assessments"

    def ready(self) -> None:
        from jobs.models import JobType
        from jobs.registry import register_handler

        from . import checks  # noqa: F401  (registers the system checks)
        from .handlers import GenerationJobHandler

        register_handler(JobType.GENERATION, GenerationJobHandler())
