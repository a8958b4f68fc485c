"""`pop`: one to three words at a time, large and bold in the lower middle; each word pops
in as it is spoken.

The cues are the `words` style's groups (up to the job's `words_per_caption`, 1-5; Japanese
and Chinese groups cut between phrases by their own rules). Each word is its own ASS event,
from its start in the speech to the end of its caption, centred on its place in the line
(`placed.py`): it appears at GROW_FROM of its size, grows to OVERSHOOT over POP_MS * 4/7,
settles to its size by POP_MS, and keeps the highlight colour until the next word starts
(the last one until the caption ends).
"""

from __future__ import annotations

from videorender.pipeline.captions.base import AssEvent, CaptionLook, Cue
from videorender.pipeline.captions.placed import place, word_start
from videorender.pipeline.captions.text import ass_color, escape_ass_text
from videorender.pipeline.captions.words import WordsStyle

POP_MS = 140
GROW_FROM = 0.7
OVERSHOOT = 1.12


class PopStyle(WordsStyle):
    name = "pop"
    summary = "1-3 large words, each popping in as it is spoken, highlighted"
    position = "middle"
    font_scale_landscape = 1.5
    precise_widths = True
    font_scale_portrait = 2.0  # a line about 100 px from ascender to descender on 1080x1920

    def ass_events(self, cue: Cue, look: CaptionLook) -> list[AssEvent]:
        plain, lit = ass_color(look.text_color), ass_color(look.highlight_color)
        placed = place(cue, look)
        starts = [word_start(p.word, cue) for p in placed]
        events = []
        for number, (word, start) in enumerate(zip(placed, starts, strict=True)):
            unlit = starts[number + 1] - start if number + 1 < len(placed) else None
            settle = round(POP_MS * 4 / 7)
            tags = (
                f"{word.position}{_scale(word.scale * GROW_FROM)}\\1c{lit}"
                f"\\t(0,{settle},{_scale(word.scale * OVERSHOOT)})"
                f"\\t({settle},{POP_MS},{_scale(word.scale)})"
            )
            if unlit is not None:
                tags += f"\\t({unlit},{unlit + 1},\\1c{plain})"
            text = "{" + tags + "}" + escape_ass_text(word.word.text)
            events.append(AssEvent(start, cue.end_ms, text, layer=1))
        return events


def _scale(percent: float) -> str:
    return f"\\fscx{round(percent)}\\fscy{round(percent)}"
