"""What a job is: its kind, its state, the request it carries and what it has produced."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import Enum
from typing import Any

CaptionValue = str | int | float


class JobStatus(str, Enum):
    """The original service's states, plus `cancelled`."""

    QUEUED = "queued"
    PROCESSING = "processing"
    COMPLETED = "completed"
    FAILED = "failed"
    CANCELLED = "cancelled"

    @property
    def finished(self) -> bool:
        return self in (JobStatus.COMPLETED, JobStatus.FAILED, JobStatus.CANCELLED)


class JobKind(str, Enum):
    """Which endpoint made the job, and so which work it does."""

    RENDER = "render"  # POST /render: speak, render, thumbnail
    VOICEOVER = "voiceover"  # POST /voiceover: speak only
    RENDER_VIDEO = "render_video"  # POST /render-video: render over a provided voiceover


@dataclass(frozen=True)
class JobOptions:
    """The caller's voice and caption choices, as validated by the API (all optional).

    `captions` holds CaptionOptions' fields by name (colours as `#RRGGBB[AA]` text), so that
    the stored form is plain JSON.
    """

    tts_provider: str | None = None
    speaker: str | None = None
    language: str | None = None
    subtitle_style: str | None = None
    captions: dict[str, CaptionValue] = field(default_factory=dict)

    def to_json(self) -> str | None:
        values = {k: v for k, v in self.__dict__.items() if v}
        return json.dumps(values, sort_keys=True) if values else None

    @classmethod
    def from_json(cls, text: str | None) -> JobOptions:
        return cls(**json.loads(text)) if text else cls()


@dataclass(frozen=True)
class JobRequest:
    """The caller's request, validated by the API before it is stored."""

    kind: JobKind
    script: str
    base_video_url: str | None = None
    bgm_url: str | None = None
    voiceover_url: str | None = None
    size: str | None = None
    webhook_url: str | None = None
    options: JobOptions = field(default_factory=JobOptions)
    # Where the caller reached the service: the base of artifact URLs with local storage.
    base_url: str = "http://127.0.0.1:8000/"
    # The caller's own JSON object, echoed in the status and in every webhook of the job.
    metadata: Mapping[str, Any] | None = None


@dataclass(frozen=True)
class Idempotency:
    """An `Idempotency-Key` and a hash of the request it came with."""

    key: str
    request_hash: str


@dataclass(frozen=True)
class Artifacts:
    """Public locations of a job's files (None: not produced yet, or not at all)."""

    voice_url: str | None = None
    subtitles_url: str | None = None
    video_url: str | None = None
    thumbnail_url: str | None = None
    # Additions: caption sidecars and word timings.
    subtitles_srt_url: str | None = None
    subtitles_vtt_url: str | None = None
    words_url: str | None = None


@dataclass(frozen=True)
class Job:
    """One row of the job store, as read at one moment."""

    id: str
    request: JobRequest
    status: JobStatus
    attempts: int
    artifacts: Artifacts
    stage: str | None = None
    percent: int = 0
    error: str | None = None
    error_type: str | None = None  # class name of the VideoRenderError, for HTTP mapping
    # What the caller should know about a completed job (e.g. a voiceover that did not match
    # its script, so the subtitles follow speech activity instead of the words).
    warnings: tuple[str, ...] = ()
    created_at: float = 0.0
    started_at: float | None = None
    finished_at: float | None = None
    # On completion: seconds spent in each stage, and the length of the produced media.
    timings: Mapping[str, float] = field(default_factory=dict)
    duration_ms: int | None = None


@dataclass(frozen=True)
class Claim:
    """A job a worker has taken; `token` proves the lease is still its own."""

    job: Job
    token: str
