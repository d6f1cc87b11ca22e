from rest_framework import serializers

from assessment_engine.api.fields import StrictCharField


class LoginInputSerializer(serializers.Serializer):
    username = StrictCharField(max_length=150)
    password = StrictCharField(max_length=4096, trim_whitespace=False)


class UserOutputSerializer(serializers.Serializer):
    user_id = serializers.UUIDField(source="pk")
    username = serializers.CharField()
    is_staff = serializers.BooleanField()


class LoginOutputSerializer(serializers.Serializer):
    token = serializers.CharField()
    expires_at = serializers.DateTimeField(allow_null=True)
    user = UserOutputSerializer()
