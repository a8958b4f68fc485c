"""The `videorender` command: the same pipeline as the service, from a terminal.

Exit codes: 0 done, 1 the render failed, 2 bad input or configuration (one clear line, no
traceback).
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import signal
import sys
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from rich.console import Console
from rich.progress import BarColumn, Progress, TaskID, TextColumn, TimeElapsedColumn
from rich.table import Table

from videorender import __version__
from videorender.cli_voices import add_voices_command
from videorender.config import Settings, load_settings
from videorender.errors import ConfigError, InputError, VideoRenderError
from videorender.pipeline import models
from videorender.pipeline.captions import DEFAULT_STYLE, STYLES
from videorender.pipeline.clock import StageClock
from videorender.pipeline.ffmpeg import has_audio_stream
from videorender.pipeline.models import (
    CAPTION_POSITIONS,
    CaptionOptions,
    Color,
    RenderOptions,
    RenderResult,
    Size,
)
from videorender.pipeline.run import RenderJob, render, voiceover
from videorender.pipeline.scenes import (
    Scene,
    SceneOptions,
    group_sentences,
    has_markers,
    parse_scenes,
)
from videorender.pipeline.script import process_script
from videorender.pipeline.tts import ENGINES

EXIT_FAILED = 1
EXIT_BAD_INPUT = 2

if TYPE_CHECKING:
    from videorender.batch import BatchItem, ItemResult

console = Console(stderr=True)


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
        return 130


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
        help="the music's gain under the voice, 0 to 4 (default: MUSIC_VOLUME, 0.2)",
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
    captions = render_cmd.add_argument_group("captions")
    captions.add_argument(
        "--subtitle-style",
        choices=sorted(STYLES),
        default=DEFAULT_STYLE,
        help="sentence (default): whole sentences; karaoke: the spoken word highlighted; "
        "words: 1-3 words at a time, large and centred",
    )
    captions.add_argument("--font", help="installed font family (default: Noto Sans)")
    captions.add_argument("--font-size", type=int, help="pixels of the output frame")
    captions.add_argument("--text-color", type=_color, help="#RRGGBB[AA]")
    captions.add_argument("--highlight-color", type=_color, help="#RRGGBB[AA] (karaoke)")
    captions.add_argument("--outline-color", type=_color, help="#RRGGBB[AA]")
    captions.add_argument("--outline", type=float, help="outline width in pixels")
    captions.add_argument("--position", choices=CAPTION_POSITIONS)
    captions.add_argument("--max-line-chars", type=int, help="characters a line (default 42)")
    render_cmd.add_argument(
        "--voiceover",
        type=Path,
        help="your own recording of the script: used as the voice, subtitles aligned to it",
    )
    render_cmd.add_argument(
        "--json-summary", type=Path, metavar="PATH", help="also write the summary as JSON"
    )
    render_cmd.set_defaults(handler=_render)

    voice_cmd = commands.add_parser("voiceover", help="script -> voice.wav only")
    voice_cmd.add_argument("script", help="text file with the script, or - for standard input")
    voice_cmd.add_argument("-o", "--output", type=Path, default=Path("voice.wav"))
    _voice_arguments(voice_cmd)
    voice_cmd.set_defaults(handler=_voiceover)

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
    serve_cmd.set_defaults(handler=_serve)

    worker_cmd = commands.add_parser(
        "worker", help="run jobs only (MAX_CONCURRENT_JOBS at a time), no HTTP"
    )
    worker_cmd.set_defaults(handler=_worker)

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
    batch_cmd.set_defaults(handler=_batch)

    mcp_cmd = commands.add_parser(
        "mcp", help="MCP server over stdio for desktop AI agents (runs jobs in this process)"
    )
    mcp_cmd.set_defaults(handler=_mcp)

    migrate_cmd = commands.add_parser("migrate", help="bring the job store's schema up to date")
    migrate_cmd.add_argument(
        "--check", action="store_true", help="only check; exit 2 when migrations are missing"
    )
    migrate_cmd.set_defaults(handler=_migrate)
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
    if not 0 <= value <= 4:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number from 0 to 4")
    return value


def _size(text: str) -> Size:
    try:
        return Size.parse(text)
    except InputError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from exc


def _read_script(source: str) -> str:
    name = "standard input" if source == "-" else f"script file {source!r}"
    try:
        if source == "-":
            return sys.stdin.buffer.read().decode("utf-8")
        return Path(source).read_text(encoding="utf-8")
    except FileNotFoundError as exc:
        raise InputError(f"{name} does not exist", "script") from exc
    except UnicodeDecodeError as exc:
        raise InputError(f"{name} is not UTF-8 text", "script") from exc
    except OSError as exc:
        reason = f"{name} cannot be read: {exc.strerror}"
        raise InputError(reason, "script") from exc


def _check_file(path: Path | None, what: str) -> None:
    if path is not None and not path.is_file():
        raise InputError(f"{what} {str(path)!r} does not exist", what)


def _check_output_dir(path: Path) -> None:
    """Refuse an output folder that cannot be written before any work, not after it."""
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        reason = "is a file" if isinstance(exc, FileExistsError) else exc.strerror
        raise InputError(f"output folder {str(path)!r} cannot be used: {reason}", "output") from exc
    if not os.access(path, os.W_OK | os.X_OK):
        raise InputError(f"output folder {str(path)!r} is not writable", "output")


def _render(args: argparse.Namespace) -> int:
    script = _read_script(args.script)
    _check_file(args.video, "base video")
    _check_file(args.music, "music")
    _check_file(args.voice, "voice model")
    _check_file(args.voiceover, "voiceover")
    _check_output_dir(args.output)
    scenes = _scenes(script, args.script, args.media_dir, clip_audio=args.clip_audio)
    settings = load_settings()
    options = RenderOptions(
        size=args.size,
        voice_model=args.voice,
        tts_provider=args.engine,
        speaker=args.speaker,
        language=args.language,
        music_volume=args.music_volume,
        subtitle_style=args.subtitle_style,
        captions=CaptionOptions(
            font=args.font,
            font_size=args.font_size,
            text_color=args.text_color,
            highlight_color=args.highlight_color,
            outline_color=args.outline_color,
            outline=args.outline,
            position=args.position,
            max_line_chars=args.max_line_chars,
        ),
    )
    job = RenderJob(
        script=script,
        output_dir=args.output,
        base_video=args.video,
        music=args.music,
        options=options,
        voiceover=args.voiceover,
        scenes=scenes,
    )
    with StageProgress() as progress:
        result = render(job, settings.pipeline_config(), clock=StageClock(progress.update))
    table = Table(title=f"Rendered {result.video}", show_header=True, title_justify="left")
    table.add_column("stage")
    table.add_column("seconds", justify="right")
    for stage, seconds in result.stage_seconds.items():
        table.add_row(stage, f"{seconds:.2f}")
    table.add_row("[bold]total", f"[bold]{sum(result.stage_seconds.values()):.2f}")
    console.print(table)
    console.print(
        f"video {result.duration_ms / 1000:.1f} s at {result.size}; "
        f"files in {args.output}/: final.mp4, voice.wav, subs.ass, subs.srt, subs.vtt, words.json"
        + (", thumbnail.jpg" if result.thumbnail else " (no thumbnail)")
    )
    if result.alignment_confidence is not None and not result.warnings:
        console.print(
            f"subtitles aligned to the voiceover (confidence {result.alignment_confidence:.2f})"
        )
    for warning in result.warnings:
        console.print(f"[bold yellow]warning:[/] {warning}", highlight=False)
    if args.json_summary:
        _write_summary(result, args.json_summary)
    return 0


MEDIA_SUFFIXES = frozenset(".jpg .jpeg .png .webp .mp4 .mov .m4v .mkv .webm".split())
IMAGE_SUFFIXES = frozenset(".jpg .jpeg .png .webp".split())


def _scenes(
    script: str, source: str, media_dir: Path | None, *, clip_audio: bool = False
) -> tuple[Scene, ...]:
    """The scenes of the script: from its marker lines (paths relative to the script's
    folder), or its sentences spread over the images and clips of `media_dir` (with
    `clip_audio`, each clip that has sound plays it).

    Raises:
        InputError: a bad marker or option, a missing file, markers with `--media-dir`, or
            `--clip-audio` without it.
    """
    if clip_audio and media_dir is None:
        message = "--clip-audio is for --media-dir (in a script, write {clip_audio=true})"
        raise InputError(message, "clip_audio")
    if has_markers(script):
        if media_dir is not None:
            raise InputError("--media-dir is for a script without scene markers", "media_dir")
        folder = Path.cwd() if source == "-" else Path(source).parent
        return tuple(
            Scene(spec.text, _scene_file(spec.media, folder, n), spec.options)
            for n, spec in enumerate(parse_scenes(script))
        )
    if media_dir is None:
        return ()
    if not media_dir.is_dir():
        raise InputError(f"media folder {str(media_dir)!r} does not exist", "media_dir")
    found = sorted(p for p in media_dir.iterdir() if p.is_file() and not p.name.startswith("."))
    files = [p for p in found if p.suffix.lower() in MEDIA_SUFFIXES]
    if skipped := [p.name for p in found if p not in files]:
        console.print(
            f"[bold yellow]warning:[/] --media-dir skips {len(skipped)} file(s) that are not "
            f"JPEG, PNG or WebP images or MP4, MOV, M4V, MKV or WebM clips: {', '.join(skipped)}",
            highlight=False,
            soft_wrap=True,
        )
    if not files:
        raise InputError(f"media folder {str(media_dir)!r} has no images or clips", "media_dir")
    runs = group_sentences(process_script(script), len(files))
    sound = SceneOptions(clip_audio=True)
    return tuple(
        Scene(
            " ".join(s.text for s in run),
            path,
            sound if clip_audio and _sounding_clip(path) else SceneOptions(),
        )
        for run, path in zip(runs, files, strict=False)
    )


def _sounding_clip(path: Path) -> bool:
    return path.suffix.lower() not in IMAGE_SUFFIXES and has_audio_stream(path)


def _scene_file(media: str | None, folder: Path, number: int) -> Path | None:
    if media is None:
        return None
    where = f"scenes[{number}].media_url"
    if "://" in media:
        raise InputError(f"{where}: the command line takes local files, not {media!r}", where)
    path = folder / media
    if not path.is_file():
        raise InputError(f"{where}: {str(path)!r} does not exist", where)
    return path


def _write_summary(result: RenderResult, path: Path) -> None:
    """Machine-readable summary (for scripts and the benchmark)."""
    summary = {
        "video": str(result.video),
        "duration_ms": result.duration_ms,
        "size": str(result.size),
        "stage_seconds": result.stage_seconds,
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(summary, indent=2) + "\n", encoding="utf-8")


def _voiceover(args: argparse.Namespace) -> int:
    script = _read_script(args.script)
    _check_file(args.voice, "voice model")
    if args.output.is_dir():
        raise InputError(f"output {str(args.output)!r} is a folder, not a WAV file", "output")
    _check_output_dir(args.output.parent)
    settings: Settings = load_settings()
    with StageProgress() as progress:
        track = voiceover(
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
        f"wrote {track.path}: {track.duration_ms / 1000:.1f} s, {len(track.sentences)} sentences"
    )
    return 0


def studio_address(host: str, port: int) -> str:
    """The address to open in a browser: a wildcard bind is reached at 127.0.0.1 here."""
    shown = "127.0.0.1" if host in ("0.0.0.0", "::", "") else host
    shown = f"[{shown}]" if ":" in shown else shown
    return f"http://{shown}:{port}/"


def _serve(args: argparse.Namespace) -> int:
    import uvicorn  # noqa: PLC0415 - only this command needs the server

    from videorender.api import create_app  # noqa: PLC0415
    from videorender.jobs.service import check_worker_role  # noqa: PLC0415

    settings = load_settings()  # fail here, with exit code 2, on bad configuration
    workers = not args.no_workers
    if workers:
        check_worker_role(settings)
    app = create_app(settings, workers=workers)
    console.print(f"[bold]Video studio:[/] {studio_address(args.host, args.port)}", highlight=False)
    uvicorn.run(app, host=args.host, port=args.port, log_config=None)
    return 0


def _worker(_args: argparse.Namespace) -> int:
    from videorender.jobs.service import JobService  # noqa: PLC0415
    from videorender.logs import configure_logging  # noqa: PLC0415

    settings = load_settings()
    configure_logging(settings)
    service = JobService(settings, workers=True)
    stopping = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stopping.set())
    service.start()
    try:
        while not stopping.wait(1.0):
            pass
    finally:
        service.stop()
    return 0


def _batch(args: argparse.Namespace) -> int:
    from videorender.batch import Batch, read_batch  # noqa: PLC0415 - only batch needs it
    from videorender.storage import create_storage  # noqa: PLC0415

    items = read_batch(args.jobs)
    _check_output_dir(args.output)
    settings = load_settings()
    if settings.tts_keep_loaded is None:  # one voice load for the whole batch
        settings = settings.model_copy(update={"tts_keep_loaded": True})
    # The batch's jobs at once, which PIPER_THREADS=auto and RENDER_OVERLAP=auto divide by.
    settings = settings.model_copy(update={"max_concurrent_jobs": min(args.parallel, 64)})
    batch = Batch(settings, create_storage(settings), args.output, force=args.force)
    with BatchProgress(len(items)) as progress:
        results = batch.run(
            items, jobs=args.parallel, on_progress=progress.update, on_done=progress.done
        )
    table = Table(title=f"Batch {args.jobs} -> {args.output}/", title_justify="left")
    for column in ("name", "status", "seconds", "error"):
        table.add_column(column, justify="right" if column == "seconds" else "left")
    for result in results:
        colour = "green" if result.ok else "red"
        table.add_row(
            result.name,
            f"[{colour}]{result.status}",
            f"{result.seconds:.1f}",
            result.error or "",
        )
    console.print(table)
    failed = sum(not result.ok for result in results)
    console.print(
        f"{len(results) - failed} of {len(results)} jobs done; report: "
        f"{args.output / 'report.jsonl'}",
        highlight=False,
    )
    return EXIT_FAILED if failed else 0


def _mcp(_args: argparse.Namespace) -> int:
    """MCP over stdio: standard output carries the protocol only; logs go to stderr."""
    from videorender.jobs.service import JobService  # noqa: PLC0415
    from videorender.logs import configure_logging  # noqa: PLC0415
    from videorender.mcp_server import build_server  # noqa: PLC0415

    settings = load_settings()
    configure_logging(settings)
    # Jobs run here, on this process's workers, against DATA_DIR/DATABASE_URL; they may
    # read the user's local files. With local storage, artifact URLs are file:// paths.
    service = JobService(settings, workers=True, local_files=True)
    artifacts_base = settings.data_dir.resolve().as_uri() + "/"
    server = build_server(service, local_files=True, base_url=lambda _ctx: artifacts_base)
    service.start()
    try:
        server.run("stdio")
    finally:
        service.stop()
    return 0


def _migrate(args: argparse.Namespace) -> int:
    from videorender.jobs.db import current_revision, open_database  # noqa: PLC0415

    settings = load_settings()
    engine = open_database(settings.database, migrations="check" if args.check else "apply")
    try:
        console.print(f"job store at revision {current_revision(engine)} (up to date)")
    finally:
        engine.dispose()
    return 0


class StageProgress:
    """A progress bar through the pipeline's stages."""

    def __init__(self) -> None:
        self._bar = Progress(
            TextColumn("{task.description:<10}"),
            BarColumn(),
            TextColumn("{task.percentage:>3.0f}%"),
            TimeElapsedColumn(),
            console=console,
            transient=True,
        )
        self._task: TaskID | None = None

    def __enter__(self) -> StageProgress:
        self._bar.__enter__()
        self._task = self._bar.add_task("starting", total=100)
        return self

    def __exit__(self, *exc: object) -> None:
        self._bar.__exit__(None, None, None)

    def update(self, progress: models.Progress) -> None:
        if self._task is not None:
            self._bar.update(
                self._task, description=progress.stage.value, completed=progress.percent
            )


class BatchProgress:
    """One progress bar over a whole batch: each job counts for 100."""

    def __init__(self, jobs: int) -> None:
        self._bar = Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            TextColumn("{task.fields[finished]}/{task.fields[jobs]} jobs"),
            TimeElapsedColumn(),
            console=console,
            transient=True,
        )
        self._jobs = jobs
        self._percent: dict[int, int] = {}
        self._finished = 0
        self._lock = threading.Lock()
        self._task: TaskID | None = None

    def __enter__(self) -> BatchProgress:
        self._bar.__enter__()
        self._task = self._bar.add_task(
            "batch", total=self._jobs * 100, finished=0, jobs=self._jobs
        )
        return self

    def __exit__(self, *exc: object) -> None:
        self._bar.__exit__(None, None, None)

    def update(self, item: BatchItem, percent: int) -> None:
        with self._lock:
            self._percent[item.line] = percent
            self._show(item.name)

    def done(self, result: ItemResult) -> None:
        with self._lock:
            self._percent[result.line] = 100
            self._finished += 1
            self._show(f"{result.name}: {result.status}")

    def _show(self, description: str) -> None:
        if self._task is not None:
            self._bar.update(
                self._task,
                completed=sum(self._percent.values()),
                description=description,
                finished=self._finished,
            )


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
