"""Where the render stage's time goes: our exact FFmpeg command, then the same with parts
removed, each measured (CPU time is the figure to read on a busy machine).

    python -m bench.profile_render [--seconds 20] [--size 1920x1080]

Variants: the full render; captions empty (no text drawn); no music (no loop, ducking or mix);
the bare encode (the floor); one loudness-scan pass (the render makes up to three); the
thumbnail.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

from bench.inputs import InputSpec, prepare_inputs
from bench.jobs import Job, Run, floor_argv
from bench.measure import measure
from videorender.config import load_settings
from videorender.pipeline.captions.fonts import prepare_fonts_dir
from videorender.pipeline.captions.subtitles import build_subtitles, write_subtitles
from videorender.pipeline.models import Size
from videorender.pipeline.render import ffmpeg
from videorender.pipeline.render.encode import plan_render
from videorender.pipeline.render.media import check_inputs
from videorender.pipeline.text.script import process_script
from videorender.pipeline.tts import create_engine
from videorender.pipeline.tts.speech import synthesize_voice

REPO = Path(__file__).resolve().parent.parent


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.profile_render")
    parser.add_argument("--seconds", type=int, default=20, help="about this much narration")
    parser.add_argument("--size", type=Size.parse, default=Size(1920, 1080))
    parser.add_argument("--work", type=Path, default=REPO / "bench" / "work" / "full")
    args = parser.parse_args(argv)
    settings = load_settings()
    inputs = prepare_inputs(args.work / "inputs", InputSpec(), scenes=False)
    with tempfile.TemporaryDirectory(prefix="bench-profile-") as tmp:
        work = Path(tmp)
        text = (REPO / "bench" / "scripts" / "long.txt").read_text(encoding="utf-8")
        words = args.seconds * 3  # the bundled voice speaks about three words a second
        sentences = process_script(" ".join(text.split()[:words]) + ".")
        voice = synthesize_voice(
            create_engine(settings.pipeline_config().tts),
            sentences,
            work / "voice.wav",
            pause_ms=250,
        )
        font = prepare_fonts_dir(text, work / "fonts")
        write_subtitles(build_subtitles(voice.sentences, args.size, font), work / "subs.ass")
        write_subtitles(build_subtitles([], args.size, font), work / "empty.ass")
        checked = check_inputs(inputs.base, inputs.music)
        plan = plan_render(
            inputs=checked, voice=voice.path, voice_ms=voice.duration_ms,
            subtitles=work / "subs.ass", fonts_dir=work / "fonts", output=work / "out.mp4",
            size=args.size, config=settings.pipeline_config().render,
        )  # fmt: skip
        no_text = replace(plan, subtitles=work / "empty.ass")
        run = Run(Job("P", "profile", args.size), inputs, work, plan.duration_ms)
        assert checked.base_info is not None
        variants = {
            "full render (captions + voice + ducked music)": ffmpeg.build_render_argv(plan),
            "captions empty": ffmpeg.build_render_argv(no_text),
            "captions empty, no music": ffmpeg.build_render_argv(replace(no_text, music=None)),
            "bare encode (the floor)": floor_argv(run, checked.base_info, settings),
            "one loudness-scan pass": ffmpeg.build_loudness_scan_argv(plan),
            "thumbnail": ffmpeg.build_thumbnail_argv(plan.output, 2000, work / "thumb.jpg"),
        }
        print(f"{plan.duration_ms / 1000:.1f} s of video at {args.size}")
        print("| variant | wall s | CPU s | peak MB |\n|---|---:|---:|---:|")
        for name, variant in variants.items():
            result = measure(variant, cwd=work)
            print(f"| {name} | {result.wall_s:.1f} | {result.cpu_s:.1f} | {result.peak_mb:.0f} |")
            sys.stdout.flush()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
