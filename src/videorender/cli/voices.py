"""`videorender voices`: list, fetch, add and remove voices (a thin face over
`voice_catalog.VoiceLibrary`).

    videorender voices list [--available] [--language en]
    videorender voices get NAME...
    videorender voices add PATH|URL
    videorender voices remove NAME

Errors are one line (the caller's `main` prints them): 2 for an unknown name or a bad path,
1 for a download that failed (unreachable, cut off, a failed check, a voice that does not
load). Voices already installed are never touched by a failure.
"""

from __future__ import annotations

import argparse
from typing import Any

from rich.console import Console
from rich.table import Table

from videorender.cli.progress import DownloadBar
from videorender.config import load_settings
from videorender.voice_catalog import Installed, VoiceLibrary
from videorender.voice_catalog.describe import by_language

out = Console(highlight=False, soft_wrap=True)


def add_voices_command(parser: argparse.ArgumentParser, commands: Any) -> argparse.ArgumentParser:
    """Register `voices` and its subcommands on the top-level subparsers; returns `parser`."""
    voices = commands.add_parser("voices", help="list, fetch, add and remove voices")
    actions = voices.add_subparsers(dest="voices_command", required=True)

    listing = actions.add_parser("list", help="the installed voices (or --available ones)")
    listing.add_argument(
        "--available", action="store_true", help="the catalogue's voices not installed yet"
    )
    listing.add_argument("--language", help="only this language: en, de, pt-BR, ...")
    listing.set_defaults(handler=_list)

    get = actions.add_parser("get", help="download voices of the catalogue into VOICES_DIR")
    get.add_argument("names", nargs="+", metavar="NAME", help="e.g. de_DE-thorsten-medium")
    get.set_defaults(handler=_get)

    add = actions.add_parser("add", help="install a Piper .onnx (+ .onnx.json) or Kokoro file")
    add.add_argument("source", metavar="PATH|URL")
    add.set_defaults(handler=_add)

    remove = actions.add_parser("remove", help="remove a voice of VOICES_DIR")
    remove.add_argument("name", metavar="NAME")
    remove.set_defaults(handler=_remove)
    return parser


def _library() -> VoiceLibrary:
    return VoiceLibrary(load_settings().library_config())


def _list(args: argparse.Namespace) -> int:
    with _library() as library:
        if args.available:
            _show_available(library, args.language)
        else:
            _show_installed(library, args.language)
    return 0


def _show_installed(library: VoiceLibrary, language: str | None) -> None:
    table = Table("language", "voice", "engine", "quality", "size", "name", box=None)
    wanted = (language or "").lower()
    for language_name, voices in by_language(library.installed()):
        for d in voices:
            if wanted and not d.voice.language.lower().startswith(wanted):
                continue
            default = " (default)" if d.voice.default else ""
            size = _megabytes(d.size_bytes) if d.size_bytes else ""
            table.add_row(
                language_name, d.voice.speaker, d.voice.engine, d.quality, size, d.label + default
            )
    out.print(table)
    out.print(f"VOICES_DIR: {library.config.voices_dir}")


def _show_available(library: VoiceLibrary, language: str | None) -> None:
    voices = library.available(language)
    table = Table("language", "voice", "engine", "quality", "size", box=None)
    for v in voices:
        table.add_row(v.language_name, v.key, v.engine, v.quality, _megabytes(v.size))
    out.print(table)
    out.print(
        f"{len(voices)} voices from {library.config.catalog_url}; "
        "fetch one with `videorender voices get NAME`"
    )


def _get(args: argparse.Namespace) -> int:
    with _library() as library:
        for name in args.names:
            with DownloadBar() as bar:
                installed = library.get(name, bar.update)
            _report(installed, "already installed" if installed.already else "installed")
    return 0


def _add(args: argparse.Namespace) -> int:
    with _library() as library, DownloadBar() as bar:
        installed = library.add(args.source, bar.update)
    _report(installed, "added")
    return 0


def _remove(args: argparse.Namespace) -> int:
    with _library() as library:
        removed = library.remove(args.name)
    out.print(f"{args.name}: removed {removed}")
    return 0


def _report(installed: Installed, what: str) -> None:
    out.print(f"{installed.name}: {what} in {installed.folder}")
    for name in installed.recorded:
        digest = next(f.sha256 for f in installed.files if f.path.name == name)
        out.print(
            f"  {name}: no published hash to check it against; its SHA-256 {digest} is "
            "recorded and later downloads are checked against it"
        )


def _megabytes(size: int) -> str:
    return f"{size / 1_000_000:.1f} MB" if size else "?"
