"""What this process may use of the machine: cores and memory, as a container limits them.
Read where `auto` settings are resolved (config.py)."""

from __future__ import annotations

import contextlib
import os
from pathlib import Path


def usable_cores() -> int:
    """The CPUs this process may run on: its affinity, capped by a cgroup v2 CPU quota (a
    container started with `--cpus`)."""
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        cores = os.cpu_count() or 1
    try:
        quota, period = Path("/sys/fs/cgroup/cpu.max").read_text(encoding="ascii").split()[:2]
        if quota != "max":
            cores = min(cores, max(1, int(quota) // int(period)))
    except (OSError, ValueError):  # no cgroup v2 quota to read
        pass
    return max(1, cores)


def memory_limit_mb() -> int | None:
    """The memory this process may use: its cgroup's limit, else the machine's."""
    for path in (
        "/sys/fs/cgroup/memory.max",  # cgroup v2
        "/sys/fs/cgroup/memory/memory.limit_in_bytes",  # v1
    ):
        with contextlib.suppress(OSError, ValueError):
            value = int(Path(path).read_text().strip())
            if value < 1 << 50:  # "max" (ValueError) or v1's huge number: no limit
                return value // (1024 * 1024)
    with contextlib.suppress(OSError, ValueError):
        return int(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")) // (1024 * 1024)
    return None
