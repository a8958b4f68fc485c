"""Running FFmpeg: one argument list at a time, with a timeout and the job's deadline,
progress read from `-progress`, a failure turned into `FFmpegError` quoting the end of
FFmpeg's stderr. Nothing here goes through a shell."""

from __future__ import annotations

import contextlib
import os
import subprocess
import threading
from collections import deque
from collections.abc import Callable

from videorender.errors import DiskSpaceError, FFmpegError
from videorender.pipeline.runtime import deadline

FFMPEG = "ffmpeg"
FFPROBE = "ffprobe"
STDERR_TAIL_LINES = 12
NO_SPACE = "No space left on device"  # strerror(ENOSPC), as FFmpeg prints it


def run_ffmpeg(
    argv: list[str],
    *,
    stage: str,
    timeout_s: float,
    duration_ms: int | None = None,
    on_progress: Callable[[float], None] | None = None,
    niceness: int = 0,
    stdin: int | None = None,
) -> str:
    """Run FFmpeg; return the last lines of its stderr (where filters print reports).

    With `duration_ms` and `on_progress`, calls `on_progress(fraction)` as the output grows.
    `stdin` is a file descriptor FFmpeg reads (e.g. the read end of a pipe): it is closed
    here once FFmpeg has it, so a writer sees a broken pipe as soon as FFmpeg stops.

    The job's time limit (`deadline`), when one is set, shortens `timeout_s`.

    Raises:
        FFmpegError: FFmpeg exited non-zero or ran past `timeout_s` (it is killed).
        JobTimeoutError: it was killed because the job ran past its time limit.
        DiskSpaceError: the disk filled up under it (ENOSPC).
    """
    deadline.check(stage)
    timeout_s = deadline.bounded(timeout_s)
    stderr_tail: deque[str] = deque(maxlen=200)
    try:
        proc = subprocess.Popen(
            argv,
            stdin=subprocess.DEVNULL if stdin is None else stdin,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            errors="replace",
        )
    finally:
        if stdin is not None:
            os.close(stdin)
    with proc:
        if niceness:
            _lower_priority(proc.pid, niceness)
        stderr_reader = threading.Thread(
            target=stderr_tail.extend, args=(proc.stderr,), daemon=True
        )
        stderr_reader.start()
        timer = threading.Timer(timeout_s, proc.kill)
        timer.start()
        try:
            assert proc.stdout is not None
            for line in proc.stdout:
                if on_progress and duration_ms and line.startswith("out_time_us="):
                    _report(line, duration_ms, on_progress)
            returncode = proc.wait()
        finally:
            timed_out = not timer.is_alive()
            timer.cancel()
            if proc.poll() is None:
                proc.kill()
                proc.wait()
            stderr_reader.join(timeout=5)
    _raise_for_failure(argv, stage, None if timed_out else returncode, list(stderr_tail))
    return "".join(stderr_tail)


def run_ffmpeg_into(
    argv: list[str],
    fd: int,
    *,
    stage: str,
    timeout_s: float,
    niceness: int = 0,
    on_start: Callable[[subprocess.Popen[bytes]], None] | None = None,
) -> None:
    """Run FFmpeg with its stdout on the file descriptor `fd` (e.g. a pipe to another
    FFmpeg). `on_start` receives the process, e.g. to kill it from another thread.

    Raises:
        FFmpegError: FFmpeg exited non-zero or ran past `timeout_s` (it is killed).
    """
    deadline.check(stage)
    timeout_s = deadline.bounded(timeout_s)
    with subprocess.Popen(
        argv, stdin=subprocess.DEVNULL, stdout=fd, stderr=subprocess.PIPE
    ) as proc:
        if niceness:
            _lower_priority(proc.pid, niceness)
        if on_start:
            on_start(proc)
        try:
            _, stderr = proc.communicate(timeout=timeout_s)
            returncode: int | None = proc.returncode
        except subprocess.TimeoutExpired:
            proc.kill()
            _, stderr = proc.communicate()
            returncode = None
    lines = stderr.decode(errors="replace").splitlines(keepends=True)
    _raise_for_failure(argv, stage, returncode, lines[-200:])


def _raise_for_failure(
    argv: list[str], stage: str, returncode: int | None, stderr_lines: list[str]
) -> None:
    full = next((line.strip() for line in stderr_lines if NO_SPACE in line), None)
    if full is not None:  # FFmpeg 5.1 can exit 0 after failing to write its output
        raise DiskSpaceError(stage, f"the disk is full ({full})")
    if returncode is None:
        deadline.check(stage)  # the job's time limit, rather than this run's own timeout
    if returncode != 0:
        tail = "".join(stderr_lines[-STDERR_TAIL_LINES:])
        raise FFmpegError(stage, argv, returncode, tail)


def _lower_priority(pid: int, niceness: int) -> None:
    with contextlib.suppress(OSError):  # the process may already have exited
        os.setpriority(os.PRIO_PROCESS, pid, niceness)


def _report(line: str, duration_ms: int, on_progress: Callable[[float], None]) -> None:
    try:
        done_ms = int(line.split("=", 1)[1]) // 1000
    except ValueError:
        return  # FFmpeg prints "N/A" before the first frame
    on_progress(max(0.0, min(1.0, done_ms / duration_ms)))
