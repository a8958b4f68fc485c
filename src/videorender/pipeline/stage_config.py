"""What each stage needs to know of the configuration, as small frozen values.

They are built once from `Settings` at the entry points (`videorender.config.pipeline_config`,
called by the CLI and the job workers) and handed down, so a stage sees the few values it uses
and nothing else (no database URL, no API key), and tests build them directly.

Their defaults are the product's defaults: `Settings` takes each of its defaults from here, so
a `PipelineConfig()` built in code renders as the CLI with no configuration does.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from videorender.pipeline.models import Encoder
from videorender.pipeline.render.media import MediaLimits


def default_tts_cache_dir() -> Path:
    """The speech cache's default (`TTS_CACHE_DIR`): `videorender/tts` in the user's cache
    folder (`XDG_CACHE_HOME`, else ~/.cache)."""
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "videorender" / "tts"


def default_whisper_cache_dir() -> Path:
    """Where Whisper base is rebuilt by default (`WHISPER_CACHE_DIR`): `videorender/whisper`
    beside the speech cache."""
    return default_tts_cache_dir().parent / "whisper"


def default_voices_dir() -> Path:
    """The folder of more voices by default (`VOICES_DIR`): `videorender/voices` in the
    user's data folder (`XDG_DATA_HOME`, else ~/.local/share)."""
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "videorender" / "voices"


@dataclass(frozen=True)
class TTSConfig:
    """The speech engines (TTS_PROVIDER, PIPER_*, KOKORO_*) and the speech cache."""

    provider: str = "piper"
    piper_model_path: Path | None = None  # None: the bundled voice
    piper_config_path: Path | None = None
    piper_threads: int = 1  # PIPER_THREADS with `auto` resolved (`Settings.speech_threads`)
    piper_mem_arena: bool = True
    kokoro_model_path: Path | None = None
    kokoro_voices_path: Path | None = None
    kokoro_speaker: str | None = None
    kokoro_lang: str = "en-us"
    kokoro_threads: int = 2
    # VOICES_DIR: more voices, picked by name per job (None: no folder)
    voices_dir: Path | None = field(default_factory=default_voices_dir)
    cache_dir: Path = field(default_factory=default_tts_cache_dir)
    cache_max_mb: int = 200
    sentence_pause_ms: int = 250
    keep_loaded: bool | None = None  # None: the caller decides (the CLI unloads, workers keep)

    @property
    def model_cache_dir(self) -> Path:
        """Where patched copies of voice models are kept (beside the speech cache)."""
        return self.cache_dir / "models"


@dataclass(frozen=True)
class RenderConfig:
    """How the video is made: encoder, mix, length, frame size, thumbnail, time limits."""

    encoder: Encoder = field(default_factory=Encoder)
    max_long_side: int = 1920
    tail_ms: int = 1000
    music_volume: float = 0.2
    music_fade_out_ms: int = 3000
    target_lufs: float = -14.0
    thumbnail_fraction: float = 0.10
    ffmpeg_timeout_s: float = 3600.0
    in_parts: bool = False  # RENDER_OVERLAP, `auto` resolved (see pipeline/render/parts.py)


@dataclass(frozen=True)
class TranscribeConfig:
    """Speech to text (WHISPER_*, MAX_TRANSCRIBE_SECONDS). `model_path` None: Whisper base
    from its wheels, rebuilt once into `cache_dir`."""

    model_path: Path | None = None  # WHISPER_MODEL: any CTranslate2 Whisper folder
    cache_dir: Path = field(default_factory=default_whisper_cache_dir)
    threads: int = 2
    beam_size: int = 5
    max_seconds: int = 3600  # a longer recording is refused before Whisper starts
    # Whisper hears this much at a time, cut in a pause (transcribe/windows.py): its memory
    # grows with the audio it is given at once. Peaks for 641 s: 881 MB in one call, 498 MB
    # a minute at a time, 402 MB half a minute at a time (one of its segments), no slower.
    window_ms: int = 30_000


@dataclass(frozen=True)
class PipelineConfig:
    """Everything `pipeline.run` hands to its stages."""

    tts: TTSConfig = field(default_factory=TTSConfig)
    render: RenderConfig = field(default_factory=RenderConfig)
    media: MediaLimits = field(default_factory=MediaLimits)
    transcribe: TranscribeConfig = field(default_factory=TranscribeConfig)
