"""Test-only URLs: the real ones plus views that fail on purpose."""

from django.urls import path
from rest_framework.response import Response
from rest_framework.views import APIView

from assessment_engine.api.permissions import IsStaff
from assessment_engine.urls import urlpatterns as real_urlpatterns


class ExplodingApi(APIView):
    def get(self, request):
        raise RuntimeError("secret internal detail that must not reach the client")

    def post(self, request):
        raise RuntimeError("a POST that fails on the server")


class StaffOnlyApi(APIView):
    permission_classes = [IsStaff]

    def get(self, request):
        return Response({"ok": True})


urlpatterns = [
    path("api/v1/_test/explode", ExplodingApi.as_view()),
    path("api/v1/_test/staff-only", StaffOnlyApi.as_view()),
    *real_urlpatterns,
]
