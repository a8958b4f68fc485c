"""Caption styles: how timed sentences become captions, chosen per job (`subtitle_style`).

To add a style: write a module here with a subclass of `CaptionStyle` (`base.py`) that sets
its preset attributes, builds its cues from the sentences' word timings (`cues`), and, if it
draws more than plain text, writes a cue's ASS text (`ass_text`, escaping script text with
`escape_ass_text`), or, to animate word by word, the cue's events (`ass_events`, each word
placed by `placed.place` and animated with ASS tags: `\\t`, `\\move`, `\\fad`, `\\p1`
drawings; never frame by frame); then register an instance in `STYLES` under the name users
give. The API, CLI, MCP tool and batch format take their list of styles from `STYLES`.
"""

from __future__ import annotations

from videorender.errors import InputError
from videorender.pipeline.captions.base import CaptionLook, CaptionStyle, Cue
from videorender.pipeline.captions.bounce import BounceStyle
from videorender.pipeline.captions.box import BoxStyle
from videorender.pipeline.captions.karaoke import KaraokeStyle
from videorender.pipeline.captions.pop import PopStyle
from videorender.pipeline.captions.sentence import SentenceStyle
from videorender.pipeline.captions.words import WordsStyle
from videorender.pipeline.models import RenderOptions

STYLES: dict[str, CaptionStyle] = {
    style.name: style
    for style in (
        SentenceStyle(),
        KaraokeStyle(),
        WordsStyle(),
        PopStyle(),
        BoxStyle(),
        BounceStyle(),
    )
}
# Every style with what it looks like, for the help of the CLI, the API and the MCP tool.
STYLE_HELP = "; ".join(f"{name}: {style.summary}" for name, style in STYLES.items())
# The styles that draw the spoken word in the highlight colour (the studio shows the colour
# control only for these).
HIGHLIGHTING = frozenset({"karaoke", "pop", "box"})
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


__all__ = [
    "DEFAULT_STYLE",
    "HIGHLIGHTING",
    "STYLES",
    "CaptionLook",
    "CaptionStyle",
    "Cue",
    "get_style",
]
