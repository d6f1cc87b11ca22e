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
        description=(
            "Returns `token`, its `expiresAt` (`AUTH_TOKEN_TTL_SECONDS` later) and the user. "
            "Send the token as `Authorization: Bearer <token>` on every other endpoint. Wrong "
            "credentials are 401 `NOT_AUTHENTICATED`; attempts are throttled per account and "
            "per client address (429 with `Retry-After`)."
        ),
    )
    def post(self, request: Request) -> Response:
        data = LoginInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        issued = services.auth_login(**data.validated_data, client=client_ident(request))
        return Response(LoginOutputSerializer(issued).data)


class LogoutApi(APIView):
    @extend_schema(
        request=None,
        responses={204: None, **ERROR_RESPONSES},
        summary="Revoke the token",
        description="The token used for this request stops working at once (401 after).",
    )
    def post(self, request: Request) -> Response:
        services.auth_logout(token=request.auth)
        return Response(status=status.HTTP_204_NO_CONTENT)


class MeApi(APIView):
    @extend_schema(
        responses={200: UserOutputSerializer, **ERROR_RESPONSES},
        summary="Who am I",
        description="The token's user: `userId`, `username`, `isStaff` (staff endpoints need it).",
    )
    def get(self, request: Request) -> Response:
        return Response(UserOutputSerializer(request.user).data)
