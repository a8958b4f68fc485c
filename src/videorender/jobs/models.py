"""What a job is: its kind, its state, the request it carries and what it has produced."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import Enum
from typing import Any

from videorender.pipeline.models import RenderOptions
from videorender.pipeline.text.scenes import SceneOptions, SceneSpec


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
    CAPTION_VIDEO = "caption_video"  # POST /caption-video: caption the caller's own video
    # POST /voiceover with `sample`: a few words to hear a voice; speak only, and left out of
    # job lists unless asked for (the kind is stored in the request document and its column).
    VOICE_SAMPLE = "voice_sample"

    @property
    def speaks_only(self) -> bool:
        """Whether the job only speaks its script (no video)."""
        return self in (JobKind.VOICEOVER, JobKind.VOICE_SAMPLE)


@dataclass(frozen=True)
class JobRequest:
    """The caller's request, validated by the API (or built by a caller in code) before it is
    stored. `to_json` and `from_json` are the one way it is saved and loaded."""

    kind: JobKind
    script: str
    base_video_url: str | None = None
    bgm_url: str | None = None
    voiceover_url: str | None = None
    webhook_url: str | None = None
    options: RenderOptions = field(default_factory=RenderOptions)
    # Where the caller reached the service: the base of artifact URLs with local storage.
    base_url: str = "http://127.0.0.1:8000/"
    # The caller's own JSON object, echoed in the status and in every webhook of the job.
    metadata: Mapping[str, Any] | None = None
    # A video of scenes (then `script` is empty): each scene's `media` is its visual's URL.
    scenes: tuple[SceneSpec, ...] = ()
    # CAPTION_VIDEO: the caller's video, and whether the captions are burnt into it (False:
    # the caption files, and the video's own streams copied). Stored only when set, so the
    # documents of older jobs load as they were.
    video_url: str | None = None
    burn: bool = True
    # A name for lists and pages; None: made from the narration (`jobs.titles.job_title`).
    title: str | None = None

    def to_json(self) -> str:
        values: dict[str, Any] = {"kind": self.kind.value, "script": self.script}
        if self.scenes:
            values["scenes"] = [_scene_json(scene) for scene in self.scenes]
        for name in _OPTIONAL_TEXT:
            if (value := getattr(self, name)) is not None:
                values[name] = value
        if options := self.options.to_dict():
            values["options"] = options
        values["base_url"] = self.base_url
        if self.metadata is not None:
            values["metadata"] = self.metadata
        if not self.burn:
            values["burn"] = False
        return json.dumps(values, separators=(",", ":"), ensure_ascii=False)

    @classmethod
    def from_json(cls, text: str) -> JobRequest:
        """Raises:
        InputError: a stored option that no longer parses, naming it."""
        values = json.loads(text)
        return cls(
            kind=JobKind(values["kind"]),
            script=values["script"],
            options=RenderOptions.from_dict(values.get("options", {})),
            base_url=values["base_url"],
            metadata=values.get("metadata"),
            scenes=tuple(
                _scene_from_json(scene, f"scenes[{number}]")
                for number, scene in enumerate(values.get("scenes", ()))
            ),
            burn=bool(values.get("burn", True)),
            **{name: values.get(name) for name in _OPTIONAL_TEXT},
        )


def _scene_json(scene: SceneSpec) -> dict[str, Any]:
    values: dict[str, Any] = {"text": scene.text}
    if scene.media is not None:
        values["media_url"] = scene.media
    if scene.label:
        values["label"] = scene.label
    return values | scene.options.to_mapping()


def _scene_from_json(values: Mapping[str, Any], where: str) -> SceneSpec:
    options = {k: v for k, v in values.items() if k not in ("text", "media_url", "label")}
    return SceneSpec(
        values["text"],
        values.get("media_url"),
        SceneOptions.from_mapping(options, where),
        label=values.get("label", ""),
    )


_OPTIONAL_TEXT = ("base_video_url", "bgm_url", "voiceover_url", "webhook_url", "video_url", "title")


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
