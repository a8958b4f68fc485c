"""`videorender captions VIDEO`: captions for a video you already have, transcribed from its
own speech (Whisper, then the aligner), here and now, with a progress bar."""

from __future__ import annotations

import argparse

from videorender.cli.progress import StageProgress, console, stage_table
from videorender.cli.render import caption_options
from videorender.config import load_settings
from videorender.front_door import check_file, check_output_dir
from videorender.pipeline.caption_video import CaptionJob, caption_video
from videorender.pipeline.models import RenderOptions
from videorender.pipeline.runtime.clock import StageClock


def captions_command(args: argparse.Namespace) -> int:
    check_file(args.video, "video")
    check_output_dir(args.output)
    options = RenderOptions(
        size=args.size,
        language=args.language,
        subtitle_style=args.subtitle_style,
        captions=caption_options(args),
    )
    job = CaptionJob(args.video, args.output, options, burn=args.burn)
    with StageProgress() as progress:
        result = caption_video(
            job, load_settings().pipeline_config(), clock=StageClock(progress.update)
        )
    console.print(stage_table(f"Captioned {args.video}", result.stage_seconds))
    files = ["final.mp4"] if result.video else []
    files += ["subs.ass", "subs.srt", "subs.vtt", "words.json"]
    files += ["thumbnail.jpg"] if result.thumbnail else []
    how = "captions burnt in" if result.burned else "not re-encoded"
    console.print(
        f"{result.sentences} captions in {result.language}, video "
        f"{result.duration_ms / 1000:.1f} s at {result.size} ({how}); files in "
        f"{args.output}/: {', '.join(files)}",
        highlight=False,
    )
    for warning in result.warnings:
        console.print(f"[bold yellow]warning:[/] {warning}", highlight=False, soft_wrap=True)
    return 0
