"""TTS stage: engines behind one interface, picked by name (`TTS_PROVIDER`)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from videorender.config import Settings
from videorender.errors import ConfigError
from videorender.pipeline.tts.base import Samples, TTSEngine
from videorender.pipeline.tts.piper import load_piper


def _piper(settings: Settings, voice_model: Path | None) -> TTSEngine:
    config = None if voice_model else settings.piper_config_path
    return load_piper(
        voice_model or settings.piper_model_path,
        config,
        settings.piper_threads,
        settings.piper_mem_arena,
    )


EngineFactory = Callable[[Settings, "Path | None"], TTSEngine]

ENGINES: dict[str, EngineFactory] = {"piper": _piper}


def create_engine(settings: Settings, voice_model: Path | None = None) -> TTSEngine:
    """The engine `TTS_PROVIDER` names (loaded once per process), optionally with another
    model file of that engine.

    Raises:
        ConfigError: unknown provider, or its model files are missing.
        TTSError: the model could not be loaded.
    """
    factory = ENGINES.get(settings.tts_provider)
    if factory is None:
        known = ", ".join(sorted(ENGINES))
        raise ConfigError(f"TTS_PROVIDER={settings.tts_provider!r} is not available ({known})")
    return factory(settings, voice_model)


def unload_engines() -> None:
    """Forget every loaded voice; the next `create_engine` loads it again."""
    load_piper.cache_clear()


__all__ = ["ENGINES", "Samples", "TTSEngine", "create_engine", "unload_engines"]
