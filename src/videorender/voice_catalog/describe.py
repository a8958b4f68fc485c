"""Installed voices as people read them: a readable name, the language's name, quality and
size on disk, grouped by language. What `videorender voices list`, `GET /voices`, the MCP
`list_voices` tool and the studio's menu show; nothing is loaded to describe a voice.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from itertools import groupby
from pathlib import Path

from videorender.pipeline.text.languages import get_language
from videorender.pipeline.tts.voices import VoiceInfo
from videorender.voice_catalog.catalog import voice_label

_KOKORO_GENDERS = {"f": "female", "m": "male"}


@dataclass(frozen=True)
class VoiceDescription:
    """One installed voice, described: `label` "Joe (medium)", `language_name` "English
    (United States)"; `size_bytes` of its own files (0: unknown, e.g. a shared voices file
    counts once per voice it holds)."""

    voice: VoiceInfo
    label: str
    language_name: str
    quality: str
    size_bytes: int


def describe(voice: VoiceInfo) -> VoiceDescription:
    """`voice` with its readable name, language name, quality and size."""
    if voice.engine == "piper":
        facts = _piper_config(voice.source)
        quality = str(_object(facts.get("audio")).get("quality") or "")
        return VoiceDescription(
            voice,
            voice_label(voice.speaker, quality),
            _language_name(voice.language, _object(facts.get("language"))),
            quality,
            _size(voice.source, Path(f"{voice.source}.json") if voice.source else None),
        )
    gender = _KOKORO_GENDERS.get(voice.speaker[1:2], "")
    name = voice.speaker.split("_", 1)[-1].replace("_", " ").title()
    return VoiceDescription(
        voice,
        f"{name} ({gender})" if gender else name,
        _language_name(voice.language, {}),
        "",
        _size(voice.source) if voice.source and voice.source.suffix == ".npy" else 0,
    )


def described(voices: Iterable[VoiceInfo]) -> list[VoiceDescription]:
    """The voices described, sorted by language name, then engine and readable name."""
    return sorted(
        (describe(v) for v in voices), key=lambda d: (d.language_name, d.voice.engine, d.label)
    )


def by_language(voices: Iterable[VoiceInfo]) -> list[tuple[str, list[VoiceDescription]]]:
    """The voices described and grouped by language name (groups and voices sorted)."""
    ordered = described(voices)
    return [(name, list(group)) for name, group in groupby(ordered, lambda d: d.language_name)]


def _piper_config(model: Path | None) -> dict[str, object]:
    try:
        values = json.loads(Path(f"{model}.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return values if isinstance(values, dict) else {}


def _object(value: object) -> dict[str, object]:
    return value if isinstance(value, dict) else {}


def _language_name(tag: str, facts: dict[str, object]) -> str:
    english = facts.get("name_english")
    country = facts.get("country_english")
    if english:
        return f"{english} ({country})" if country else str(english)
    known = get_language(tag)
    region = tag.split("-")[1] if "-" in tag else ""
    if known.name != known.tag and region and "(" not in known.name:
        return f"{known.name} ({region})"
    return known.name


def _size(*paths: Path | None) -> int:
    return sum(p.stat().st_size for p in paths if p is not None and p.is_file())
