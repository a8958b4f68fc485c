"""Caption styles, caption limits and sidecars, on sentence timings written by hand."""

from __future__ import annotations

import itertools
import re
from pathlib import Path

import pysubs2
import pytest

from videorender.errors import InputError
from videorender.pipeline.captions import STYLES, get_style
from videorender.pipeline.captions.subtitles import (
    build_captions,
    escape_ass_text,
    write_sidecars,
    write_subtitles,
)
from videorender.pipeline.captions.timing_rules import MAX_CHARS_PER_SECOND, MIN_DURATION_MS
from videorender.pipeline.models import CaptionOptions, Color, SentenceTiming, Size, WordTiming
from videorender.pipeline.text.word_split import split_words

ANIMATED = {"pop", "box", "bounce"}
LANDSCAPE = Size(1920, 1080)
PORTRAIT = Size(1080, 1920)
FONT = "Noto Sans"
_OUR_TAGS = re.compile(
    r"\{\\1c&H[0-9A-F]{6}&\\t\(\d+,\d+,\\1c&H[0-9A-F]{6}&\)\\t\(\d+,\d+,\\1c&H[0-9A-F]{6}&\)\}"
)


def timed(
    index: int, text: str, start_ms: int, ms_per_char: float, gap_ms: int = 40
) -> SentenceTiming:
    """A sentence whose words take `ms_per_char` a character, with short gaps between."""
    words, at = [], start_ms
    for word in split_words(text):
        end = at + round(len(word) * ms_per_char)
        words.append(WordTiming(word, at, end))
        at = end + gap_ms
    return SentenceTiming(index, text, start_ms, words[-1].end_ms, tuple(words))


def dense_script() -> list[SentenceTiming]:
    """Thirty sentences, some spoken far faster than anyone reads, with the usual pauses."""
    texts = [
        "Every morning, millions of people open their phones and watch a short video.",
        "Most of those videos were not filmed at all; they were written and spoken by software.",
        "It's fast.",
        "Supercalifragilisticexpialidocious words and extraordinarily long constructions "
        "challenge any line-breaking algorithm ever written by anybody, anywhere, anytime.",
        "A, b, c, d, e, f, g, h, i, j, k, l, m, n, o, p, q, r, s, t, u, v, w, x, y, z.",
        "No.",
    ]
    sentences, at = [], 0
    for index in range(30):
        speed = (25, 60, 90)[index % 3]  # 40, 17 and 11 characters a second
        sentence = timed(index, texts[index % len(texts)], at, 1000 / speed)
        sentences.append(sentence)
        at = sentence.end_ms + 250
    return sentences


@pytest.mark.parametrize("size", [LANDSCAPE, PORTRAIT])
@pytest.mark.parametrize("style", sorted(STYLES))
def test_caption_limits_hold_on_a_long_dense_script(style: str, size: Size) -> None:
    sentences = dense_script()
    end_limit = sentences[-1].end_ms + 1000
    captions = build_captions(sentences, size, FONT, style=style, end_limit_ms=end_limit)
    look = get_style(style).look(size, FONT, CaptionOptions())
    cues = captions.cues
    # Every word is shown once, in order.
    shown = [w.text for cue in cues for w in cue.words]
    assert shown == [w.text for s in sentences for w in s.words]
    for cue, following in itertools.zip_longest(cues, cues[1:]):
        lines = cue.text_lines
        assert 1 <= len(lines) <= 2
        for line in lines:
            assert len(line) <= 42
            assert look.fits(line) or len(split_words(line)) == 1, line
        if style == "words":
            assert len(cue.words) <= 3
        room_until = following.start_ms if following else end_limit // 10 * 10
        assert cue.end_ms <= room_until
        # At least 5/6 s and at most 20 characters a second, unless the next caption (or
        # the end) comes first.
        needed = max(MIN_DURATION_MS, cue.characters * 1000 / MAX_CHARS_PER_SECOND)
        assert cue.duration_ms >= needed or cue.end_ms == room_until, (cue, needed)
        assert cue.start_ms % 10 == 0 and cue.end_ms % 10 == 0
    if size == LANDSCAPE and style != "words":
        assert max(len(line) for cue in cues for line in cue.text_lines) > 30  # lines are used
    if size == PORTRAIT:  # narrower lines, but a long word still gets a line of its own
        lines = [line for cue in cues for line in cue.text_lines if " " in line]
        assert max(len(line) for line in lines) < 30


def test_short_captions_are_extended_into_the_pause_after_them() -> None:
    sentences = [timed(0, "It's fast.", 0, 20), timed(1, "Then slower speech follows it.", 700, 80)]
    cues = build_captions(sentences, LANDSCAPE, FONT, end_limit_ms=9000).cues
    assert cues[0].start_ms == 0 and cues[0].end_ms == 700  # up to the next caption
    assert cues[1].end_ms == sentences[1].end_ms // 10 * 10 or cues[1].duration_ms >= 834


def test_karaoke_lights_each_word_from_its_start_to_the_next_words_start() -> None:
    sentence = timed(0, "Hello {\\b1}brave{\\b0} new world.", 1000, 50)
    captions = build_captions([sentence], LANDSCAPE, FONT, style="karaoke")
    (event,) = captions.ass.events
    blocks = _OUR_TAGS.findall(event.text)
    assert len(blocks) == len(sentence.words)
    # Only our tags are tags: the rest is the escaped script text.
    assert _OUR_TAGS.sub("", event.text) == escape_ass_text(sentence.text)
    assert "\\fscx" not in event.text  # it fits: no shrinking
    for block, word, following in zip(blocks, sentence.words, sentence.words[1:], strict=False):
        on, off = (int(t) for t in re.findall(r"\\t\((\d+),", block))
        assert on == word.start_ms - event.start
        assert off == following.start_ms - event.start


def test_highlight_colour_and_look_are_configurable() -> None:
    options = CaptionOptions(
        font_size=80, highlight_color=Color.parse("#00ff00"), position="top", outline=0
    )
    captions = build_captions(
        [timed(0, "Green words on top.", 0, 60)], PORTRAIT, FONT, style="karaoke", options=options
    )
    style = captions.ass.styles["Default"]
    assert style.fontsize == 80 and style.outline == 0
    assert style.alignment == pysubs2.Alignment.TOP_CENTER
    assert "\\1c&H00FF00&" in captions.ass.events[0].text


def test_a_word_too_wide_for_the_frame_is_narrowed_to_fit() -> None:
    sentence = timed(0, "Supercalifragilisticexpialidocious!", 0, 40)
    for style in STYLES:
        events = build_captions([sentence], PORTRAIT, FONT, style=style).ass.events
        (event,) = [e for e in events if "Supercali" in e.text]
        # The last scale in the tags is where the word settles (pop grows it on the way).
        *_, settled = re.findall(r"\\fscx(\d+)\\fscy\d+", event.text)
        assert int(settled) < 100, style


def test_words_style_is_large_and_centred() -> None:
    captions = build_captions(
        [timed(0, "Short chunks of words, big in the middle.", 0, 70)],
        PORTRAIT,
        FONT,
        style="words",
    )
    sentence_px = build_captions([], PORTRAIT, FONT).ass.styles["Default"].fontsize
    style = captions.ass.styles["Default"]
    assert style.alignment == pysubs2.Alignment.MIDDLE_CENTER
    assert style.fontsize > sentence_px * 1.2
    assert all(1 <= len(cue.words) <= 3 for cue in captions.cues)


@pytest.mark.parametrize(
    "options",
    [
        CaptionOptions(font_size=2),
        CaptionOptions(position="left"),
        CaptionOptions(max_line_chars=500),
        CaptionOptions(font="Bad{font}"),
    ],
)
def test_bad_caption_options_are_refused(options: CaptionOptions) -> None:
    with pytest.raises(InputError):
        build_captions([], LANDSCAPE, FONT, options=options)


def test_unknown_style_and_colour_are_refused() -> None:
    with pytest.raises(InputError, match="subtitle style 'fancy'"):
        build_captions([], LANDSCAPE, FONT, style="fancy")
    with pytest.raises(InputError, match="#RRGGBB"):
        Color.parse("red")
    assert Color.parse("#ff000080") == Color(255, 0, 0, 127)


@pytest.mark.parametrize("style", sorted(STYLES))
def test_a_blank_sentence_gets_no_cue_and_breaks_nothing(style: str) -> None:
    timings = [
        SentenceTiming(0, "Before the gap.", 0, 1500),
        SentenceTiming(1, "  ", 1500, 2500),
        SentenceTiming(2, "After the gap.", 2500, 4000),
    ]
    cues = build_captions(timings, LANDSCAPE, FONT, style=style).cues
    assert " ".join(" ".join(cue.text_lines) for cue in cues) == "Before the gap. After the gap."
    assert not any(cue.start_ms < 2500 < cue.end_ms for cue in cues)


@pytest.mark.parametrize("style", sorted(STYLES))
def test_sidecars_parse_back_with_the_ass_timings(style: str, tmp_path: Path) -> None:
    sentences = [
        timed(0, "Plain text & <b>not bold</b> {\\an8} here.", 0, 70),
        timed(1, "A second sentence\\Nwith a typed break.", 3300, 60),
    ]
    captions = build_captions(sentences, LANDSCAPE, FONT, style=style, end_limit_ms=9000)
    write_subtitles(captions.ass, tmp_path / "subs.ass")
    write_sidecars(captions.cues, tmp_path / "subs.srt", tmp_path / "subs.vtt")
    ass = pysubs2.load(str(tmp_path / "subs.ass"))
    expected_times = [(c.start_ms, c.end_ms) for c in captions.cues]
    # Every ASS event lies within its cue (the animated styles draw a cue with several).
    assert all(any(s <= e.start < e.end <= end for s, end in expected_times) for e in ass)
    assert {(e.start, e.end) for e in ass} >= set(expected_times) or style in ANIMATED
    expected_text = ["\n".join(cue.text_lines) for cue in captions.cues]
    for name in ("subs.srt", "subs.vtt"):
        parsed = pysubs2.load(str(tmp_path / name), keep_html_tags=True)
        assert [(e.start, e.end) for e in parsed] == expected_times
        texts = [e.text.replace("\\N", "\n").replace("\u2060", "") for e in parsed]
        if name == "subs.vtt":
            texts = [
                t.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&") for t in texts
            ]
        assert texts == expected_text
    vtt = (tmp_path / "subs.vtt").read_text(encoding="utf-8")
    assert vtt.startswith("WEBVTT") and "<b>" not in vtt and "&lt;b&gt;" in vtt
