"""Reference inputs, generated with FFmpeg so that every machine benchmarks the same media.

The base video is `testsrc2` (moving shapes, a running counter, colour gradients) with light
temporal grain, so the encoder has real motion and detail to work on; the music is a few soft
chords. Files are generated once per spec and reused; a spec change makes new file names.
"""

from __future__ import annotations

import os
import re
import subprocess
from dataclasses import dataclass, replace
from pathlib import Path

from PIL import Image

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
    # The scene jobs' narration, in words of the long script: ~60 s (J5), ~200 scenes' worth (J6)
    scene_words: int = 180
    many_scene_words: int = 600


@dataclass(frozen=True)
class Inputs:
    base: Path
    music: Path
    short_script: Path  # ~150 words: about a minute of narration
    long_script: Path  # ~600 words: about four minutes
    scenes_script: Path | None = None  # J5: ~60 s of narration in 20 scenes (markers)
    many_scenes_script: Path | None = None  # J6: 200 scenes


def prepare_inputs(work: Path, spec: InputSpec, *, scenes: bool = True) -> Inputs:
    """Generate (or reuse) the base video, the music and the scripts under `work`; the
    scenes' media and scripts (J5, J6) only with `scenes`."""
    work = work.resolve()
    work.mkdir(parents=True, exist_ok=True)
    base = work / f"base-{spec.size}-{spec.fps}fps-{spec.base_seconds}s.mp4"
    music = work / f"music-{spec.music_seconds}s.mp3"
    if not base.is_file():
        _generate(base_video_argv(spec), base)
    if not music.is_file():
        _generate(music_argv(spec.music_seconds), music)
    inputs = Inputs(
        base=base,
        music=music,
        short_script=_script(work, "short", spec.short_words),
        long_script=_script(work, "long", spec.long_words),
    )
    if not scenes:
        return inputs
    media = prepare_scene_media(work / "scenes", spec)
    long_text = (SCRIPTS_DIR / "long.txt").read_text(encoding="utf-8")
    return replace(
        inputs,
        scenes_script=scene_script(
            work / "scenes" / f"j5-{spec.scene_words}w.md", long_text, media, 20,
            spec.scene_words,
        ),
        many_scenes_script=scene_script(
            work / "scenes" / f"j6-{spec.many_scene_words}w.md", long_text, media, 200,
            spec.many_scene_words,
        ),
    )  # fmt: skip


# --- J5/J6: scenes ------------------------------------------------------------------------------
# 10 stills (JPEG, PNG, WebP; landscape, portrait, square; small to 12 MP; two JPEGs whose
# pixels are stored sideways with an EXIF orientation tag) and 10 clips (24-60 fps, 360p to
# 1440p, landscape, portrait and square; two stored landscape with rotation metadata).
# name, lavfi size, EXIF orientation (images) or frame rate and rotation (clips), seconds
IMAGES: tuple[tuple[str, str, int], ...] = (
    ("i00-landscape-12mp.jpg", "4000x3000", 1),
    ("i01-portrait.jpg", "3024x4032", 1),
    ("i02-exif6.jpg", "4032x3024", 6),  # displayed 3024x4032 (a phone photo held upright)
    ("i03-hd.png", "1920x1080", 1),
    ("i04-square.webp", "1200x1200", 1),
    ("i05-small.jpg", "640x480", 1),
    ("i06-exif8.jpg", "2000x1500", 8),  # displayed 1500x2000
    ("i07-vertical.png", "1080x1920", 1),
    ("i08-wide.webp", "2400x1000", 1),
    ("i09-tall-small.jpg", "600x900", 1),
)
CLIPS: tuple[tuple[str, str, int, int, float], ...] = (
    ("c00-hd30.mp4", "1920x1080", 30, 0, 4.0),
    ("c01-portrait30.mp4", "1080x1920", 30, 0, 5.0),
    ("c02-hd60.mp4", "1280x720", 60, 0, 3.0),
    ("c03-portrait24.mp4", "720x1280", 24, 0, 2.0),  # shorter than its scene: loops
    ("c04-rot90-hd25.mp4", "1920x1080", 25, 90, 4.0),  # a phone's portrait clip
    ("c05-small25.mp4", "640x360", 25, 0, 6.0),
    ("c06-square30.mp4", "1080x1080", 30, 0, 3.0),
    ("c07-qhd24.mp4", "2560x1440", 24, 0, 4.0),
    ("c08-rot270-60.mp4", "1280x720", 60, 270, 3.0),
    ("c09-480p30.mp4", "854x480", 30, 0, 8.0),
)
MOTION_CYCLE = ("zoom-in", "pan-left", "zoom-out", "pan-right", "none")
TRANSITION_CYCLE = ("cut", "fade", "cut", "slide-left", "cut", "wipe")


def prepare_scene_media(folder: Path, spec: InputSpec) -> list[Path]:
    """The 20 visuals (generated once), in scene order: image, clip, image, clip, ..."""
    folder.mkdir(parents=True, exist_ok=True)
    images, clips = [], []
    for number, (name, size, orientation) in enumerate(IMAGES):
        path = folder / name
        if not path.is_file():
            raw = path.with_name(f"raw-{name}")
            _generate(image_argv(size, number), raw)
            if orientation != 1:
                _set_orientation(raw, orientation)
            raw.replace(path)
        images.append(path)
    for number, (name, size, fps, rotation, seconds) in enumerate(CLIPS):
        path = folder / name
        if not path.is_file():
            raw = path.with_name(f"raw-{name}")
            _generate(clip_argv(size, fps, seconds, number), raw)
            # FFmpeg 5.1 keeps a rotation tag only when remuxing, not when encoding.
            rotate = ["-metadata:s:v:0", f"rotate={rotation}"] if rotation else []
            _generate(["-i", str(raw), "-c", "copy", *rotate, "-movflags", "+faststart"], path)
            raw.unlink()
        clips.append(path)
    return [path for pair in zip(images, clips, strict=True) for path in pair]


def image_argv(size: str, seed: int) -> list[str]:
    source = f"testsrc2=s={size}:r=1,hue=h={seed * 36}"
    return ["-f", "lavfi", "-i", source, "-frames:v", "1", "-q:v", "3"]


def clip_argv(size: str, fps: int, seconds: float, seed: int) -> list[str]:
    source = f"testsrc2=s={size}:r={fps}:d={seconds},hue=h={seed * 36 + 18}"
    return [
        "-f", "lavfi", "-i", source, "-vf", "noise=alls=5:allf=t,format=yuv420p",
        "-c:v", "libx264", "-preset", "veryfast", "-crf", "20",
    ]  # fmt: skip


def _set_orientation(path: Path, orientation: int) -> None:
    with Image.open(path) as image:
        exif = image.getexif()
        exif[0x0112] = orientation
        image.save(path, exif=exif, quality=90)


def scene_script(path: Path, text: str, visuals: list[Path], scenes: int, words: int) -> Path:
    """A script of `scenes` marker-led scenes over the first `words` words of `text` (in
    equal runs, each closed by a full stop), the visuals in turn, options varied."""
    chosen = text.split()[:words]
    lines: list[str] = []
    for number in range(scenes):
        part = chosen[number * len(chosen) // scenes : (number + 1) * len(chosen) // scenes]
        sentence = " ".join(part).rstrip(",;:")
        sentence += "" if sentence.endswith((".", "!", "?")) else "."
        visual = visuals[number % len(visuals)]
        options = [f"transition={TRANSITION_CYCLE[number % len(TRANSITION_CYCLE)]}"]
        if visual.suffix in (".jpg", ".png", ".webp"):
            options.append(f"motion={MOTION_CYCLE[(number // 2) % len(MOTION_CYCLE)]}")
        if number % 5 == 3:
            options.append("fit=contain")
        lines += [f"![]({visual.name}){{{' '.join(options)}}}", sentence, ""]
    path.write_text("\n".join(lines), encoding="utf-8")
    return path


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
