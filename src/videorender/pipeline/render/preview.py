"""A caption drawn in a style, for choosing a look before a render: the same captions code
and the same libass burn-in as the render, over a plain colour, as one still frame
(`caption_still`) or as a short silent clip of the sample sentence (`caption_clip`), where
the animated styles move as they will in the video.
"""

from __future__ import annotations

import contextlib
import tempfile
from collections.abc import Iterator
from pathlib import Path

from videorender.pipeline.captions.fonts import prepare_fonts_dir
from videorender.pipeline.captions.subtitles import build_captions, write_subtitles
from videorender.pipeline.models import CaptionOptions, SentenceTiming, Size, WordTiming
from videorender.pipeline.render import ffmpeg
from videorender.pipeline.text.word_split import split_words

SAMPLE_TEXT = "Your captions will look just like this."
WORD_MS = 320
PREVIEW_TIMEOUT_S = 15.0
CLIP_TAIL_MS = 600


def sample_timing(text: str = SAMPLE_TEXT) -> SentenceTiming:
    """`text` as one sentence spoken at an even pace, WORD_MS a word."""
    words = tuple(
        WordTiming(word, i * WORD_MS, (i + 1) * WORD_MS - 40)
        for i, word in enumerate(split_words(text))
    )
    return SentenceTiming(0, text, 0, len(words) * WORD_MS, words=words)


def caption_still(
    output: Path,
    *,
    size: Size,
    style: str,
    options: CaptionOptions | None = None,
    background: str = "0x14213d",
    picture: Path | None = None,
) -> None:
    """Write a PNG of `size`: the sample sentence's caption in `style`, part-way through (so a
    karaoke highlight or a words cue shows), over the still `picture` (filling the frame) or,
    without one, over the colour `background`.

    Raises:
        InputError: unknown style or caption option out of range (naming it).
        FFmpegError: FFmpeg failed.
    """
    timing = sample_timing()
    with _sample_captions(timing, size, style, options) as work:
        at_ms = timing.words[2].start_ms + WORD_MS // 2
        files = {"subtitles": work / "captions.ass", "fonts_dir": work / "fonts", "output": output}
        argv = (
            ffmpeg.build_caption_over_picture_argv(size, picture, at_ms, **files)
            if picture is not None
            else ffmpeg.build_caption_still_argv(size, background, at_ms, **files)
        )
        ffmpeg.run_ffmpeg(argv, stage="preview", timeout_s=PREVIEW_TIMEOUT_S)


def caption_clip(
    output: Path,
    *,
    size: Size,
    style: str,
    options: CaptionOptions | None = None,
    background: str = "0x14213d",
) -> None:
    """Write an MP4 of `size`: the sample sentence spoken at an even pace (WORD_MS a word)
    with its captions in `style`, over `background`, and a short pause after it.

    Raises:
        InputError: unknown style or caption option out of range (naming it).
        FFmpegError: FFmpeg failed.
    """
    timing = sample_timing()
    with _sample_captions(timing, size, style, options) as work:
        argv = ffmpeg.build_caption_clip_argv(
            size,
            background,
            timing.end_ms + CLIP_TAIL_MS,
            subtitles=work / "captions.ass",
            fonts_dir=work / "fonts",
            output=output,
        )
        ffmpeg.run_ffmpeg(argv, stage="preview", timeout_s=PREVIEW_TIMEOUT_S)


@contextlib.contextmanager
def _sample_captions(
    timing: SentenceTiming, size: Size, style: str, options: CaptionOptions | None
) -> Iterator[Path]:
    """A temporary folder holding `captions.ass` and `fonts/`: the sample's captions, ready
    to burn."""
    options = options or CaptionOptions()
    with tempfile.TemporaryDirectory(prefix="preview-") as folder:
        work = Path(folder)
        family = prepare_fonts_dir(timing.text, work / "fonts", options.font)
        captions = build_captions([timing], size, family, style=style, options=options)
        write_subtitles(captions.ass, work / "captions.ass")
        yield work
