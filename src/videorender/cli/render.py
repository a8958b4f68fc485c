"""`videorender render` and `videorender voiceover`: a script into a video, or into its
narration alone, here and now (no job store), with a progress bar."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from videorender.atomic import atomic_write
from videorender.cli.files import read_script
from videorender.cli.progress import StageProgress, console, say, stage_table
from videorender.config import Settings, load_settings
from videorender.errors import InputError
from videorender.front_door import LocalRender, check_file, check_output_dir, render
from videorender.pipeline.models import CaptionOptions, RenderOptions, RenderResult
from videorender.pipeline.run import narrate
from videorender.pipeline.runtime.clock import StageClock


def render_command(args: argparse.Namespace) -> int:
    script = read_script(args.script)
    folder = Path.cwd() if args.script == "-" else Path(args.script).parent
    options = {name: getattr(args, name) for name in LocalRender.option_names()}
    with StageProgress() as progress:
        result = render(
            script,
            args.output,
            script_folder=folder,
            on_progress=progress.update,
            warn=_warn,
            **options,
        )
    console.print(stage_table(f"Rendered {result.video}", result.stage_seconds))
    console.print(
        f"video {result.duration_ms / 1000:.1f} s at {result.size}; "
        f"files in {args.output}/: final.mp4, voice.wav, subs.ass, subs.srt, subs.vtt, words.json"
        + (", thumbnail.jpg" if result.thumbnail else " (no thumbnail)"),
        markup=False,
    )
    if result.alignment_confidence is not None and not result.warnings:
        console.print(
            f"subtitles aligned to the voiceover (confidence {result.alignment_confidence:.2f})"
        )
    for warning in result.warnings:
        _warn(warning)
    if args.json_summary:
        _write_summary(result, args.json_summary)
    return 0


def caption_options(args: argparse.Namespace) -> CaptionOptions:
    """The caption look from the `captions` arguments (main._caption_arguments)."""
    return CaptionOptions(
        font=args.font,
        font_size=args.font_size,
        text_color=args.text_color,
        highlight_color=args.highlight_color,
        outline_color=args.outline_color,
        outline=args.outline,
        position=args.position,
        max_line_chars=args.max_line_chars,
        uppercase=args.uppercase,
        words_per_caption=args.words_per_caption,
    )


def _warn(message: str) -> None:
    say("warning:", "bold yellow", message)


def _write_summary(result: RenderResult, path: Path) -> None:
    """Machine-readable summary (for scripts and the benchmark)."""
    summary = {
        "video": str(result.video),
        "duration_ms": result.duration_ms,
        "size": str(result.size),
        "stage_seconds": result.stage_seconds,
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    with atomic_write(path) as partial:
        partial.write_text(json.dumps(summary, indent=2) + "\n", encoding="utf-8")


def narrate_command(args: argparse.Namespace) -> int:
    script = read_script(args.script)
    check_file(args.voice, "voice model")
    if args.output.is_dir():
        raise InputError(f"output {str(args.output)!r} is a folder, not a WAV file", "output")
    check_output_dir(args.output.parent)
    settings: Settings = load_settings()
    with StageProgress() as progress:
        track = narrate(
            script,
            args.output,
            settings.pipeline_config(),
            options=RenderOptions(
                voice_model=args.voice,
                tts_provider=args.engine,
                speaker=args.speaker,
                language=args.language,
            ),
            clock=StageClock(progress.update),
        )
    console.print(
        f"wrote {track.path}: {track.duration_ms / 1000:.1f} s, {len(track.sentences)} sentences",
        markup=False,
    )
    return 0
