from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "assessment_engine.accounts"
    label = "accounts"
    verbose_name = "Accounts"
