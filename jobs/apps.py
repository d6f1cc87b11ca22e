from django.apps import AppConfig


class JobsConfig(AppConfig):
    name = "jobs"
    verbose_name = "AI jobs"

    def ready(self) -> None:
        from . import ops

        ops.register()
