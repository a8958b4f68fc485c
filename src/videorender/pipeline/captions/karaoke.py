"""`karaoke`: sentence captions in which the word being spoken is highlighted.

One ASS event per caption (so the SRT and VTT sidecars have the same cues); each word
carries its own colour and two instant `\\t` transforms that switch it to the highlight
colour when it is spoken and back when the next word starts. The last word of a caption
stays lit until the caption ends, so a pause never shows a caption with no word lit.
"""

from __future__ import annotations

from videorender.pipeline.captions.base import CaptionLook, Cue, shrink_to_fit
from videorender.pipeline.captions.sentence import SentenceStyle
from videorender.pipeline.captions.text import ass_color, escape_ass_text
from videorender.pipeline.text.word_split import separator


class KaraokeStyle(SentenceStyle):
    name = "karaoke"
    summary = "sentences with the spoken word highlighted"

    def ass_text(self, cue: Cue, look: CaptionLook) -> str:
        plain, lit = ass_color(look.text_color), ass_color(look.highlight_color)
        words = cue.words
        ends = [w.start_ms for w in words[1:]] + [cue.end_ms]
        lines: list[str] = []
        number = 0
        for line, line_text in zip(cue.lines, cue.text_lines, strict=True):
            text = shrink_to_fit(line_text, look)
            for word in line:
                on = max(0, word.start_ms - cue.start_ms)
                off = max(on + 1, ends[number] - cue.start_ms)
                if word is not line[0]:
                    text += separator(words[number - 1].text, word.text)
                text += (
                    f"{{\\1c{plain}\\t({on},{on + 1},\\1c{lit})\\t({off},{off + 1},\\1c{plain})}}"
                    + escape_ass_text(word.text)
                )
                number += 1
            lines.append(text)
        return "\\N".join(lines)
