"""Request body parsers that refuse hostile input as a 400 before any view sees it.

Every string of a request (JSON keys and values, form fields, upload filenames) goes to
PostgreSQL, to logs or to a file name sooner or later. PostgreSQL refuses NUL characters, and
UTF-8 cannot encode a lone surrogate (JSON's `"\\ud800"`): left to the views, both surface as
500s wherever the string is first stored or encoded. Deeply nested JSON exhausts Python's
recursion limit in the decoder. Checking once here closes the whole class for every endpoint.
"""

import json
import re
from collections.abc import Iterable
from typing import Any

from django.conf import settings
from djangorestframework_camel_case.parser import CamelCaseJSONParser
from djangorestframework_camel_case.settings import api_settings as camel_settings
from djangorestframework_camel_case.util import underscoreize
from rest_framework.exceptions import ParseError
from rest_framework.parsers import MultiPartParser

# No request of the contract nests deeper than a handful of levels.
MAX_JSON_DEPTH = 32
_UNSTORABLE = re.compile(r"[\x00\ud800-\udfff]")


def unsafe_string_reason(value: str) -> str | None:
    """Why `value` cannot be accepted (a NUL character, a lone surrogate), or None."""
    match = _UNSTORABLE.search(value)
    if match is None:
        return None
    return "NUL character" if match.group() == "\x00" else "unpaired surrogate"


def check_strings(values: Iterable[str], *, where: str) -> None:
    for value in values:
        reason = unsafe_string_reason(value)
        if reason:
            raise ParseError(f"The {where} contains a {reason}, which is not accepted.")


def json_nesting_depth_exceeds(text: str, limit: int) -> bool:
    """A scan without recursion: brackets outside strings, before the decoder recurses."""
    depth, in_string, escaped = 0, False, False
    for char in text:
        if in_string:
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == '"':
                in_string = False
        elif char == '"':
            in_string = True
        elif char in "[{":
            depth += 1
            if depth > limit:
                return True
        elif char in "]}":
            depth -= 1
    return False


def _strings_of(data: Any) -> Iterable[str]:
    """Every key and string value of decoded JSON, walked without recursion."""
    stack = [data]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            yield item
        elif isinstance(item, dict):
            yield from (key for key in item if isinstance(key, str))
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)


class SafeJSONParser(CamelCaseJSONParser):
    """camelCase JSON, refusing nesting beyond `MAX_JSON_DEPTH`, NULs and lone surrogates."""

    def parse(self, stream, media_type=None, parser_context=None):
        encoding = (parser_context or {}).get("encoding", settings.DEFAULT_CHARSET)
        try:
            text = stream.read().decode(encoding)
        except UnicodeDecodeError as exc:
            raise ParseError(f"The body is not valid {encoding}.") from exc
        if json_nesting_depth_exceeds(text, MAX_JSON_DEPTH):
            raise ParseError(f"JSON nested deeper than {MAX_JSON_DEPTH} levels.")
        try:
            data = json.loads(text)
        except (ValueError, RecursionError) as exc:
            raise ParseError(f"JSON parse error - {exc}") from exc
        check_strings(_strings_of(data), where="JSON body")
        return underscoreize(data, **camel_settings.JSON_UNDERSCOREIZE)


class SafeMultiPartParser(MultiPartParser):
    """multipart/form-data, refusing NULs and lone surrogates in fields and filenames."""

    def parse(self, stream, media_type=None, parser_context=None):
        result = super().parse(stream, media_type, parser_context)
        check_form_strings(result.data, result.files)
        return result


def check_form_strings(data, files) -> None:
    check_strings((text for key in data for text in (key, *data.getlist(key))), where="form")
    check_strings(
        (text for key in files for upload in files.getlist(key) for text in (key, upload.name)),
        where="upload",
    )
