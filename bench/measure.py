"""Run one command and measure it: wall time, CPU time and peak memory of its process tree.

CPU time is exact: the `RUSAGE_CHILDREN` counters grow by everything the command and its
descendants used once they are reaped. Peak memory is sampled: every `SAMPLE_INTERVAL_S` the
resident set sizes of the command and all its descendants (FFmpeg children included) are added
up, and the largest sum is kept. Shared pages (libraries mapped by several processes) count once
per process, so the figure errs high, never low: what a memory limit on the job would see.
"""

from __future__ import annotations

import os
import resource
import subprocess
import threading
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import psutil

SAMPLE_INTERVAL_S = 0.05
MB = 1024 * 1024


@dataclass(frozen=True)
class Measurement:
    """What one run cost."""

    wall_s: float
    cpu_s: float
    peak_mb: float


class CommandFailedError(RuntimeError):
    """The measured command exited non-zero; carries the end of its output."""

    def __init__(self, argv: Sequence[str], returncode: int, output_tail: str) -> None:
        super().__init__(f"{argv[0]} ... exited {returncode}:\n{output_tail}")
        self.returncode = returncode


class TreeMemorySampler:
    """Samples the summed RSS of a process and its descendants on a background thread."""

    def __init__(self, pid: int) -> None:
        self._root = psutil.Process(pid)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self.peak_bytes = 0

    def __enter__(self) -> TreeMemorySampler:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()

    def _run(self) -> None:
        while not self._stop.is_set():
            self.peak_bytes = max(self.peak_bytes, self._tree_rss())
            self._stop.wait(SAMPLE_INTERVAL_S)

    def _tree_rss(self) -> int:
        total = 0
        for process in process_tree(self._root):
            try:
                total += int(process.memory_info().rss)
            except psutil.Error:  # a child exited between listing and reading
                continue
        return total


def process_tree(root: psutil.Process) -> list[psutil.Process]:
    """`root` and all its descendants now; none once `root` has exited."""
    try:
        return [root, *root.children(recursive=True)]
    except psutil.Error:
        return []


def measure(
    argv: Sequence[str],
    *,
    env: Mapping[str, str] | None = None,
    cwd: Path | None = None,
    timeout_s: float = 3600,
) -> Measurement:
    """Run `argv` to completion and return what it cost.

    Raises:
        CommandFailedError: the command exited non-zero.
        subprocess.TimeoutExpired: it ran past `timeout_s` (it is killed).
    """
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    output: list[bytes] = []
    with subprocess.Popen(
        list(argv),
        env=dict(env) if env is not None else None,
        cwd=cwd,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    ) as proc:
        reader = threading.Thread(target=lambda: output.extend(proc.stdout or []), daemon=True)
        reader.start()
        with TreeMemorySampler(proc.pid) as sampler:
            try:
                returncode = proc.wait(timeout=timeout_s)
            except subprocess.TimeoutExpired:
                proc.kill()
                raise
        wall = time.perf_counter() - started
        reader.join(timeout=5)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if returncode != 0:
        tail = b"".join(output)[-3000:].decode(errors="replace")
        raise CommandFailedError(argv, returncode, tail)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return Measurement(wall_s=wall, cpu_s=cpu, peak_mb=sampler.peak_bytes / MB)


def child_env(**overrides: str) -> dict[str, str]:
    """This process's environment with `overrides` on top."""
    return {**os.environ, **overrides}
