"""The command line's own files: the script (a file or standard input), inputs that must
exist, an output folder that must be writable, each refused before any work."""

from __future__ import annotations

import os
import sys
from pathlib import Path

from videorender.errors import InputError


def read_script(source: str) -> str:
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


def check_file(path: Path | None, what: str) -> None:
    if path is not None and not path.is_file():
        raise InputError(f"{what} {str(path)!r} does not exist", what)


def check_output_dir(path: Path) -> None:
    """Refuse an output folder that cannot be written before any work, not after it."""
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        reason = "is a file" if isinstance(exc, FileExistsError) else exc.strerror
        raise InputError(f"output folder {str(path)!r} cannot be used: {reason}", "output") from exc
    if not os.access(path, os.W_OK | os.X_OK):
        raise InputError(f"output folder {str(path)!r} is not writable", "output")
