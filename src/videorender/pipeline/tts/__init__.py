"""TTS stage: engines behind one interface, picked by name (`TTS_PROVIDER`, or per job).

To add an engine, see `base.py`; then register a factory here in `ENGINES`. A factory gets
the TTS configuration and what the job asked for (another model file of that engine, a speaker), and
returns a loaded engine, loading the model only once per process.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from videorender.errors import ConfigError, InputError
from videorender.pipeline.stage_config import TTSConfig
from videorender.pipeline.tts.base import Samples, Speech, TTSEngine, WordSpan
from videorender.pipeline.tts.kokoro import kokoro_engine, load_kokoro
from videorender.pipeline.tts.piper import load_piper, unload_piper


def _piper(config: TTSConfig, voice_model: Path | None, speaker: str | None) -> TTSEngine:
    if speaker is not None:
        raise InputError("a speaker can only be chosen for Kokoro voices", "speaker")
    voice_config = None if voice_model else config.piper_config_path
    return load_piper(
        voice_model or config.piper_model_path,
        voice_config,
        config.piper_threads,
        config.model_cache_dir,
        config.piper_mem_arena,
    )


def _kokoro(config: TTSConfig, voice_model: Path | None, speaker: str | None) -> TTSEngine:
    model = load_kokoro(
        voice_model or config.kokoro_model_path,
        config.kokoro_voices_path,
        config.kokoro_threads,
        config.model_cache_dir,
    )
    if speaker is not None:
        return kokoro_engine(model, speaker, config.kokoro_lang, from_job=True)
    return kokoro_engine(model, config.kokoro_speaker, config.kokoro_lang)


EngineFactory = Callable[[TTSConfig, "Path | None", "str | None"], TTSEngine]

ENGINES: dict[str, EngineFactory] = {"piper": _piper, "kokoro": _kokoro}


def create_engine(
    config: TTSConfig,
    voice_model: Path | None = None,
    *,
    provider: str | None = None,
    speaker: str | None = None,
) -> TTSEngine:
    """The engine `provider` (default: `config.provider`) names, loaded once per process,
    optionally with another model file of that engine or another speaker.

    Raises:
        ConfigError: unknown provider in the settings, or its model files are missing.
        InputError: the job asked for an unknown provider or speaker.
        TTSError: the model could not be loaded.
    """
    name = (provider or config.provider).strip().lower()
    factory = ENGINES.get(name)
    if factory is None:
        known = ", ".join(sorted(ENGINES))
        if provider is not None:
            raise InputError(f"TTS engine {provider!r} is not available ({known})", "tts_provider")
        raise ConfigError(f"TTS_PROVIDER={config.provider!r} is not available ({known})")
    return factory(config, voice_model, speaker)


def unload_engines() -> None:
    """Forget every loaded voice; the next `create_engine` loads it again."""
    unload_piper()
    load_kokoro.cache_clear()


__all__ = [
    "ENGINES",
    "Samples",
    "Speech",
    "TTSEngine",
    "WordSpan",
    "create_engine",
    "unload_engines",
]
