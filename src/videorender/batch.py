"""`videorender batch`: many videos from one file, each validated like an API request and
rendered by the pipeline directly (as `videorender render` does), into OUTDIR/NAME/.

A job whose folder already holds its outputs for the same request (`request.sha256` beside
them: a hash of the validated request and of its local input files' sizes and times) is
skipped, so a batch that stopped half-way resumes where it was. A bad line or a failed job
is recorded and the others go on.
"""

from __future__ import annotations

import csv
import dataclasses
import json
import logging
import re
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from videorender.config import Settings
from videorender.errors import InputError, VideoRenderError
from videorender.jobs.execute import fetch_inputs, render_job
from videorender.pipeline.run import job_workdir, render
from videorender.pipeline.runtime.clock import StageClock
from videorender.requests import (
    RenderRequest,
    RenderVideoRequest,
    render_request,
    request_hash,
    validation_message,
)
from videorender.storage import Storage

log = logging.getLogger(__name__)

HASH_NAME = "request.sha256"
REPORT_NAME = "report.jsonl"
JSON_COLUMNS = ("captions", "metadata")  # CSV cells holding JSON
NAME_PATTERN = re.compile(r"^[\w][\w.\-]{0,99}$")

ApiRequest = RenderRequest | RenderVideoRequest


@dataclass(frozen=True)
class BatchItem:
    """One line of the batch: a valid request, or why it is not one."""

    line: int
    name: str
    request: ApiRequest | None = None
    error: str | None = None
    field: str | None = None


@dataclass(frozen=True)
class ItemResult:
    """What became of one line; `status`: completed, skipped (done before), failed (the
    render failed) or invalid (the line is not a valid request)."""

    line: int
    name: str
    status: str
    error: str | None = None
    field: str | None = None
    seconds: float = 0.0
    paths: dict[str, str] = dataclasses.field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return self.status in ("completed", "skipped")

    def to_json(self) -> str:
        return json.dumps(
            {
                "line": self.line,
                "name": self.name,
                "status": self.status,
                "error": self.error,
                "field": self.field,
                "seconds": round(self.seconds, 3),
                "paths": self.paths,
            },
            ensure_ascii=False,
        )


def read_batch(path: Path) -> list[BatchItem]:
    """The jobs of a JSONL file (one JSON object a line; blank lines and `#` comments
    skipped) or, for a `.csv` name, a CSV file with the request fields as columns (empty
    cells left out; `captions` and `metadata` cells hold JSON).

    Raises:
        InputError: the file cannot be read, or holds no job.
    """
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError as exc:
        raise InputError(f"batch file {str(path)!r} does not exist", "jobs") from exc
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"batch file {str(path)!r} cannot be read: {exc}", "jobs") from exc
    rows = _csv_rows(text) if path.suffix.lower() == ".csv" else _jsonl_rows(text)
    items = _name_items(_item(line, row) for line, row in rows)
    if not items:
        raise InputError(f"batch file {str(path)!r} holds no jobs", "jobs")
    return items


def _jsonl_rows(text: str) -> Iterator[tuple[int, dict[str, Any] | str]]:
    for number, raw in enumerate(text.splitlines(), start=1):
        if not raw.strip() or raw.lstrip().startswith("#"):
            continue
        try:
            value = json.loads(raw)
        except ValueError as exc:
            yield number, f"not JSON: {exc}"
            continue
        yield number, value if isinstance(value, dict) else "not a JSON object"


def _csv_rows(text: str) -> Iterator[tuple[int, dict[str, Any] | str]]:
    reader = csv.DictReader(text.splitlines())
    for row in reader:
        values: dict[str, Any] = {}
        problem = None
        for column, cell in row.items():
            if column is None or cell is None or not cell.strip():
                continue
            if column in JSON_COLUMNS:
                try:
                    values[column] = json.loads(cell)
                except ValueError:
                    problem = f"{column}: the cell is not JSON"
                continue
            values[column] = cell
        yield reader.line_num, problem or values


def _item(line: int, row: dict[str, Any] | str) -> BatchItem:
    if isinstance(row, str):
        return BatchItem(line, str(line), error=row, field="line")
    fields = dict(row)
    name = fields.pop("name", None)
    name = str(line) if name is None else str(name)
    if not NAME_PATTERN.match(name):
        error = "name: 1-100 letters, digits, '.', '-' or '_', not starting with '.' or '-'"
        return BatchItem(line, str(line), error=error, field="name")
    try:
        return BatchItem(line, name, request=render_request(fields, local_files=True))
    except ValidationError as exc:
        message, field = validation_message(exc)
        return BatchItem(line, name, error=message, field=field)


def _name_items(items: Iterator[BatchItem]) -> list[BatchItem]:
    """Refuse a name used by an earlier line: both jobs would write one folder."""
    seen: dict[str, int] = {}
    named = []
    for item in items:
        if item.name in seen:
            error = f"name: {item.name!r} is already used by line {seen[item.name]}"
            named.append(BatchItem(item.line, item.name, error=error, field="name"))
            continue
        seen[item.name] = item.line
        named.append(item)
    return named


def output_paths(folder: Path) -> dict[str, str]:
    names = ("final.mp4", "voice.wav", "subs.ass", "subs.srt", "subs.vtt", "words.json",
             "thumbnail.jpg")  # fmt: skip
    return {name: str(folder / name) for name in names if (folder / name).is_file()}


ItemProgress = Callable[[BatchItem, int], None]


@dataclass(frozen=True)
class Batch:
    """Runs the items of a batch into `outdir`."""

    settings: Settings
    storage: Storage
    outdir: Path
    force: bool = False

    def run(
        self,
        items: list[BatchItem],
        *,
        jobs: int = 1,
        on_progress: ItemProgress | None = None,
        on_done: Callable[[ItemResult], None] | None = None,
    ) -> list[ItemResult]:
        """Every item, `jobs` at a time; the results in the items' order, also written
        to OUTDIR/report.jsonl."""

        def one(item: BatchItem) -> ItemResult:
            result = self.run_item(item, on_progress)
            if on_done is not None:
                on_done(result)
            return result

        with ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
            results = list(pool.map(one, items))
        report = "".join(result.to_json() + "\n" for result in results)
        (self.outdir / REPORT_NAME).write_text(report, encoding="utf-8")
        return results

    def run_item(self, item: BatchItem, on_progress: ItemProgress | None = None) -> ItemResult:
        if item.request is None:
            return ItemResult(item.line, item.name, "invalid", item.error, item.field)
        folder = self.outdir / item.name
        digest = request_hash(item.request)
        hash_file = folder / HASH_NAME
        done = hash_file.is_file() and hash_file.read_text().strip() == digest
        if done and not self.force and (folder / "final.mp4").is_file():
            return ItemResult(item.line, item.name, "skipped", paths=output_paths(folder))
        hash_file.unlink(missing_ok=True)  # half-redone outputs are not the old request's
        started = time.monotonic()
        try:
            self._render(item.request, folder, lambda percent: _report(on_progress, item, percent))
        except VideoRenderError as exc:
            field_name = exc.field if isinstance(exc, InputError) else None
            seconds = time.monotonic() - started
            return ItemResult(item.line, item.name, "failed", str(exc), field_name, seconds)
        except Exception as exc:  # a bug of ours: recorded, and the other jobs go on
            log.exception("batch job %s failed unexpectedly", item.name)
            seconds = time.monotonic() - started
            return ItemResult(
                item.line, item.name, "failed", f"internal error: {exc}", None, seconds
            )
        hash_file.write_text(digest + "\n", encoding="utf-8")
        seconds = time.monotonic() - started
        return ItemResult(
            item.line, item.name, "completed", seconds=seconds, paths=output_paths(folder)
        )

    def _render(self, request: ApiRequest, folder: Path, report: Callable[[int], None]) -> None:
        job_request = request.job_request(base_url=self.outdir.resolve().as_uri())
        with job_workdir() as work:
            fetched = fetch_inputs(self.settings, self.storage, job_request, work, local_files=True)
            render(
                render_job(job_request, fetched, output_dir=folder, work_dir=work),
                self.settings.pipeline_config(),
                clock=StageClock(lambda progress: report(progress.percent)),
            )


def _report(on_progress: ItemProgress | None, item: BatchItem, percent: int) -> None:
    if on_progress is not None:
        on_progress(item, percent)
