"""The handler registered for GENERATION jobs: a whole questionnaire, or new items in place of
some of an assessment's (`regeneration`, whose jobs carry a `target`)."""

from jobs.models import AIJob
from jobs.registry import Execution, JobHandler

from .generation import GenerationHandler
from .prompts import GENERATION_PROMPT_VERSION
from .regeneration import RegenerationHandler, is_regeneration


class GenerationJobHandler:
    prompt_version = GENERATION_PROMPT_VERSION  # each attempt records the one its call used

    def __init__(self) -> None:
        self._questionnaire = GenerationHandler()
        self._items = RegenerationHandler()

    def execute(self, job: AIJob) -> Execution:
        return self._for(job).execute(job)

    def complete(self, job: AIJob, execution: Execution) -> dict:
        return self._for(job).complete(job, execution)

    def _for(self, job: AIJob) -> JobHandler:
        return self._items if is_regeneration(job) else self._questionnaire
