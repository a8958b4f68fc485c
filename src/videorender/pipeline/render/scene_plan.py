"""The scenes' plan on screen: each scene's visual (probed), when it is on screen, and the
video's frames cut into segments.

- A scene is on screen from its first sentence's start (the first at 0) until the next begins.
- `plan_segments` cuts the video's frames into segments of one visual (or a transition between
  two): each is made by its own short FFmpeg run, in turn, so memory never grows with the
  number of scenes.

The scenes themselves (markers, options, sentences) are text: `pipeline/text/scenes.py`.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

from videorender.pipeline.models import SentenceTiming, Size
from videorender.pipeline.text.scenes import SceneOptions


@dataclass(frozen=True)
class Visual:
    """A scene's visual, probed: `kind` is "image", "clip" or "color" (no media and no base
    video). `size` is as displayed (rotation and EXIF orientation applied); `image_format`
    and `orientation` (EXIF, 1: as stored) are an image's."""

    kind: str
    options: SceneOptions
    path: Path | None = None
    size: Size | None = None
    image_format: str = ""
    orientation: int = 1
    has_sound: bool = False  # a clip with an audio stream (what clip_audio takes)
    # An image decoded, turned and fitted once before the render: one raw yuv420p frame of
    # the size its motion works on (see encode.prepare_stills); None: not yet.
    prepared: Path | None = None


@dataclass(frozen=True)
class SceneTiming:
    """When a scene is on screen (ms), and which sentences it speaks."""

    index: int
    start_ms: int
    end_ms: int
    first_sentence: int
    sentence_count: int


def scene_timings(
    firsts: Sequence[int], sentences: Sequence[SentenceTiming], end_ms: int
) -> tuple[SceneTiming, ...]:
    """Each scene from its first sentence's start (the first scene from 0) to the next
    scene's start (the last to `end_ms`, the video's end)."""
    starts = [0] + [sentences[first].start_ms for first in firsts[1:]]
    ends = [*starts[1:], end_ms]
    counts = [b - a for a, b in zip(firsts, [*firsts[1:], len(sentences)], strict=True)]
    return tuple(
        SceneTiming(number, start, max(start, end), first, count)
        for number, (start, end, first, count) in enumerate(
            zip(starts, ends, firsts, counts, strict=True)
        )
    )


# --- frames ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Shot:
    """One scene's visual within a segment: from its own frame `first` (0: the first frame it
    is on screen), out of the `length` frames it is on screen in all (motion runs over those)."""

    scene: int
    first: int
    length: int


@dataclass(frozen=True)
class Segment:
    """A run of output frames showing one shot, or a transition from `shot` to `into`."""

    start_frame: int
    frames: int
    shot: Shot
    into: Shot | None = None
    transition: str = "cut"


@dataclass(frozen=True)
class FrameFormat:
    """How every segment's frames are made: their size and rate, the colour shown where a
    scene has no visual, and the decoding threads of a clip."""

    size: Size
    fps: float
    background_color: str
    threads: int = 1


def frame_count(ms: int, rate: Fraction) -> int:
    """Frames that an output of `ms` milliseconds at `rate` holds: FFmpeg's `-t` keeps the
    nearest whole number of frames, a half rounded up (measured: 17.41 s at 30 fps is 522
    frames, 17.42 s is 523, 17.35 s is 521)."""
    return math.floor(Fraction(ms, 1000) * rate + Fraction(1, 2))


def plan_segments(
    timings: Sequence[SceneTiming],
    options: Sequence[SceneOptions],
    rate: Fraction,
    total_frames: int,
) -> list[Segment]:
    """The video's frames as segments, in order, covering frames 0..total_frames exactly.

    Scene i is cut in at frame round(start_ms * rate); a transition into it lasts 2h frames
    centred on that cut, h no more than half of either neighbouring scene allows.
    """
    cuts = [0] + [min(total_frames, round(Fraction(t.start_ms, 1000) * rate)) for t in timings[1:]]
    cuts.append(total_frames)
    lengths = [b - a for a, b in itertools.pairwise(cuts)]
    halves = [0]  # frames of the transition into scene i on each side of its cut
    for i in range(1, len(timings)):
        wanted = round(Fraction(options[i].transition_ms, 2000) * rate)
        halves.append(max(0, min(wanted, lengths[i - 1] // 2, lengths[i] // 2)))
    halves.append(0)
    shown_from = [cuts[i] - halves[i] for i in range(len(timings))]
    shown = [cuts[i + 1] + halves[i + 1] - shown_from[i] for i in range(len(timings))]
    segments: list[Segment] = []
    for i in range(len(timings)):
        if halves[i]:
            start = cuts[i] - halves[i]
            segments.append(
                Segment(
                    start,
                    2 * halves[i],
                    Shot(i - 1, start - shown_from[i - 1], shown[i - 1]),
                    Shot(i, 0, shown[i]),
                    options[i].transition,
                )
            )
        start, end = cuts[i] + halves[i], cuts[i + 1] - halves[i + 1]
        if end > start:
            segments.append(Segment(start, end - start, Shot(i, start - shown_from[i], shown[i])))
    return segments
