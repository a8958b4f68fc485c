"""`box`: sentence pages (a line or two); the word being spoken sits on a rounded box of the
highlight colour, and the box slides from word to word (CapCut's "highlight").

Each word is drawn by its own event for the whole page (layer 1), centred on its place in
the line (`placed.py`); under it (layer 0), one event per word draws the box (an ASS `\\p1`
drawing) from the word's start to the next word's, sliding from the previous word's place
and width to this one's over SLIDE_MS. The last word keeps the box until the page ends.
"""

from __future__ import annotations

from videorender.pipeline.captions.base import AssEvent, CaptionLook, Cue
from videorender.pipeline.captions.placed import PlacedWord, place, word_start
from videorender.pipeline.captions.sentence import PlacedSentenceStyle
from videorender.pipeline.captions.text import ass_alpha, ass_color, escape_ass_text

SLIDE_MS = 100
PAD_EM = 0.18  # box padding either side of the word, in font sizes
HEIGHT_EM = 1.0  # box height, in font sizes (libass's line box is one font size tall)
DROP_EM = 0.04  # the box sits this much below the line box's centre, where the ink is


class BoxStyle(PlacedSentenceStyle):
    name = "box"
    summary = "sentences with a box of the highlight colour sliding under the spoken word"

    def ass_events(self, cue: Cue, look: CaptionLook) -> list[AssEvent]:
        placed = place(cue, look)
        starts = [word_start(p.word, cue) for p in placed]
        events = [AssEvent(cue.start_ms, cue.end_ms, _word_text(word), layer=1) for word in placed]
        for number, word in enumerate(placed):
            end = starts[number + 1] if number + 1 < len(placed) else cue.end_ms
            if end <= starts[number]:
                continue  # a word shorter than the grid: the box goes straight to the next
            before = placed[number - 1] if number else None
            events.append(AssEvent(starts[number], end, _box(word, before, look), layer=0))
        return events


def _word_text(word: PlacedWord) -> str:
    return "{" + word.position + word.scaled + "}" + escape_ass_text(word.word.text)


def _box(word: PlacedWord, before: PlacedWord | None, look: CaptionLook) -> str:
    size = look.font_px * word.scale / 100
    width, height = word.width + 2 * PAD_EM * size, HEIGHT_EM * size
    colour = f"\\1c{ass_color(look.highlight_color)}\\1a{ass_alpha(look.highlight_color)}"
    tags = f"\\an5\\bord0\\shad0{colour}"
    drop = round(DROP_EM * size)
    if before is None:
        tags += f"\\pos({word.x},{word.y + drop})"
    else:
        was = before.width + 2 * PAD_EM * size
        tags += f"\\move({before.x},{before.y + drop},{word.x},{word.y + drop},0,{SLIDE_MS})"
        tags += f"\\fscx{round(100 * was / width)}\\t(0,{SLIDE_MS},\\fscx100)"
    return "{" + tags + "\\p1}" + rounded_box(round(width), round(height)) + "{\\p0}"


def rounded_box(width: int, height: int) -> str:
    """An ASS drawing of a `width` x `height` box with rounded corners."""
    r = max(1, min(width, height) * 30 // 100)
    w, h = width, height
    return (
        f"m {r} 0 l {w - r} 0 b {w} 0 {w} 0 {w} {r} l {w} {h - r} b {w} {h} {w} {h} {w - r} {h} "
        f"l {r} {h} b 0 {h} 0 {h} 0 {h - r} l 0 {r} b 0 0 0 0 {r} 0"
    )
