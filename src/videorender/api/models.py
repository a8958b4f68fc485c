"""Request and response bodies. Field names, and the shapes of the responses, are the original
service's; everything added (`size`, `webhook_url`, `metadata`, `progress`, `stage`, ...) is
optional."""

from __future__ import annotations

import json
from typing import Any, ClassVar, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    JsonValue,
    ValidationInfo,
    field_validator,
    model_validator,
)

from videorender.errors import InputError
from videorender.inputs import check_url, local_file_url, local_path
from videorender.jobs.models import Job, JobKind, JobRequest, JobStatus
from videorender.jobs.titles import job_title
from videorender.pipeline.captions import DEFAULT_STYLE, STYLES
from videorender.pipeline.languages import get_language, require
from videorender.pipeline.models import CAPTION_POSITIONS, CaptionOptions, RenderOptions, Size
from videorender.pipeline.scenes import (
    MAX_SCENES,
    SceneOptions,
    SceneSpec,
    has_markers,
    map_marker_targets,
    parse_scenes,
)
from videorender.pipeline.script import MAX_SCRIPT_CHARS
from videorender.pipeline.tts import ENGINES
from videorender.pipeline.tts.voices import VoiceInfo
from videorender.webhooks import utc_timestamp

MAX_URL_CHARS = 4096
URL_FIELDS = ("base_video_url", "bgm_url", "voiceover_url", "webhook_url")  # those a kind has
MAX_METADATA_BYTES = 1024
# Validation context key: accept local paths and file:// URLs for the media inputs. Only the
# fronts that run as the local user set it (`videorender mcp` over stdio, `videorender
# batch`); the HTTP API never does.
LOCAL_FILES = "local_files"
MEDIA_SCHEMES = ("http", "https", "s3", "upload")

EXAMPLE_JOB_ID = "550e8400-e29b-41d4-a716-446655440000"
EXAMPLE_METADATA: dict[str, JsonValue] = {"record_id": "rec_42", "workflow": "n8n-youtube-shorts"}
EXAMPLE_SCRIPT = "Hello world. This is a test narration. Welcome to our video."


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


def _media_url(value: str | None, info: ValidationInfo) -> str | None:
    """A media input: a URL, or, where the validation context allows local files, a local
    path or file:// URL (returned as an absolute file:// URL)."""
    field = info.field_name or "url"
    local = bool(info.context and info.context.get(LOCAL_FILES))
    if value is None or not local or value.split(":", 1)[0].lower() in MEDIA_SCHEMES:
        return _url(value, field, MEDIA_SCHEMES)
    try:
        return local_file_url(value, field)
    except InputError as exc:
        raise ValueError(str(exc)) from exc


class SceneBody(BaseModel):
    """One scene: its text is spoken while its visual is on screen."""

    model_config = ConfigDict(extra="forbid")

    text: str = Field(description="What is spoken (and captioned) during the scene.")
    media_url: str | None = Field(
        default=None,
        description="An image (JPEG, PNG, WebP) or a video clip: http(s):// or s3://; none: "
        "the base video, or the background colour.",
    )
    motion: Literal["zoom-in", "zoom-out", "pan-left", "pan-right", "none"] | None = Field(
        default=None, description="A still image's slow motion (default zoom-in)."
    )
    transition: Literal["cut", "fade", "slide-left", "wipe"] | None = Field(
        default=None, description="Into this scene (default cut)."
    )
    transition_s: float | None = Field(
        default=None, gt=0, le=3, description="The transition's length (default 0.4 s)."
    )
    fit: Literal["cover", "contain"] | None = Field(
        default=None,
        description="cover (default): fill the frame, centre-cropped; contain: the whole "
        "visual over a blurred copy of itself.",
    )
    loop: bool | None = Field(
        default=None,
        description="A clip shorter than its scene loops (default), or holds "
        "its last frame (false).",
    )
    clip_audio: bool | None = Field(
        default=None,
        description="The clip's own sound, mixed under the voice and ducked like the music "
        "while the scene is on screen (default false: dropped). A clip without sound, or "
        "a still image, is refused.",
    )

    @field_validator("text")
    @classmethod
    def _check_text(cls, value: str) -> str:
        if not any(ch.isalnum() for ch in value):
            raise ValueError("a scene needs text to speak")
        return value.strip()

    @field_validator("media_url")
    @classmethod
    def _check_media_url(cls, value: str | None, info: ValidationInfo) -> str | None:
        return _media_url(value, info)

    def spec(self) -> SceneSpec:
        options = self.model_dump(exclude={"text", "media_url"}, exclude_none=True)
        return SceneSpec(self.text, self.media_url, SceneOptions.from_mapping(options))


class _Request(BaseModel):
    # Unknown fields are ignored, as the original service did: clients may send more.
    model_config = ConfigDict(extra="ignore", str_max_length=MAX_SCRIPT_CHARS * 4)

    # Declared before `script`, whose check needs to know whether scenes were given.
    scenes: list[SceneBody] | None = Field(
        default=None,
        min_length=1,
        max_length=MAX_SCENES,
        description="Instead of `script`: 1 to 200 scenes, 50,000 characters "
        "of text in all. A `script` may also hold scenes as marker lines, `![](URL)`.",
    )
    script: str | None = Field(
        default=None,
        validate_default=True,
        description="1 to 50,000 characters after trimming (or `scenes`).",
    )
    metadata: dict[str, Any] | None = Field(
        default=None,
        description="Any JSON object of yours, at most 1 KB (compact JSON, UTF-8), echoed "
        "unchanged in GET /status and in every webhook of the job.",
        examples=[EXAMPLE_METADATA],
    )
    title: str | None = Field(
        default=None,
        max_length=200,
        description="A name for the job in lists (the job's `title`); default: the first "
        "words of the narration, else the first scene's file name.",
    )

    KIND: ClassVar[JobKind]

    def job_kind(self) -> JobKind:
        return self.KIND

    @field_validator("scenes")
    @classmethod
    def _check_scenes(cls, value: list[SceneBody] | None) -> list[SceneBody] | None:
        total = sum(len(scene.text) for scene in value or ())
        if total > MAX_SCRIPT_CHARS:
            raise ValueError(
                f"the scenes' text is {total:,} characters long; the limit is {MAX_SCRIPT_CHARS:,}"
            )
        return value

    @field_validator("script")
    @classmethod
    def _check_script(cls, value: str | None, info: ValidationInfo) -> str | None:
        if "scenes" not in info.data:  # the scenes were refused: that error says it
            return value
        if info.data["scenes"] is not None:
            if value is not None:
                raise ValueError("give either `script` or `scenes`, not both")
            return None
        if value is None:
            raise ValueError("script is required (or `scenes`)")
        return _script(value)

    def render_options(self) -> RenderOptions:
        return RenderOptions()

    def scene_specs(self) -> tuple[SceneSpec, ...]:
        """The video's scenes (none: the script over one base video)."""
        return ()

    def job_request(self, base_url: str) -> JobRequest:
        """The job this request asks for; `base_url` is where the caller reached us."""
        urls = self.model_dump(
            include={"base_video_url", "bgm_url", "voiceover_url", "webhook_url"}
        )
        scenes = self.scene_specs()
        return JobRequest(
            kind=self.job_kind(),
            script="" if scenes else self.script or "",
            scenes=scenes,
            options=self.render_options(),
            base_url=base_url,
            metadata=self.metadata,
            title=" ".join(self.title.split()) or None if self.title else None,
            **urls,
        )

    @field_validator("metadata")
    @classmethod
    def _check_metadata(cls, value: dict[str, Any] | None) -> dict[str, Any] | None:
        if value is None:
            return None
        try:
            compact = json.dumps(value, separators=(",", ":"), ensure_ascii=False, allow_nan=False)
        except ValueError:  # Python's JSON parser accepts NaN and Infinity; JSON has neither
            raise ValueError("metadata must be plain JSON: NaN and Infinity are not") from None
        size = len(compact.encode())
        if size > MAX_METADATA_BYTES:
            raise ValueError(
                f"metadata is {size:,} bytes as compact JSON; the limit is {MAX_METADATA_BYTES:,}"
            )
        return value


class CaptionsBody(BaseModel):
    """How captions look; every field left out takes the preset for the frame's
    shape and the caption style. Sizes are pixels of the output frame."""

    model_config = ConfigDict(extra="forbid")

    font: str | None = Field(default=None, description="An installed font family.")
    font_size: int | None = Field(default=None, description="8 to 400.")
    text_color: str | None = Field(default=None, description="#RRGGBB or #RRGGBBAA.")
    highlight_color: str | None = Field(default=None, description="karaoke: the spoken word.")
    outline_color: str | None = None
    outline: float | None = Field(default=None, description="0 to 40.")
    position: Literal["bottom", "middle", "top"] | None = None
    max_line_chars: int | None = Field(default=None, description="8 to 80.")

    @model_validator(mode="after")
    def _check(self) -> CaptionsBody:
        try:
            CaptionOptions.from_mapping(self.values()).validate()
        except InputError as exc:
            raise ValueError(f"{exc.field}: {exc}") from exc
        return self

    def values(self) -> dict[str, str | int | float]:
        return {k: v for k, v in self.model_dump().items() if v is not None}


assert set(CAPTION_POSITIONS) == {"bottom", "middle", "top"}


class _VoiceChoice(BaseModel):
    tts_provider: str | None = Field(
        default=None, description=f"TTS engine for this job: {', '.join(sorted(ENGINES))}."
    )
    speaker: str | None = Field(
        default=None,
        max_length=64,
        pattern=r"^[\w\-]+$",
        description="A voice by name: a Kokoro voice (e.g. af_bella), or a voice of VOICES_DIR.",
    )
    language: str | None = Field(
        default=None,
        max_length=35,
        description="BCP-47 tag of the script's language (ja, es, pt-BR, ...); default: the "
        "voice's. Selects the phonemizer, sentence rules and caption limits.",
    )

    @field_validator("language")
    @classmethod
    def _check_language(cls, value: str | None, info: ValidationInfo) -> str | None:
        if value is None:
            return None
        try:
            language = get_language(value)
            if info.data.get("tts_provider") != "piper":  # Piper voices bring their own
                require(language)
        except InputError as exc:
            raise ValueError(str(exc)) from exc
        return language.tag

    @field_validator("tts_provider")
    @classmethod
    def _check_provider(cls, value: str | None) -> str | None:
        if value is not None and value.strip().lower() not in ENGINES:
            raise ValueError(f"unknown TTS engine {value!r}; one of {', '.join(sorted(ENGINES))}")
        return value.strip().lower() if value else None


class _MediaRequest(_Request, _VoiceChoice):
    base_video_url: str | None = Field(
        default=None,
        description="http(s)://, s3:// or upload:// (from POST /uploads); none: a plain "
        "background.",
    )
    bgm_url: str | None = Field(
        default=None, description="http(s)://, s3:// or upload:// (POST /uploads); none: no music."
    )
    music_volume: float | None = Field(
        default=None,
        ge=0,
        le=4,
        description="The music's gain under the voice (linear, 0 to 4; default MUSIC_VOLUME, "
        "0.2). The mix is then normalised to -14 LUFS, so this sets the balance.",
    )
    size: str | None = Field(default=None, description="Output WIDTHxHEIGHT, e.g. 1080x1920.")
    webhook_url: str | None = Field(
        default=None,
        description="Also send this job's events here, besides WEBHOOK_URL; signed and retried "
        "the same way.",
    )
    subtitle_style: str | None = Field(
        default=None,
        description=f"Caption style: {', '.join(sorted(STYLES))} (default sentence).",
    )
    captions: CaptionsBody | None = None

    @field_validator("subtitle_style")
    @classmethod
    def _check_style(cls, value: str | None) -> str | None:
        if value is not None and value not in STYLES:
            raise ValueError(
                f"unknown subtitle style {value!r}; one of {', '.join(sorted(STYLES))}"
            )
        return value

    @field_validator("script")
    @classmethod
    def _check_markers(cls, value: str | None, info: ValidationInfo) -> str | None:
        if value is None or not has_markers(value):
            return value
        if info.context and info.context.get(LOCAL_FILES):
            value = _local_markers(value)
        _marked_scenes(value, local_files=bool(info.context and info.context.get(LOCAL_FILES)))
        return value

    def scene_specs(self) -> tuple[SceneSpec, ...]:
        if self.scenes is not None:
            return tuple(scene.spec() for scene in self.scenes)
        if self.script is not None and has_markers(self.script):
            # Validated already; a file:// visual is there only where local files are allowed.
            return _marked_scenes(self.script, local_files=True)
        return ()

    def render_options(self) -> RenderOptions:
        return RenderOptions(
            size=Size.parse(self.size) if self.size else None,
            tts_provider=self.tts_provider,
            speaker=self.speaker,
            language=self.language,
            music_volume=self.music_volume,
            subtitle_style=self.subtitle_style or DEFAULT_STYLE,
            captions=CaptionOptions.from_mapping(self.captions.values())
            if self.captions
            else CaptionOptions(),
        )

    @field_validator("base_video_url", "bgm_url")
    @classmethod
    def _check_media_url(cls, value: str | None, info: ValidationInfo) -> str | None:
        return _media_url(value, info)

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


def _local_markers(script: str) -> str:
    """The script with each marker's local path (or file:// URL) made an absolute file://
    URL, as local paths are for the other media inputs.

    Raises:
        ValueError: naming `scenes[i].media_url`, when a path is not an existing file.
    """

    def resolve(target: str, number: int) -> str:
        if target.split(":", 1)[0].lower() in MEDIA_SCHEMES:
            return target
        return local_file_url(target, f"scenes[{number}].media_url")

    try:
        return map_marker_targets(script, resolve)
    except InputError as exc:
        raise ValueError(str(exc)) from exc


def _marked_scenes(script: str, *, local_files: bool = False) -> tuple[SceneSpec, ...]:
    """The scenes of a script with marker lines; each visual must be a URL here, or, with
    `local_files`, a file:// URL (`_local_markers` made them).

    Raises:
        ValueError: naming `scenes[i].field` in its message.
    """
    try:
        scenes = parse_scenes(script)
        for number, scene in enumerate(scenes):
            if scene.media is None or (local_files and local_path(scene.media) is not None):
                continue
            check_url(scene.media, f"scenes[{number}].media_url", MEDIA_SCHEMES)
    except InputError as exc:
        raise ValueError(str(exc)) from exc
    return tuple(scenes)


class RenderRequest(_MediaRequest):
    """POST /render."""

    KIND = JobKind.RENDER

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "script": EXAMPLE_SCRIPT,
                    "base_video_url": "https://example.com/media/base.mp4",
                    "bgm_url": "https://example.com/media/music.mp3",
                    "size": "1080x1920",
                    "webhook_url": "https://n8n.example.com/webhook/render-done",
                    "metadata": EXAMPLE_METADATA,
                }
            ]
        }
    )


class VoiceoverRequest(_Request, _VoiceChoice):
    """POST /voiceover."""

    KIND = JobKind.VOICEOVER

    script: str = Field(description="1 to 50,000 characters after trimming.")

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "script": "This is a short script. It will be turned into a voiceover.",
                    "metadata": EXAMPLE_METADATA,
                }
            ]
        }
    )

    webhook_url: str | None = Field(
        default=None,
        description="Also send this job's events here, besides WEBHOOK_URL.",
    )

    sample: bool = Field(
        default=False,
        description="A voice sample (a few words to hear a voice): the job's kind is "
        "`voice_sample`, left out of GET /jobs unless `include_samples=true`.",
    )

    def job_kind(self) -> JobKind:
        return JobKind.VOICE_SAMPLE if self.sample else JobKind.VOICEOVER

    @field_validator("webhook_url")
    @classmethod
    def _check_webhook_url(cls, value: str | None) -> str | None:
        return _url(value, "webhook_url", ("http", "https"))

    def render_options(self) -> RenderOptions:
        return RenderOptions(
            tts_provider=self.tts_provider, speaker=self.speaker, language=self.language
        )


class RenderVideoRequest(_MediaRequest):
    """POST /render-video: render over a provided voiceover."""

    KIND = JobKind.RENDER_VIDEO

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "script": "Hello world. This will be used for subtitles.",
                    "voiceover_url": "https://example.com/media/voice.wav",
                    "base_video_url": "https://example.com/media/base.mp4",
                    "metadata": EXAMPLE_METADATA,
                }
            ]
        }
    )

    voiceover_url: str = Field(description="The narration: http(s):// or s3://.")

    @field_validator("voiceover_url")
    @classmethod
    def _check_voiceover_url(cls, value: str, info: ValidationInfo) -> str:
        return _media_url(value, info) or value


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
        description="Pass it as `base_video_url` (kind base_video) or `bgm_url` (kind music), "
        "or in a scene marker `![](upload://ID)` (kind scene).",
        examples=["upload://0f8fad5bd9cb469fa16570867728950e.mp4"],
    )
    kind: Literal["base_video", "music", "scene"]
    size_bytes: int
    duration_seconds: float


class VoiceBody(BaseModel):
    """One voice: pass `engine` as `tts_provider` and `speaker` as `speaker`."""

    engine: str = Field(description="The TTS engine (`tts_provider`).")
    speaker: str = Field(description="The voice's name (`speaker`; Piper: informative only).")
    language: str = Field(description="BCP 47 tag of the language it speaks, e.g. en-US.")
    default: bool = Field(description="Speaks when a request names no engine and no speaker.")

    @classmethod
    def of(cls, voice: VoiceInfo) -> VoiceBody:
        return cls(
            engine=voice.engine,
            speaker=voice.speaker,
            language=voice.language,
            default=voice.default,
        )


class VoicesResponse(BaseModel):
    """GET /voices."""

    voices: list[VoiceBody]


class ErrorResponse(BaseModel):
    detail: str


def render_request(
    fields: dict[str, Any], *, local_files: bool = False
) -> RenderRequest | RenderVideoRequest:
    """The API's request model for these fields, validated as the API validates it:
    /render-video's when they carry a `voiceover_url`, else /render's. Fields that are None
    count as left out. For the fronts without an HTTP body (the MCP tools, `videorender
    batch`); `local_files` accepts local paths as media inputs.

    Raises:
        ValidationError: name the fields at fault with `api.errors.validation_problems`.
    """
    given = {name: value for name, value in fields.items() if value is not None}
    model = RenderVideoRequest if "voiceover_url" in given else RenderRequest
    return model.model_validate(given, context={LOCAL_FILES: local_files})
