from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "assessment_engine.accounts"
    label = "accounts"
    verbose_name = "Accounts"

    def ready(self) -> None:
        from . import schema  # noqa: F401 - registers the OpenAPI security scheme
