"""Logging set-up for the service: readable text by default, one JSON object per line with
LOG_FORMAT=json. Every record made while a job runs carries its id (`job_id`)."""

from __future__ import annotations

import contextlib
import contextvars
import json
import logging
from collections.abc import Iterator
from datetime import datetime, timezone

from videorender.config import Settings

_job_id: contextvars.ContextVar[str | None] = contextvars.ContextVar("job_id", default=None)


@contextlib.contextmanager
def job_context(job_id: str) -> Iterator[None]:
    """Tag every log record made inside (in this thread) with `job_id`."""
    token = _job_id.set(job_id)
    try:
        yield
    finally:
        _job_id.reset(token)


class _JobIdFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        if not hasattr(record, "job_id"):
            record.job_id = _job_id.get()
        return True


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, object] = {
            "time": datetime.fromtimestamp(record.created, timezone.utc).isoformat(),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        job_id = getattr(record, "job_id", None)
        if job_id:
            entry["job_id"] = job_id
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False)


class TextFormatter(logging.Formatter):
    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)-7s %(name)s: %(message)s")

    def format(self, record: logging.LogRecord) -> str:
        text = super().format(record)
        job_id = getattr(record, "job_id", None)
        return f"{text} [job {job_id}]" if job_id else text


def configure_logging(settings: Settings) -> None:
    """Send the service's logs (and uvicorn's) to stderr in the configured format."""
    handler = logging.StreamHandler()
    handler.addFilter(_JobIdFilter())
    handler.setFormatter(JsonFormatter() if settings.log_format == "json" else TextFormatter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(settings.log_level)
    for name in ("uvicorn", "uvicorn.error", "uvicorn.access"):
        logger = logging.getLogger(name)
        logger.setLevel(logging.NOTSET)  # LOG_LEVEL decides
        if logger.handlers:  # uvicorn's own formatting; without handlers (--no-access-log) or
            logger.handlers[:] = []  # propagation, the logger stays off
            logger.propagate = True
