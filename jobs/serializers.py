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
