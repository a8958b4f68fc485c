"""Env files read the way systemd's `EnvironmentFile=` reads them.

The same file is read by systemd (`EnvironmentFile=`), by `docker run --env-file` and by
this service (`.env` in the working directory), so it must mean the same thing to all three.
systemd and Docker keep everything after `=` as the value: `MAX_CONCURRENT_JOBS=2   # cores`
sets `2   # cores`, whereas python-dotenv would drop the comment. Reading `.env` as systemd
does means a file that works here works there; the settings then refuse a value that carries
such a comment (`config.Settings`), whichever of the three it came through.

The grammar (a subset of systemd's, which is what our docs use):
- empty lines and lines whose first non-blank character is `#` or `;` are ignored, as are
  lines without `=`;
- `KEY=VALUE`: blanks around the key and the value are stripped; an optional leading
  `export ` is ignored (shell-style files);
- a value wholly in double quotes loses them (`\\"`, `\\\\`, `\\$` and `` \\` `` unescaped),
  one in single quotes loses them and is taken literally;
- a line ending in a backslash continues on the next line.
"""

from __future__ import annotations

import re
from pathlib import Path

_KEY = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_ESCAPES = re.compile(r'\\(["\\$`])')


def parse_env_text(text: str) -> dict[str, str]:
    """The variables a systemd env file of this text sets (later lines win)."""
    values: dict[str, str] = {}
    for line in _logical_lines(text):
        stripped = line.strip()
        if not stripped or stripped[0] in "#;" or "=" not in stripped:
            continue
        key, _, value = stripped.partition("=")
        key = key.strip().removeprefix("export ").strip()
        if _KEY.fullmatch(key):
            values[key] = _unquote(value.strip())
    return values


def read_env_file(path: Path, encoding: str = "utf-8") -> dict[str, str]:
    """The variables the env file at `path` sets (see the module's grammar).

    Raises:
        OSError: the file cannot be read.
    """
    return parse_env_text(path.read_text(encoding=encoding))


def _logical_lines(text: str) -> list[str]:
    lines: list[str] = []
    pending = ""
    for line in text.splitlines():
        if line.endswith("\\") and not line.lstrip().startswith(("#", ";")):
            pending += line[:-1]
            continue
        lines.append(pending + line)
        pending = ""
    if pending:
        lines.append(pending)
    return lines


def _unquote(value: str) -> str:
    if len(value) >= 2 and value[0] == value[-1] == '"':
        return _ESCAPES.sub(r"\1", value[1:-1])
    if len(value) >= 2 and value[0] == value[-1] == "'":
        return value[1:-1]
    return value
