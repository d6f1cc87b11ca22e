from django.apps import AppConfig


class IdempotencyConfig(AppConfig):
    name = "assessment_engine.idempotency"
    label = "idempotency"
    verbose_name = "Idempotency keys"
