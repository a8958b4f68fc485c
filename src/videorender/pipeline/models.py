"""Typed values passed between pipeline stages. Times are integer milliseconds throughout;
they become seconds only where FFmpeg arguments are spelled (`render/ffmpeg/`)."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, fields
from enum import Enum
from pathlib import Path
from typing import Literal, get_args

from videorender.errors import InputError


class Stage(str, Enum):
    """A job's stages, in order. The value is what users see in progress and timings."""

    SCRIPT = "script"
    INPUTS = "inputs"
    TRANSCRIBE = "transcribe"  # only for a recording without a script (captions for a video)
    TTS = "tts"
    ALIGN = "align"  # only with a provided voiceover: TTS then speaks the reference
    SUBTITLES = "subtitles"
    RENDER = "render"
    THUMBNAIL = "thumbnail"
    UPLOAD = "upload"  # only in the service: storing the artifacts (the voice's mid-job)

    @property
    def label(self) -> str:
        """What the stage is doing, in words (the studio's progress line)."""
        return _STAGE_LABELS[self]


_STAGE_LABELS = {
    Stage.SCRIPT: "Reading the script",
    Stage.INPUTS: "Fetching the media",
    Stage.TRANSCRIBE: "Transcribing the speech",
    Stage.TTS: "Speaking the narration",
    Stage.ALIGN: "Aligning the captions to the voice",
    Stage.SUBTITLES: "Timing the captions",
    Stage.RENDER: "Rendering the video",
    Stage.THUMBNAIL: "Making the thumbnail",
    Stage.UPLOAD: "Saving the files",
}


@dataclass(frozen=True)
class Progress:
    """How far a job is: `fraction` runs from 0.0 to 1.0 within `stage`."""

    stage: Stage
    fraction: float
    detail: str = ""

    @property
    def percent(self) -> int:
        """Whole-job progress, 0-100, weighting each stage by its typical share of the time."""
        done = sum(_STAGE_WEIGHTS[s] for s in Stage if _ORDER[s] < _ORDER[self.stage])
        fraction = min(1.0, max(0.0, self.fraction))
        return min(100, int(done + _STAGE_WEIGHTS[self.stage] * fraction))


_ORDER = {stage: number for number, stage in enumerate(Stage)}
_STAGE_WEIGHTS = {
    Stage.SCRIPT: 1,
    Stage.INPUTS: 2,
    Stage.TRANSCRIBE: 0,  # a render's weights stay as they were; a captions job jumps it
    Stage.TTS: 25,
    Stage.ALIGN: 2,
    Stage.SUBTITLES: 1,
    Stage.RENDER: 67,
    Stage.THUMBNAIL: 2,
    Stage.UPLOAD: 0,
}


ProgressCallback = Callable[[Progress], None]


@dataclass(frozen=True)
class Size:
    """A frame size in pixels; both sides even, as H.264 with 4:2:0 chroma requires."""

    width: int
    height: int

    @classmethod
    def parse(cls, text: str) -> Size:
        """Parse `WIDTHxHEIGHT`, e.g. `1080x1920`.

        Raises:
            InputError: not of that form, odd, or outside 16..7680 pixels.
        """
        match = re.fullmatch(r"\s*(\d{1,5})\s*[xX×]\s*(\d{1,5})\s*", text)
        if not match:
            raise InputError(f"size {text!r} is not WIDTHxHEIGHT, e.g. 1920x1080", "size")
        size = cls(int(match.group(1)), int(match.group(2)))
        size.validate()
        return size

    def validate(self) -> None:
        for side in (self.width, self.height):
            if not 16 <= side <= 7680:
                raise InputError(f"size {self} must be between 16 and 7680 pixels a side", "size")
            if side % 2:
                raise InputError(f"size {self} must have even sides (H.264 needs it)", "size")

    @property
    def is_portrait(self) -> bool:
        return self.height > self.width

    def __str__(self) -> str:
        return f"{self.width}x{self.height}"


@dataclass(frozen=True)
class WordTiming:
    """When one word of a sentence is spoken (words as `words.split_words` cuts them)."""

    text: str
    start_ms: int
    end_ms: int


@dataclass(frozen=True)
class SentenceTiming:
    """Where one spoken sentence lies in the voice track, and each of its words in it.

    Word spans lie inside the sentence's span, in order, and do not overlap; pauses between
    words belong to none. `words_estimated` is True where the engine gave no word times and
    they were spread over the sentence in proportion to word length.
    """

    index: int
    text: str
    start_ms: int
    end_ms: int
    words: tuple[WordTiming, ...] = ()
    words_estimated: bool = False

    @property
    def duration_ms(self) -> int:
        return self.end_ms - self.start_ms


@dataclass(frozen=True)
class VoiceTrack:
    """The narration: a mono WAV file and the exact span of each sentence in it."""

    path: Path
    sample_rate: int
    duration_ms: int
    sentences: tuple[SentenceTiming, ...]
    engine: str = ""


@dataclass(frozen=True)
class MediaInfo:
    """What ffprobe says about an input file."""

    duration_ms: int
    width: int | None = None
    height: int | None = None
    fps: float | None = None
    constant_rate: bool = False  # the video's nominal and average frame rates agree
    has_audio: bool = False
    frames: int | None = None  # the video stream's frame count, where the container says

    @property
    def has_video(self) -> bool:
        return self.width is not None

    @property
    def size(self) -> Size | None:
        if self.width is None or self.height is None:
            return None
        return Size(self.width, self.height)


_COLOR = re.compile(r"#?([0-9a-fA-F]{6})([0-9a-fA-F]{2})?")
CaptionPosition = Literal["bottom", "middle", "top"]
CAPTION_POSITIONS: tuple[CaptionPosition, ...] = get_args(CaptionPosition)
MAX_MUSIC_VOLUME = 4  # the music's gain under the voice is linear, 0 to this
MIN_WORDS_PER_CAPTION, MAX_WORDS_PER_CAPTION = 1, 5


@dataclass(frozen=True)
class Color:
    """An sRGB colour; `alpha` 0 is opaque (as in ASS), 255 transparent."""

    r: int
    g: int
    b: int
    alpha: int = 0

    @classmethod
    def parse(cls, text: str, what: str = "colour") -> Color:
        """Parse `#RRGGBB` or `#RRGGBBAA` (AA: opacity, FF opaque, as on the web).

        Raises:
            InputError: not of that form.
        """
        match = _COLOR.fullmatch(text.strip())
        if not match:
            raise InputError(f"{what} {text!r} is not #RRGGBB or #RRGGBBAA", what)
        rgb, opacity = match.group(1), match.group(2) or "ff"
        return cls(int(rgb[:2], 16), int(rgb[2:4], 16), int(rgb[4:], 16), 255 - int(opacity, 16))

    def __str__(self) -> str:
        """`#RRGGBBAA`, the form `parse` reads (AA: opacity)."""
        return f"#{self.r:02x}{self.g:02x}{self.b:02x}{255 - self.alpha:02x}"


@dataclass(frozen=True)
class CaptionOptions:
    """How captions look. Every field left None takes the preset for the frame's shape
    (16:9 or 9:16) and the caption style; sizes are pixels of the output frame."""

    font: str | None = None
    font_size: int | None = None
    text_color: Color | None = None
    highlight_color: Color | None = None
    outline_color: Color | None = None
    outline: float | None = None
    position: str | None = None
    max_line_chars: int | None = None
    uppercase: bool | None = None
    words_per_caption: int | None = None  # 1-5, for the styles that show a few words

    @classmethod
    def from_mapping(cls, values: Mapping[str, str | int | float]) -> CaptionOptions:
        """From plain values by field name (colours as `#RRGGBB[AA]`), e.g. a stored request.

        Raises:
            InputError: an unknown option or a colour that does not parse, naming it.
        """
        known = {f.name for f in fields(cls)}
        parsed: dict[str, object] = {}
        for name, value in values.items():
            if name not in known:
                raise InputError(f"unknown caption option {name!r}", name)
            parsed[name] = Color.parse(str(value), name) if name.endswith("_color") else value
        return cls(**parsed)  # type: ignore[arg-type]

    def to_mapping(self) -> dict[str, str | int | float]:
        """The options set, as plain values by field name (colours as `#RRGGBBAA`): the
        inverse of `from_mapping`."""
        values: dict[str, str | int | float] = {}
        for name, value in self.__dict__.items():
            if value is not None:
                values[name] = str(value) if isinstance(value, Color) else value
        return values

    def validate(self) -> None:
        """Raises:
        InputError: naming the option that is out of range."""
        if self.font is not None and not re.fullmatch(r"[\w .\-]{1,64}", self.font):
            raise InputError(f"font {self.font!r} is not a font family name", "font")
        if self.font_size is not None and not 8 <= self.font_size <= 400:
            raise InputError("font size must be 8 to 400 pixels", "font_size")
        if self.outline is not None and not 0 <= self.outline <= 40:
            raise InputError("outline must be 0 to 40 pixels", "outline")
        if self.position is not None and self.position not in CAPTION_POSITIONS:
            known = ", ".join(CAPTION_POSITIONS)
            message = f"caption position {self.position!r} is not one of {known}"
            raise InputError(message, "position")
        if self.max_line_chars is not None and not 8 <= self.max_line_chars <= 80:
            raise InputError("max line length must be 8 to 80 characters", "max_line_chars")
        if self.uppercase is not None and not isinstance(self.uppercase, bool):
            raise InputError("uppercase must be true or false", "uppercase")
        if self.words_per_caption is not None and (
            isinstance(self.words_per_caption, bool)
            or not isinstance(self.words_per_caption, int)
            or not MIN_WORDS_PER_CAPTION <= self.words_per_caption <= MAX_WORDS_PER_CAPTION
        ):
            message = (
                f"words per caption must be {MIN_WORDS_PER_CAPTION} to {MAX_WORDS_PER_CAPTION}"
            )
            raise InputError(message, "words_per_caption")


@dataclass(frozen=True)
class RenderOptions:
    """How a job wants its video to look and sound; every field is optional.

    `tts_provider` and `speaker` override `TTS_PROVIDER` and `KOKORO_SPEAKER` for this job
    (`speaker` names any voice: a Kokoro voice, or one of `VOICES_DIR`); `language` is a
    BCP-47 tag (`ja`, `es`, `pt-BR`; default: the voice's) that selects the phonemizer,
    the sentence rules and the caption limits (`languages.py`); `subtitle_style` names a
    caption style (`sentence`, `karaoke`, `words`); `music_volume` is the background
    music's gain under the voice (linear, 0-4; default `MUSIC_VOLUME`).
    """

    size: Size | None = None
    voice_model: Path | None = None
    tts_provider: str | None = None
    speaker: str | None = None
    language: str | None = None
    subtitle_style: str = "sentence"
    captions: CaptionOptions = field(default_factory=CaptionOptions)
    music_volume: float | None = None

    def to_dict(self) -> dict[str, JsonScalar | dict[str, str | int | float]]:
        """Plain JSON values of the options that differ from the defaults; `from_dict` reads
        them back to an equal value."""
        values: dict[str, JsonScalar | dict[str, str | int | float]] = {}
        if self.size is not None:
            values["size"] = str(self.size)
        if self.voice_model is not None:
            values["voice_model"] = str(self.voice_model)
        for name in ("tts_provider", "speaker", "language"):
            if getattr(self, name) is not None:
                values[name] = getattr(self, name)
        if self.subtitle_style != RenderOptions.subtitle_style:
            values["subtitle_style"] = self.subtitle_style
        if captions := self.captions.to_mapping():
            values["captions"] = captions
        if self.music_volume is not None:
            values["music_volume"] = self.music_volume
        return values

    @classmethod
    def from_dict(cls, values: Mapping[str, object]) -> RenderOptions:
        """Raises:
        InputError: a value that does not parse, or an unknown option, naming it."""
        known = {f.name for f in fields(cls)}
        if unknown := sorted(set(values) - known):
            raise InputError(f"unknown option {unknown[0]!r}", unknown[0])
        size, model, captions = (
            values.get("size"),
            values.get("voice_model"),
            values.get("captions"),
        )
        return cls(
            size=Size.parse(str(size)) if size is not None else None,
            voice_model=Path(str(model)) if model is not None else None,
            tts_provider=_optional_str(values.get("tts_provider")),
            speaker=_optional_str(values.get("speaker")),
            language=_optional_str(values.get("language")),
            music_volume=_optional_volume(values.get("music_volume")),
            subtitle_style=str(values.get("subtitle_style") or cls.subtitle_style),
            captions=CaptionOptions.from_mapping(captions)
            if isinstance(captions, Mapping)
            else CaptionOptions(),
        )


JsonScalar = str | int | float | bool | None


def _optional_str(value: object) -> str | None:
    return None if value is None else str(value)


def _optional_volume(value: object) -> float | None:
    """Raises:
    InputError: not a number from 0 to MAX_MUSIC_VOLUME."""
    if value is None:
        return None
    if (
        isinstance(value, bool)
        or not isinstance(value, (int, float))
        or not 0 <= value <= MAX_MUSIC_VOLUME
    ):
        raise InputError(
            f"music volume {value!r} must be a number from 0 to {MAX_MUSIC_VOLUME}", "music_volume"
        )
    return float(value)


@dataclass(frozen=True)
class RenderResult:
    """Everything one render produced, all inside its output directory."""

    video: Path
    voice: Path
    subtitles: Path
    thumbnail: Path | None
    duration_ms: int
    size: Size
    stage_seconds: dict[str, float] = field(default_factory=dict)
    subtitles_srt: Path | None = None
    subtitles_vtt: Path | None = None
    words: Path | None = None
    # Things the caller should know although the render succeeded (e.g. a voiceover that did
    # not match its script, so its subtitles could not be aligned).
    warnings: tuple[str, ...] = ()
    alignment_confidence: float | None = None  # only with a provided voiceover


@dataclass(frozen=True)
class Loudness:
    """EBU R128 target, and the gain that measurements of the mix found to reach it."""

    integrated_lufs: float = -14.0
    true_peak_db: float = -1.5
    gain_db: float = 0.0


@dataclass(frozen=True)
class Encoder:
    """H.264 settings; `threads` and `lookahead` bound FFmpeg's memory (see FIELD-NOTES)."""

    preset: str = "veryfast"
    crf: int = 23
    threads: int = 2
    lookahead: int = 5
    audio_bitrate: str = "160k"


@dataclass(frozen=True)
class RenderPlan:
    """Everything one FFmpeg run needs to make the final video."""

    voice: Path
    subtitles: Path
    fonts_dir: Path
    output: Path
    size: Size
    fps: float
    duration_ms: int
    base_video: Path | None = None
    base_info: MediaInfo | None = None
    music: Path | None = None
    music_volume: float = 0.2
    music_fade_out_ms: int = 3000
    background_color: str = "0x14213d"
    loudness: Loudness = field(default_factory=Loudness)
    encoder: Encoder = field(default_factory=Encoder)
    # Scenes: the video arrives as raw frames on FFmpeg's stdin (see render.render_scenes).
    video_feed: bool = False
    # The thumbnail as a second output of the run that encodes its frame (None: none made).
    thumbnail: Path | None = None
    thumbnail_frame: int = 0  # its frame number in the output
    # Scenes with clip_audio: their clips' sound as one raw track of the video's length
    # (s16le, stereo, 48 kHz; see render.render_scenes), mixed under the voice and ducked.
    clip_sound: Path | None = None
