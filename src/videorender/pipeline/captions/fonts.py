"""Which font captions use, and the font folder handed to libass.

libass is pointed at a per-job folder holding exactly the fonts the script needs (linked, not
copied), so that captions look the same on every machine with the Debian font packages the
set-up installs, and so that the 20 MB CJK collection is only loaded for scripts that need it.
"""

from __future__ import annotations

import functools
import re
import subprocess
from dataclasses import dataclass
from pathlib import Path

from videorender.errors import ConfigError, InputError

_NOTO = Path("/usr/share/fonts/truetype/noto")
_NOTO_CJK = Path("/usr/share/fonts/opentype/noto")


@dataclass(frozen=True)
class FontSpec:
    """A font family, the fontconfig pattern that finds it, and where Debian installs it."""

    family: str
    pattern: str
    path: Path


LATIN = FontSpec("Noto Sans", "Noto Sans:bold", _NOTO / "NotoSans-Bold.ttf")
CJK_JP = FontSpec("Noto Sans CJK JP", "Noto Sans CJK JP:bold", _NOTO_CJK / "NotoSansCJK-Bold.ttc")
CJK_SC = FontSpec("Noto Sans CJK SC", "Noto Sans CJK SC:bold", _NOTO_CJK / "NotoSansCJK-Bold.ttc")
# Scripts that the Latin font lacks, with the font that covers each (fallbacks for libass).
_SCRIPT_FONTS: tuple[tuple[re.Pattern[str], FontSpec], ...] = (
    (re.compile(r"[\u0600-\u06ff\u0750-\u077f\ufb50-\ufdff\ufe70-\ufeff]"),
     FontSpec("Noto Sans Arabic", "Noto Sans Arabic:bold", _NOTO / "NotoSansArabic-Bold.ttf")),
    (re.compile(r"[\u0590-\u05ff]"),
     FontSpec("Noto Sans Hebrew", "Noto Sans Hebrew:bold", _NOTO / "NotoSansHebrew-Bold.ttf")),
    (re.compile(r"[\u0900-\u097f]"),
     FontSpec("Noto Sans Devanagari", "Noto Sans Devanagari:bold",
              _NOTO / "NotoSansDevanagari-Bold.ttf")),
    (re.compile(r"[\u0e00-\u0e7f]"),
     FontSpec("Noto Sans Thai", "Noto Sans Thai:bold", _NOTO / "NotoSansThai-Bold.ttf")),
)  # fmt: skip
_KANA = re.compile(r"[\u3040-\u30ff]")
_HAN_OR_HANGUL = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uac00-\ud7af]")


def fonts_for(text: str) -> list[FontSpec]:
    """The fonts that caption `text`; the first one's family is the caption style's font."""
    if _KANA.search(text):
        primary = CJK_JP
    elif _HAN_OR_HANGUL.search(text):
        primary = CJK_SC
    else:
        primary = LATIN
    extra = [font for pattern, font in _SCRIPT_FONTS if pattern.search(text)]
    return [primary, *extra] if primary is LATIN else [primary, LATIN, *extra]


def known_fonts() -> list[FontSpec]:
    """Every font the captions may pick by script, the primary ones first."""
    return [LATIN, CJK_JP, CJK_SC, *(font for _, font in _SCRIPT_FONTS)]


def prepare_fonts_dir(text: str, directory: Path, family: str | None = None) -> str:
    """Link the fonts that `text` needs into `directory`, and the installed font `family` if
    a job asked for one; return the caption font family.

    Raises:
        ConfigError: a needed font is not installed (the set-up installs them).
        InputError: the font family asked for is not installed.
    """
    directory.mkdir(parents=True, exist_ok=True)
    fonts = fonts_for(text)
    if family is not None:
        fonts = [installed_family(family), *fonts]
    for font in fonts:
        source = locate(font)
        link = directory / source.name
        if not link.exists():
            link.symlink_to(source)
    return fonts[0].family


def installed_family(family: str) -> FontSpec:
    """The installed font family a job asked for (bold, as captions are).

    Raises:
        InputError: no such family is installed.
    """
    chosen = FontSpec(family, f"{family}:bold", Path("/nonexistent"))
    try:
        locate(chosen)
    except ConfigError as exc:
        raise InputError(f"font {family!r} is not installed on this server", "font") from exc
    return chosen


@functools.lru_cache(maxsize=32)
def locate(font: FontSpec) -> Path:
    """The font's file: Debian's path, or wherever fontconfig finds the family."""
    if font.path.is_file():
        return font.path
    try:
        found = subprocess.run(
            ["fc-match", "-f", "%{file}|%{family}", font.pattern],
            capture_output=True, text=True, timeout=10, check=False,
        ).stdout  # fmt: skip
    except OSError:
        found = ""
    path, _, families = found.partition("|")
    if path and font.family.lower() in families.lower() and Path(path).is_file():
        return Path(path)
    raise ConfigError(
        f"font {font.family!r} is not installed: run `make setup` "
        "(Debian packages fonts-noto-core and fonts-noto-cjk)"
    )
