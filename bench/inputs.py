"""Reference inputs, generated with FFmpeg so that every machine benchmarks the same media.

The base video is `testsrc2` (moving shapes, a running counter, colour gradients) with light
temporal grain, so the encoder has real motion and detail to work on; the music is a few soft
chords. Files are generated once per spec and reused; a spec change makes new file names.
"""

from __future__ import annotations

import os
import re
import subprocess
from dataclasses import dataclass
from pathlib import Path

from videorender.pipeline.models import Size

SCRIPTS_DIR = Path(__file__).parent / "scripts"
FFMPEG_TIMEOUT_S = 900
FULL_HD = Size(1920, 1080)


@dataclass(frozen=True)
class InputSpec:
    """How big the generated media are. The full benchmark uses the defaults."""

    size: Size = FULL_HD
    fps: int = 30
    base_seconds: int = 90
    music_seconds: int = 60
    # Quick mode shortens the scripts to about this many words (0: the whole script).
    short_words: int = 0
    long_words: int = 0


@dataclass(frozen=True)
class Inputs:
    base: Path
    music: Path
    short_script: Path  # ~150 words: about a minute of narration
    long_script: Path  # ~600 words: about four minutes


def prepare_inputs(work: Path, spec: InputSpec) -> Inputs:
    """Generate (or reuse) the base video, the music and the scripts under `work`."""
    work = work.resolve()
    work.mkdir(parents=True, exist_ok=True)
    base = work / f"base-{spec.size}-{spec.fps}fps-{spec.base_seconds}s.mp4"
    music = work / f"music-{spec.music_seconds}s.mp3"
    if not base.is_file():
        _generate(base_video_argv(spec), base)
    if not music.is_file():
        _generate(music_argv(spec.music_seconds), music)
    return Inputs(
        base=base,
        music=music,
        short_script=_script(work, "short", spec.short_words),
        long_script=_script(work, "long", spec.long_words),
    )


def base_video_argv(spec: InputSpec) -> list[str]:
    source = f"testsrc2=s={spec.size}:r={spec.fps}:d={spec.base_seconds}"
    return [
        "-f", "lavfi", "-i", source, "-vf", "noise=alls=5:allf=t,format=yuv420p",
        "-c:v", "libx264", "-preset", "veryfast", "-crf", "20", "-movflags", "+faststart",
    ]  # fmt: skip


def music_argv(seconds: int) -> list[str]:
    # Am, F, C, G, two seconds each, with a slow envelope so nothing clicks.
    chords = []
    for number, root in enumerate((220.0, 174.61, 261.63, 196.0)):
        envelope = f"clip(1.3-abs(mod(t,8)-{2 * number + 1}),0,1)"
        tone = f"sin(2*PI*{root}*t)+0.5*sin(2*PI*{root}*1.2599*t)+0.4*sin(2*PI*{root}*1.4983*t)"
        chords.append(f"{envelope}*({tone})")
    expr = "0.12*(" + "+".join(chords) + ")"
    return [
        "-f", "lavfi", "-i", f"aevalsrc='{expr}|{expr}':s=44100:d={seconds}",
        "-af", "lowpass=f=2000", "-c:a", "libmp3lame", "-b:a", "128k",
    ]  # fmt: skip


def _generate(args: list[str], output: Path) -> None:
    # Per process, so that two runners generating the same file cannot write into one.
    partial = output.with_name(f"partial-{os.getpid()}-{output.name}")
    subprocess.run(
        ["ffmpeg", "-hide_banner", "-nostdin", "-v", "error", "-y", *args, str(partial)],
        check=True,
        timeout=FFMPEG_TIMEOUT_S,
    )
    partial.replace(output)


def _script(work: Path, name: str, words: int) -> Path:
    source = SCRIPTS_DIR / f"{name}.txt"
    if not words:
        return source
    target = work / f"{name}-{words}w.txt"
    target.write_text(shorten(source.read_text(encoding="utf-8"), words), encoding="utf-8")
    return target


def shorten(text: str, words: int) -> str:
    """The whole sentences of `text` that fit in about `words` words (at least one)."""
    sentences = re.split(r"(?<=[.!?])\s+", " ".join(text.split()))
    kept: list[str] = []
    for sentence in sentences:
        if kept and len(" ".join([*kept, sentence]).split()) > words:
            break
        kept.append(sentence)
    return " ".join(kept)
