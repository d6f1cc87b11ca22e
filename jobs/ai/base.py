"""What every provider takes and returns, and how its failures are classified."""

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol


@dataclass(frozen=True)
class AIRequest:
    """One structured-output call.

    `system_instruction` states the task; `contents` carries the data (syllabus text, candidate
    answers) inside clear delimiters, never as instructions. `response_schema` is an OpenAPI-
    style JSON schema (the subset Gemini's structured output accepts). `offline_answer`
    computes the deterministic answer the offline provider returns for this request.
    """

    purpose: str  # "generation" or "evaluation": for logs and the attempt row
    prompt_version: str
    system_instruction: str
    contents: str
    response_schema: dict[str, Any]
    offline_answer: Callable[[], dict[str, Any]]
    temperature: float = 0.4


@dataclass(frozen=True)
class AIResponse:
    data: dict[str, Any]  # the parsed JSON object
    raw_text: str  # what the provider sent, for the attempt's audit trail (size-capped there)
    provider: str
    model: str
    input_tokens: int | None = None
    output_tokens: int | None = None
    extra: dict[str, Any] = field(default_factory=dict)


class AIProvider(Protocol):
    name: str
    model: str

    def complete(self, request: AIRequest) -> AIResponse:
        """Return the parsed JSON answer, or raise TransientAIError / PermanentAIError."""
        ...


class AIError(Exception):
    """A provider call failed. `raw_text` keeps whatever the provider answered, if anything."""

    def __init__(self, message: str, *, raw_text: str = "", status_code: int | None = None):
        super().__init__(message)
        self.raw_text = raw_text
        self.status_code = status_code


class TransientAIError(AIError):
    """Worth retrying: timeouts, 429, 5xx, connection failures, output that is not valid JSON."""


class PermanentAIError(AIError):
    """Retrying cannot help: bad credentials, a forbidden model, a malformed request."""
