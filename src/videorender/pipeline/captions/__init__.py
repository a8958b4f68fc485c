"""Caption styles: how timed sentences become captions, chosen per job (`subtitle_style`).

To add a style: write a module here with a subclass of `CaptionStyle` (`base.py`) that sets
its preset attributes, builds its cues from the sentences' word timings (`cues`), and, if it
draws more than plain text, writes a cue's ASS text (`ass_text`, escaping script text with
`escape_ass_text`); then register an instance in `STYLES` under the name users give.
"""

from __future__ import annotations

from videorender.errors import InputError
from videorender.pipeline.captions.base import CaptionLook, CaptionStyle, Cue
from videorender.pipeline.captions.karaoke import KaraokeStyle
from videorender.pipeline.captions.sentence import SentenceStyle
from videorender.pipeline.captions.words import WordsStyle
from videorender.pipeline.models import RenderOptions

STYLES: dict[str, CaptionStyle] = {
    style.name: style for style in (SentenceStyle(), KaraokeStyle(), WordsStyle())
}
DEFAULT_STYLE = RenderOptions.subtitle_style  # a job's default, defined with its options


def get_style(name: str) -> CaptionStyle:
    """The caption style called `name`.

    Raises:
        InputError: no such style.
    """
    style = STYLES.get(name.strip().lower())
    if style is None:
        known = ", ".join(STYLES)
        raise InputError(f"subtitle style {name!r} is not one of {known}", "subtitle_style")
    return style


__all__ = ["DEFAULT_STYLE", "STYLES", "CaptionLook", "CaptionStyle", "Cue", "get_style"]
