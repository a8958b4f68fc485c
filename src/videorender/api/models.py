"""Request and response bodies. Field names, and the shapes of the responses, are the original
service's; everything added (`size`, `webhook_url`, `progress`) is optional."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator

from videorender.errors import InputError
from videorender.inputs import check_url
from videorender.jobs.models import Job, JobKind, JobRequest
from videorender.pipeline.models import Size
from videorender.pipeline.script import MAX_SCRIPT_CHARS

MAX_URL_CHARS = 4096


def _script(value: str) -> str:
    text = value.strip()
    if not text:
        raise ValueError("script is empty (after trimming whitespace)")
    if len(text) > MAX_SCRIPT_CHARS:
        raise ValueError(
            f"script is {len(text):,} characters long; the limit is {MAX_SCRIPT_CHARS:,}"
        )
    return text


def _url(value: str | None, field: str, schemes: tuple[str, ...]) -> str | None:
    if value is None:
        return None
    if len(value) > MAX_URL_CHARS:
        raise ValueError(f"URL is longer than {MAX_URL_CHARS} characters")
    try:
        return check_url(value, field, schemes)
    except InputError as exc:
        raise ValueError(str(exc)) from exc


class _Request(BaseModel):
    # Unknown fields are ignored, as the original service did: clients may send more.
    model_config = ConfigDict(extra="ignore", str_max_length=MAX_SCRIPT_CHARS * 4)

    script: str = Field(description="1 to 50,000 characters after trimming.")

    @field_validator("script")
    @classmethod
    def _check_script(cls, value: str) -> str:
        return _script(value)


class _MediaRequest(_Request):
    base_video_url: str | None = Field(
        default=None, description="http(s):// or s3://; none: a plain background."
    )
    bgm_url: str | None = Field(default=None, description="http(s):// or s3://; none: no music.")
    size: str | None = Field(
        default=None, description="Output WIDTHxHEIGHT, e.g. 1080x1920 (an addition)."
    )
    webhook_url: str | None = Field(
        default=None, description="Also send this job's events here (an addition)."
    )

    @field_validator("base_video_url", "bgm_url")
    @classmethod
    def _check_media_url(cls, value: str | None, info: ValidationInfo) -> str | None:
        return _url(value, info.field_name or "url", ("http", "https", "s3"))

    @field_validator("webhook_url")
    @classmethod
    def _check_webhook_url(cls, value: str | None) -> str | None:
        return _url(value, "webhook_url", ("http", "https"))

    @field_validator("size")
    @classmethod
    def _check_size(cls, value: str | None) -> str | None:
        if value is None:
            return None
        try:
            return str(Size.parse(value))
        except InputError as exc:
            raise ValueError(str(exc)) from exc


class RenderRequest(_MediaRequest):
    """POST /render."""

    def job_request(self, base_url: str) -> JobRequest:
        return JobRequest(
            kind=JobKind.RENDER,
            script=self.script,
            base_video_url=self.base_video_url,
            bgm_url=self.bgm_url,
            size=self.size,
            webhook_url=self.webhook_url,
            base_url=base_url,
        )


class VoiceoverRequest(_Request):
    """POST /voiceover."""

    webhook_url: str | None = None

    @field_validator("webhook_url")
    @classmethod
    def _check_webhook_url(cls, value: str | None) -> str | None:
        return _url(value, "webhook_url", ("http", "https"))

    def job_request(self, base_url: str) -> JobRequest:
        return JobRequest(
            kind=JobKind.VOICEOVER,
            script=self.script,
            webhook_url=self.webhook_url,
            base_url=base_url,
        )


class RenderVideoRequest(_MediaRequest):
    """POST /render-video: render over a provided voiceover."""

    voiceover_url: str = Field(description="The narration: http(s):// or s3://.")

    @field_validator("voiceover_url")
    @classmethod
    def _check_voiceover_url(cls, value: str) -> str:
        return _url(value, "voiceover_url", ("http", "https", "s3")) or value

    def job_request(self, base_url: str) -> JobRequest:
        return JobRequest(
            kind=JobKind.RENDER_VIDEO,
            script=self.script,
            base_video_url=self.base_video_url,
            bgm_url=self.bgm_url,
            voiceover_url=self.voiceover_url,
            size=self.size,
            webhook_url=self.webhook_url,
            base_url=base_url,
        )


class ProgressBody(BaseModel):
    stage: str
    percent: int


class JobResponse(BaseModel):
    """The job, as /render, /status and /render-video return it."""

    job_id: str
    status: Literal["queued", "processing", "completed", "failed", "cancelled"]
    voice_url: str | None = None
    subtitles_url: str | None = None
    video_url: str | None = None
    thumbnail_url: str | None = None
    error: str | None = None
    progress: ProgressBody | None = Field(
        default=None, description="While processing: the stage and whole-job percent."
    )

    @classmethod
    def of(cls, job: Job) -> JobResponse:
        progress = ProgressBody(stage=job.stage, percent=job.percent) if job.stage else None
        return cls(
            job_id=job.id,
            status=job.status.value,
            voice_url=job.artifacts.voice_url,
            subtitles_url=job.artifacts.subtitles_url,
            video_url=job.artifacts.video_url,
            thumbnail_url=job.artifacts.thumbnail_url,
            error=job.error,
            progress=progress,
        )


class VoiceoverResponse(BaseModel):
    """POST /voiceover."""

    job_id: str
    status: Literal["queued", "processing", "completed", "failed", "cancelled"]
    voice_url: str | None = None
    error: str | None = None

    @classmethod
    def of(cls, job: Job) -> VoiceoverResponse:
        return cls(
            job_id=job.id,
            status=job.status.value,
            voice_url=job.artifacts.voice_url,
            error=job.error,
        )


class WorkersBody(BaseModel):
    active: int
    max_concurrent_jobs: int


class QueueBody(BaseModel):
    queued: int
    processing: int


class ClusterBody(BaseModel):
    """Every process sharing the job store (an addition): worker processes whose heartbeat
    is fresher than one lease, their job slots, and the shared queue."""

    workers_alive: int
    slots: int
    active: int
    queued: int
    processing: int


class HealthResponse(BaseModel):
    status: Literal["healthy"] = "healthy"
    service: str = "video-rendering-service"
    version: str
    workers: WorkersBody  # this process
    queue: QueueBody
    cluster: ClusterBody


class ErrorResponse(BaseModel):
    detail: str
