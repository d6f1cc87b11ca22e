"""Logging helpers: every log record carries the current request id ("-" outside one)."""

import logging

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
