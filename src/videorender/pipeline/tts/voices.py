"""Which voices this installation can speak with: each engine's speakers, their language,
and the one a request gets when it names none (`GET /voices`, the MCP `list_voices` tool).

Kept to one small function over `TTSConfig` so that a fuller listing (a folder of voices,
VOICES_DIR) can replace its body without touching its callers. Nothing is loaded: Piper's
language comes from the voice's `.onnx.json`, Kokoro's speakers from the names in its
voices file.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from videorender.pipeline.stage_config import TTSConfig
from videorender.pipeline.tts.kokoro import DEFAULT_SPEAKER, bundled_voices
from videorender.pipeline.tts.piper import bundled_voice

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class VoiceInfo:
    """One voice: `engine` is what a request passes as `tts_provider`, `speaker` as
    `speaker` (Kokoro; a Piper voice is one model, so its name is only informative)."""

    engine: str
    speaker: str
    language: str  # BCP 47, e.g. "en-US"
    default: bool = False


def list_voices(config: TTSConfig) -> list[VoiceInfo]:
    """The voices of every engine whose files are usable; an engine whose files are missing
    or unreadable is left out (and logged), never an error. Exactly one voice is the
    default: the provider's (TTS_PROVIDER) default speaker."""
    return [*_piper_voices(config), *_kokoro_voices(config)]


def _piper_voices(config: TTSConfig) -> list[VoiceInfo]:
    if config.piper_model_path is None:
        model, voice_config = bundled_voice()
    else:
        model = config.piper_model_path
        voice_config = config.piper_config_path or Path(f"{model}.json")
    try:
        code = json.loads(voice_config.read_text(encoding="utf-8"))["language"]["code"]
    except (OSError, ValueError, KeyError, TypeError) as exc:
        log.warning("Piper voice %s left out of the voice list: %s", model, exc)
        return []
    speaker = model.name.removesuffix(".onnx")
    return [VoiceInfo("piper", speaker, _bcp47(str(code)), default=config.provider == "piper")]


def _kokoro_voices(config: TTSConfig) -> list[VoiceInfo]:
    path = config.kokoro_voices_path or bundled_voices()
    try:
        with np.load(path) as voices:
            speakers = sorted(voices.files)
    except (OSError, ValueError) as exc:
        log.warning("Kokoro voices %s left out of the voice list: %s", path, exc)
        return []
    if not speakers:
        return []
    default = config.kokoro_speaker or (
        DEFAULT_SPEAKER if DEFAULT_SPEAKER in speakers else speakers[0]
    )
    is_default = config.provider == "kokoro"
    language = _bcp47(config.kokoro_lang)
    return [
        VoiceInfo("kokoro", name, language, default=is_default and name == default)
        for name in speakers
    ]


def _bcp47(code: str) -> str:
    """`en_US` or `en-us` -> `en-US`."""
    language, _, region = code.replace("_", "-").partition("-")
    return f"{language.lower()}-{region.upper()}" if region else language.lower()
