"""The benchmark's jobs and the three ways of doing each: ours, the FFmpeg floor, MoviePy.

Every contender runs as a command in a fresh process, at niceness `NICENESS` (the level our
renders give FFmpeg), so that all three compete equally with whatever else runs on the machine.
"""

from __future__ import annotations

import shutil
import sys
from dataclasses import dataclass
from enum import Enum
from pathlib import Path

from bench.inputs import Inputs
from videorender.config import Settings
from videorender.pipeline.models import Encoder, MediaInfo, Size
from videorender.pipeline.render.encode import FFMPEG_NICENESS
from videorender.pipeline.render.ffmpeg import cover_crop

NICENESS = FFMPEG_NICENESS


class Contender(str, Enum):
    OURS = "ours"
    FLOOR = "floor"
    MOVIEPY = "moviepy"


@dataclass(frozen=True)
class Job:
    name: str
    title: str
    size: Size
    long_script: bool = False
    scenes: int = 0  # J5/J6: a script of this many scenes (markers), the visuals beside it

    def script(self, inputs: Inputs) -> Path:
        if self.scenes:
            script = inputs.scenes_script if self.scenes <= 20 else inputs.many_scenes_script
            assert script is not None
            return script
        return inputs.long_script if self.long_script else inputs.short_script


JOBS: tuple[Job, ...] = (
    Job("J1", "short script (~150 words), 1920x1080", Size(1920, 1080)),
    Job("J2", "short script, vertical 1080x1920 (crop)", Size(1080, 1920)),
    Job("J3", "short script, 1280x720", Size(1280, 720)),
    Job("J4", "long script (~600 words), 1920x1080", Size(1920, 1080), long_script=True),
    Job("J5", "~60 s in 20 scenes (10 stills, 10 clips), 1080x1920", Size(1080, 1920), scenes=20),
    Job("J6", "200 scenes (~600 words), 1080x1920", Size(1080, 1920), scenes=200),
)


@dataclass(frozen=True)
class Run:
    """Where one measured run reads and writes."""

    job: Job
    inputs: Inputs
    out_dir: Path  # fresh for every run
    duration_ms: int  # of our output for this job: the floor encodes exactly this much
    voice: Path | None = None  # our narration for this job: the floor muxes it as AAC


def ours_argv(run: Run) -> list[str]:
    return [
        *_nice(), sys.executable, "-m", "videorender.cli",
        "render", str(run.job.script(run.inputs)),
        "--video", str(run.inputs.base), "--music", str(run.inputs.music),
        "--size", str(run.job.size), "-o", str(run.out_dir),
        "--json-summary", str(run.out_dir / "summary.json"),
    ]  # fmt: skip


def moviepy_argv(run: Run) -> list[str]:
    return [
        *_nice(), sys.executable, "-m", "bench.moviepy_job", str(run.job.script(run.inputs)),
        "--video", str(run.inputs.base), "--music", str(run.inputs.music),
        "--size", str(run.job.size), "-o", str(run.out_dir / "final.mp4"),
        "--json-summary", str(run.out_dir / "summary.json"),
    ]  # fmt: skip


def floor_argv(run: Run, base_info: MediaInfo, settings: Settings) -> list[str]:
    """A bare encode of the base to the job's frame size and duration: crop and scale as ours
    does, the same x264 settings (from the same settings), no subtitles; our voice (when the
    run has it) muxed as AAC at our audio settings, with no mix, ducking or loudness work."""
    assert base_info.size is not None
    size, encoder = run.job.size, settings.pipeline_config().render.encoder
    crop = cover_crop(base_info.size, size)
    steps = [] if crop == base_info.size else [f"crop={crop.width}:{crop.height}"]
    if crop != size:
        steps.append(f"scale={size.width}:{size.height}:flags=bicubic")
    steps.append("format=yuv420p")
    loop = ["-stream_loop", "-1"] if base_info.duration_ms < run.duration_ms else []
    return [
        *_nice(), _ffmpeg(), "-hide_banner", "-nostdin", "-y", "-loglevel", "error",
        *loop, "-i", str(run.inputs.base), *_voice_args(run, encoder), "-vf", ",".join(steps),
        *x264_args(encoder), "-t", f"{run.duration_ms / 1000:.3f}", "-movflags", "+faststart",
        str(run.out_dir / "final.mp4"),
    ]  # fmt: skip


def _voice_args(run: Run, encoder: Encoder) -> list[str]:
    if run.voice is None:
        return ["-an"]
    return [
        "-i", str(run.voice), "-map", "0:v", "-map", "1:a",
        "-c:a", "aac", "-b:a", encoder.audio_bitrate, "-ar", "48000", "-ac", "2",
    ]  # fmt: skip


def x264_args(encoder: Encoder) -> list[str]:
    return [
        "-c:v", "libx264", "-preset", encoder.preset, "-crf", str(encoder.crf),
        "-pix_fmt", "yuv420p", "-threads", str(encoder.threads),
        "-rc-lookahead", str(encoder.lookahead),
    ]  # fmt: skip


def _ffmpeg() -> str:
    return shutil.which("ffmpeg") or "ffmpeg"


def _nice() -> list[str]:
    return ["nice", "-n", str(NICENESS)]
