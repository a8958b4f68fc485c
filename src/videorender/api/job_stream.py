"""GET /jobs/{id}/events: a job's progress as Server-Sent Events, for browsers. A thin route
over `JobService.get`: it reads the job at most every EVENT_POLL_SECONDS (the store keeps
progress at most twice a second) and sends it whenever it changed, until it is finished."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import StreamingResponse
from starlette.concurrency import run_in_threadpool

from videorender.auth import require_api_key
from videorender.jobs.service import JobService
from videorender.requests import ErrorResponse, JobResponse

EVENT_POLL_SECONDS = 0.5
KEEPALIVE_SECONDS = 15.0

router = APIRouter(dependencies=[Depends(require_api_key)])


@router.get(
    "/jobs/{job_id}/events",
    responses={
        200: {"content": {"text/event-stream": {}}, "description": "`job` events."},
        404: {"model": ErrorResponse, "description": "No job with this id."},
    },
)
async def job_events(job_id: str, request: Request) -> StreamingResponse:
    """The job as Server-Sent Events : an event `job` (data: the job, as
    GET /status returns it) at once and at every change of progress, stage or status; the
    stream ends after the job has finished."""
    service: JobService = request.app.state.service
    if await run_in_threadpool(service.get, job_id) is None:
        raise HTTPException(status_code=404, detail=f"job {job_id!r} not found")
    return StreamingResponse(
        _stream(service, job_id, request),
        media_type="text/event-stream",
        headers={"cache-control": "no-store", "x-accel-buffering": "no"},
    )


async def _stream(service: JobService, job_id: str, request: Request) -> AsyncIterator[str]:
    sent = ""
    quiet_s = 0.0
    while not await request.is_disconnected():
        job = await run_in_threadpool(service.get, job_id)
        assert job is not None  # jobs are never deleted
        data = JobResponse.of(job).model_dump_json()
        if data != sent:
            sent, quiet_s = data, 0.0
            yield f"event: job\ndata: {data}\n\n"
        elif quiet_s >= KEEPALIVE_SECONDS:
            quiet_s = 0.0
            yield ": keep-alive\n\n"
        if job.status.finished:
            return
        await asyncio.sleep(EVENT_POLL_SECONDS)
        quiet_s += EVENT_POLL_SECONDS
