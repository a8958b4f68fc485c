"""The endpoints. Each one validates (through its pydantic model), calls the job service and
shapes the answer; the work itself always runs on the worker pool, never on the event loop."""

from __future__ import annotations

import asyncio
import mimetypes
from typing import Any

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import FileResponse, JSONResponse
from starlette.concurrency import run_in_threadpool

from videorender import __version__
from videorender.api.auth import require_api_key
from videorender.api.errors import status_for
from videorender.api.models import (
    ErrorResponse,
    HealthResponse,
    JobResponse,
    QueueBody,
    RenderRequest,
    RenderVideoRequest,
    VoiceoverRequest,
    VoiceoverResponse,
    WorkersBody,
)
from videorender.jobs.models import Job, JobRequest, JobStatus
from videorender.jobs.service import JobService
from videorender.storage.local import LocalStorage

WAIT_POLL_SECONDS = 0.2
NOT_FOUND: dict[int | str, dict[str, Any]] = {
    404: {"model": ErrorResponse, "description": "No job with this id."}
}
SUBMIT_ERRORS: dict[int | str, dict[str, Any]] = {
    413: {"model": ErrorResponse, "description": "The request body is over 1 MB."},
    429: {
        "model": ErrorResponse,
        "description": "MAX_QUEUED_JOBS jobs are waiting; retry after `Retry-After` seconds.",
    },
}

public = APIRouter()
router = APIRouter(dependencies=[Depends(require_api_key)])


def _service(request: Request) -> JobService:
    service: JobService = request.app.state.service
    return service


def _base_url(request: Request) -> str:
    return _service(request).settings.public_url or str(request.base_url)


async def _submit_and_wait(service: JobService, job_request: JobRequest) -> Job:
    """Queue the job like any other and wait until a worker has finished it."""
    job = await run_in_threadpool(service.submit, job_request)
    while not job.status.finished:
        await asyncio.sleep(WAIT_POLL_SECONDS)
        found = await run_in_threadpool(service.get, job.id)
        assert found is not None  # jobs are never deleted
        job = found
    return job


def _finished_response(job: Job, body: JobResponse | VoiceoverResponse) -> JSONResponse:
    status = 200 if job.status is JobStatus.COMPLETED else status_for(job.error_type)
    return JSONResponse(status_code=status, content=body.model_dump(mode="json"))


@router.post("/render", status_code=202, response_model=JobResponse, responses=SUBMIT_ERRORS)
def submit_render(body: RenderRequest, request: Request) -> JobResponse:
    """Queue a render; poll /status/{job_id} or wait for the webhooks."""
    job = _service(request).submit(body.job_request(_base_url(request)))
    return JobResponse.of(job)


@router.get("/status/{job_id}", response_model=JobResponse, responses=NOT_FOUND)
def job_status(job_id: str, request: Request) -> JobResponse:
    job = _service(request).get(job_id)
    if job is None:
        raise HTTPException(status_code=404, detail=f"job {job_id!r} not found")
    return JobResponse.of(job)


@router.post("/jobs/{job_id}/cancel", response_model=JobResponse, responses=NOT_FOUND)
def cancel_job(job_id: str, request: Request) -> JobResponse:
    """Cancel a queued job (an addition). A job already processing or finished is returned
    unchanged, with 409."""
    job = _service(request).cancel(job_id)
    if job is None:
        raise HTTPException(status_code=404, detail=f"job {job_id!r} not found")
    if job.status is not JobStatus.CANCELLED:
        raise HTTPException(status_code=409, detail=f"job {job_id!r} is {job.status.value}")
    return JobResponse.of(job)


@router.post("/voiceover", response_model=VoiceoverResponse, responses=SUBMIT_ERRORS)
async def make_voiceover(body: VoiceoverRequest, request: Request) -> JSONResponse:
    """Speak the script and store voice.wav; answers when done (runs on the worker pool)."""
    job_request = body.job_request(_base_url(request))
    job = await _submit_and_wait(_service(request), job_request)
    return _finished_response(job, VoiceoverResponse.of(job))


@router.post("/render-video", response_model=JobResponse, responses=SUBMIT_ERRORS)
async def render_video(body: RenderVideoRequest, request: Request) -> JSONResponse:
    """Render over a provided voiceover; answers when done (runs on the worker pool)."""
    job_request = body.job_request(_base_url(request))
    job = await _submit_and_wait(_service(request), job_request)
    return _finished_response(job, JobResponse.of(job))


@router.get("/uploads/{key:path}", include_in_schema=False)
def stored_file(key: str, request: Request) -> FileResponse:
    """Artifacts kept by local storage, with range requests (seeking in a browser)."""
    storage = _service(request).storage
    path = storage.path(f"uploads/{key}") if isinstance(storage, LocalStorage) else None
    if path is None:
        raise HTTPException(status_code=404, detail="no such file")
    media_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
    return FileResponse(path, media_type=media_type)


@public.get("/health", response_model=HealthResponse)
def health(request: Request) -> HealthResponse:
    state = _service(request).health()
    return HealthResponse(
        version=__version__,
        workers=WorkersBody(
            active=state.active_workers, max_concurrent_jobs=state.max_concurrent_jobs
        ),
        queue=QueueBody(queued=state.queue.queued, processing=state.queue.processing),
    )
