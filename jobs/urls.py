from django.urls import re_path

from assessment_engine.api.routers import OptionalSlashRouter

from .apis import JobViewSet, OpsStatusView

router = OptionalSlashRouter()
router.register("jobs", JobViewSet, basename="job")

urlpatterns = [
    re_path(r"^ops/status/?$", OpsStatusView.as_view(), name="ops-status"),
    *router.urls,
]
