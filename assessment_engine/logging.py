"""Logging helpers: every log record carries the current request id ("-" outside one)."""

import logging
import re

from .request_context import current_request_id

_default_record_factory = logging.getLogRecordFactory()


def _record_with_request_id(*args, **kwargs) -> logging.LogRecord:
    record = _default_record_factory(*args, **kwargs)
    record.request_id = current_request_id() or "-"
    return record


class RequestIdFilter(logging.Filter):
    """Referenced by settings.LOGGING, so configuring logging installs the record factory.

    Stamping the id when the record is created (not when a handler formats it) means every
    handler and every test capture sees the same id, whatever order they run in.
    """

    def __init__(self, name: str = "") -> None:
        super().__init__(name)
        if logging.getLogRecordFactory() is not _record_with_request_id:
            logging.setLogRecordFactory(_record_with_request_id)

    def filter(self, record: logging.LogRecord) -> bool:
        if not getattr(record, "request_id", None):
            record.request_id = current_request_id() or "-"
        return True


# Every C0/C1 control character and the Unicode line and paragraph separators: any of them
# could start a forged line (or rewrite the terminal) in a text log.
_CONTROL_CHARACTERS = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")


def escape_control_characters(text: str) -> str:
    """`\\n` for a newline, `\\x1b` for ESC: one log record stays one line, whatever it holds."""
    return _CONTROL_CHARACTERS.sub(
        lambda match: match.group().encode("unicode_escape").decode(), text
    )


class EscapingFormatter(logging.Formatter):
    """The text format with every logged value escaped (paths, usernames, messages, ids).

    Values are escaped, not the traceback appended after them, which stays readable.
    """

    def formatMessage(self, record: logging.LogRecord) -> str:
        return escape_control_characters(super().formatMessage(record))
