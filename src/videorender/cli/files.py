"""The command line's own files: the script (a file or standard input). Inputs that must
exist and an output folder that must be writable are checked by `videorender.front_door`."""

from __future__ import annotations

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
