"""Voice fetches in the background, for a face that cannot wait (the studio's "More
voices"): one thread per voice, its progress kept for polling.

These are not render jobs: they live in the process that started them (a restart forgets
them; the `.part` files stay, so fetching again resumes) and write to VOICES_DIR, which the
service's workers read on every job.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass, replace
from enum import Enum

from videorender.errors import VideoRenderError
from videorender.voice_catalog.download import FetchProgress
from videorender.voice_catalog.library import LibraryConfig, VoiceLibrary

log = logging.getLogger(__name__)


class FetchStatus(str, Enum):
    RUNNING = "running"
    COMPLETED = "completed"
    FAILED = "failed"


@dataclass(frozen=True)
class FetchState:
    """Where one fetch stands: bytes `done` of `total` of the file being fetched (`file`),
    and the one-line error of a failed fetch."""

    name: str
    status: FetchStatus = FetchStatus.RUNNING
    file: str = ""
    done: int = 0
    total: int | None = None
    error: str | None = None

    @property
    def percent(self) -> int:
        """0-100 through the current file (100 once completed)."""
        if self.status is FetchStatus.COMPLETED:
            return 100
        return min(99, self.done * 100 // self.total) if self.total else 0


class VoiceFetches:
    """The fetches this process started, by voice name (one at a time per name)."""

    def __init__(self, config: LibraryConfig) -> None:
        self._config = config
        self._states: dict[str, FetchState] = {}
        self._lock = threading.Lock()

    def start(self, name: str) -> FetchState:
        """Start fetching `name` unless it is being fetched; its state either way."""
        with self._lock:
            state = self._states.get(name)
            if state is not None and state.status is FetchStatus.RUNNING:
                return state
            state = self._states[name] = FetchState(name)
        threading.Thread(target=self._run, args=(name,), daemon=True, name=f"fetch-{name}").start()
        return state

    def state(self, name: str) -> FetchState | None:
        """The state of the last fetch of `name` this process started, if any."""
        with self._lock:
            return self._states.get(name)

    def _run(self, name: str) -> None:
        try:
            with VoiceLibrary(self._config) as library:
                library.get(name, self._progress)
        except VideoRenderError as exc:
            self._set(name, status=FetchStatus.FAILED, error=str(exc))
        except Exception as exc:  # a thread's error would otherwise vanish
            log.exception("fetching voice %s failed", name)
            self._set(name, status=FetchStatus.FAILED, error=f"unexpected error: {exc}")
        else:
            self._set(name, status=FetchStatus.COMPLETED)

    def _progress(self, progress: FetchProgress) -> None:
        self._set(progress.voice, file=progress.file, done=progress.done, total=progress.total)

    def _set(self, name: str, **changes: object) -> None:
        with self._lock:
            self._states[name] = replace(self._states[name], **changes)  # type: ignore[arg-type]
