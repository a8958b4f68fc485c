"""How wide text is drawn by libass, in pixels, from the caption font's own file.

The styles that place each word themselves (`placed.py`) need real widths, not the em
estimate of `text.text_width_em`: a word is centred on its own point and a box is drawn to
its width. Widths come from Pillow's shaping (HarfBuzz through raqm where installed, as in
libass), scaled the way libass sizes a font: an ASS font size is the height of the font's
OS/2 Windows ascent plus descent (VSFilter's rule), not its em.
"""

from __future__ import annotations

import functools
import struct
from pathlib import Path

from PIL import ImageFont

from videorender.errors import ConfigError, InputError
from videorender.pipeline.captions import fonts
from videorender.pipeline.captions.text import text_width_em

_MEASURE_PX = 200  # the size fonts are loaded at; widths scale linearly from it


@functools.lru_cache(maxsize=16)
def font_file(family: str) -> Path | None:
    """The file of the caption font `family`, or None where it cannot be found (then widths
    fall back to the em estimate)."""
    for spec in fonts.known_fonts():
        if spec.family.lower() == family.lower():
            try:
                return fonts.locate(spec)
            except ConfigError:
                return None
    try:
        return fonts.locate(fonts.installed_family(family))
    except (ConfigError, InputError):
        return None


@functools.lru_cache(maxsize=16)
def em_per_font_size(path: Path) -> float:
    """Ems of the font in one unit of ASS font size: unitsPerEm / (winAscent + winDescent)."""
    data = path.read_bytes()
    start = struct.unpack_from(">I", data, 12)[0] if data[:4] == b"ttcf" else 0
    tables = {}
    for number in range(struct.unpack_from(">H", data, start + 4)[0]):
        tag, _, offset, _ = struct.unpack_from(">4sIII", data, start + 12 + 16 * number)
        tables[tag] = offset
    units_per_em = struct.unpack_from(">H", data, tables[b"head"] + 18)[0]
    ascent, descent = struct.unpack_from(">HH", data, tables[b"OS/2"] + 74)
    return float(units_per_em) / max(1, int(ascent) + int(descent))


@functools.lru_cache(maxsize=16)
def _loaded(path: Path) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(str(path), _MEASURE_PX)


@functools.lru_cache(maxsize=4096)
def width_in_font_sizes(family: str, text: str) -> float:
    """The width of `text` in units of the ASS font size (what a line's fit is judged by)."""
    return text_width_px(text, family, 100.0) / 100


def text_width_px(text: str, family: str, font_px: float) -> float:
    """The advance width of `text` drawn by libass in `family` at ASS font size `font_px`."""
    path = font_file(family)
    if path is None:
        return text_width_em(text) * font_px * 0.75
    em_px = font_px * em_per_font_size(path)
    return float(_loaded(path).getlength(text)) * em_px / _MEASURE_PX
