from rest_framework import serializers

from .models import Syllabus


class SyllabusSerializer(serializers.ModelSerializer):
    syllabus_id = serializers.UUIDField(source="id", read_only=True)
    filename = serializers.CharField(source="original_filename")
    content_hash = serializers.CharField(source="content_hash_label")

    class Meta:
        model = Syllabus
        fields = [
            "syllabus_id",
            "subject",
            "filename",
            "page_count",
            "text_length",
            "content_hash",
            "created_at",
        ]
        read_only_fields = fields


class SyllabusDetailSerializer(SyllabusSerializer):
    class Meta(SyllabusSerializer.Meta):
        fields = [*SyllabusSerializer.Meta.fields, "text"]
        read_only_fields = fields


class UploadedSyllabusSerializer(serializers.Serializer):
    """One file's outcome in an upload response."""

    syllabus_id = serializers.UUIDField(source="syllabus.id")
    subject = serializers.CharField(source="syllabus.subject")
    filename = serializers.CharField(source="syllabus.original_filename")
    page_count = serializers.IntegerField(source="syllabus.page_count")
    text_length = serializers.IntegerField(source="syllabus.text_length")
    content_hash = serializers.CharField(source="syllabus.content_hash_label")
    created = serializers.BooleanField()
    created_at = serializers.DateTimeField(source="syllabus.created_at")


class UploadResponseSerializer(serializers.Serializer):
    syllabi = UploadedSyllabusSerializer(many=True)


class UploadRequestSerializer(serializers.Serializer):
    """Documents the multipart form; the view reads the parts itself."""

    subject = serializers.CharField(max_length=200)
    files = serializers.ListField(child=serializers.FileField(), help_text="also `files[]`")
