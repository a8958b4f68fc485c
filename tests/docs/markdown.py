"""The Markdown files the docs tests read, and their fenced blocks (found by `mktestdocs`,
the tool that runs them)."""

from __future__ import annotations

from pathlib import Path

from mktestdocs import grab_code_blocks

REPO = Path(__file__).resolve().parents[2]
DOCS = (REPO / "README.md", *sorted((REPO / "docs").glob("*.md")))


def blocks(path: Path, lang: str) -> list[str]:
    """The fenced blocks of `path` whose info string is exactly `lang`."""
    found: list[str] = grab_code_blocks(path.read_text(encoding="utf-8"), lang=lang)
    return found


def doc_id(path: Path) -> str:
    return str(path.relative_to(REPO))
