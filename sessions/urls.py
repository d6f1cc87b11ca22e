from assessment_engine.api.routers import OptionalSlashRouter

from .apis import SessionViewSet
from .results_apis import AssessmentResultsViewSet

router = OptionalSlashRouter()
router.register("sessions", SessionViewSet, basename="session")
# /assessments/{assessmentId}/results and /statistics: sessions' data under the assessment.
router.register("assessments", AssessmentResultsViewSet, basename="assessment-results")

urlpatterns = router.urls
