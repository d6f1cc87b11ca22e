"""Questionnaire content: the contract, its validation, and the offline generator.

Pure Python with no Django imports, so every rule is unit-testable without a database:

    from assessments.content import GenerationOptions, generate_offline, validate_content
    options = GenerationOptions.from_dict({"sectionCount": 2})
    content = generate_offline(syllabus_text=text, subject="Statistics", options=options)
    cleaned = validate_content(content, syllabus_text=text, options=options)
"""

from .offline import InsufficientSyllabusText, generate_offline
from .options import GenerationOptions
from .schema import RESPONSE_SCHEMA
from .validation import ContentInvalid, validate_content

__all__ = [
    "RESPONSE_SCHEMA",
    "ContentInvalid",
    "GenerationOptions",
    "InsufficientSyllabusText",
    "generate_offline",
    "validate_content",
]
