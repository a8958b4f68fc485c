"""Response bodies: the job, its list, its URLs, voices, health, uploads, errors. The first
fields of a job are the original service's; the rest are additions."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
)

from videorender.jobs.models import Job, JobKind, JobStatus
from videorender.jobs.titles import job_title
from videorender.pipeline.stage_config import TTSConfig
from videorender.pipeline.tts.voices import list_voices
from videorender.requests.examples import EXAMPLE_JOB_ID, EXAMPLE_METADATA
from videorender.voice_catalog.describe import VoiceDescription, described
from videorender.webhooks import utc_timestamp

if TYPE_CHECKING:
    from videorender.jobs.service import Health
    from videorender.storage import StorageHealth


class JobResponse(BaseModel):
    """The job, as /render, /status and /render-video return it. The first seven fields are
    the spec's; the rest are additions."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "job_id": EXAMPLE_JOB_ID,
                    "status": "processing",
                    "voice_url": None,
                    "subtitles_url": None,
                    "video_url": None,
                    "thumbnail_url": None,
                    "error": None,
                    "kind": "render",
                    "progress": 42,
                    "stage": "render",
                    "timings": None,
                    "duration_seconds": None,
                    "metadata": EXAMPLE_METADATA,
                    "created_at": "2025-01-12T20:30:40Z",
                },
                {
                    "job_id": EXAMPLE_JOB_ID,
                    "status": "completed",
                    "voice_url": f"https://render.example.com/uploads/voiceovers/{EXAMPLE_JOB_ID}-voice.wav",
                    "subtitles_url": f"https://render.example.com/uploads/subtitles/{EXAMPLE_JOB_ID}-subs.ass",
                    "video_url": f"https://render.example.com/uploads/renders/{EXAMPLE_JOB_ID}-final.mp4",
                    "thumbnail_url": f"https://render.example.com/uploads/thumbnails/{EXAMPLE_JOB_ID}-thumbnail.jpg",
                    "error": None,
                    "kind": "render",
                    "progress": 100,
                    "stage": None,
                    "timings": {
                        "inputs": 0.41,
                        "script": 0.002,
                        "tts": 2.87,
                        "upload": 0.05,
                        "subtitles": 0.03,
                        "render": 9.6,
                        "thumbnail": 0.21,
                    },
                    "duration_seconds": 8.42,
                    "metadata": EXAMPLE_METADATA,
                    "created_at": "2025-01-12T20:30:40Z",
                },
            ]
        }
    )

    job_id: str
    status: JobStatus
    voice_url: str | None = None
    subtitles_url: str | None = None
    video_url: str | None = None
    thumbnail_url: str | None = None
    error: str | None = None
    kind: JobKind | None = Field(default=None, description="Which endpoint made the job.")
    progress: int = Field(
        default=0,
        ge=0,
        le=100,
        description="Whole-job percent, 0-100; never goes down while the job runs (the render "
        "stage follows FFmpeg's -progress); 100 once completed.",
    )
    stage: str | None = Field(
        default=None,
        description="While processing: inputs, script, tts, upload, subtitles, render or "
        "thumbnail; null otherwise.",
    )
    timings: dict[str, float] | None = Field(
        default=None, description="Once completed: seconds spent in each stage."
    )
    duration_seconds: float | None = Field(
        default=None, description="Once completed: the length of the produced video or voice."
    )
    metadata: dict[str, Any] | None = Field(
        default=None, description="The request's `metadata`, unchanged."
    )
    created_at: str | None = Field(default=None, description="When the job was submitted (UTC).")
    subtitles_srt_url: str | None = Field(default=None, description="SRT sidecar.")
    subtitles_vtt_url: str | None = Field(default=None, description="WebVTT sidecar.")
    words_url: str | None = Field(
        default=None, description="words.json: every sentence and word with its time."
    )
    warnings: list[str] = Field(
        default_factory=list,
        description="What to know about a completed job, e.g. a voiceover that did not match "
        "its script.",
    )
    title: str = Field(
        default="",
        description="The request's `title`, else the first words of the narration, else the "
        "first scene's file name.",
    )

    @classmethod
    def of(cls, job: Job) -> JobResponse:
        completed = job.status is JobStatus.COMPLETED
        return cls(
            job_id=job.id,
            status=job.status,
            voice_url=job.artifacts.voice_url,
            subtitles_url=job.artifacts.subtitles_url,
            video_url=job.artifacts.video_url,
            thumbnail_url=job.artifacts.thumbnail_url,
            error=job.error,
            kind=job.request.kind,
            progress=100 if completed else max(0, min(100, job.percent)),
            stage=job.stage if job.status is JobStatus.PROCESSING else None,
            timings=dict(job.timings) if completed and job.timings else None,
            duration_seconds=(
                job.duration_ms / 1000 if completed and job.duration_ms is not None else None
            ),
            metadata=dict(job.request.metadata) if job.request.metadata is not None else None,
            created_at=utc_timestamp(job.created_at) if job.created_at else None,
            subtitles_srt_url=job.artifacts.subtitles_srt_url,
            subtitles_vtt_url=job.artifacts.subtitles_vtt_url,
            words_url=job.artifacts.words_url,
            warnings=list(job.warnings),
            title=job_title(job.request),
        )


class JobListResponse(BaseModel):
    """GET /jobs: one page, newest first."""

    jobs: list[JobResponse]
    next_cursor: str | None = Field(
        default=None, description="Pass as `cursor` for the next page; null on the last page."
    )


class VoiceoverResponse(BaseModel):
    """POST /voiceover."""

    job_id: str
    status: JobStatus
    voice_url: str | None = None
    error: str | None = None

    @classmethod
    def of(cls, job: Job) -> VoiceoverResponse:
        return cls(
            job_id=job.id,
            status=job.status,
            voice_url=job.artifacts.voice_url,
            error=job.error,
        )


class WorkersBody(BaseModel):
    active: int
    max_concurrent_jobs: int


class QueueBody(BaseModel):
    queued: int
    processing: int


class StorageBody(BaseModel):
    """Where artifacts go, and whether it answered its latest check."""

    backend: str = Field(description='"local" or "s3".')
    bucket: str | None = None
    reachable: bool | None = Field(description="None: not checked yet.")
    error: str | None = None


class ClusterBody(BaseModel):
    """Every process sharing the job store: worker processes whose heartbeat
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
    storage: StorageBody | None = None

    @classmethod
    def of(cls, state: Health, storage: StorageHealth, version: str) -> HealthResponse:
        """GET /health from the job service's and the storage's states."""
        return cls(
            version=version,
            workers=WorkersBody(
                active=state.active_workers, max_concurrent_jobs=state.max_concurrent_jobs
            ),
            queue=QueueBody(queued=state.queue.queued, processing=state.queue.processing),
            cluster=ClusterBody(
                workers_alive=state.cluster.workers_alive,
                slots=state.cluster.slots,
                active=state.cluster.active,
                queued=state.queue.queued,
                processing=state.queue.processing,
            ),
            storage=StorageBody(
                backend=storage.backend,
                bucket=storage.bucket,
                reachable=storage.reachable,
                error=storage.error,
            ),
        )


class JobUrlsResponse(BaseModel):
    """GET /jobs/{job_id}/urls: addresses a plain HTTP client can download a completed job's
    artifacts from. With S3 storage they are presigned and expire after `expires_in` seconds;
    with local storage they are the service's own (`expires_in` is null). Every `*_url` of
    the job's status has its counterpart here, under the same name."""

    model_config = ConfigDict(extra="allow")

    job_id: str
    expires_in: int | None
    voice_url: str | None = None
    subtitles_url: str | None = None
    video_url: str | None = None
    thumbnail_url: str | None = None


class UploadResponse(BaseModel):
    """POST /uploads: the checked, stored file."""

    url: str = Field(
        description="Pass it as `base_video_url` or /caption-video's `video_url` (kind "
        "base_video), or `bgm_url` (kind music), or in a scene marker `![](upload://ID)` (kind "
        "scene).",
        examples=["upload://0f8fad5bd9cb469fa16570867728950e.mp4"],
    )
    kind: Literal["base_video", "music", "scene"]
    size_bytes: int
    duration_seconds: float


class VoiceBody(BaseModel):
    """One voice: pass `engine` as `tts_provider` and `speaker` as `speaker`."""

    engine: str = Field(description="The TTS engine (`tts_provider`).")
    speaker: str = Field(description="The voice's name (`speaker`; Piper: informative only).")
    language: str = Field(description="BCP 47 tag of the language it was made for, e.g. en-US.")
    languages: list[str] = Field(
        description="Every language it narrates here, its own first (a Kokoro voice speaks "
        "the others with its accent; a Piper voice only its own). A script written otherwise "
        "than the job's language is refused, or, with a Kokoro voice and no `language`, "
        "spoken in the script's own language.",
    )
    default: bool = Field(description="Speaks when a request names no engine and no speaker.")
    label: str = Field(description='A readable name, e.g. "Joe (medium)", "Bella (female)".')
    language_name: str = Field(description='The language\'s name, e.g. "English (United States)".')

    @classmethod
    def of(cls, voice: VoiceDescription) -> VoiceBody:
        return cls(
            engine=voice.voice.engine,
            speaker=voice.voice.speaker,
            language=voice.voice.language,
            languages=list(voice.voice.languages),
            default=voice.voice.default,
            label=voice.label,
            language_name=voice.language_name,
        )


class VoicesResponse(BaseModel):
    """GET /voices: every voice, grouped by language (sorted by `language_name`)."""

    voices: list[VoiceBody]

    @classmethod
    def listing(cls, config: TTSConfig) -> VoicesResponse:
        """The voices of this configuration, VOICES_DIR's as they are now."""
        return cls(voices=[VoiceBody.of(d) for d in described(list_voices(config))])


class ErrorResponse(BaseModel):
    detail: str
