"""`bounce`: sentence pages (a line or two) whose words come up one by one as they are
spoken, each rising RISE_EM of the font size into its place and fading in over RISE_MS; the
words stay until the page ends.

Each word is its own ASS event (`\\move` and `\\fad`), from its start in the speech to the
end of its page, centred on its place in the line (`placed.py`).
"""

from __future__ import annotations

from videorender.pipeline.captions.base import AssEvent, CaptionLook, Cue
from videorender.pipeline.captions.placed import place, word_start
from videorender.pipeline.captions.sentence import PlacedSentenceStyle
from videorender.pipeline.captions.text import escape_ass_text

RISE_MS = 130
RISE_EM = 0.15


class BounceStyle(PlacedSentenceStyle):
    name = "bounce"
    summary = "sentences whose words rise and fade in one by one as spoken"

    def ass_events(self, cue: Cue, look: CaptionLook) -> list[AssEvent]:
        rise = max(2, round(look.font_px * RISE_EM))
        events = []
        for word in place(cue, look):
            start = word_start(word.word, cue)
            tags = (
                f"\\an5\\move({word.x},{word.y + rise},{word.x},{word.y},0,{RISE_MS})"
                f"\\fad({RISE_MS},0){word.scaled}"
            )
            text = "{" + tags + "}" + escape_ass_text(word.word.text)
            events.append(AssEvent(start, cue.end_ms, text, layer=1))
        return events
