"""TTS stage: engines behind one interface, picked by name (`TTS_PROVIDER`, or per job).

To add an engine, see `base.py`; then register a factory here in `ENGINES`. A factory gets
the settings, the job's `VoiceChoice` (engine, voice, language: `voices.py`) and whether the
job named the voice, and returns a loaded engine, loading the model only once per process.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from videorender.config import Settings
from videorender.errors import ConfigError, InputError
from videorender.pipeline.tts.base import Samples, Speech, TTSEngine, WordSpan
from videorender.pipeline.tts.kokoro import kokoro_engine, load_kokoro
from videorender.pipeline.tts.piper import load_piper, unload_piper
from videorender.pipeline.tts.voices import (
    VoiceChoice,
    VoiceInfo,
    VoiceSources,
    choose_voice,
    list_voices,
)


def model_cache_dir(settings: Settings) -> Path:
    """Where patched copies of voice models are kept (beside the speech cache)."""
    return settings.tts_cache_dir / "models"


def voice_sources(settings: Settings) -> VoiceSources:
    """Where the voices of these settings come from (files, folder, Kokoro's defaults)."""
    return VoiceSources(
        voices_dir=settings.voices_dir,
        piper_model=settings.piper_model_path,
        piper_config=settings.piper_config_path,
        kokoro_voices=settings.kokoro_voices_path,
        kokoro_speaker=settings.kokoro_speaker,
        kokoro_lang=settings.kokoro_lang,
    )


def _piper(settings: Settings, choice: VoiceChoice, from_job: bool) -> TTSEngine:
    config = None if choice.model else settings.piper_config_path
    return load_piper(
        choice.model or settings.piper_model_path,
        config,
        settings.piper_threads,
        model_cache_dir(settings),
        settings.piper_mem_arena,
    )


def _kokoro(settings: Settings, choice: VoiceChoice, from_job: bool) -> TTSEngine:
    model = load_kokoro(
        settings.kokoro_model_path,
        settings.kokoro_voices_path,
        settings.kokoro_threads,
        model_cache_dir(settings),
    )
    return kokoro_engine(
        model,
        choice.speaker,
        choice.language,
        from_job=from_job,
        voices_file=choice.kokoro_voices,
        configured=settings.kokoro_speaker,
    )


EngineFactory = Callable[[Settings, VoiceChoice, bool], TTSEngine]

ENGINES: dict[str, EngineFactory] = {"piper": _piper, "kokoro": _kokoro}


def choose_job_voice(
    settings: Settings,
    voice_model: Path | None = None,
    *,
    provider: str | None = None,
    speaker: str | None = None,
    language: str | None = None,
) -> VoiceChoice:
    """The engine, voice and language a job gets (see `voices.choose_voice`), checked before
    any model is loaded.

    Raises:
        ConfigError: unknown provider in the settings.
        InputError: the job asked for an unknown provider or voice.
        LanguageUnavailableError: the language cannot be spoken here (its extra is missing).
    """
    name = (provider or settings.tts_provider).strip().lower()
    if name not in ENGINES:
        known = ", ".join(sorted(ENGINES))
        if provider is not None:
            raise InputError(f"TTS engine {provider!r} is not available ({known})", "tts_provider")
        raise ConfigError(f"TTS_PROVIDER={settings.tts_provider!r} is not available ({known})")
    return choose_voice(
        voice_sources(settings),
        name,
        provider=name if provider else None,
        speaker=speaker,
        voice_model=voice_model,
        language=language,
    )


def create_engine(
    settings: Settings,
    voice_model: Path | None = None,
    *,
    provider: str | None = None,
    speaker: str | None = None,
    language: str | None = None,
) -> TTSEngine:
    """The engine `provider` (default: the job's voice's, else `TTS_PROVIDER`) names, loaded
    once per process, optionally with another model file of that engine, a voice by name
    (`speaker`: a Kokoro voice, or a voice of `VOICES_DIR`) and a language (BCP-47; default:
    the voice's).

    Raises:
        ConfigError: unknown provider in the settings, or its model files are missing.
        InputError: the job asked for an unknown provider or speaker.
        LanguageUnavailableError: the language cannot be spoken here (its extra is missing).
        TTSError: the model could not be loaded.
    """
    choice = choose_job_voice(
        settings, voice_model, provider=provider, speaker=speaker, language=language
    )
    return ENGINES[choice.engine](settings, choice, speaker is not None)


def unload_engines() -> None:
    """Forget every loaded voice; the next `create_engine` loads it again."""
    unload_piper()
    load_kokoro.cache_clear()


__all__ = [
    "ENGINES",
    "Samples",
    "Speech",
    "TTSEngine",
    "VoiceChoice",
    "VoiceInfo",
    "VoiceSources",
    "WordSpan",
    "choose_job_voice",
    "create_engine",
    "list_voices",
    "unload_engines",
]
