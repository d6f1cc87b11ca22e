"""Token auth endpoints: login, logout, me."""

from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from assessment_engine.api.schema import ERROR_RESPONSES
from assessment_engine.api.throttling import LOGIN_THROTTLES, client_ident

from . import services
from .serializers import LoginInputSerializer, LoginOutputSerializer, UserOutputSerializer


class LoginApi(APIView):
    # Its answer is a bearer token: never stored for an Idempotency-Key, never replayed.
    accepts_idempotency_key = False
    authentication_classes: list = []
    permission_classes = [AllowAny]
    throttle_classes = list(LOGIN_THROTTLES)

    @extend_schema(
        request=LoginInputSerializer,
        responses={200: LoginOutputSerializer, **ERROR_RESPONSES},
        auth=[],
        summary="Exchange a username and password for a bearer token",
    )
    def post(self, request: Request) -> Response:
        data = LoginInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        issued = services.auth_login(**data.validated_data, client=client_ident(request))
        return Response(LoginOutputSerializer(issued).data)


class LogoutApi(APIView):
    @extend_schema(
        request=None, responses={204: None, **ERROR_RESPONSES}, summary="Revoke the token"
    )
    def post(self, request: Request) -> Response:
        services.auth_logout(token=request.auth)
        return Response(status=status.HTTP_204_NO_CONTENT)


class MeApi(APIView):
    @extend_schema(responses={200: UserOutputSerializer, **ERROR_RESPONSES}, summary="Who am I")
    def get(self, request: Request) -> Response:
        return Response(UserOutputSerializer(request.user).data)
