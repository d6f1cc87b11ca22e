from drf_spectacular.utils import PolymorphicProxySerializer
from rest_framework import serializers

from assessment_engine.api.fields import (
    StrictBooleanField,
    StrictCharField,
    StrictIntegerField,
    StrictUUIDField,
)

from .content.options import (
    DIFFICULTIES,
    QUESTIONS_PER_SECTION_RANGE,
    SECTION_COUNT_RANGE,
    GenerationOptions,
)
from .models import Assessment
from .policy import POLICY_FIELDS

MAX_TIME_LIMIT_SECONDS = 7 * 24 * 3600


DEFAULT_OPTIONS = GenerationOptions()


# The wire form of `GenerationOptions`: its bounds and defaults, nothing of its own.
class GenerationOptionsSerializer(serializers.Serializer):
    section_count = StrictIntegerField(
        min_value=SECTION_COUNT_RANGE[0],
        max_value=SECTION_COUNT_RANGE[1],
        default=DEFAULT_OPTIONS.section_count,
    )
    questions_per_section = StrictIntegerField(
        min_value=QUESTIONS_PER_SECTION_RANGE[0],
        max_value=QUESTIONS_PER_SECTION_RANGE[1],
        default=DEFAULT_OPTIONS.questions_per_section,
    )
    difficulty = serializers.ChoiceField(choices=DIFFICULTIES, default=DEFAULT_OPTIONS.difficulty)


class GenerateRequestSerializer(serializers.Serializer):
    syllabus_id = StrictUUIDField(required=False)
    subject = StrictCharField(required=False, max_length=200)
    options = GenerationOptionsSerializer(required=False)

    def validate(self, attrs):
        if ("syllabus_id" in attrs) == ("subject" in attrs):
            raise serializers.ValidationError("Give exactly one of syllabusId or subject.")
        return attrs


class GenerateFromSyllabusSerializer(serializers.Serializer):
    """Schema only: generation from one syllabus."""

    syllabus_id = StrictUUIDField()
    options = GenerationOptionsSerializer(required=False)


class GenerateFromSubjectSerializer(serializers.Serializer):
    """Schema only: generation from every syllabus of a subject."""

    subject = StrictCharField(max_length=200)
    options = GenerationOptionsSerializer(required=False)


GENERATE_REQUEST_SCHEMA = PolymorphicProxySerializer(
    component_name="GenerateRequest",
    serializers=[GenerateFromSyllabusSerializer, GenerateFromSubjectSerializer],
    resource_type_field_name=None,
)


class GenerateResponseSerializer(serializers.Serializer):
    job_id = serializers.UUIDField(source="job.id")
    status = serializers.CharField(source="job.status")
    type = serializers.CharField(source="job.job_type")
    dedupe_key = serializers.CharField(source="job.dedupe_key")
    deduplicated = serializers.BooleanField()
    assessment_id = serializers.SerializerMethodField()

    def get_assessment_id(self, trigger) -> str | None:
        result = trigger.job.result or {}
        return result.get("assessmentId")

    def to_representation(self, instance):
        data = super().to_representation(instance)
        if data["assessment_id"] is None:
            del data["assessment_id"]  # present once the job is COMPLETED
        return data


class PolicySerializer(serializers.ModelSerializer):
    """The delivery policy: what staff set and candidates are shown (API.md "Delivery policy").

    As input (PATCH) every field is optional; the rules between fields are the service's.
    """

    max_attempts = StrictIntegerField(min_value=1, max_value=1000, required=False)
    time_limit_seconds = StrictIntegerField(
        min_value=1, max_value=MAX_TIME_LIMIT_SECONDS, allow_null=True, required=False
    )
    shuffle_questions = StrictBooleanField(required=False)
    shuffle_options = StrictBooleanField(required=False)

    def to_internal_value(self, data):
        # A misspelt field would otherwise be ignored and the change silently not made.
        if isinstance(data, dict):
            unknown = sorted(set(data) - set(self.fields))
            if unknown:
                raise serializers.ValidationError({key: ["Not a policy field."] for key in unknown})
        return super().to_internal_value(data)

    class Meta:
        model = Assessment
        fields = list(POLICY_FIELDS)
        extra_kwargs = {
            "opens_at": {"required": False},
            "closes_at": {"required": False},
            "review_policy": {"required": False},
            "review_after_close": {"required": False},
        }


class PublicationSerializer(serializers.Serializer):
    """What publish/unpublish answer: the status now, and whether this call changed it."""

    assessment_id = serializers.UUIDField(source="assessment.id")
    status = serializers.CharField(source="assessment.status")
    published_at = serializers.DateTimeField(source="assessment.published_at", allow_null=True)
    content_version = serializers.IntegerField(source="assessment.content_version")
    changed = serializers.BooleanField()


class AssessmentListSerializer(serializers.ModelSerializer):
    assessment_id = serializers.UUIDField(source="id")
    policy = PolicySerializer(source="*", read_only=True)

    class Meta:
        model = Assessment
        fields = [
            "assessment_id",
            "title",
            "subject",
            "section_count",
            "question_count",
            "created_at",
            "policy",
        ]
        read_only_fields = fields


class OptionSerializer(serializers.Serializer):
    id = serializers.CharField()
    text = serializers.CharField()


class CandidateQuestionSerializer(serializers.Serializer):
    question_id = serializers.CharField()
    type = serializers.ChoiceField(choices=["MCQ", "SHORT_ANSWER"])
    prompt = serializers.CharField()
    points = serializers.FloatField()
    options = OptionSerializer(many=True, required=False, help_text="MCQ only")


class CandidateSectionSerializer(serializers.Serializer):
    section_id = serializers.CharField()
    title = serializers.CharField()
    questions = CandidateQuestionSerializer(many=True)


class CandidateAssessmentSerializer(serializers.Serializer):
    """Documents the candidate view (no answer keys); the data comes from candidate_content."""

    assessment_id = serializers.UUIDField()
    title = serializers.CharField()
    subject = serializers.CharField()
    sections = CandidateSectionSerializer(many=True)


class AssessmentPreviewSerializer(CandidateAssessmentSerializer):
    """Schema only: what staff get from GET /assessments/{id}: the candidate view and policy."""

    policy = PolicySerializer()
