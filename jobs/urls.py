from assessment_engine.api.routers import OptionalSlashRouter

from .apis import JobViewSet

router = OptionalSlashRouter()
router.register("jobs", JobViewSet, basename="job")

urlpatterns = router.urls
