"""Errors to HTTP: the one place that decides status codes and error bodies.

Every error body is JSON. Bad input is a 4xx naming the field; a 500 only ever means a bug or
a failure of ours, and its body never carries a traceback.
"""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException

from videorender import errors
from videorender.errors import (
    ConfigError,
    InputError,
    JobNotFoundError,
    JobStateError,
    QueueFullError,
    StorageError,
    VideoRenderError,
)
from videorender.requests.problems import validation_problems

log = logging.getLogger(__name__)

# Most specific first: the first class an error is an instance of decides its status.
STATUS_BY_ERROR: tuple[tuple[type[VideoRenderError], int], ...] = (
    (InputError, 422),  # includes MediaError, ScriptError, DownloadError
    (JobNotFoundError, 404),
    (JobStateError, 409),
    (QueueFullError, 429),
    (StorageError, 503),
    (ConfigError, 500),
    (VideoRenderError, 500),
)


def status_for(error_type: str | None) -> int:
    """HTTP status for a job that failed with the error class named `error_type`."""
    cls = getattr(errors, error_type or "", None)
    if isinstance(cls, type) and issubclass(cls, VideoRenderError):
        return next(status for base, status in STATUS_BY_ERROR if issubclass(cls, base))
    return 500


def install(app: FastAPI) -> None:
    """Register the handlers that turn every error into a JSON body."""
    app.add_exception_handler(RequestValidationError, _invalid_request)  # type: ignore[arg-type]
    app.add_exception_handler(HTTPException, _http_error)  # type: ignore[arg-type]
    app.add_exception_handler(VideoRenderError, _core_error)  # type: ignore[arg-type]


async def _invalid_request(_request: Request, exc: RequestValidationError) -> JSONResponse:
    """422 in FastAPI's shape (`detail`: loc/msg/type per problem) plus `field`."""
    return JSONResponse(status_code=422, content={"detail": validation_problems(exc.errors())})


# FastAPI's and Starlette's answers to a body they cannot decode (JSON that is not UTF-8,
# multipart data without its boundary): made the same 422 naming `body` as any other
# malformed body, as documented, instead of an undocumented 400. Our routes raise no 400.
_UNPARSABLE_BODY = "There was an error parsing the body"


async def _http_error(_request: Request, exc: HTTPException) -> JSONResponse:
    if exc.status_code == 400:
        json_body = exc.detail == _UNPARSABLE_BODY
        what = "valid JSON text" if json_body else "valid multipart data"
        problem = {"loc": ["body"], "field": "body", "msg": f"the body is not {what}",
                   "type": "json_invalid" if json_body else "multipart_invalid"}  # fmt: skip
        return JSONResponse(status_code=422, content={"detail": [problem]})
    return JSONResponse(
        status_code=exc.status_code, content={"detail": exc.detail}, headers=exc.headers
    )


async def _core_error(_request: Request, exc: VideoRenderError) -> JSONResponse:
    status = status_for(type(exc).__name__)
    if status >= 500:
        log.error("request failed: %s", exc)
    body: dict[str, object] = {"detail": str(exc)}
    if isinstance(exc, InputError) and exc.field:
        body["field"] = exc.field
    headers = {"retry-after": str(exc.retry_after_s)} if isinstance(exc, QueueFullError) else None
    return JSONResponse(status_code=status, content=body, headers=headers)
