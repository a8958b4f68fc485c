"""Typed values passed between pipeline stages. Times are integer milliseconds throughout;
they become seconds only where FFmpeg arguments are spelled (`ffmpeg.py`)."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import Enum
from pathlib import Path

from videorender.errors import InputError


class Stage(str, Enum):
    """Pipeline stages, in order. The value is what users see in progress and timings."""

    SCRIPT = "script"
    INPUTS = "inputs"
    TTS = "tts"
    SUBTITLES = "subtitles"
    RENDER = "render"
    THUMBNAIL = "thumbnail"


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
    Stage.TTS: 25,
    Stage.SUBTITLES: 1,
    Stage.RENDER: 69,
    Stage.THUMBNAIL: 2,
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
class SentenceTiming:
    """Where one spoken sentence lies in the voice track."""

    index: int
    text: str
    start_ms: int
    end_ms: int

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


@dataclass(frozen=True)
class MediaInfo:
    """What ffprobe says about an input file."""

    duration_ms: int
    width: int | None = None
    height: int | None = None
    fps: float | None = None

    @property
    def has_video(self) -> bool:
        return self.width is not None

    @property
    def size(self) -> Size | None:
        if self.width is None or self.height is None:
            return None
        return Size(self.width, self.height)


@dataclass(frozen=True)
class RenderOptions:
    """How a job wants its video to look; every field is optional."""

    size: Size | None = None
    voice_model: Path | None = None


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
