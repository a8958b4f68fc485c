from __future__ import annotations

import itertools
import textwrap
from pathlib import Path

import pysubs2
import pytest

from videorender.pipeline.captions.subtitles import (
    CaptionLayout,
    build_subtitles,
    escape_ass_text,
    text_width_em,
    wrap_pages,
    write_subtitles,
)
from videorender.pipeline.models import SentenceTiming, Size

LANDSCAPE = Size(1920, 1080)
PORTRAIT = Size(1080, 1920)


@pytest.mark.parametrize(
    ("raw", "escaped"),
    [
        ("{\\b1}bold{\\b0}", "\\{\\\u2060b1\\}bold\\{\\\u2060b0\\}"),
        ("line\\Nbreak", "line\\\u2060Nbreak"),
        ("soft\\nbreak and\\hspace", "soft\\\u2060nbreak and\\\u2060hspace"),
        ("trailing\\", "trailing\\\u2060"),
        ("two\nlines", "two lines"),
        ("plain text, 100% fine", "plain text, 100% fine"),
    ],
)
def test_escaping_makes_override_syntax_literal(raw: str, escaped: str) -> None:
    assert escape_ass_text(raw) == escaped


def test_no_script_text_can_open_an_override_block() -> None:
    hostile = "{\\pos(0,0)\\fs200}{\\an8}\\N\\h{}"
    escaped = escape_ass_text(hostile)
    # Every brace is escaped and no backslash is directly followed by a tag letter.
    assert "{" not in escaped.replace("\\{", "")
    assert "}" not in escaped.replace("\\}", "")
    assert all(escaped[i + 1] in "\u2060{}" for i, ch in enumerate(escaped) if ch == "\\")


def test_ass_file_written_with_frame_resolution_and_escaped_events(tmp_path: Path) -> None:
    timings = [
        SentenceTiming(0, "Hello {world}.", 0, 1500),
        SentenceTiming(1, "Second line here.", 1750, 3000),
    ]
    path = tmp_path / "subs.ass"
    write_subtitles(build_subtitles(timings, LANDSCAPE, "Noto Sans"), path)
    text = path.read_text(encoding="utf-8")
    assert "PlayResX: 1920" in text and "PlayResY: 1080" in text
    events = "\n".join(line for line in text.splitlines() if line.startswith("Dialogue:"))
    assert events == textwrap.dedent(
        """\
        Dialogue: 0,0:00:00.00,0:00:01.50,Default,,0,0,0,,Hello \\{world\\}.
        Dialogue: 0,0:00:01.75,0:00:03.00,Default,,0,0,0,,Second line here."""
    )
    parsed = pysubs2.load(str(path))
    assert parsed.styles["Default"].fontname == "Noto Sans"
    assert [(e.start, e.end) for e in parsed] == [(0, 1500), (1750, 3000)]


@pytest.mark.parametrize("size", [LANDSCAPE, PORTRAIT, Size(640, 360)])
def test_long_sentences_become_pages_of_at_most_two_fitting_lines(size: Size) -> None:
    sentence = (
        "The quick brown fox jumps over the lazy dog while the farmer watches from the porch, "
        "wondering whether the dog will ever wake up before supper is served tonight"
    )
    timing = SentenceTiming(0, sentence, 1000, 9000)
    subs = build_subtitles([timing], size, "Noto Sans")
    line_em = CaptionLayout.for_frame(size).line_width_em(size)
    assert len(subs) >= 2
    for event in subs:
        lines = event.text.split("\\N")
        assert 1 <= len(lines) <= 2
        assert all(text_width_em(line) <= line_em for line in lines)
    # Pages tile the sentence's span exactly, in order, and keep every word.
    assert subs[0].start == 1000 and subs[-1].end == 9000
    assert all(a.end == b.start for a, b in itertools.pairwise(subs))
    words = " ".join(e.text.replace("\\N", " ") for e in subs).split()
    assert words == sentence.split()


def test_two_lines_are_balanced() -> None:
    pages = wrap_pages("one two three four five six seven eight nine ten eleven twelve", 30)
    assert len(pages) == 1 and len(pages[0]) == 2
    first, second = pages[0]
    assert abs(len(first) - len(second)) <= 8


def test_cjk_lines_wrap_between_characters_without_spaces() -> None:
    text = "这是一个非常长的中文句子我们需要把它按照长度进行切分这样字幕才能正确显示"
    pages = wrap_pages(text, 12)
    assert "".join("".join(lines) for lines in pages) == text
    assert all(text_width_em(line) <= 12 for lines in pages for line in lines)


def test_portrait_captions_are_larger_relative_to_width_and_clear_of_the_bottom() -> None:
    wide, tall = CaptionLayout.for_frame(LANDSCAPE), CaptionLayout.for_frame(PORTRAIT)
    assert tall.font_px / PORTRAIT.width > wide.font_px / LANDSCAPE.width
    assert tall.margin_v >= PORTRAIT.height * 0.15
