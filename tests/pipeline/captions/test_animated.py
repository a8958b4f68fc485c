"""The animated caption styles (pop, box, bounce) on hand-written timings: each word's own
event and its animation, the sizes and places on 9:16, 16:9 and 1:1, and the options."""

from __future__ import annotations

import itertools
import json
import re

import pysubs2
import pytest

from tests.pipeline.captions.test_styles import dense_script, timed
from videorender.errors import InputError
from videorender.pipeline.captions.metrics import text_width_px
from videorender.pipeline.captions.pop import POP_MS
from videorender.pipeline.captions.subtitles import build_captions
from videorender.pipeline.models import CaptionOptions, Color, RenderOptions, SentenceTiming, Size
from videorender.pipeline.text.languages import get_language
from videorender.pipeline.text.word_split import split_words

PORTRAIT, LANDSCAPE, SQUARE = Size(1080, 1920), Size(1920, 1080), Size(1080, 1080)
FONT = "Noto Sans"
FRAME_MS = 1000 / 30
_POS = re.compile(r"\\(?:pos|move)\((-?\d+),(-?\d+)")
SCRIPT = [
    timed(0, "Captions can follow every single word as it is spoken aloud.", 0, 65),
    timed(1, "Then the next sentence arrives, a little later.", 4200, 70),
]


def _rest(text: str) -> tuple[int, int]:
    """Where an event's word or box comes to rest: its \\pos, or the end of its \\move."""
    move = re.search(r"\\move\(-?\d+,-?\d+,(-?\d+),(-?\d+)", text)
    found = move.groups() if move else _POS.findall(text)[0]
    return int(found[0]), int(found[1])


def _word_events(events: list[pysubs2.SSAEvent]) -> list[pysubs2.SSAEvent]:
    """The events that draw a word (not a box)."""
    return [e for e in events if "\\p1" not in e.text]


def _words(sentences: list[SentenceTiming]) -> list[tuple[str, int]]:
    return [(w.text, w.start_ms) for s in sentences for w in s.words]


@pytest.mark.parametrize("style", ["pop", "bounce"])
def test_each_word_is_animated_from_its_own_start(style: str) -> None:
    events = build_captions(SCRIPT, PORTRAIT, FONT, style=style).ass.events
    assert [e.plaintext for e in events] == [text for text, _ in _words(SCRIPT)]
    for event, (_, start) in zip(events, _words(SCRIPT), strict=True):
        assert abs(event.start - start) < FRAME_MS  # within a frame of words.json's start
        assert "\\an5" in event.text and _POS.search(event.text)
    if style == "pop":  # grows from under its size, over it, then settles, in POP_MS
        (tags,) = re.findall(r"^\{(.*?)\}", events[1].text)
        assert re.search(r"\\fscx70\\fscy70.*\\t\(0,80,\\fscx112\\fscy112\)", tags)
        assert f"\\t(80,{POP_MS},\\fscx100\\fscy100)" in tags and 100 <= POP_MS <= 150
    else:  # rises into place and fades in, then stays until its page ends
        match = re.search(
            r"\\move\((\d+),(\d+),(\d+),(\d+),0,(\d+)\)\\fad\((\d+),0\)", events[1].text
        )
        assert match is not None
        x1, y1, x2, y2, rise_ms, fade_ms = map(int, match.groups())
        assert x1 == x2 and 4 <= y1 - y2 <= 30 and 100 <= rise_ms == fade_ms <= 150


def test_pop_lights_the_spoken_word_until_the_next_one() -> None:
    captions = build_captions(SCRIPT, PORTRAIT, FONT, style="pop")
    events = captions.ass.events
    for cue in captions.cues:
        mine = [e for e in events if cue.start_ms <= e.start < cue.end_ms]
        assert all(e.end == cue.end_ms for e in mine)  # a word stays until its caption ends
        for event, following in itertools.pairwise(mine):
            off = following.start - event.start
            assert f"\\t({off},{off + 1},\\1c&HFFFFFF&)" in event.text
        assert "\\1c&H00D4FF&" in mine[-1].text and "\\1c&HFFFFFF&" not in mine[-1].text


def test_box_slides_from_word_to_word_under_the_words() -> None:
    green = Color(0, 192, 64)
    captions = build_captions(
        SCRIPT, LANDSCAPE, FONT, style="box", options=CaptionOptions(highlight_color=green)
    )
    events = captions.ass.events
    boxes = [e for e in events if "\\p1" in e.text]
    texts = _word_events(events)
    assert [e.plaintext for e in texts] == [text for text, _ in _words(SCRIPT)]
    assert all(b.layer == 0 for b in boxes) and all(t.layer == 1 for t in texts)
    assert len(boxes) == len(texts)
    for box, text, (_, start) in zip(boxes, texts, _words(SCRIPT), strict=True):
        assert abs(box.start - start) < FRAME_MS
        assert "\\1c&H40C000&" in box.text  # the highlight colour, as BGR
        # The box comes to rest where its word is drawn (a little lower: under the ink).
        box_x, box_y = _rest(box.text)
        word_x, word_y = map(int, _POS.findall(text.text)[0])
        assert box_x == word_x and 0 <= box_y - word_y < 10
    # Consecutive boxes of a page touch: the box is never missing while its page is up.
    for before, after in itertools.pairwise(boxes):
        assert before.end <= after.start


@pytest.mark.parametrize("style", ["pop", "box", "bounce"])
@pytest.mark.parametrize("size", [PORTRAIT, LANDSCAPE, SQUARE])
def test_words_stay_inside_the_frame_and_clear_of_the_app_overlays(style: str, size: Size) -> None:
    captions = build_captions(dense_script(), size, FONT, style=style, end_limit_ms=200_000)
    font_px = captions.ass.styles["Default"].fontsize
    for event in _word_events(captions.ass.events):
        x, y = _rest(event.text)
        *_, scale = ["100", *re.findall(r"\\fscx(\d+)", event.text)]
        half = font_px * int(scale) / 200  # half the line's height
        top, bottom = 0.1 * size.height + half, 0.8 * size.height - half
        inside = y - half > 0 and y + half < size.height
        assert top - 1 <= y <= bottom + 1 or (not size.is_portrait and inside), (event.text, size)
        assert 0 < x < size.width
    if style == "pop" and size == PORTRAIT:
        assert 130 <= font_px <= 150  # a line about 100 px from ascender to descender
    if size != PORTRAIT:
        assert font_px < 0.1 * size.height


def test_a_long_word_shrinks_to_fit_the_width() -> None:
    sentence = timed(0, "Supercalifragilisticexpialidocious!", 0, 40)
    for style in ("pop", "box", "bounce"):
        captions = build_captions([sentence], PORTRAIT, FONT, style=style)
        (event,) = _word_events(captions.ass.events)
        *_, settled = re.findall(r"\\fscx(\d+)", event.text)
        font_px = captions.ass.styles["Default"].fontsize
        width = text_width_px(sentence.text, FONT, font_px) * int(settled) / 100
        assert 0.8 * PORTRAIT.width < width <= 0.86 * PORTRAIT.width, style


def test_words_per_caption_and_uppercase() -> None:
    text = [w for s in SCRIPT for w in split_words(s.text)]
    for most in (1, 2, 5):
        options = CaptionOptions(words_per_caption=most)
        cues = build_captions(SCRIPT, PORTRAIT, FONT, style="pop", options=options).cues
        assert all(1 <= len(cue.words) <= most for cue in cues)
        assert [w.text for cue in cues for w in cue.words] == text
    assert max(len(c.words) for c in cues) >= 4  # five words are allowed, and used
    shout = build_captions(
        SCRIPT, PORTRAIT, FONT, style="pop", options=CaptionOptions(uppercase=True)
    )
    assert [e.plaintext for e in shout.ass.events] == [w.upper() for w in text]
    assert next(line for cue in shout.cues for line in cue.text_lines).isupper()


@pytest.mark.parametrize(
    ("options", "field"),
    [
        (CaptionOptions(words_per_caption=0), "words_per_caption"),
        (CaptionOptions(words_per_caption=6), "words_per_caption"),
        (CaptionOptions(uppercase="yes"), "uppercase"),  # type: ignore[arg-type]
    ],
)
def test_caption_options_out_of_range_are_refused(options: CaptionOptions, field: str) -> None:
    with pytest.raises(InputError) as caught:
        build_captions(SCRIPT, PORTRAIT, FONT, style="pop", options=options)
    assert caught.value.field == field


def test_japanese_pop_groups_by_phrase_and_pops_each_word() -> None:
    text = "屋台には、焼きとうもろこしや、たこ焼きが並んでいて、みんな楽しそうに歩いています。"
    sentence = timed(0, text, 0, 250)
    japanese = get_language("ja").captions
    pop = build_captions([sentence], PORTRAIT, "Noto Sans CJK JP", style="pop", rules=japanese)
    words = build_captions([sentence], PORTRAIT, "Noto Sans CJK JP", style="words", rules=japanese)
    # The same groups as `words` (cut between phrases, lines within the Japanese limit)...
    assert [c.text_lines for c in pop.cues] == [c.text_lines for c in words.cues]
    assert all(japanese.length(line) <= 13 for c in pop.cues for line in c.text_lines)
    assert ["焼き", "とうもろこしや、"] in [c.text_lines for c in pop.cues]
    # ... each unit popping from its own start, the units of a line side by side.
    assert "".join(e.plaintext for e in pop.ass.events) == text
    for cue in pop.cues:
        mine = [e for e in pop.ass.events if cue.start_ms <= e.start < cue.end_ms]
        places = [_rest(e.text) for e in mine]
        for (x1, y1), (x2, y2) in itertools.pairwise(places):
            assert x2 > x1 + 20 if y2 == y1 else y2 > y1  # along its line, or the next line


def test_the_new_options_survive_the_stored_request() -> None:
    """A job's options are stored as JSON in its request document and read back by the
    worker: the new ones too, and a document without them still loads."""
    options = RenderOptions(
        subtitle_style="pop", captions=CaptionOptions(uppercase=True, words_per_caption=2)
    )
    stored = json.loads(json.dumps(options.to_dict()))
    assert stored["captions"] == {"uppercase": True, "words_per_caption": 2}
    assert RenderOptions.from_dict(stored) == options
    assert RenderOptions.from_dict({"subtitle_style": "karaoke"}).captions == CaptionOptions()
