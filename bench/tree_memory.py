"""Where a command's peak memory is: its process tree sampled every 50 ms, the peak of the
summed resident sizes (what `bench.measure` reports) with each process's share at that moment,
and the peak of the summed PSS (shared pages divided between the processes mapping them:
closer to what the machine holds when several FFmpeg processes share their libraries).

    python -m bench.tree_memory -- videorender render story.md --size 1080x1920 -o out
"""

from __future__ import annotations

import argparse
import subprocess
import time
from collections.abc import Sequence
from pathlib import Path

import psutil

from bench.measure import MB, SAMPLE_INTERVAL_S, process_tree


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench.tree_memory",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "command", nargs=argparse.REMAINDER, help="the command to measure, after --"
    )
    command = parser.parse_args(argv).command
    if command[:1] == ["--"]:
        command = command[1:]
    if not command:
        parser.error("no command to measure: python -m bench.tree_memory -- COMMAND ...")
    proc = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    root = psutil.Process(proc.pid)
    peak_rss, peak_pss = 0, 0
    at_peak: list[tuple[int, str]] = []
    while proc.poll() is None:
        shares: list[tuple[int, str]] = []
        pss = 0
        for process in process_tree(root):
            try:
                shares.append((process.memory_info().rss, " ".join(process.cmdline())[:100]))
                pss += _pss(process.pid)
            except (psutil.Error, OSError):  # exited between listing and reading
                continue
        rss = sum(size for size, _ in shares)
        if rss > peak_rss:
            peak_rss, at_peak = rss, shares
        peak_pss = max(peak_pss, pss)
        time.sleep(SAMPLE_INTERVAL_S)
    peaks = f"peak RSS sum {peak_rss / MB:.0f} MB, peak PSS sum {peak_pss / MB:.0f} MB"
    print(f"exit {proc.wait()}: {peaks}")
    for size, cmdline in sorted(at_peak, reverse=True):
        print(f"  {size / MB:6.0f} MB  {cmdline}")
    return 0


def _pss(pid: int) -> int:
    for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
        if line.startswith("Pss:"):
            return int(line.split()[1]) * 1024
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
