"""The README's reference parts say what the code does: the configuration tables list every
setting and nothing else, with its default; the command-line synopsis and every
`videorender ...` command in the docs use options the parser has."""

from __future__ import annotations

import argparse
import re
import shlex
from pathlib import Path

import pytest

from tests.docs.markdown import DOCS, REPO, blocks, doc_id
from videorender.cli.main import _parser
from videorender.config import Settings

README = REPO / "README.md"


def _section(text: str, title: str) -> str:
    return text.split(f"\n## {title}\n", 1)[1].split("\n## ", 1)[0]


def _table_rows() -> dict[str, str]:
    """Each variable of the Configuration section's tables, with its default cell."""
    rows: dict[str, str] = {}
    for line in _section(README.read_text(encoding="utf-8"), "Configuration").splitlines():
        cells = [cell.strip() for cell in line.strip("|").split("|")]
        if not line.startswith("| `") or len(cells) != 3:
            continue
        names = re.findall(r"`([A-Z][A-Z0-9_]+)`", cells[0])
        defaults = [d.strip() for d in cells[1].split(" / ")]
        for number, name in enumerate(names):
            assert name not in rows, f"{name} is in the table twice"
            rows[name] = defaults[number] if len(defaults) == len(names) else cells[1]
    return rows


def test_configuration_tables_list_every_setting_and_nothing_else() -> None:
    listed = set(_table_rows())
    settings = {name.upper() for name in Settings.model_fields}
    assert settings - listed == set(), "settings missing from the README's table"
    assert listed - settings == set(), "variables in the README's table that are not settings"


def _shown(value: object) -> str | None:
    """A default as the table writes it, for the plain ones (None: not compared)."""
    if isinstance(value, bool):
        return f"`{str(value).lower()}`"
    if isinstance(value, float) and value.is_integer():
        return f"`{int(value)}`"
    if isinstance(value, (int, float, str)) and value != "":
        return f"`{value}`"
    if isinstance(value, Path):
        return f"`{value}`"
    return None


def test_configuration_defaults_are_the_settings_defaults() -> None:
    wrong = {}
    for name, cell in _table_rows().items():
        field = Settings.model_fields[name.lower()]
        if field.default_factory is not None:
            continue
        shown = _shown(field.default)
        literal = re.fullmatch(r"`[^`]*`", cell) is not None  # else words, not compared
        if shown is not None and literal and cell != shown:
            wrong[name] = (cell, shown)
    assert wrong == {}


def _subparsers(parser: argparse.ArgumentParser) -> dict[str, argparse.ArgumentParser]:
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            return dict(action.choices)
    raise AssertionError("no subcommands")


def _nested(parser: argparse.ArgumentParser) -> dict[str, argparse.ArgumentParser]:
    try:
        return _subparsers(parser)
    except AssertionError:
        return {}


def _options(parser: argparse.ArgumentParser) -> dict[str, argparse.Action]:
    return {
        option: action
        for action in parser._actions
        for option in action.option_strings
        if option not in ("-h", "--help")
    }


def _synopsis() -> dict[str, str]:
    """The Command line section's synopsis: each command's lines joined."""
    section = _section(README.read_text(encoding="utf-8"), "Command line")
    text = section.split("```", 2)[1].replace("\\\n", " ")
    found: dict[str, str] = {}
    for line in text.splitlines():
        if line.startswith("videorender "):
            command = line.split()[1]
            found.setdefault(command, line)
    return found


@pytest.mark.parametrize("command", ["render", "voiceover"])
def test_synopsis_names_every_option_of_the_parser_and_no_other(command: str) -> None:
    line = _synopsis()[command]
    options = _options(_subparsers(_parser())[command])
    shown = set(re.findall(r"(?<![\w-])(--?[a-z][a-z-]*)", line))
    assert shown - set(options) == set(), "the synopsis shows options the parser lacks"
    missing = {o for o in options if o.startswith("--") and o not in shown}
    missing -= {"--output"}  # shown as -o
    assert missing == set(), "options of the parser missing from the synopsis"
    for option, action in options.items():
        choices = re.search(rf"\[{option} ([a-z|]+)\]", line)
        if action.choices and choices:
            assert set(choices.group(1).split("|")) == set(action.choices), option


def _commands() -> list[tuple[str, str]]:
    """Every `videorender COMMAND ...` of the docs: in fenced blocks (run or not, unit files'
    ExecStart= too) and in inline code."""
    commands = set(_subparsers(_parser()))
    found = []
    for path in DOCS:
        text = path.read_text(encoding="utf-8")
        fenced = re.findall(r"^```[^\n]*\n(.*?)^```", text, re.S | re.M)
        spans = re.findall(r"`([^`\n]+)`", re.sub(r"^```.*?^```", "", text, flags=re.S | re.M))
        for chunk in [*fenced, *spans]:
            for line in chunk.replace("\\\n", " ").splitlines():
                for match in re.finditer(r"videorender ([a-z]+)\b([^\n`#|()]*)", line):
                    if match.group(1) in commands:
                        found.append((doc_id(path), match.group(0).strip()))
    return found


@pytest.mark.parametrize(
    ("doc", "line"), _commands(), ids=lambda value: str(value)[:40].replace(" ", "_")
)
def test_every_command_in_the_docs_uses_options_the_parser_has(doc: str, line: str) -> None:
    words = shlex.split(line.replace("[", " ").replace("]", " ").replace("...", ""))
    command = words[1]
    subparsers = _subparsers(_parser())
    assert command in subparsers, f"{doc}: no command {command!r}"
    parser, rest = subparsers[command], words[2:]
    nested = _nested(parser)
    if nested and rest and rest[0] in nested:  # `videorender voices list ...`
        parser, rest = nested[rest[0]], rest[1:]
    options = _options(parser)
    used = {w.split("=")[0] for w in rest if w.startswith("-") and w != "-"}
    assert used - set(options) == set(), f"{doc}: {line}"


def test_docs_runnable_blocks_are_found() -> None:
    """Guards the block finder the docs tests rely on."""
    assert blocks(README, "bash")
