"""Hostile and international text: the script limits, and CJK and RTL captions drawn as real
glyphs, not boxes (checked on decoded frames of real renders)."""

from __future__ import annotations

import subprocess
from pathlib import Path

import numpy as np
import numpy.typing as npt
import pytest

from tests.decode import gray_frame
from videorender.config import Settings
from videorender.errors import ScriptError
from videorender.pipeline.captions.fonts import prepare_fonts_dir
from videorender.pipeline.captions.subtitles import build_subtitles, write_subtitles
from videorender.pipeline.models import SentenceTiming, Size
from videorender.pipeline.render.encode import plan_render, render_video
from videorender.pipeline.render.media import MediaInputs
from videorender.pipeline.text.script import MAX_SCRIPT_CHARS, process_script

SIZE = Size(320, 180)
CAPTION_MS = 2000


def test_exactly_the_limit_is_accepted_one_more_is_refused() -> None:
    sentence = "Every word here counts toward the limit. "
    text = (sentence * (MAX_SCRIPT_CHARS // len(sentence) + 1))[: MAX_SCRIPT_CHARS - 1] + "."
    assert len(text) == MAX_SCRIPT_CHARS
    assert process_script(text)
    with pytest.raises(ScriptError, match="50,001 characters long; the limit is 50,000"):
        process_script(text + "x")


def test_one_five_thousand_character_word_is_cut_into_speakable_chunks() -> None:
    sentences = process_script("a" * 5000)
    assert "".join(s.text for s in sentences) == "a" * 5000  # nothing lost
    assert max(len(s.text) for s in sentences) <= 200  # never one 5,000-character utterance


@pytest.fixture(scope="module")
def voice(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("voice") / "tone.wav"
    subprocess.run(
        ["ffmpeg", "-v", "error", "-y", "-f", "lavfi", "-i", "sine=f=300:d=2", "-ac", "1",
         str(path)],
        check=True, timeout=60,
    )  # fmt: skip
    return path


def _caption_frame(text: str, voice: Path, work: Path, settings: Settings) -> npt.NDArray[np.int_]:
    """The middle frame of a plain-background render captioned `text`, as the pipeline does
    it (fonts chosen for the text, libass through FFmpeg)."""
    work.mkdir()
    family = prepare_fonts_dir(text, work / "fonts")
    timings = [SentenceTiming(0, text, 0, CAPTION_MS)] if text else []
    subs = build_subtitles(timings, SIZE, family)
    write_subtitles(subs, work / "subs.ass")
    plan = plan_render(
        inputs=MediaInputs(), voice=voice, voice_ms=CAPTION_MS, subtitles=work / "subs.ass",
        fonts_dir=work / "fonts", output=work / "out.mp4", size=SIZE, config=settings.pipeline_config().render,
    )  # fmt: skip
    render_video(plan, timeout_s=120)
    return gray_frame(plan.output, CAPTION_MS // 2, SIZE.width, SIZE.height).astype(int)


# Pairs of different texts of equal length (in code points). Drawn as boxes, both texts of a
# pair would give the same picture (one box per character); drawn as glyphs, they differ.
PAIRS = {
    "chinese": ("你好世界朋友", "谢谢大家再见"),
    "japanese": ("こんにちは世界", "ありがとう友達"),
    "arabic": ("مرحبا بالعالم", "شكرا لكم كثير"),
    "hebrew": ("שלום עולם", "תודה חברה"),
    # The negative control: code points no font has (unassigned plane 5) are drawn as boxes.
    "tofu": (
        "\U00050000\U00050001\U00050002\U00050003",
        "\U00050010\U00050011\U00050012\U00050013",
    ),
}


# Hebrew is drawn by libass's fallback to the installed Noto Sans Hebrew (found through
# fontconfig): with no system fonts, the copy the pipeline hands libass is not used as a
# fallback behind the Latin caption font and the text comes out as boxes. The others are drawn
# from the fonts the pipeline picks, with or without system fonts.
NEEDS_SYSTEM_FONTS = {"hebrew"}


@pytest.fixture
def no_system_fonts(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, request: pytest.FixtureRequest
) -> None:
    """Fontconfig (and so libass's fallback) sees no fonts at all: only the fonts the pipeline
    picks for the text and hands to libass can draw it. (Without this, libass would find the
    installed Noto fonts by itself, and the test could not tell our font choice from luck.)"""
    if request.node.callspec.params["script"] in NEEDS_SYSTEM_FONTS:
        return
    empty = tmp_path / "no-fonts"
    empty.mkdir()
    conf = tmp_path / "fonts.conf"
    conf.write_text(
        '<?xml version="1.0"?><!DOCTYPE fontconfig SYSTEM "fonts.dtd"><fontconfig>'
        f"<dir>{empty}</dir><cachedir>{tmp_path / 'fc-cache'}</cachedir></fontconfig>"
    )
    monkeypatch.setenv("FONTCONFIG_FILE", str(conf))


@pytest.mark.parametrize("script", list(PAIRS))
@pytest.mark.usefixtures("no_system_fonts")
def test_cjk_and_rtl_captions_are_glyphs_not_boxes(
    script: str, voice: Path, tmp_path: Path, settings: Settings
) -> None:
    first, second = PAIRS[script]
    assert len(first) == len(second)
    frames = [
        _caption_frame(text, voice, tmp_path / name, settings)
        for text, name in ((first, "a"), (second, "b"))
    ]
    empty = _caption_frame("", voice, tmp_path / "empty", settings)
    ink = [int((np.abs(frame - empty) > 60).sum()) for frame in frames]
    differ = int((np.abs(frames[0] - frames[1]) > 60).sum())
    if script == "tofu":
        assert min(ink) > 30, ink  # boxes are drawn (measured: 63 pixels for four)
        assert differ < 20, (ink, differ)  # and look the same for different text
    else:
        assert min(ink) > 100, ink  # something is drawn where the caption sits
        assert differ > 100, (ink, differ)  # and it depends on the characters: real glyphs
