"""Root URLs. Every API path works with and without a trailing slash (contract)."""

from django.conf import settings
from django.contrib import admin
from django.http import HttpRequest
from django.urls import include, path, re_path
from django.utils.functional import lazy
from django.views import csrf, defaults
from django.views.decorators.csrf import csrf_exempt
from drf_spectacular.views import (
    SpectacularAPIView,
    SpectacularRedocView,
    SpectacularSwaggerView,
)

from assessment_engine.api.envelope import error_json_response
from assessment_engine.api.health import healthz, readyz
from assessment_engine.api.middleware import is_api_path, rejected_request_response
from assessment_engine.views import home

api_v1 = [
    path("auth/", include("assessment_engine.accounts.urls")),
    path("", include("syllabus.urls")),
    path("", include("assessments.urls")),
    path("", include("jobs.urls")),
    path("", include("sessions.urls")),
    re_path(r"^schema/?$", SpectacularAPIView.as_view(), name="schema"),
    re_path(r"^docs/?$", SpectacularSwaggerView.as_view(url_name="schema"), name="docs"),
    re_path(
        r"^redoc/?$",
        # drf-spectacular's own template also fetches Google Fonts; ours loads nothing remote.
        SpectacularRedocView.as_view(url_name="schema", template_name="api/redoc.html"),
        name="redoc",
    ),
]


@csrf_exempt  # token-authenticated API: a POST to an unknown path is a 404, not a CSRF failure
def api_not_found(request: HttpRequest, unmatched: str = ""):
    """Unknown /api/ paths answer in the envelope whatever DEBUG says."""
    return error_json_response(404, "NOT_FOUND", "No such endpoint.")


def admin_header() -> str:
    """Every admin page names the AI provider in use (read per page: it follows the settings)."""
    return f"Assessment engine administration · AI provider: {settings.AI_PROVIDER}"


admin.site.site_header = lazy(admin_header, str)()

urlpatterns = [
    path("", home, name="home"),
    re_path(r"^healthz/?$", healthz, name="healthz"),
    re_path(r"^readyz/?$", readyz, name="readyz"),
    path("admin/", admin.site.urls),
    path("api/v1/", include(api_v1)),
    re_path(r"^api/(?P<unmatched>.*)$", api_not_found),
]


def handler404(request: HttpRequest, exception: Exception):
    if is_api_path(request.path):
        return error_json_response(404, "NOT_FOUND", "No such endpoint.")
    return defaults.page_not_found(request, exception)


def handler500(request: HttpRequest):
    if is_api_path(request.path):
        return error_json_response(500, "INTERNAL_ERROR", "An unexpected error occurred.")
    return defaults.server_error(request)


def handler400(request: HttpRequest, exception: Exception):
    """Django's own refusals (DisallowedHost, a body or form over the limits) come here when
    DEBUG is off."""
    return rejected_request_response(request, exception)


def handler403(request: HttpRequest, exception: Exception):
    if is_api_path(request.path):
        return error_json_response(403, "PERMISSION_DENIED", "Permission denied.")
    return defaults.permission_denied(request, exception)


def csrf_failure(request: HttpRequest, reason: str = ""):
    if is_api_path(request.path):
        return error_json_response(403, "PERMISSION_DENIED", "CSRF verification failed.")
    return csrf.csrf_failure(request, reason)
