"""Request bodies: POST /render, /voiceover and /render-video, and `render_request()`, the
one way every face (HTTP, MCP, batch, CLI) turns fields into a validated request. Field names
are the original service's; everything added (`size`, `webhook_url`, `metadata`, ...) is
optional."""

from __future__ import annotations

import json
from typing import Any, ClassVar

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationInfo,
    field_validator,
)

from videorender.jobs.models import JobKind, JobRequest
from videorender.pipeline.captions import DEFAULT_STYLE, STYLE_HELP
from videorender.pipeline.models import MAX_MUSIC_VOLUME, CaptionOptions, RenderOptions, Size
from videorender.pipeline.text.scenes import (
    MAX_SCENES,
    SceneSpec,
    has_markers,
)
from videorender.pipeline.text.script import MAX_SCRIPT_CHARS
from videorender.requests.examples import EXAMPLE_METADATA, EXAMPLE_SCRIPT
from videorender.requests.fields import (
    LOCAL_FILES,
    MAX_METADATA_BYTES,
    CaptionsBody,
    FrameSize,
    SceneBody,
    SubtitleStyle,
    VoiceChoice,
    WebhookUrl,
    check_script,
    local_markers,
    marked_scenes,
    media_url,
)


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
        return _script_field(value, info)

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


class _MediaRequest(_Request, VoiceChoice):
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
        le=MAX_MUSIC_VOLUME,
        description=f"The music's gain under the voice (linear, 0 to {MAX_MUSIC_VOLUME}; default "
        "MUSIC_VOLUME, "
        "0.2). The mix is then normalised to -14 LUFS, so this sets the balance.",
    )
    size: FrameSize | None = Field(default=None, description="Output WIDTHxHEIGHT, e.g. 1080x1920.")
    webhook_url: WebhookUrl | None = Field(
        default=None,
        description="Also send this job's events here, besides WEBHOOK_URL; signed and retried "
        "the same way.",
    )
    subtitle_style: SubtitleStyle | None = Field(
        default=None, description=f"Caption style. {STYLE_HELP}."
    )
    captions: CaptionsBody | None = None

    @field_validator("script")
    @classmethod
    def _check_markers(cls, value: str | None, info: ValidationInfo) -> str | None:
        if value is None or not has_markers(value):
            return value
        local = bool(info.context and info.context.get(LOCAL_FILES))
        if local:
            value = local_markers(value)
        marked_scenes(value, local_files=local)
        return value

    def scene_specs(self) -> tuple[SceneSpec, ...]:
        if self.scenes is not None:
            return tuple(scene.spec() for scene in self.scenes)
        if self.script is not None and has_markers(self.script):
            # Validated already; a file:// visual is there only where local files are allowed.
            return marked_scenes(self.script, local_files=True)
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
        return media_url(value, info)


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


class VoiceoverRequest(_Request, VoiceChoice):
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

    webhook_url: WebhookUrl | None = Field(
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

    voiceover_url: str = Field(
        description="The narration: http(s):// or s3://. Without a `script`, it is transcribed "
        "(Whisper, offline) and what it says becomes the script and the captions."
    )

    @field_validator("script")
    @classmethod
    def _check_script(cls, value: str | None, info: ValidationInfo) -> str | None:
        if info.data.get("scenes") is None and (value is None or not value.strip()):
            return None  # no script: the voiceover is transcribed and becomes it
        return _script_field(value, info)

    @field_validator("voiceover_url")
    @classmethod
    def _check_voiceover_url(cls, value: str, info: ValidationInfo) -> str:
        return media_url(value, info) or value


def _script_field(value: str | None, info: ValidationInfo) -> str | None:
    if "scenes" not in info.data:  # the scenes were refused: that error says it
        return value
    if info.data["scenes"] is not None:
        if value is not None:
            raise ValueError("give either `script` or `scenes`, not both")
        return None
    if value is None:
        raise ValueError("script is required (or `scenes`)")
    return check_script(value)


def render_request(
    fields: dict[str, Any], *, local_files: bool = False
) -> RenderRequest | RenderVideoRequest:
    """The API's request model for these fields, validated as the API validates it:
    /render-video's when they carry a `voiceover_url`, else /render's. Fields that are None
    count as left out. For the fronts without an HTTP body (the MCP tools, `videorender
    batch`); `local_files` accepts local paths as media inputs.

    Raises:
        ValidationError: `validation_message` names the fields at fault.
    """
    given = {name: value for name, value in fields.items() if value is not None}
    model = RenderVideoRequest if "voiceover_url" in given else RenderRequest
    return model.model_validate(given, context={LOCAL_FILES: local_files})
