from assessment_engine.api.routers import OptionalSlashRouter

from .apis import AssessmentViewSet

router = OptionalSlashRouter()
router.register("assessments", AssessmentViewSet, basename="assessment")

urlpatterns = router.urls
