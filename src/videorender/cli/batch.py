"""`videorender batch`: many renders from one JSONL or CSV file, each into its own folder,
skipped when its folder already holds this request's outputs."""

from __future__ import annotations

import argparse

from rich.table import Table

from videorender.cli.exit_codes import EXIT_FAILED
from videorender.cli.progress import BatchProgress, console
from videorender.config import load_settings
from videorender.front_door import check_output_dir


def batch_command(args: argparse.Namespace) -> int:
    from videorender.batch import Batch, read_batch  # noqa: PLC0415 - only batch needs it
    from videorender.storage import create_storage  # noqa: PLC0415

    items = read_batch(args.jobs)
    check_output_dir(args.output)
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
