"""The render in parts, so that the encode starts while the voice is still being spoken.

As each sentence is spoken, the captions before it are final (a cue may only grow into the
silence up to the next cue, which is now known): when the encoder is free, the frames up to
that sentence's start become a part, encoded on a thread of its own by its own FFmpeg with
the render's x264 settings (`ffmpeg.build_video_part_argv`: each part starts on a keyframe,
its captions drawn at their times in the whole video). Once the voice is finished, the rest
is the last part; the audio is mixed and its loudness measured once, while that part
encodes; then the parts are joined by stream copy with the audio encoded beside them
(`ffmpeg.build_join_argv`). No frame is encoded twice, except in a part whose captions came
out different in the end: that part is encoded again (the safe way, whatever a caption style
does with later sentences).

Only where it pays and the frames are certain to be the one-pass render's: a narrated job
without scenes, long enough (`MIN_WORDS`), on a plain background or a base video of
constant frame rate equal to the output's; and where the machine has a core free for speech
beside the encode and the memory for both at once (`RENDER_OVERLAP`, whose `auto` config.py
resolves with OVERLAP_MIN_CPUS and OVERLAP_MIN_MEMORY_MB): the two together peak at
roughly the sum of their peaks (610-630 MB on J1 at 1080p against 396 MB one after the
other, measured in `docs/benchmarks.md`).
"""

from __future__ import annotations

import contextvars
import logging
import math
import queue
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from fractions import Fraction
from pathlib import Path

import pysubs2

from videorender.pipeline.captions.subtitles import Captions, write_subtitles
from videorender.pipeline.models import RenderPlan, SentenceTiming
from videorender.pipeline.render import ffmpeg
from videorender.pipeline.render.encode import FFMPEG_NICENESS, loudness_gain
from videorender.pipeline.render.scene_plan import frame_count

log = logging.getLogger(__name__)

MIN_WORDS = 60  # ~20 s of speech: below it, speech takes ~2 s and parts would not pay
MIN_PART_MS = 4000  # a part's process start and seek are worth it from about here
# Speech (~380 MB) and a 1080p encode (~270 MB) at once, with room for the system.
OVERLAP_MIN_MEMORY_MB = 1536
# x264 (FFMPEG_THREADS=2) keeps 2 vCPUs busy: speech beside it only pays where a core is free.
# Measured on 2 shared vCPUs: no gain (J1 at 640x360: 32.9 vs 35.0 s, 50.2 vs 48.1 s; J1 and J3
# in docs/benchmarks.md), +2 CPU s and +230 MB; so `auto` needs more than 2.
OVERLAP_MIN_CPUS = 4
POLL_S = 0.25

CaptionMaker = Callable[[Sequence[SentenceTiming], int | None], Captions]
Event = tuple[int, int, str, str]


class _StoppedError(Exception):
    """The part encoder was told to stop (its FFmpeg is killed on the way out)."""


@dataclass(frozen=True)
class Part:
    """Frames `first` to `first + frames - 1`, encoded into `path` with the captions `events`
    (those on screen during the part)."""

    number: int
    first: int
    frames: int
    path: Path
    subtitles: Path
    events: tuple[Event, ...]
    thumbnail_frame: int | None = None


def can_render_in_parts(plan: RenderPlan) -> bool:
    """Whether parts give exactly the one-pass render's frames: a plain background, or a
    base video of constant frame rate at the output's rate (its frames then map one to one)."""
    info = plan.base_info
    if plan.video_feed:
        return False
    if plan.base_video is None or info is None or info.size is None:
        return True
    same_rate = info.constant_rate and info.fps is not None and abs(info.fps - plan.fps) < 1e-3
    # Where the base loops, a part ends where it does: its length in frames must be known
    # (the container's count, or its duration when nothing else may be longer).
    return same_rate and (info.frames is not None or not info.has_audio)


class PartRenderer:
    """Encodes the video in parts on its own thread while the voice is spoken (see the
    module's docstring). Use as a context manager: leaving it stops the thread and kills
    its FFmpeg, whatever happened."""

    def __init__(
        self, template: RenderPlan, captions: CaptionMaker, work: Path, *, timeout_s: float
    ) -> None:
        self._template = template
        self._rate = Fraction(ffmpeg.frame_rate_text(template.fps))
        self._captions = captions
        self._work = work
        self._timeout_s = timeout_s
        self._known: list[SentenceTiming] = []
        self._next = 0  # the first frame not yet in a part
        self._parts: list[Part] = []
        self._queue: queue.Queue[Part | None] = queue.Queue()
        self._stop = threading.Event()
        self._error: BaseException | None = None
        self._done_frames = 0
        context = contextvars.copy_context()  # the job's time limit (`deadline`) goes along
        self._thread = threading.Thread(target=context.run, args=(self._run,), daemon=True)

    def __enter__(self) -> PartRenderer:
        self._work.mkdir(parents=True, exist_ok=True)
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._queue.put(None)
        self._thread.join()

    @property
    def parts(self) -> tuple[Part, ...]:
        return tuple(self._parts)

    def spoken(self, timing: SentenceTiming) -> None:
        """A sentence is spoken: the captions before it are final. If the encoder is free
        and enough frames are final, they become the next part."""
        self._raise_error()
        self._known.append(timing)
        if self._queue.unfinished_tasks:
            return  # busy: the next part waits, and grows
        final = math.floor(Fraction(timing.start_ms, 1000) * self._rate)
        if final - self._next >= frame_count(MIN_PART_MS, self._rate):
            self._add_parts(final, self._captions(self._known, None), None)

    def finish(self, plan: RenderPlan, captions: Captions, report: Callable[[float], None]) -> None:
        """The voice is finished and `captions` are final: encode the rest, re-encode any
        part whose captions changed, and join the parts with the audio into `plan.output`.
        `report` gets the fraction done (and may raise to stop everything).

        Raises:
            FFmpegError: an FFmpeg run failed or timed out.
        """
        total = frame_count(plan.duration_ms, self._rate)
        if self._next < total:
            self._add_parts(total, captions, plan.thumbnail_frame)
        # The audio's loudness scans run while the last part encodes.
        gain = loudness_gain(plan, self._timeout_s, on_scan=lambda _f: self._progress(report))
        self._wait(report)
        for part in self._parts:
            if part.events != _events(captions.ass, part.first, part.frames, self._rate):
                log.info("captions of part %d changed: encoding it again", part.number)
                self._encode(replace(part, subtitles=self._subtitles(captions.ass)))
        parts_list = self._work / "parts.txt"
        parts_list.write_text(ffmpeg.concat_list([p.path for p in self._parts]), encoding="utf-8")
        plan = replace(plan, loudness=replace(plan.loudness, gain_db=gain))
        ffmpeg.run_ffmpeg(
            ffmpeg.build_join_argv(plan, parts_list),
            stage="render (join)",
            timeout_s=self._timeout_s,
            niceness=FFMPEG_NICENESS,
        )

    def _add_parts(self, end: int, captions: Captions, thumbnail_frame: int | None) -> None:
        """Parts for the frames from `self._next` to `end` (one, or more where a looping base
        wraps around: a part never crosses the end of the base)."""
        subtitles = self._subtitles(captions.ass)
        while self._next < end:
            first = self._next
            last = min(end, self._base_end_after(first) or end)
            holds = thumbnail_frame is not None and first <= thumbnail_frame < last
            part = Part(
                number=len(self._parts),
                first=first,
                frames=last - first,
                path=self._work / f"part-{len(self._parts):03d}.mp4",
                subtitles=subtitles,
                events=_events(captions.ass, first, last - first, self._rate),
                thumbnail_frame=thumbnail_frame if holds else None,
            )
            self._parts.append(part)
            self._next = last
            self._queue.put(part)

    def _base_end_after(self, first: int) -> int | None:
        """Where the pass of the (looping) base that holds frame `first` ends."""
        plan = self._template
        if plan.base_video is None or plan.base_info is None:
            return None
        length = ffmpeg.base_frames(plan)
        return (first // length + 1) * length

    def _subtitles(self, ass: pysubs2.SSAFile) -> Path:
        path = self._work / f"subs-{len(self._parts):03d}.ass"
        write_subtitles(ass, path)
        return path

    def _run(self) -> None:
        while (part := self._queue.get()) is not None:
            try:
                if not self._stop.is_set():
                    self._encode(part)
            except BaseException as exc:  # handed to the main thread, which raises it
                if not self._stop.is_set():
                    self._error = exc
                self._stop.set()
            finally:
                self._queue.task_done()
        self._queue.task_done()

    def _encode(self, part: Part) -> None:
        plan = self._template
        ffmpeg.run_ffmpeg(
            ffmpeg.build_video_part_argv(
                plan,
                first=part.first,
                frames=part.frames,
                subtitles=part.subtitles,
                output=part.path,
                thumbnail_frame=part.thumbnail_frame,
            ),
            stage=f"render (part {part.number + 1})",
            timeout_s=self._timeout_s,
            duration_ms=max(1, round(part.frames * 1000 / self._rate)),
            on_progress=self._check_stop,
            niceness=FFMPEG_NICENESS,
        )
        self._done_frames += part.frames

    def _check_stop(self, _fraction: float) -> None:
        if self._stop.is_set():
            raise _StoppedError  # run_ffmpeg kills the process on the way out

    def _wait(self, report: Callable[[float], None]) -> None:
        while self._queue.unfinished_tasks:
            self._raise_error()
            self._progress(report)
            threading.Event().wait(POLL_S)
        self._raise_error()

    def _progress(self, report: Callable[[float], None]) -> None:
        total = self._next or 1
        report(min(1.0, self._done_frames / total))

    def _raise_error(self) -> None:
        if self._error is not None:
            raise self._error


def _events(ass: pysubs2.SSAFile, first: int, frames: int, rate: Fraction) -> tuple[Event, ...]:
    """The caption events on screen during frames `first` to `first + frames - 1`."""
    start_ms = math.floor(Fraction(first * 1000) / rate)
    end_ms = math.ceil(Fraction((first + frames) * 1000) / rate)
    return tuple(
        (event.start, event.end, event.style, event.text)
        for event in ass.events
        if event.start < end_ms and event.end > start_ms
    )
