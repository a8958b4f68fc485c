"""Render stage: base video + voice + music + subtitles -> the final MP4, in one FFmpeg run.

A cheap audio-only pass first measures the loudness of the exact mix, so the render can
normalise it linearly to the target (single-pass loudnorm misses by over 1 LU on short clips).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path

from videorender.config import Settings
from videorender.errors import MediaError
from videorender.pipeline import ffmpeg
from videorender.pipeline.models import (
    Encoder,
    Loudness,
    MediaInfo,
    Progress,
    ProgressCallback,
    RenderPlan,
    Size,
    Stage,
)

DEFAULT_SIZE = Size(1920, 1080)
MAX_FPS = 30.0
FFMPEG_NICENESS = 10  # renders yield the CPU to the API and other interactive work
LOUDNESS_PASSES = 3
LOUDNESS_TOLERANCE_LU = 0.3
MAX_GAIN_DB = 30.0


TAIL_CHECK_S = 2.0  # how much of an input's end is read to see that it is all there
TRUNCATION_SLACK_S = 1.0  # or 1 % of the duration, whichever is more (estimated durations)


@dataclass(frozen=True)
class MediaLimits:
    """What the caller's media may be (MAX_INPUT_SIDE, MAX_INPUT_SECONDS,
    MAX_VOICEOVER_SECONDS). Checked by probing, before any work is spent."""

    max_side: int = 4096
    max_seconds: int = 12 * 3600
    max_voiceover_seconds: int = 2 * 3600

    @classmethod
    def of(cls, settings: Settings) -> MediaLimits:
        return cls(
            max_side=settings.max_input_side,
            max_seconds=settings.max_input_seconds,
            max_voiceover_seconds=settings.max_voiceover_seconds,
        )


@dataclass(frozen=True)
class Inputs:
    """The caller's media, checked: what it is and how big."""

    base_video: Path | None = None
    base_info: MediaInfo | None = None
    music: Path | None = None


def check_inputs(
    base_video: Path | None, music: Path | None, limits: MediaLimits | None = None
) -> Inputs:
    """Probe the caller's media before any work is spent on it.

    Raises:
        MediaError: naming the input that is not media, is truncated, lacks its stream, or is
            over a limit (frame size, duration).
    """
    limits = limits or MediaLimits()
    base_info = None
    if base_video is not None:
        base_info = checked_media(base_video, "base video", limits.max_seconds)
        if not base_info.has_video:
            raise MediaError(f"base video {base_video.name!r} has no video stream", "base video")
        size = base_info.size
        if size is not None and max(size.width, size.height) > limits.max_side:
            raise MediaError(
                f"base video {base_video.name!r} is {size}; the limit is {limits.max_side} "
                "pixels a side",
                "base video",
            )
    if music is not None:
        checked_media(music, "background music", limits.max_seconds)
        if not ffmpeg.has_audio_stream(music):
            raise MediaError(f"background music {music.name!r} has no audio stream", "music")
    return Inputs(base_video=base_video, base_info=base_info, music=music)


def checked_media(path: Path, what: str, max_seconds: int) -> MediaInfo:
    """Probe `path`, refuse it over `max_seconds`, and read its last seconds to be sure the
    file holds what its header announces (a download cut short keeps a valid header)."""
    info = ffmpeg.probe(path, what=what)
    seconds = info.duration_ms / 1000
    if seconds > max_seconds:
        raise MediaError(
            f"{what} {path.name!r} lasts {seconds:,.0f} s; the limit is {max_seconds:,} s", what
        )
    last = ffmpeg.last_packet_seconds(path, seconds - TAIL_CHECK_S)
    if last is None or last < seconds - max(TRUNCATION_SLACK_S, seconds / 100):
        ends = "has no readable packets" if last is None else f"ends at {last:.1f} s"
        raise MediaError(
            f"{what} {path.name!r} is truncated: its header says {seconds:.1f} s but the file "
            f"{ends}",
            what,
        )
    return info


def output_size(requested: Size | None, inputs: Inputs, max_long_side: int) -> Size:
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
    inputs: Inputs,
    voice: Path,
    voice_ms: int,
    subtitles: Path,
    fonts_dir: Path,
    output: Path,
    size: Size,
    settings: Settings,
) -> RenderPlan:
    base_fps = inputs.base_info.fps if inputs.base_info else None
    return RenderPlan(
        voice=voice,
        subtitles=subtitles,
        fonts_dir=fonts_dir,
        output=output,
        size=size,
        fps=min(base_fps or MAX_FPS, MAX_FPS),
        duration_ms=voice_ms + settings.tail_ms,
        base_video=inputs.base_video,
        base_info=inputs.base_info,
        music=inputs.music,
        music_volume=settings.music_volume,
        music_fade_out_ms=settings.music_fade_out_ms,
        loudness=Loudness(integrated_lufs=settings.target_lufs),
        encoder=encoder_for(settings),
    )


def encoder_for(settings: Settings) -> Encoder:
    """The H.264 settings a render uses (the benchmark's FFmpeg floor uses the same)."""
    return Encoder(
        preset=settings.video_preset,
        crf=settings.video_crf,
        threads=settings.ffmpeg_threads,
        lookahead=settings.ffmpeg_lookahead,
    )


def render_video(
    plan: RenderPlan, *, timeout_s: float, on_progress: ProgressCallback | None = None
) -> None:
    """Find the gain that brings the mix to its loudness target, then render the final video
    to `plan.output`.

    Raises:
        FFmpegError: an FFmpeg run failed or timed out.
    """

    def report(fraction: float) -> None:
        if on_progress:
            on_progress(Progress(Stage.RENDER, fraction))

    # The scans report the render at its start: no progress to show, but each report is a
    # point where a cancelled job stops (and its FFmpeg is killed).
    gain = _loudness_gain(plan, timeout_s, on_scan=lambda _fraction: report(0.0))
    plan = replace(plan, loudness=replace(plan.loudness, gain_db=gain))

    ffmpeg.run_ffmpeg(
        ffmpeg.build_render_argv(plan),
        stage="render",
        timeout_s=timeout_s,
        duration_ms=plan.duration_ms,
        on_progress=report,
        niceness=FFMPEG_NICENESS,
    )


def _loudness_gain(
    plan: RenderPlan, timeout_s: float, on_scan: Callable[[float], None] | None = None
) -> float:
    """Measure the mix through the final gain and limiter, and correct the gain until the
    result is within LOUDNESS_TOLERANCE_LU of the target (the limiter's losses included)."""
    gain = 0.0
    for _ in range(LOUDNESS_PASSES):
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
        error = plan.loudness.integrated_lufs - measured
        gain = max(-MAX_GAIN_DB, min(MAX_GAIN_DB, gain + error))
        if abs(error) <= LOUDNESS_TOLERANCE_LU:
            break
    return gain
