from rest_framework import serializers

from .models import AIJob, AIJobAttempt


class AttemptSerializer(serializers.ModelSerializer):
    error = serializers.SerializerMethodField()

    class Meta:
        model = AIJobAttempt
        fields = [
            "number",
            "status",
            "error",
            "error_class",
            "started_at",
            "finished_at",
            "duration_ms",
            "provider",
            "model",
            "prompt_version",
            "input_tokens",
            "output_tokens",
        ]
        read_only_fields = fields

    def get_error(self, attempt: AIJobAttempt) -> str | None:
        return attempt.error_message or None


class JobSerializer(serializers.ModelSerializer):
    job_id = serializers.UUIDField(source="id")
    type = serializers.CharField(source="job_type")
    error_message = serializers.SerializerMethodField()
    waiting_reason = serializers.SerializerMethodField()
    result = serializers.JSONField()
    attempts = AttemptSerializer(many=True)

    class Meta:
        model = AIJob
        fields = [
            "job_id",
            "type",
            "status",
            "dedupe_key",
            "attempt_count",
            "max_attempts",
            "error_message",
            "waiting_reason",
            "result",
            "created_at",
            "started_at",
            "finished_at",
            "updated_at",
            "attempts",
        ]
        read_only_fields = fields

    def get_error_message(self, job: AIJob) -> str | None:
        return job.error_message or None

    def get_waiting_reason(self, job: AIJob) -> str | None:
        return job.waiting_reason or None


class AIProviderStateSerializer(serializers.Serializer):
    """The provider in use and its circuit breaker (none for the offline provider)."""

    name = serializers.CharField()
    state = serializers.ChoiceField(["CLOSED", "OPEN", "HALF_OPEN", "UNKNOWN"], required=False)
    consecutive_failures = serializers.IntegerField(required=False)
    opened_until = serializers.FloatField(
        required=False, allow_null=True, help_text="Epoch seconds, while OPEN or HALF_OPEN."
    )
    probe_in_flight = serializers.BooleanField(required=False)

    def to_representation(self, instance: dict) -> dict:
        # The breaker's fields only when there is a breaker (a missing one is not a null).
        return {k: v for k, v in super().to_representation(instance).items() if k in instance}


class OpsStatusSerializer(serializers.Serializer):
    queues = serializers.DictField(
        child=serializers.IntegerField(),
        allow_null=True,
        help_text="Messages waiting per queue; null when the broker cannot be reached.",
    )
    failed_jobs_last_hour = serializers.IntegerField()
    ai_provider = AIProviderStateSerializer()
