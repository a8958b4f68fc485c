"""What the transcription stage needs of the settings (WHISPER_*, MAX_TRANSCRIBE_SECONDS)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class TranscribeConfig:
    """`model_path` None: Whisper base from its wheels, rebuilt once into `cache_dir`."""

    model_path: Path | None = None  # WHISPER_MODEL: any CTranslate2 Whisper folder
    cache_dir: Path = Path(".cache/videorender/whisper")
    threads: int = 2  # WHISPER_THREADS
    beam_size: int = 5  # WHISPER_BEAM_SIZE
    max_seconds: int = 3600  # MAX_TRANSCRIBE_SECONDS: longer recordings are refused
