from assessment_engine.api.routers import OptionalSlashRouter

from .apis import SessionViewSet

router = OptionalSlashRouter()
router.register("sessions", SessionViewSet, basename="session")

urlpatterns = router.urls
