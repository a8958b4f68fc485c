"""Render stage: base video + voice + music + subtitles -> the final MP4, in one FFmpeg run.

A cheap audio-only pass first measures the loudness of the exact mix, so the render can
normalise it linearly to the target (single-pass loudnorm misses by over 1 LU on short clips).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

from videorender.pipeline import ffmpeg
from videorender.pipeline.media import MediaInputs
from videorender.pipeline.models import (
    Loudness,
    Progress,
    ProgressCallback,
    RenderPlan,
    Size,
    Stage,
)
from videorender.pipeline.stage_config import RenderConfig

DEFAULT_SIZE = Size(1920, 1080)
MAX_FPS = 30.0
FFMPEG_NICENESS = 10  # renders yield the CPU to the API and other interactive work
LOUDNESS_PASSES = 3
LOUDNESS_TOLERANCE_LU = 0.3
MAX_GAIN_DB = 30.0


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
) -> RenderPlan:
    base_fps = inputs.base_info.fps if inputs.base_info else None
    return RenderPlan(
        voice=voice,
        subtitles=subtitles,
        fonts_dir=fonts_dir,
        output=output,
        size=size,
        fps=min(base_fps or MAX_FPS, MAX_FPS),
        duration_ms=voice_ms + config.tail_ms,
        base_video=inputs.base_video,
        base_info=inputs.base_info,
        music=inputs.music,
        music_volume=config.music_volume,
        music_fade_out_ms=config.music_fade_out_ms,
        loudness=Loudness(integrated_lufs=config.target_lufs),
        encoder=config.encoder,
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
