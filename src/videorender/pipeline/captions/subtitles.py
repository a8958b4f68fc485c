"""Subtitles stage: timed sentences -> captions in the job's style -> an ASS file (written
with pysubs2) sized to the frame, plus SRT and WebVTT sidecars with the same cues.

The caption styles live in `captions/`; this module turns their cues into files. Script text
is escaped so that nothing in it can act as an ASS override tag, or as markup in WebVTT.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path

import pysubs2

from videorender.pipeline.captions import DEFAULT_STYLE, CaptionLook, Cue, get_style
from videorender.pipeline.captions.base import CaptionLayout
from videorender.pipeline.captions.text import escape_ass_text, text_width_em, wrap_pages
from videorender.pipeline.captions.timing_rules import MAX_LINES
from videorender.pipeline.models import CaptionOptions, Color, SentenceTiming, Size
from videorender.pipeline.text.languages import ENGLISH, CaptionRules
from videorender.pipeline.text.word_split import split_words

_ALIGNMENT = {
    "bottom": pysubs2.Alignment.BOTTOM_CENTER,
    "middle": pysubs2.Alignment.MIDDLE_CENTER,
    "top": pysubs2.Alignment.TOP_CENTER,
}


@dataclass(frozen=True)
class Captions:
    """The captions of one job: the ASS document to burn in, and its cues in plain text."""

    ass: pysubs2.SSAFile
    cues: tuple[Cue, ...]


def build_captions(
    timings: Sequence[SentenceTiming],
    size: Size,
    font_family: str,
    *,
    style: str = DEFAULT_STYLE,
    options: CaptionOptions | None = None,
    end_limit_ms: int | None = None,
    rules: CaptionRules = ENGLISH.captions,
) -> Captions:
    """Captions for `timings` in `style`, drawn for a frame of `size`, within the caption
    limits of the script's language (`rules`).

    Raises:
        InputError: unknown style or caption option out of range.
    """
    options = options or CaptionOptions()
    options.validate()
    caption_style = get_style(style)
    look = caption_style.look(size, font_family, options, rules)
    spoken = [timing for timing in timings if split_words(timing.text)]  # a blank one: no cue
    if look.uppercase:
        spoken = [_uppercase(timing) for timing in spoken]
    cues = caption_style.cues(spoken, look, end_limit_ms)
    subs = _document(size, look)
    for cue in cues:
        subs.events.extend(
            pysubs2.SSAEvent(start=event.start_ms, end=event.end_ms, text=event.text,
                             layer=event.layer)
            for event in caption_style.ass_events(cue, look)
        )  # fmt: skip
    return Captions(subs, tuple(cues))


def _uppercase(timing: SentenceTiming) -> SentenceTiming:
    """The sentence in capitals, its words too (so lines are fitted to the capitals' width,
    and the sidecars say what the video shows)."""
    words = tuple(replace(word, text=word.text.upper()) for word in timing.words)
    return replace(timing, text=timing.text.upper(), words=words)


def build_subtitles(
    timings: Sequence[SentenceTiming], size: Size, font_family: str
) -> pysubs2.SSAFile:
    """Sentence captions (the default style) as an ASS document."""
    return build_captions(timings, size, font_family).ass


def _document(size: Size, look: CaptionLook) -> pysubs2.SSAFile:
    subs = pysubs2.SSAFile()
    subs.info.update(
        {
            "PlayResX": str(size.width),
            "PlayResY": str(size.height),
            "ScaledBorderAndShadow": "yes",
            "WrapStyle": "0",
            "YCbCr Matrix": "TV.709",
        }
    )
    subs.styles["Default"] = pysubs2.SSAStyle(
        fontname=look.font_family,
        fontsize=look.font_px,
        bold=True,
        primarycolor=_color(look.text_color),
        secondarycolor=_color(look.highlight_color),
        outlinecolor=_color(look.outline_color),
        backcolor=pysubs2.Color(0, 0, 0, 128),
        borderstyle=1,
        outline=look.outline_px,
        shadow=look.shadow_px,
        alignment=_ALIGNMENT[look.position],
        marginl=look.margin_h,
        marginr=look.margin_h,
        marginv=look.margin_v,
    )
    return subs


def _color(color: Color) -> pysubs2.Color:
    return pysubs2.Color(color.r, color.g, color.b, color.alpha)


def write_subtitles(subs: pysubs2.SSAFile, path: Path) -> None:
    subs.save(str(path), encoding="utf-8", format_="ass")


def write_sidecars(cues: Sequence[Cue], srt: Path, vtt: Path) -> None:
    """The cues as SubRip and WebVTT files, same times as the ASS events, plain text."""
    for path, format_, escape in ((srt, "srt", _plain), (vtt, "vtt", _webvtt)):
        subs = pysubs2.SSAFile()
        for cue in cues:
            text = "\\N".join(escape(line) for line in cue.text_lines)
            subs.events.append(pysubs2.SSAEvent(start=cue.start_ms, end=cue.end_ms, text=text))
        # keep_ssa_tags: write the text as it is; there are no tags, and parsing it for tags
        # would eat braces that are part of the script.
        subs.save(str(path), encoding="utf-8", format_=format_, keep_ssa_tags=True)


def _plain(text: str) -> str:
    # pysubs2 turns \N, \n and \h into breaks and spaces: a word joiner keeps them literal.
    return text.replace("\\", "\\\u2060")


def _webvtt(text: str) -> str:
    return _plain(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


__all__ = [
    "MAX_LINES",
    "CaptionLayout",
    "Captions",
    "build_captions",
    "build_subtitles",
    "escape_ass_text",
    "text_width_em",
    "wrap_pages",
    "write_sidecars",
    "write_subtitles",
]
