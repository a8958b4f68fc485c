"""TTS stage: engines behind one interface, picked by name (`TTS_PROVIDER`, or per job).

To add an engine, see `base.py`; then register a factory here in `ENGINES`. A factory gets
the TTS configuration, the job's `VoiceChoice` (engine, voice, model file, language:
`voices.py`) and whether the job named the voice, and returns a loaded engine, loading the
model only once per process.

The speech stage (a script's sentences spoken into one WAV, each sentence's and word's span
recorded) is `speech.py`; Kokoro's bundled voices and model are `kokoro_files.py`, a leaf.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from videorender.errors import ConfigError, InputError
from videorender.pipeline.stage_config import TTSConfig
from videorender.pipeline.tts.base import Samples, Speech, TTSEngine, WordSpan
from videorender.pipeline.tts.kokoro import kokoro_engine, load_kokoro
from videorender.pipeline.tts.piper import load_piper, unload_piper
from videorender.pipeline.tts.voices import (
    VoiceChoice,
    VoiceInfo,
    choose_voice,
    list_voices,
)


def _piper(config: TTSConfig, choice: VoiceChoice, from_job: bool) -> TTSEngine:
    voice_config = None if choice.model else config.piper_config_path
    return load_piper(
        choice.model or config.piper_model_path,
        voice_config,
        config.piper_threads,
        config.model_cache_dir,
        config.piper_mem_arena,
    )


def _kokoro(config: TTSConfig, choice: VoiceChoice, from_job: bool) -> TTSEngine:
    model = load_kokoro(
        choice.model or config.kokoro_model_path,
        config.kokoro_voices_path,
        config.kokoro_threads,
        config.model_cache_dir,
    )
    return kokoro_engine(
        model,
        choice.speaker,
        choice.language,
        from_job=from_job,
        voices_file=choice.kokoro_voices,
        configured=config.kokoro_speaker,
    )


EngineFactory = Callable[[TTSConfig, VoiceChoice, bool], TTSEngine]

ENGINES: dict[str, EngineFactory] = {"piper": _piper, "kokoro": _kokoro}


def choose_job_voice(
    config: TTSConfig,
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
    name = (provider or config.provider).strip().lower()
    if name not in ENGINES:
        known = ", ".join(sorted(ENGINES))
        if provider is not None:
            raise InputError(f"TTS engine {provider!r} is not available ({known})", "tts_provider")
        raise ConfigError(f"TTS_PROVIDER={config.provider!r} is not available ({known})")
    return choose_voice(
        config,
        name,
        provider=name if provider else None,
        speaker=speaker,
        voice_model=voice_model,
        language=language,
    )


def create_engine(
    config: TTSConfig,
    voice_model: Path | None = None,
    *,
    provider: str | None = None,
    speaker: str | None = None,
    language: str | None = None,
) -> TTSEngine:
    """The engine `provider` (default: the named voice's, else `config.provider`) names,
    loaded once per process, optionally with another model file of that engine, a voice by
    name (`speaker`: a Kokoro voice, or a voice of `VOICES_DIR`) and a language (BCP-47;
    default: the voice's).

    Raises:
        ConfigError: unknown provider in the settings, or its model files are missing.
        InputError: the job asked for an unknown provider or speaker.
        LanguageUnavailableError: the language cannot be spoken here (its extra is missing).
        TTSError: the model could not be loaded.
    """
    choice = choose_job_voice(
        config, voice_model, provider=provider, speaker=speaker, language=language
    )
    return load_engine(config, choice)


def load_engine(config: TTSConfig, choice: VoiceChoice) -> TTSEngine:
    """The engine of a voice already chosen (`choose_job_voice`), loaded once per process:
    a render chooses its voice once, before any work, and speaks with that choice.

    Raises:
        ConfigError: the engine's model files are missing.
        InputError: the chosen speaker is not in the voices file.
        TTSError: the model could not be loaded.
    """
    # A named speaker is the job's own choice (Kokoro's configured one is KOKORO_SPEAKER's).
    return ENGINES[choice.engine](config, choice, choice.speaker is not None)


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
    "WordSpan",
    "choose_job_voice",
    "create_engine",
    "list_voices",
    "load_engine",
    "unload_engines",
]
