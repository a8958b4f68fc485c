"""The command's display: one console on standard error, a progress bar through a render's
stages, one over a whole batch, and one per file a voice download fetches. Progress values
come from the pipeline's (and the voice library's) callbacks."""

from __future__ import annotations

import threading
from collections.abc import Mapping
from typing import TYPE_CHECKING

from rich.console import Console
from rich.progress import (
    BarColumn,
    DownloadColumn,
    Progress,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
    TransferSpeedColumn,
)
from rich.table import Table
from rich.text import Text

from videorender.pipeline import models
from videorender.voice_catalog import FetchProgress

if TYPE_CHECKING:
    from videorender.batch import BatchItem, ItemResult

console = Console(stderr=True)


def say(label: str, style: str, message: str) -> None:
    """One line to the terminal: a styled label, then `message` exactly as written (Rich
    would take `[zh]` in `pip install 'videorender[zh]'` for markup and drop it)."""
    console.print(Text.assemble((label, style), " ", message), highlight=False, soft_wrap=True)


def stage_table(title: str, stage_seconds: Mapping[str, float]) -> Table:
    """The seconds each stage took, and their total, under `title` (printed as written)."""
    table = Table(title=Text(title), show_header=True, title_justify="left")
    table.add_column("stage")
    table.add_column("seconds", justify="right")
    for stage, seconds in stage_seconds.items():
        table.add_row(stage, f"{seconds:.2f}")
    table.add_row("[bold]total", f"[bold]{sum(stage_seconds.values()):.2f}")
    return table


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


class DownloadBar:
    """A progress bar per file being downloaded (on standard error)."""

    def __init__(self) -> None:
        self._bar = Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            DownloadColumn(),
            TransferSpeedColumn(),
            console=console,
            transient=True,
        )
        self._tasks: dict[str, TaskID] = {}

    def __enter__(self) -> DownloadBar:
        self._bar.__enter__()
        return self

    def __exit__(self, *exc: object) -> None:
        self._bar.__exit__(None, None, None)

    def update(self, progress: FetchProgress) -> None:
        task = self._tasks.get(progress.file)
        if task is None:
            task = self._bar.add_task(progress.file, total=progress.total)
            self._tasks[progress.file] = task
        self._bar.update(task, completed=progress.done, total=progress.total)
