"""Render stage: base video + voice + music + subtitles -> the final MP4, in one FFmpeg run.

A cheap audio-only pass first measures the loudness of the exact mix, so the render can
normalise it linearly to the target (single-pass loudnorm misses by over 1 LU on short clips).
"""

from __future__ import annotations

import logging
import os
import subprocess
import threading
import wave
from collections.abc import Callable, Sequence
from dataclasses import replace
from fractions import Fraction
from pathlib import Path
from typing import BinaryIO

import numpy as np

from videorender.errors import FFmpegError
from videorender.pipeline.models import (
    Loudness,
    Progress,
    ProgressCallback,
    RenderPlan,
    Size,
    Stage,
)
from videorender.pipeline.render import ffmpeg
from videorender.pipeline.render.loudness import integrated_loudness
from videorender.pipeline.render.media import MediaInputs
from videorender.pipeline.render.scene_plan import (
    FrameFormat,
    SceneTiming,
    Segment,
    Visual,
    frame_count,
    plan_segments,
)
from videorender.pipeline.render.thumbnail import thumbnail_frame
from videorender.pipeline.runtime.heap import return_freed_memory
from videorender.pipeline.stage_config import RenderConfig

log = logging.getLogger(__name__)

DEFAULT_SIZE = Size(1920, 1080)
MAX_FPS = 30.0
FFMPEG_NICENESS = 10  # renders yield the CPU to the API and other interactive work
LOUDNESS_PASSES = 3
LOUDNESS_TOLERANCE_LU = 0.3
MAX_GAIN_DB = 30.0
# What the true-peak limiter takes from Piper's speech at the usual gains (+5 to +8 dB);
# the scans correct it for other voices.
LIMITER_LOSS_LU = 1.2
PREDICT_MAX_S = 600


def output_size(requested: Size | None, inputs: MediaInputs, max_long_side: int) -> Size:
    """The requested size, or the base video's own, capped on its long side (even sides)."""
    if requested is not None:
        return requested
    source = inputs.base_info.size if inputs.base_info else None
    if source is None:
        return DEFAULT_SIZE
    scale = min(1.0, max_long_side / max(source.width, source.height))
    width, height = round(source.width * scale), round(source.height * scale)
    return Size(max(16, width - width % 2), max(16, height - height % 2))


def plan_render(
    *,
    inputs: MediaInputs,
    voice: Path,
    voice_ms: int,
    subtitles: Path,
    fonts_dir: Path,
    output: Path,
    size: Size,
    config: RenderConfig,
    music_volume: float | None = None,
    thumbnail: Path | None = None,
) -> RenderPlan:
    """Everything the render needs; `music_volume` is the job's own (default: the config's);
    `thumbnail`: where the render also writes the thumbnail's frame as a JPEG."""
    base_fps = inputs.base_info.fps if inputs.base_info else None
    fps = min(base_fps or MAX_FPS, MAX_FPS)
    duration_ms = voice_ms + config.tail_ms
    rate = Fraction(ffmpeg.frame_rate_text(fps))
    return RenderPlan(
        voice=voice,
        subtitles=subtitles,
        fonts_dir=fonts_dir,
        output=output,
        size=size,
        fps=fps,
        duration_ms=duration_ms,
        base_video=inputs.base_video,
        base_info=inputs.base_info,
        music=inputs.music,
        music_volume=config.music_volume if music_volume is None else music_volume,
        music_fade_out_ms=config.music_fade_out_ms,
        loudness=Loudness(integrated_lufs=config.target_lufs),
        encoder=config.encoder,
        thumbnail=thumbnail,
        thumbnail_frame=thumbnail_frame(duration_ms, config.thumbnail_fraction, rate),
    )


def render_video(
    plan: RenderPlan,
    *,
    timeout_s: float,
    on_progress: ProgressCallback | None = None,
    stdin: int | None = None,
) -> None:
    """Find the gain that brings the mix to its loudness target, then render the final video
    to `plan.output` (`stdin`: where a `video_feed` plan's frames come from; closed here).

    Raises:
        FFmpegError: an FFmpeg run failed or timed out.
    """

    def report(fraction: float) -> None:
        if on_progress:
            on_progress(Progress(Stage.RENDER, fraction))

    # The scans report the render at its start: no progress to show, but each report is a
    # point where a cancelled job stops (and its FFmpeg is killed).
    try:
        gain = loudness_gain(plan, timeout_s, on_scan=lambda _fraction: report(0.0))
    except BaseException:
        if stdin is not None:
            os.close(stdin)
        raise
    plan = replace(plan, loudness=replace(plan.loudness, gain_db=gain))

    ffmpeg.run_ffmpeg(
        ffmpeg.build_render_argv(plan),
        stage="render",
        timeout_s=timeout_s,
        duration_ms=plan.duration_ms,
        on_progress=report,
        niceness=FFMPEG_NICENESS,
        stdin=stdin,
    )


def scene_segments(
    plan: RenderPlan, timings: Sequence[SceneTiming], visuals: Sequence[Visual]
) -> list[Segment]:
    """The scene video's segments, covering exactly the frames of `plan.duration_ms`."""
    rate = Fraction(ffmpeg.frame_rate_text(plan.fps))
    total = frame_count(plan.duration_ms, rate)
    return plan_segments(timings, [v.options for v in visuals], rate, total)


def render_scenes(
    plan: RenderPlan,
    segments: Sequence[Segment],
    visuals: Sequence[Visual],
    *,
    timeout_s: float,
    on_progress: ProgressCallback | None = None,
) -> None:
    """Render a video of scenes: one FFmpeg per segment, in turn, writes its exact frames
    (raw, lossless) into a pipe that the one final encode reads, with the captions, voice and
    music of `render_video`. At most one segment's decoders are open at a time, so memory
    does not grow with the number of scenes, and there is a single encode of every frame.

    Raises:
        FFmpegError: the render, or a segment naming its scene, failed or timed out.
    """
    work = plan.output.parent
    visuals = prepare_stills(visuals, plan.size, work, timeout_s=timeout_s)
    try:
        _render_segments(plan, segments, visuals, timeout_s=timeout_s, on_progress=on_progress)
    finally:
        for visual in visuals:
            if visual.prepared is not None:
                visual.prepared.unlink(missing_ok=True)


def prepare_stills(
    visuals: Sequence[Visual], size: Size, folder: Path, *, timeout_s: float
) -> tuple[Visual, ...]:
    """Each still image decoded, turned and fitted once, into a raw frame in `folder` that
    its segments read (no segment decodes a 12-megapixel JPEG again: less memory and CPU
    time per segment). One FFmpeg at a time; a still shown twice alike is made once.

    Raises:
        FFmpegError: naming the scene whose image could not be decoded.
    """
    made: dict[tuple[object, ...], Path] = {}
    prepared = []
    for number, visual in enumerate(visuals):
        if visual.kind != "image" or visual.path is None:
            prepared.append(visual)
            continue
        canvas = ffmpeg.still_canvas(visual, size)
        key = (visual.path, visual.orientation, visual.options.fit, canvas)
        if key not in made:
            output = folder / f"still-{len(made)}.yuv"
            try:
                ffmpeg.run_ffmpeg(
                    ffmpeg.build_still_argv(visual, size, output),
                    stage=f"render (scene {number})",
                    timeout_s=timeout_s,
                    niceness=FFMPEG_NICENESS,
                )
            except BaseException:
                for path in [*made.values(), output]:
                    path.unlink(missing_ok=True)
                raise
            made[key] = output
        prepared.append(replace(visual, prepared=made[key]))
    return tuple(prepared)


def _render_segments(
    plan: RenderPlan,
    segments: Sequence[Segment],
    visuals: Sequence[Visual],
    *,
    timeout_s: float,
    on_progress: ProgressCallback | None,
) -> None:
    argvs = segment_argvs(plan, segments, visuals)
    clip_sound = None
    if any(v.options.clip_audio for v in visuals):
        clip_sound = plan.output.with_name(CLIP_SOUND_NAME)
        write_clip_sound(clip_sound, plan.fps, segments, visuals, timeout_s=timeout_s)
    plan = replace(plan, video_feed=True, clip_sound=clip_sound)
    read_fd, write_fd = os.pipe()
    feeder = _SegmentFeeder(argvs, write_fd, timeout_s)
    try:
        feeder.start()
        render_video(plan, timeout_s=timeout_s, on_progress=on_progress, stdin=read_fd)
    except FFmpegError as exc:
        feeder.stop()
        if feeder.error is not None and not feeder.broken_pipe:
            raise feeder.error from exc
        raise
    finally:
        feeder.stop()
        if clip_sound is not None:
            clip_sound.unlink(missing_ok=True)
    if feeder.error is not None and not feeder.broken_pipe:
        raise feeder.error


def segment_argvs(
    plan: RenderPlan, segments: Sequence[Segment], visuals: Sequence[Visual]
) -> list[tuple[str, list[str]]]:
    """The FFmpeg runs that make the segments' frames, in order, each with its stage name:
    a clip scene's body and the transition out of it share one run
    (`ffmpeg.build_joined_argv`: the clip is decoded once, not again from its start up to the
    transition)."""
    # One decoding thread: ~13 MB less per segment at the same CPU time; the encoder keeps
    # the other core busy (bench.profile_scenes).
    frame = FrameFormat(plan.size, plan.fps, plan.background_color, threads=1)
    argvs = []
    number = 0
    while number < len(segments):
        segment = segments[number]
        after = segments[number + 1] if number + 1 < len(segments) else None
        stage = f"render (scene {segment.shot.scene})"
        # Only a clip pays for reaching its tail (stills and colour start anywhere for free);
        # the joined run holds both visuals' decoders for longer (~+20 MB at its peak).
        joined = visuals[segment.shot.scene].kind == "clip"
        if joined and segment.into is None and after is not None and _leaves(segment, after):
            argv = ffmpeg.build_joined_argv(segment, after, visuals, frame)
            number += 2
        else:
            argv = ffmpeg.build_segment_argv(segment, visuals, frame)
            number += 1
        argvs.append((stage, argv))
    return argvs


def _leaves(body: Segment, transition: Segment) -> bool:
    """Whether `transition` is the way out of the scene `body` shows, right after it."""
    return (
        transition.into is not None
        and transition.shot.scene == body.shot.scene
        and transition.shot.first == body.shot.first + body.frames
    )


CLIP_SOUND_NAME = "clip-sound.pcm"
_SAMPLE_BYTES = 4  # s16le stereo


def write_clip_sound(
    path: Path,
    fps: float,
    segments: Sequence[Segment],
    visuals: Sequence[Visual],
    *,
    timeout_s: float,
) -> None:
    """The sound of the scenes with `clip_audio`, as one raw track as long as the video
    (silence elsewhere), written piece by piece: one FFmpeg at a time, whatever the number
    of scenes. A scene's sound plays from its cut to the next (a transition's middle), in
    step with its picture (looped or cut with it).

    Raises:
        FFmpegError: naming the scene whose clip could not be read.
    """
    rate = Fraction(ffmpeg.frame_rate_text(fps))

    def sample(frame: int) -> int:
        return round(Fraction(frame) * ffmpeg.AUDIO_RATE / rate)

    with path.open("wb") as track:
        for scene, first, end, offset in _sound_runs(segments):
            samples = sample(end) - sample(first)
            visual = visuals[scene]
            if not visual.options.clip_audio or visual.path is None:
                _write_silence(track, samples)
                continue
            track.flush()
            argv = ffmpeg.build_clip_sound_argv(
                visual.path,
                loop=visual.options.loop,
                start_s=float(offset / rate),
                samples=samples,
            )
            ffmpeg.run_ffmpeg_into(
                argv,
                track.fileno(),
                stage=f"render (scene {scene} sound)",
                timeout_s=timeout_s,
                niceness=FFMPEG_NICENESS,
            )
            track.seek(0, os.SEEK_END)


def _sound_runs(segments: Sequence[Segment]) -> list[tuple[int, int, int, int]]:
    """(scene, first frame, end frame, the scene's own frame at `first`) runs covering the
    video: a transition's first half belongs to the scene before it, its second to the next."""
    runs: list[tuple[int, int, int, int]] = []
    for segment in segments:
        end = segment.start_frame + segment.frames
        if segment.into is None:
            pieces = [(segment.shot.scene, segment.start_frame, end, segment.shot.first)]
        else:
            middle = segment.start_frame + segment.frames // 2
            into = segment.into
            pieces = [
                (segment.shot.scene, segment.start_frame, middle, segment.shot.first),
                (into.scene, middle, end, into.first + middle - segment.start_frame),
            ]
        for scene, first, stop, offset in pieces:
            if runs and runs[-1][0] == scene and runs[-1][2] == first:
                runs[-1] = (scene, runs[-1][1], stop, runs[-1][3])
            elif stop > first:
                runs.append((scene, first, stop, offset))
    return runs


def _write_silence(track: BinaryIO, samples: int) -> None:
    chunk = bytes(min(samples, 48_000) * _SAMPLE_BYTES)
    left = samples * _SAMPLE_BYTES
    while left > 0:
        track.write(chunk[: min(left, len(chunk))])
        left -= len(chunk)


class _SegmentFeeder:
    """Runs the segments' FFmpeg one after another on a thread, each writing into `fd`,
    which is closed at the end so the encoder sees the end of its input."""

    def __init__(self, argvs: list[tuple[str, list[str]]], fd: int, timeout_s: float) -> None:
        self._argvs = argvs
        self._fd = fd
        self._timeout_s = timeout_s
        self._stopping = threading.Event()
        self._lock = threading.Lock()
        self._current: subprocess.Popen[bytes] | None = None
        self._thread = threading.Thread(target=self._run, daemon=True)
        self.error: FFmpegError | None = None

    @property
    def broken_pipe(self) -> bool:
        """The failure was the reader going away (its own error is the one to report)."""
        return self.error is not None and "Broken pipe" in self.error.stderr_tail

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stopping.set()
        with self._lock:
            if self._current is not None and self._current.poll() is None:
                self._current.kill()
        self._thread.join()

    def _started(self, proc: subprocess.Popen[bytes]) -> None:
        with self._lock:
            self._current = proc
        if self._stopping.is_set():
            proc.kill()

    def _run(self) -> None:
        try:
            for stage, argv in self._argvs:
                if self._stopping.is_set():
                    return
                ffmpeg.run_ffmpeg_into(
                    argv,
                    self._fd,
                    stage=stage,
                    timeout_s=self._timeout_s,
                    niceness=FFMPEG_NICENESS,
                    on_start=self._started,
                )
        except FFmpegError as exc:
            if not self._stopping.is_set():
                self.error = exc
        except Exception as exc:  # e.g. the job's time limit: the encoder reports it too
            log.warning("scene feed stopped: %s", exc)
        finally:
            os.close(self._fd)


def loudness_gain(
    plan: RenderPlan, timeout_s: float, on_scan: Callable[[float], None] | None = None
) -> float:
    """Measure the mix through the final gain and limiter, and correct the gain until the
    result is within LOUDNESS_TOLERANCE_LU of the target (the limiter's losses included).
    The first scan is made at the gain predicted from the voice's own loudness, so it
    usually only confirms it; later corrections follow the slope measured so far (the
    limiter takes more of each added decibel the louder the mix)."""
    gain = predicted_gain(plan.voice, plan.loudness.integrated_lufs)
    previous: tuple[float, float] | None = None
    for scan in range(1, LOUDNESS_PASSES + 1):
        trial = replace(plan, loudness=replace(plan.loudness, gain_db=gain))
        report = ffmpeg.run_ffmpeg(
            ffmpeg.build_loudness_scan_argv(trial),
            stage="render (loudness scan)",
            timeout_s=timeout_s,
            duration_ms=plan.duration_ms,
            on_progress=on_scan,
            niceness=FFMPEG_NICENESS,
        )
        measured = ffmpeg.parse_loudness_scan(report)
        if measured is None:  # silence: no gain can help
            return gain
        log.debug("loudness scan %d: %.2f LUFS at %+.2f dB", scan, measured, gain)
        error = plan.loudness.integrated_lufs - measured
        slope = 1.0
        if previous is not None and abs(gain - previous[0]) > 0.05:
            slope = min(1.0, max(0.3, (measured - previous[1]) / (gain - previous[0])))
        previous = (gain, measured)
        gain = _bounded_gain(gain + error / slope)
        if abs(error) <= LOUDNESS_TOLERANCE_LU:
            break
    return gain


def predicted_gain(voice: Path, target_lufs: float) -> float:
    """The gain that brings the mix to `target_lufs`, judged from the voice alone (the music,
    ducked under it, adds little) and the limiter's usual loss. 0 dB where the track cannot
    be judged cheaply (unreadable, silent, or longer than PREDICT_MAX_S, which would mean
    holding it all in memory)."""
    try:
        with wave.open(str(voice), "rb") as track:
            rate, frames = track.getframerate(), track.getnframes()
            if track.getsampwidth() != 2 or track.getnchannels() != 1:
                return 0.0
            if frames > rate * PREDICT_MAX_S:
                return 0.0
            samples = np.frombuffer(track.readframes(frames), dtype=np.int16)
    except (OSError, EOFError, wave.Error):
        return 0.0
    voice_lufs = integrated_loudness(samples, rate)
    del samples
    return_freed_memory()  # the FFT's buffers, ~25 MB kept by glibc otherwise
    if voice_lufs is None:
        return 0.0
    return _bounded_gain(target_lufs - voice_lufs + LIMITER_LOSS_LU)


def _bounded_gain(gain: float) -> float:
    return max(-MAX_GAIN_DB, min(MAX_GAIN_DB, gain))
