"""The `videorender` command's parser and its one error-to-exit-code table: the same pipeline
as the service, from a terminal. Each command group is a module of this package (`render`,
`captions`, `batch`, `service`, `voices`); `progress` draws the bars.

Exit codes (`exit_codes`): 0 done, 1 the render failed, 2 bad input or configuration (one
clear line, no traceback).
"""

from __future__ import annotations

import argparse
import logging
from collections.abc import Sequence
from pathlib import Path

from videorender import __version__
from videorender.cli.batch import batch_command
from videorender.cli.captions import captions_command
from videorender.cli.exit_codes import EXIT_BAD_INPUT, EXIT_FAILED, EXIT_INTERRUPTED
from videorender.cli.progress import console
from videorender.cli.render import narrate_command, render_command
from videorender.cli.service import mcp_command, migrate_command, serve_command, worker_command
from videorender.cli.voices import add_voices_command
from videorender.errors import ConfigError, InputError, VideoRenderError
from videorender.pipeline.captions import DEFAULT_STYLE, STYLE_HELP, STYLES
from videorender.pipeline.models import (
    CAPTION_POSITIONS,
    MAX_MUSIC_VOLUME,
    MAX_WORDS_PER_CAPTION,
    MIN_WORDS_PER_CAPTION,
    Color,
    Size,
)
from videorender.pipeline.tts import ENGINES


def main(argv: Sequence[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.INFO if args.verbose else logging.WARNING,
        format="%(levelname)s %(name)s: %(message)s",
    )
    try:
        return int(args.handler(args))
    except (InputError, ConfigError) as exc:
        console.print(f"[bold red]error:[/] {exc}", highlight=False, soft_wrap=True)
        return EXIT_BAD_INPUT
    except VideoRenderError as exc:
        console.print(f"[bold red]failed:[/] {exc}", highlight=False, soft_wrap=True)
        return EXIT_FAILED
    except KeyboardInterrupt:
        console.print("interrupted")
        return EXIT_INTERRUPTED


def _caption_arguments(command: argparse.ArgumentParser) -> None:
    captions = command.add_argument_group("captions")
    captions.add_argument(
        "--subtitle-style",
        choices=sorted(STYLES),
        default=DEFAULT_STYLE,
        help=STYLE_HELP,
    )
    captions.add_argument("--font", help="installed font family (default: Noto Sans)")
    captions.add_argument("--font-size", type=int, help="pixels of the output frame")
    captions.add_argument("--text-color", type=_color, help="#RRGGBB[AA]")
    captions.add_argument("--highlight-color", type=_color, help="#RRGGBB[AA] (karaoke, pop, box)")
    captions.add_argument("--outline-color", type=_color, help="#RRGGBB[AA]")
    captions.add_argument("--outline", type=float, help="outline width in pixels")
    captions.add_argument("--position", choices=CAPTION_POSITIONS)
    captions.add_argument("--max-line-chars", type=int, help="characters a line (default 42)")
    captions.add_argument(
        "--uppercase", action="store_true", default=None, help="captions in capitals"
    )
    captions.add_argument(
        "--words-per-caption",
        type=int,
        metavar=f"{MIN_WORDS_PER_CAPTION}-{MAX_WORDS_PER_CAPTION}",
        help="pop and words: at most this many words on screen (default 3)",
    )


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="videorender", description="Turn a text script into a narrated video."
    )
    parser.add_argument("--version", action="version", version=f"videorender {__version__}")
    parser.add_argument("-v", "--verbose", action="store_true", help="log what happens")
    commands = parser.add_subparsers(dest="command", required=True)

    render_cmd = commands.add_parser("render", help="script -> final.mp4 (+ voice, subs, thumb)")
    render_cmd.add_argument("script", help="text file with the script, or - for standard input")
    render_cmd.add_argument("-o", "--output", type=Path, default=Path("out"), help="output dir")
    render_cmd.add_argument("--video", type=Path, help="base video (looped or cut to fit)")
    render_cmd.add_argument("--music", type=Path, help="background music")
    render_cmd.add_argument(
        "--music-volume",
        type=_music_volume,
        help=f"the music's gain under the voice, 0 to {MAX_MUSIC_VOLUME} "
        "(default: MUSIC_VOLUME, 0.2)",
    )
    render_cmd.add_argument("--size", type=_size, help="output WIDTHxHEIGHT, e.g. 1080x1920")
    render_cmd.add_argument(
        "--media-dir",
        type=Path,
        help="images and clips shown in name order over a script without scene markers, "
        "each over a similar share of the sentences",
    )
    render_cmd.add_argument(
        "--clip-audio",
        action="store_true",
        help="with --media-dir: the clips' own sound under the voice, ducked like the music "
        "(clips without sound stay silent; in a script with markers write {clip_audio=true})",
    )
    _voice_arguments(render_cmd)
    _caption_arguments(render_cmd)
    render_cmd.add_argument(
        "--voiceover",
        type=Path,
        help="your own recording of the script: used as the voice, subtitles aligned to it "
        "(with an empty script, the recording is transcribed and becomes the script)",
    )
    render_cmd.add_argument(
        "--json-summary", type=Path, metavar="PATH", help="also write the summary as JSON"
    )
    render_cmd.set_defaults(handler=render_command)

    captions_cmd = commands.add_parser(
        "captions",
        help="a video you have -> captions transcribed from its speech, burnt in "
        "(needs the transcribe extra)",
    )
    captions_cmd.add_argument("video", type=Path, help="the video to caption (MP4, WebM, MOV...)")
    captions_cmd.add_argument(
        "-o", "--output", type=Path, default=Path("out"), help="output dir (default: out)"
    )
    captions_cmd.add_argument(
        "--language",
        help="BCP-47 tag of what is spoken: en, es, pt-BR (default: detected)",
    )
    captions_cmd.add_argument(
        "--size", type=_size, help="output WIDTHxHEIGHT when burning (default: the video's)"
    )
    captions_cmd.add_argument(
        "--no-burn",
        dest="burn",
        action="store_false",
        help="only the caption files: final.mp4 is the video's own streams, not re-encoded",
    )
    _caption_arguments(captions_cmd)
    captions_cmd.set_defaults(handler=captions_command)

    voice_cmd = commands.add_parser("voiceover", help="script -> voice.wav only")
    voice_cmd.add_argument("script", help="text file with the script, or - for standard input")
    voice_cmd.add_argument("-o", "--output", type=Path, default=Path("voice.wav"))
    _voice_arguments(voice_cmd)
    voice_cmd.set_defaults(handler=narrate_command)

    serve_cmd = commands.add_parser("serve", help="run the HTTP service (API, workers, webhooks)")
    serve_cmd.add_argument(
        "--host", default="127.0.0.1", help="address to bind (default: %(default)s)"
    )
    serve_cmd.add_argument("--port", type=int, default=8000, help="port (default: %(default)s)")
    serve_cmd.add_argument(
        "--no-workers",
        action="store_true",
        help="API only: jobs are run by `videorender worker` processes sharing DATABASE_URL",
    )
    serve_cmd.set_defaults(handler=serve_command)

    worker_cmd = commands.add_parser(
        "worker", help="run jobs only (MAX_CONCURRENT_JOBS at a time), no HTTP"
    )
    worker_cmd.set_defaults(handler=worker_command)

    batch_cmd = commands.add_parser(
        "batch", help="many videos from a JSONL (or CSV) file of API requests, into OUTDIR/NAME/"
    )
    batch_cmd.add_argument(
        "jobs", type=Path, help="JSONL: one request a line (the API's fields, local paths "
        "allowed, optional `name`); or a .csv with those fields as columns",
    )  # fmt: skip
    batch_cmd.add_argument("-o", "--output", type=Path, required=True, help="output dir")
    batch_cmd.add_argument(
        "--jobs", dest="parallel", type=_positive, default=1, metavar="N",
        help="render N at once (default 1: one render already fills two cores)",
    )  # fmt: skip
    batch_cmd.add_argument(
        "--force", action="store_true", help="render again jobs whose outputs are up to date"
    )
    batch_cmd.set_defaults(handler=batch_command)

    mcp_cmd = commands.add_parser(
        "mcp", help="MCP server over stdio for desktop AI agents (runs jobs in this process)"
    )
    mcp_cmd.set_defaults(handler=mcp_command)

    migrate_cmd = commands.add_parser("migrate", help="bring the job store's schema up to date")
    migrate_cmd.add_argument(
        "--check", action="store_true", help="only check; exit 2 when migrations are missing"
    )
    migrate_cmd.set_defaults(handler=migrate_command)
    return add_voices_command(parser, commands)


def _voice_arguments(command: argparse.ArgumentParser) -> None:
    command.add_argument(
        "--engine", choices=sorted(ENGINES), help="TTS engine (default: TTS_PROVIDER)"
    )
    command.add_argument("--voice", type=Path, help="voice model file (.onnx) of the engine")
    command.add_argument(
        "--speaker", help="voice by name: Kokoro's (af_bella, jf_alpha) or VOICES_DIR's"
    )
    command.add_argument(
        "--language",
        help="BCP-47 tag of the script's language: ja, es, pt-BR (default: the voice's)",
    )


def _color(text: str) -> Color:
    try:
        return Color.parse(text)
    except InputError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from exc


def _positive(text: str) -> int:
    if not text.isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number of 1 or more")
    return int(text)


def _music_volume(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = -1.0
    if not 0 <= value <= MAX_MUSIC_VOLUME:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number from 0 to {MAX_MUSIC_VOLUME}")
    return value


def _size(text: str) -> Size:
    try:
        return Size.parse(text)
    except InputError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from exc
