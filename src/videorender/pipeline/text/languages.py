"""Languages: what a job's BCP-47 tag (`RenderOptions.language`) selects.

A `Language` says how Kokoro phonemizes it (an espeak-ng voice, or a G2P of its own for
Japanese and Chinese), which extra of the package brings that G2P, which abbreviations
never end a sentence in it, and its caption limits from the language's page of the Netflix
Timed Text Style Guide. A language whose G2P is not installed is refused before any work
(`require`), so no script is ever read out as espeak-ng's letter names.

To add a language: add a `Language` to `LANGUAGES` (its Kokoro phonemizer, the modules of
its extra, its caption limits and abbreviations); a tag that is not listed still works for
Piper voices, with the general caption limits.
"""

from __future__ import annotations

import importlib.util
import re
import unicodedata
from dataclasses import dataclass, field, replace

from videorender.errors import InputError, LanguageUnavailableError

_TAG = re.compile(r"([A-Za-z]{2,3})((?:[-_][A-Za-z0-9]{1,8})*)")


@dataclass(frozen=True)
class CaptionRules:
    """Caption limits of one language (Netflix Timed Text Style Guide)."""

    max_line_chars: int = 42
    max_chars_per_second: float = 17.0
    # The Japanese guide counts a half-width character (Latin letters, digits) as half.
    half_width_counts_half: bool = False
    # Whose words captions avoid breaking inside (`segmentation.inside_words`): "ja".
    words_of: str = ""

    def length(self, text: str) -> float:
        """`text`'s length as the guide counts it."""
        if not self.half_width_counts_half:
            return float(len(text))
        return sum(1.0 if unicodedata.east_asian_width(ch) in "WF" else 0.5 for ch in text)


@dataclass(frozen=True)
class Language:
    """One language a script can be written in, and what it selects."""

    tag: str  # BCP-47, canonical case: "ja", "pt-BR", "en-US"
    name: str
    # Kokoro's phonemizer: an espeak-ng voice ("es", "fr-fr"), or "ja" / "zh" for the G2P
    # of those languages; None: Kokoro has no voices for the language.
    kokoro: str | None = None
    extra: str | None = None  # the `videorender[...]` extra that brings its G2P
    modules: tuple[str, ...] = ()  # what that extra installs (imported to check)
    captions: CaptionRules = field(default_factory=CaptionRules)
    # Lower-case, without their final period: a period after them never ends a sentence.
    abbreviations: frozenset[str] = frozenset()
    # Spanish opens questions and exclamations with ¿ ¡: after ? or ! a sentence may go on.
    inverted_marks: bool = False

    @property
    def primary(self) -> str:
        return self.tag.split("-")[0]

    @property
    def spaced(self) -> bool:
        """Whether words are separated by spaces (not in Japanese and Chinese)."""
        return self.primary not in ("ja", "zh")


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


ENGLISH = Language("en-US", "English", kokoro="en-us", captions=CaptionRules(42, 20.0))
# Hand-kept lists: the maintained segmenters (sentencex) keep theirs inside a compiled
# module, and pysbd, which has them in Python, has not been released since 2021.
LANGUAGES: dict[str, Language] = {
    language.tag: language
    for language in (
        ENGLISH,
        Language("en-GB", "English (UK)", kokoro="en-gb", captions=CaptionRules(42, 20.0)),
        Language(
            "ja",
            "Japanese",
            kokoro="ja",
            extra="ja",
            modules=("pyopenjtalk", "sudachipy", "sudachidict_core"),
            captions=CaptionRules(13, 4.0, half_width_counts_half=True, words_of="ja"),
        ),
        Language(
            "zh", "Chinese", kokoro="zh", extra="zh", modules=("misaki.zh",),
            captions=CaptionRules(16, 9.0),
        ),
        Language(
            "es", "Spanish", kokoro="es", inverted_marks=True,
            abbreviations=_words(
                "sr sra srta sres dr dra drs ud uds vd vds lic ing prof profa arq av avda "
                "núm pág págs tel dto admón"
            ),
        ),
        Language(
            "fr", "French", kokoro="fr-fr",
            abbreviations=_words("m mm mme mmes mlle mlles dr pr me mgr st ste cf p ex env"),
        ),
        Language(
            "it", "Italian", kokoro="it",
            abbreviations=_words("sig sigg sig.ra sig.na dott dott.ssa prof avv ing arch geom on"),
        ),
        Language(
            "pt-BR", "Portuguese (Brazil)", kokoro="pt-br",
            abbreviations=_words("sr sra srta dr dra prof profa av exmo exma v.exa pág tel"),
        ),
        Language("hi", "Hindi", kokoro="hi"),
    )
}  # fmt: skip


def normalize_tag(tag: str) -> str:
    """A BCP-47 tag in its usual case (`pt_br` -> `pt-BR`, `zh-hans` -> `zh-Hans`).

    Raises:
        InputError: not a language tag.
    """
    match = _TAG.fullmatch(tag.strip())
    if not match:
        raise InputError(
            f"language {tag!r} is not a BCP-47 tag such as ja, es or pt-BR", "language"
        )
    parts = [match.group(1).lower()]
    for part in re.split(r"[-_]", match.group(2))[1:]:
        if len(part) == 2 and part.isalpha():
            parts.append(part.upper())
        elif len(part) == 4 and part.isalpha():
            parts.append(part.title())
        else:
            parts.append(part.lower())
    return "-".join(parts)


def get_language(tag: str) -> Language:
    """The language a tag names: a listed one (by tag, else by its primary subtag, keeping
    the tag's region), or one with the general rules for a tag that is not listed.

    Raises:
        InputError: not a language tag.
    """
    tag = normalize_tag(tag)
    if tag in LANGUAGES:
        return LANGUAGES[tag]
    primary = tag.split("-")[0]
    for language in LANGUAGES.values():
        if language.primary == primary:
            return replace(language, tag=tag)
    return Language(tag, tag)


def require(language: Language) -> None:
    """Check that what the language needs is installed (its extra's modules can be found;
    they are not imported, so that checking a request costs the API no memory: OpenJTalk's
    dictionary alone is ~80 MB once imported).

    Raises:
        LanguageUnavailableError: its extra is not installed.
    """
    for module in language.modules:
        if not _installed(module):
            raise LanguageUnavailableError(
                f"{language.name} needs the `{language.extra}` extra: "
                f"pip install 'videorender[{language.extra}]' (no module {module!r})"
            )


def _installed(module: str) -> bool:
    try:
        return importlib.util.find_spec(module) is not None
    except (ImportError, ValueError):  # its package is missing, or the module is blocked
        return False


def kokoro_languages() -> list[str]:
    """The tags of the languages Kokoro speaks."""
    return [tag for tag, language in LANGUAGES.items() if language.kokoro]
