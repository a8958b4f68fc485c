"""Where artifacts go: one small interface, a backend per module.

To add a backend (S3 is next): write a module beside `local.py` with a class that satisfies
`Storage`, and return it from `create_storage` when its settings are present. Keys always
follow the layout of the original service (`artifact_key`), whatever the backend.
"""

from __future__ import annotations

from enum import Enum
from pathlib import Path
from typing import Protocol

from videorender.config import Settings
from videorender.storage.local import LocalStorage


class Artifact(str, Enum):
    """The files a job produces, with the key template each is stored under."""

    VOICE = "uploads/voiceovers/{job_id}-voice.wav"
    SUBTITLES = "uploads/subtitles/{job_id}-subs.ass"
    VIDEO = "uploads/renders/{job_id}-final.mp4"
    THUMBNAIL = "uploads/thumbnails/{job_id}-thumbnail.jpg"
    # Additions, beside the original layout.
    SUBTITLES_SRT = "uploads/subtitles/{job_id}-subs.srt"
    SUBTITLES_VTT = "uploads/subtitles/{job_id}-subs.vtt"
    WORDS = "uploads/subtitles/{job_id}-words.json"


def artifact_key(artifact: Artifact, job_id: str) -> str:
    """The storage key of one artifact of a job; a retried job gets the same key."""
    return artifact.value.format(job_id=job_id)


class Storage(Protocol):
    """A place to keep artifacts and to read stored inputs from."""

    def put(self, source: Path, key: str) -> None:
        """Store the file `source` under `key`, replacing what was there.

        Raises:
            StorageError: the file could not be stored.
        """

    def url(self, key: str, *, base_url: str) -> str:
        """Where clients find `key`. `base_url` is the address the job's client reached this
        service at; backends with addresses of their own (s3://bucket/key) ignore it."""

    def fetch(self, location: str, dest: Path, *, max_bytes: int, field: str) -> None:
        """Copy a stored input (an `s3://` location) to `dest`, refusing more than max_bytes.

        Raises:
            InputError: naming `field`, when the location cannot be read by this backend.
        """


def create_storage(settings: Settings) -> Storage:
    """The backend the settings ask for: local files under DATA_DIR unless S3 is configured."""
    return LocalStorage(settings.data_dir)


__all__ = ["Artifact", "Storage", "artifact_key", "create_storage"]
