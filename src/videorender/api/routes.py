"""The endpoints. Each one validates (through its pydantic model), calls the job service and
shapes the answer; the work itself always runs on the worker pool, never on the event loop."""

from __future__ import annotations

import asyncio
import dataclasses
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header, HTTPException, Query, Request, Response
from fastapi.responses import FileResponse, JSONResponse
from prometheus_client import CONTENT_TYPE_LATEST
from starlette.concurrency import run_in_threadpool

from videorender import __version__
from videorender.api.errors import status_for
from videorender.auth import require_api_key
from videorender.jobs.models import Idempotency, Job, JobRequest, JobStatus
from videorender.jobs.service import JobService
from videorender.requests import (
    CaptionVideoRequest,
    ErrorResponse,
    HealthResponse,
    JobListResponse,
    JobResponse,
    JobUrlsResponse,
    RenderRequest,
    RenderVideoRequest,
    VoiceoverRequest,
    VoiceoverResponse,
    VoicesResponse,
    idempotency_digest,
)
from videorender.web.headers import file_headers

WAIT_POLL_SECONDS = 0.2
REPLAYED_HEADER = "Idempotent-Replayed"
NOT_FOUND: dict[int | str, dict[str, Any]] = {
    404: {"model": ErrorResponse, "description": "No job with this id."}
}
IDEMPOTENT: dict[int | str, dict[str, Any]] = {
    422: {
        "description": "Invalid body; or the Idempotency-Key was used with a different body.",
    }
}
SUBMIT_ERRORS: dict[int | str, dict[str, Any]] = {
    **IDEMPOTENT,
    413: {"model": ErrorResponse, "description": "The request body is over 1 MB."},
    429: {
        "model": ErrorResponse,
        "description": "MAX_QUEUED_JOBS jobs are waiting; retry after `Retry-After` seconds.",
    },
}

IdempotencyKey = Annotated[
    str | None,
    Header(
        alias="Idempotency-Key",
        min_length=1,
        max_length=255,
        pattern=r"^[\x21-\x7e]+$",
        description="Optional; 1-255 visible ASCII characters, e.g. a UUID. The same key with "
        "the same body within 24 h returns the original job (no second render; the response "
        f"carries `{REPLAYED_HEADER}: true`); with a different body it is refused with 422.",
        examples=["7f9c2ba4-e88f-4b1e-9a0e-4e1a8c2d6b10"],
    ),
]

public = APIRouter()
router = APIRouter(dependencies=[Depends(require_api_key)])


def _service(request: Request) -> JobService:
    service: JobService = request.app.state.service
    return service


def _base_url(request: Request) -> str:
    return _service(request).settings.public_url or str(request.base_url)


async def _submit_and_wait(
    request: Request, body: VoiceoverRequest | RenderVideoRequest, key: str | None
) -> tuple[Job, bool]:
    """Queue the job like any other and wait until a worker has finished it."""
    service = _service(request)
    job_request = body.job_request(_base_url(request))
    job, replayed = await run_in_threadpool(_submit, service, body, job_request, key)
    while not job.status.finished:
        await asyncio.sleep(WAIT_POLL_SECONDS)
        found = await run_in_threadpool(service.get, job.id)
        if found is None:  # deleted meanwhile (DELETE /jobs/{id} after it finished)
            break
        job = found
    return job, replayed


def _finished_response(
    job: Job, body: JobResponse | VoiceoverResponse, replayed: bool = False
) -> JSONResponse:
    status = 200 if job.status is JobStatus.COMPLETED else status_for(job.error_type)
    headers = {REPLAYED_HEADER: "true"} if replayed else None
    return JSONResponse(status_code=status, content=body.model_dump(mode="json"), headers=headers)


def _submit(
    service: JobService,
    body: RenderRequest | VoiceoverRequest | RenderVideoRequest | CaptionVideoRequest,
    job_request: JobRequest,
    key: str | None,
) -> tuple[Job, bool]:
    """Submit the job; with an Idempotency-Key, only the first time (True: a replay)."""
    if key is None:
        return service.submit(job_request), False
    digest = idempotency_digest(job_request.kind, body)
    return service.submit_once(job_request, Idempotency(key, digest))


def _queued(
    body: RenderRequest | CaptionVideoRequest, request: Request, response: Response, key: str | None
) -> JobResponse:
    """Queue the job and answer at once (202), marking a replayed Idempotency-Key."""
    service = _service(request)
    job, replayed = _submit(service, body, body.job_request(_base_url(request)), key)
    if replayed:
        response.headers[REPLAYED_HEADER] = "true"
    return JobResponse.of(job)


@router.post("/render", status_code=202, response_model=JobResponse, responses=SUBMIT_ERRORS)
def submit_render(
    body: RenderRequest,
    request: Request,
    response: Response,
    idempotency_key: IdempotencyKey = None,
) -> JobResponse:
    """Queue a render; poll /status/{job_id} or wait for the webhooks."""
    return _queued(body, request, response, idempotency_key)


@router.post("/caption-video", status_code=202, response_model=JobResponse, responses=SUBMIT_ERRORS)
def submit_caption_video(
    body: CaptionVideoRequest,
    request: Request,
    response: Response,
    idempotency_key: IdempotencyKey = None,
) -> JobResponse:
    """Caption a video you already have: its speech is transcribed (Whisper, offline) and
    timed to the word, the captions laid out in any style and burnt in (or, with
    `burn: false`, only the caption files). Queued like a render: poll /status/{job_id} or
    wait for the webhooks. A video without speech completes with a warning and no captions."""
    return _queued(body, request, response, idempotency_key)


@router.get("/status/{job_id}", response_model=JobResponse, responses=NOT_FOUND)
def job_status(job_id: str, request: Request) -> JobResponse:
    return JobResponse.of(_service(request).get_job(job_id))


@router.get(
    "/jobs",
    response_model=JobListResponse,
    responses={422: {"description": "A bad status, limit or cursor."}},
)
def list_jobs(
    request: Request,
    status: Annotated[JobStatus | None, Query(description="Only jobs in this state.")] = None,
    limit: Annotated[int, Query(ge=1, le=100, description="Jobs per page.")] = 20,
    cursor: Annotated[
        str | None, Query(max_length=200, description="`next_cursor` of the previous page.")
    ] = None,
    include_samples: Annotated[
        bool, Query(description="Also list voice samples (POST /voiceover with `sample`).")
    ] = False,
) -> JobListResponse:
    """Jobs, newest first, a page at a time. Pages are keyset
    paginated: jobs submitted while you page through never shift or repeat entries."""
    page = _service(request).list_page(
        status=status, limit=limit, cursor=cursor, include_samples=include_samples
    )
    return JobListResponse(
        jobs=[JobResponse.of(job) for job in page.jobs], next_cursor=page.next_cursor
    )


@router.post(
    "/jobs/{job_id}/cancel",
    response_model=JobResponse,
    responses={
        **NOT_FOUND,
        409: {"model": ErrorResponse, "description": "The job has completed or failed."},
    },
)
def cancel_job(job_id: str, request: Request) -> JobResponse:
    """Cancel a queued or running job: a running job's FFmpeg and speech
    synthesis are stopped and its temporary files removed before this answers; the job ends
    `cancelled` and a `job_cancelled` webhook is sent. Cancelling a cancelled job again
    answers 200 with the job; a completed or failed job is refused with 409."""
    return JobResponse.of(_service(request).cancel_active(job_id))


@router.delete(
    "/jobs/{job_id}",
    status_code=204,
    responses={
        409: {"model": ErrorResponse, "description": "The job is queued or running."},
        503: {"model": ErrorResponse, "description": "A stored file could not be removed."},
    },
)
def delete_job(job_id: str, request: Request) -> Response:
    """Delete a finished job and every file it stored (video, voice, captions, word timings,
    thumbnail), on local storage or S3; afterwards GET /status answers 404. Deleting a job
    that is gone already answers 204 as well. A queued or running job is refused with 409:
    cancel it first. Uploaded inputs (`upload://`) are kept."""
    _service(request).delete(job_id)
    return Response(status_code=204)


@router.post("/voiceover", response_model=VoiceoverResponse, responses=SUBMIT_ERRORS)
async def make_voiceover(
    body: VoiceoverRequest, request: Request, idempotency_key: IdempotencyKey = None
) -> JSONResponse:
    """Speak the script and store voice.wav; answers when done (runs on the worker pool).
    A retry with the same Idempotency-Key waits for the original job instead."""
    job, replayed = await _submit_and_wait(request, body, idempotency_key)
    return _finished_response(job, VoiceoverResponse.of(job), replayed)


@router.post("/render-video", response_model=JobResponse, responses=SUBMIT_ERRORS)
async def render_video(
    body: RenderVideoRequest, request: Request, idempotency_key: IdempotencyKey = None
) -> JSONResponse:
    """Render over a provided voiceover; answers when done (runs on the worker pool).
    A retry with the same Idempotency-Key waits for the original job instead. With S3
    storage every input must be an s3:// location, as the original service said."""
    job, replayed = await _submit_and_wait(request, body, idempotency_key)
    return _finished_response(job, JobResponse.of(job), replayed)


@router.get("/jobs/{job_id}/urls", response_model=JobUrlsResponse, responses=NOT_FOUND)
def job_urls(job_id: str, request: Request) -> JobUrlsResponse:
    """Downloadable URLs of a completed job's artifacts: presigned, expiring
    after S3_SIGNED_URL_EXPIRATION_SECONDS, with S3 storage; the service's own otherwise.
    A job that has not completed gets 409."""
    service = _service(request)
    job = service.get_job(job_id)
    if job.status is not JobStatus.COMPLETED:
        raise HTTPException(status_code=409, detail=f"job {job_id!r} is {job.status.value}")
    expires_s = service.settings.s3_signed_url_expiration_seconds
    shared = {
        field: service.storage.share(url, expires_s=expires_s) if url else None
        for field, url in dataclasses.asdict(job.artifacts).items()
    }
    return JobUrlsResponse(
        job_id=job.id,
        expires_in=expires_s if service.storage.shares_expire else None,
        **shared,
    )


@router.get("/voices", response_model=VoicesResponse)
def voices(request: Request) -> VoicesResponse:
    """The speech engines and their voices on this service (an addition): pass `engine` as
    `tts_provider` and `speaker` as `speaker` in a request; the one marked `default` speaks
    when a request names neither."""
    config = _service(request).settings.pipeline_config().tts
    return VoicesResponse.listing(config)


@router.get("/uploads/{key:path}", include_in_schema=False)
def stored_file(key: str, request: Request) -> FileResponse:
    """Artifacts kept by local storage, with range requests (seeking in a browser)."""
    path = _service(request).storage.local_path(f"uploads/{key}")
    if path is None:
        raise HTTPException(status_code=404, detail="no such file")
    media_type, headers = file_headers(key)
    return FileResponse(path, media_type=media_type, headers=headers)


@public.get("/metrics", include_in_schema=False)
def metrics(request: Request) -> Response:
    """Prometheus text format; behind API_KEY unless METRICS_PUBLIC=true."""
    service = _service(request)
    if not service.settings.metrics_public:
        require_api_key(request)
    return Response(service.metrics(), media_type=CONTENT_TYPE_LATEST)


@public.get("/health", response_model=HealthResponse)
def health(request: Request) -> HealthResponse:
    service = _service(request)
    return HealthResponse.of(service.health(), service.storage.health(), __version__)
