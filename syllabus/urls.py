from assessment_engine.api.routers import OptionalSlashRouter

from .apis import SyllabusViewSet

router = OptionalSlashRouter()
router.register("admin/syllabus", SyllabusViewSet, basename="syllabus")

urlpatterns = router.urls
