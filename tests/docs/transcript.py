"""A `console` block of the docs run as a session: each `$ COMMAND` runs in bash, in order,
in one folder, and what it prints is held against what the block shows under it.

What must match, so that a reader sees what the service answers today: an HTTP status line
exactly; the set of header names (`date` and `server` are left out of the docs); a JSON body's
shape (the same keys, at every level) and its `field`, `kind` and final `status` values; any
other output exactly. Ids differ from run to run: a job id or cursor shown in an answer
stands for the one the service gave, in later commands too. A shown body holding `...` is
abridged: only the keys it shows must be there. `$ cat FILE` of a file that is not there
writes FILE with the lines shown (the block's own input files, such as a request body).
"""

from __future__ import annotations

import json
import re
import shlex
import subprocess
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

STABLE_VALUES = ("field", "kind", "event")
FINAL_STATES = ("completed", "failed", "cancelled")
MAPPED_KEYS = ("job_id", "next_cursor")
LEFT_OUT_HEADERS = {"date", "server"}


@dataclass
class Step:
    command: str
    shown: list[str] = field(default_factory=list)


def parse(block: str) -> list[Step]:
    """The block's commands (`$ ` lines, with their continuation lines) and what each shows."""
    steps: list[Step] = []
    pending: list[str] = []
    for line in block.splitlines():
        if pending:
            pending.append(line)
        elif line.startswith("$ "):
            pending = [line[2:]]
        elif steps:
            steps[-1].shown.append(line)
            continue
        command = "\n".join(pending)
        if _complete(command):
            steps.append(Step(command))
            pending = []
    assert not pending, f"unfinished command: {pending}"
    for step in steps:
        while step.shown and not step.shown[-1].strip():
            step.shown.pop()
    return steps


def _complete(command: str) -> bool:
    if command.endswith("\\"):
        return False
    try:
        shlex.split(command, comments=True)
    except ValueError:  # a quote still open
        return False
    return True


class Session:
    """Runs a parsed block in `folder` with `env`; `replace` maps text of the docs (an
    address) to this run's before anything runs or is written."""

    def __init__(self, folder: Path, env: Mapping[str, str], replace: Mapping[str, str]):
        self.folder = folder
        self.env = dict(env)
        self.replace = dict(replace)

    def run(self, steps: list[Step]) -> None:
        for step in steps:
            self._run(step)

    def _sub(self, text: str) -> str:
        for shown, actual in self.replace.items():
            text = text.replace(shown, actual)
        return text

    def _run(self, step: Step) -> None:
        command = self._sub(step.command)
        written = re.fullmatch(r"cat (\S+)", command.strip())
        if written and not (self.folder / written.group(1)).exists():
            (self.folder / written.group(1)).write_text(self._sub("\n".join(step.shown)) + "\n")
        done = subprocess.run(
            ["bash", "-e", "-u", "-o", "pipefail", "-c", command],
            cwd=self.folder,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=600,
            check=False,
        )
        assert done.returncode == 0, f"$ {command}\nexit {done.returncode}\n{done.stderr}"
        self._compare(step, done.stdout, command)

    def _compare(self, step: Step, output: str, command: str) -> None:
        shown = step.shown
        lines = output.replace("\r\n", "\n").rstrip("\n").split("\n") if output.strip() else []
        where = f"$ {command}\nshown:\n" + "\n".join(shown) + "\nprinted:\n" + output
        if shown and shown[0].startswith("HTTP/"):
            assert lines and lines[0] == shown[0], where
            shown_head, shown = _split_head(shown[1:])
            head, lines = _split_head(lines[1:])
            assert _header_names(shown_head) == _header_names(head) - LEFT_OUT_HEADERS, where
        self._compare_body("\n".join(shown).strip(), "\n".join(lines).strip(), where)

    def _compare_body(self, shown: str, printed: str, where: str) -> None:
        if "..." in shown:  # abridged: the keys it shows must be there
            keys = set(re.findall(r'"(\w+)":', shown))
            assert keys <= set(re.findall(r'"(\w+)":', printed)), where
            self._learn(_first_values(shown), _first_values(printed))
            status = _first_values(shown).get("status")
            if status in FINAL_STATES:
                assert _first_values(printed).get("status") == status, where
            return
        try:
            expected, actual = json.loads(shown), json.loads(printed)
        except ValueError:
            assert self._sub(shown) == printed, where
            return
        self._learn(expected, actual)
        _same_shape(expected, actual, where)

    def _learn(self, expected: Any, actual: Any) -> None:
        """Ids the docs show stand for those the service gave, in later commands."""
        if isinstance(expected, dict) and isinstance(actual, dict):
            for key in MAPPED_KEYS:
                shown, given = expected.get(key), actual.get(key)
                if isinstance(shown, str) and isinstance(given, str):
                    self.replace[shown] = given
            for key in expected.keys() & actual.keys():
                self._learn(expected[key], actual[key])
        elif isinstance(expected, list) and isinstance(actual, list):
            for shown_item, given_item in zip(expected, actual, strict=False):
                self._learn(shown_item, given_item)


def _first_values(text: str) -> dict[str, str]:
    """The first string value of each key in an abridged JSON text."""
    values: dict[str, str] = {}
    for key, value in re.findall(r'"(\w+)":"([^"]*)"', text):
        values.setdefault(key, value)
    return values


def _split_head(lines: list[str]) -> tuple[list[str], list[str]]:
    blank = lines.index("") if "" in lines else len(lines)
    return lines[:blank], lines[blank + 1 :]


def _header_names(lines: list[str]) -> set[str]:
    return {line.split(":", 1)[0].strip().lower() for line in lines if ":" in line}


def _same_shape(expected: Any, actual: Any, where: str) -> None:
    if isinstance(expected, dict):
        assert isinstance(actual, dict), where
        assert sorted(expected) == sorted(actual), f"keys differ: {where}"
        for key, value in expected.items():
            if key in STABLE_VALUES or (key == "status" and value in FINAL_STATES):
                assert actual[key] == value, f"{key}: {where}"
            _same_shape(value, actual[key], where)
    elif isinstance(expected, list) and expected:
        assert isinstance(actual, list) and actual, where
        _same_shape(expected[0], actual[0], where)
