"""The parts of a request body: its limits, URL checks, a scene, caption options, the voice
choice. Each checks through the pipeline's own types, so a range or enum is written once."""

from __future__ import annotations

from typing import Annotated

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    ValidationInfo,
    WithJsonSchema,
    field_validator,
    model_validator,
)

from videorender.errors import InputError
from videorender.inputs import check_url, local_file_url, local_path
from videorender.pipeline.captions import HIGHLIGHTING, STYLES
from videorender.pipeline.models import (
    MAX_WORDS_PER_CAPTION,
    MIN_WORDS_PER_CAPTION,
    CaptionOptions,
    CaptionPosition,
    Size,
)
from videorender.pipeline.text.languages import get_language, require
from videorender.pipeline.text.scenes import (
    DEFAULT_TRANSITION_MS,
    MAX_TRANSITION_MS,
    Fit,
    Motion,
    SceneOptions,
    SceneSpec,
    Transition,
    map_marker_targets,
    parse_scenes,
)
from videorender.pipeline.text.script import MAX_SCRIPT_CHARS
from videorender.pipeline.tts import ENGINES

MAX_URL_CHARS = 4096
URL_FIELDS = ("base_video_url", "bgm_url", "voiceover_url", "webhook_url")  # those a kind has
MAX_METADATA_BYTES = 1024
# Validation context key: accept local paths and file:// URLs for the media inputs. Only the
# fronts that run as the local user set it (`videorender mcp` over stdio, `videorender
# batch`); the HTTP API never does.
LOCAL_FILES = "local_files"
MEDIA_SCHEMES = ("http", "https", "s3", "upload")


def _check_webhook_url(value: str) -> str:
    return check_url_field(value, "webhook_url", ("http", "https")) or value


def _check_size(value: str) -> str:
    try:
        return str(Size.parse(value))
    except InputError as exc:
        raise ValueError(str(exc)) from exc


def _check_language(value: str) -> str:
    try:
        return get_language(value).tag
    except InputError as exc:
        raise ValueError(str(exc)) from exc


# A URL that a job's events are also sent to (http or https, on an allowed address).
WebhookUrl = Annotated[str, AfterValidator(_check_webhook_url)]
# An output frame size, WIDTHxHEIGHT, in its canonical spelling.
FrameSize = Annotated[str, AfterValidator(_check_size)]
# A BCP-47 language tag of a language the service speaks, in its canonical spelling.
LanguageTag = Annotated[str, AfterValidator(_check_language)]


def _check_style(value: str) -> str:
    if value not in STYLES:
        raise ValueError(f"unknown subtitle style {value!r}; one of {', '.join(sorted(STYLES))}")
    return value


# A caption style's name, checked against the styles' registry; an enum in the OpenAPI document.
SubtitleStyle = Annotated[
    str,
    AfterValidator(_check_style),
    WithJsonSchema({"type": "string", "enum": sorted(STYLES)}),
]


def check_script(value: str) -> str:
    text = value.strip()
    if not text:
        raise ValueError("script is empty (after trimming whitespace)")
    if len(text) > MAX_SCRIPT_CHARS:
        raise ValueError(
            f"script is {len(text):,} characters long; the limit is {MAX_SCRIPT_CHARS:,}"
        )
    return text


def check_url_field(value: str | None, field: str, schemes: tuple[str, ...]) -> str | None:
    if value is None:
        return None
    if len(value) > MAX_URL_CHARS:
        raise ValueError(f"URL is longer than {MAX_URL_CHARS} characters")
    try:
        return check_url(value, field, schemes)
    except InputError as exc:
        raise ValueError(str(exc)) from exc


def media_url(value: str | None, info: ValidationInfo) -> str | None:
    """A media input: a URL, or, where the validation context allows local files, a local
    path or file:// URL (returned as an absolute file:// URL)."""
    field = info.field_name or "url"
    local = bool(info.context and info.context.get(LOCAL_FILES))
    if value is None or not local or value.split(":", 1)[0].lower() in MEDIA_SCHEMES:
        return check_url_field(value, field, MEDIA_SCHEMES)
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
    motion: Motion | None = Field(
        default=None, description="A still image's slow motion (default zoom-in)."
    )
    transition: Transition | None = Field(
        default=None, description="Into this scene (default cut)."
    )
    transition_s: float | None = Field(
        default=None,
        gt=0,
        le=MAX_TRANSITION_MS // 1000,
        description=f"The transition's length (default {DEFAULT_TRANSITION_MS / 1000:g} s).",
    )
    fit: Fit | None = Field(
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
        return media_url(value, info)

    def spec(self) -> SceneSpec:
        options = self.model_dump(exclude={"text", "media_url"}, exclude_none=True)
        return SceneSpec(self.text, self.media_url, SceneOptions.from_mapping(options))


class CaptionsBody(BaseModel):
    """How captions look; every field left out takes the preset for the frame's
    shape and the caption style. Sizes are pixels of the output frame."""

    model_config = ConfigDict(extra="forbid")

    font: str | None = Field(default=None, description="An installed font family.")
    font_size: int | None = Field(default=None, description="8 to 400.")
    text_color: str | None = Field(default=None, description="#RRGGBB or #RRGGBBAA.")
    highlight_color: str | None = Field(
        default=None, description=f"The spoken word ({', '.join(sorted(HIGHLIGHTING))})."
    )
    outline_color: str | None = None
    outline: float | None = Field(default=None, description="0 to 40.")
    position: CaptionPosition | None = None
    max_line_chars: int | None = Field(default=None, description="8 to 80.")
    uppercase: bool | None = Field(default=None, description="Captions in capitals.")
    words_per_caption: int | None = Field(
        default=None,
        description=f"{MIN_WORDS_PER_CAPTION} to {MAX_WORDS_PER_CAPTION}: at most this many "
        "words on screen (pop, words; default 3).",
    )

    @model_validator(mode="after")
    def _check(self) -> CaptionsBody:
        try:
            CaptionOptions.from_mapping(self.values()).validate()
        except InputError as exc:
            raise ValueError(f"{exc.field}: {exc}") from exc
        return self

    def values(self) -> dict[str, str | int | float]:
        return {k: v for k, v in self.model_dump().items() if v is not None}


class VoiceChoice(BaseModel):
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


def local_markers(script: str) -> str:
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


def marked_scenes(script: str, *, local_files: bool = False) -> tuple[SceneSpec, ...]:
    """The scenes of a script with marker lines; each visual must be a URL here, or, with
    `local_files`, a file:// URL (`local_markers` made them).

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
