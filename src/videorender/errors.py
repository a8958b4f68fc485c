"""The one exception tree of the project.

Every error the core raises is a `VideoRenderError`. Subclasses carry structured attributes,
pickle cleanly (so they can cross process boundaries), and say whether retrying can help.
The CLI maps them to exit codes and the API to HTTP codes, each in one place.
"""

from __future__ import annotations

import signal


class VideoRenderError(Exception):
    """Root of every error raised by videorender."""

    retryable: bool = False

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def __reduce__(self) -> tuple[object, ...]:
        return (self.__class__, (self.message,))

    def __str__(self) -> str:
        return self.message


class ConfigError(VideoRenderError):
    """A setting is missing or invalid (names the environment variable)."""


class InputError(VideoRenderError):
    """The caller's input is unusable: the message says which input and why."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field

    def __reduce__(self) -> tuple[object, ...]:
        return (self.__class__, (self.message, self.field))


class ScriptError(InputError):
    """The script text is empty, too long, or otherwise unusable."""

    def __init__(self, message: str, field: str | None = "script") -> None:
        super().__init__(message, field)


class LanguageUnavailableError(InputError):
    """The job's language needs a part of videorender that is not installed (an extra), or
    the chosen engine cannot speak it: refused before any work, never spoken as noise."""

    def __init__(self, message: str, field: str | None = "language") -> None:
        super().__init__(message, field)


class MediaError(InputError):
    """An input media file cannot be used (not media, truncated, missing a stream)."""


class TTSError(VideoRenderError):
    """The speech engine failed or could not be loaded."""


class StageError(VideoRenderError):
    """A pipeline stage failed for a reason other than bad input."""

    def __init__(self, stage: str, message: str) -> None:
        super().__init__(f"{stage} failed: {message}")
        self.stage = stage
        self.detail = message

    def __reduce__(self) -> tuple[object, ...]:
        return (self.__class__, (self.stage, self.detail))


class TranscriptionError(StageError):
    """Speech could not be transcribed: the `transcribe` extra is not installed, the model is
    missing or damaged, or Whisper failed."""

    def __init__(self, stage: str, message: str) -> None:
        super().__init__(stage, message)


class FFmpegError(StageError):
    """FFmpeg or ffprobe exited with an error; carries the tail of its stderr."""

    def __init__(
        self, stage: str, argv: list[str], returncode: int | None, stderr_tail: str
    ) -> None:
        tail = stderr_tail.strip()
        detail = f"ffmpeg {_ffmpeg_reason(returncode)}" + (f": {tail}" if tail else "")
        super().__init__(stage, detail)
        self.argv = argv
        self.returncode = returncode
        self.stderr_tail = stderr_tail
        # Killed by a signal (the kernel's OOM killer sends SIGKILL): another try may pass.
        self.retryable = returncode is not None and returncode < 0

    def __reduce__(self) -> tuple[object, ...]:
        return (self.__class__, (self.stage, self.argv, self.returncode, self.stderr_tail))


class JobLimitError(StageError):
    """A job ran into a limit of the service (time, disk), not a fault of its input."""


class JobTimeoutError(JobLimitError):
    """The job ran past JOB_TIMEOUT_SECONDS; what it was running (FFmpeg, speech) was stopped."""

    def __init__(self, stage: str, seconds: float) -> None:
        super().__init__(
            stage, f"the job ran past JOB_TIMEOUT_SECONDS ({seconds:g} s) and was stopped"
        )
        self.seconds = seconds

    def __reduce__(self) -> tuple[object, ...]:
        return (self.__class__, (self.stage, self.seconds))


class DiskSpaceError(JobLimitError):
    """Not enough free disk for a job (checked before it starts), or the disk filled up while
    it ran (ENOSPC). Not retried at once: an immediate retry would meet the same disk."""


def _ffmpeg_reason(returncode: int | None) -> str:
    if returncode is None:
        return "timed out"
    if returncode < 0:
        try:
            name = signal.Signals(-returncode).name
        except ValueError:
            name = f"signal {-returncode}"
        return f"was killed by {name}" + (" (out of memory?)" if name == "SIGKILL" else "")
    return f"exited with code {returncode}"


class DownloadError(InputError):
    """An input URL could not be fetched: unreachable, refused, too big or too slow."""


class UnsafeURLError(InputError):
    """A URL leads somewhere the service may not go for a caller: a private, loopback,
    link-local, multicast or reserved address, or a scheme other than http(s)."""


class JobNotFoundError(VideoRenderError):
    """No job has this id."""


class JobStateError(VideoRenderError):
    """The job is in a state that does not allow what was asked (e.g. cancelling a completed
    job)."""


class QueueFullError(VideoRenderError):
    """MAX_QUEUED_JOBS jobs are already waiting: the caller should come back later."""

    retry_after_s = 30


class StorageError(VideoRenderError):
    """An artifact could not be stored, or a stored input could not be read."""

    retryable = True


class IdempotencyConflictError(InputError):
    """An `Idempotency-Key` was used before, within its lifetime, with a different request."""

    def __init__(self, message: str, field: str | None = "Idempotency-Key") -> None:
        super().__init__(message, field)


class JobCancelledError(VideoRenderError):
    """The job was cancelled while it ran; raised at the next progress point to unwind it
    (subprocesses are killed and work folders removed on the way out)."""


class StorageConfigError(StorageError):
    """The storage refused our credentials, or its bucket or endpoint is wrong: retrying the
    job cannot help until the configuration is fixed."""

    retryable = False


class VoiceFetchError(VideoRenderError):
    """A voice could not be fetched or installed: the catalogue or a file cannot be reached
    (a timeout, never a hang), a file fails its size or hash check (it is deleted, and the
    message names it), or a fetched voice does not load. Voices already installed are never
    touched. A retry may help where the network was at fault."""
