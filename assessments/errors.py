from assessment_engine.api.errors import NotFound


class SyllabusNotFound(NotFound):
    default_message = "No such syllabus."
