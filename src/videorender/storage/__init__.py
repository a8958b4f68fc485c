"""Where artifacts go: one small interface (`base.Storage`), a backend per module.

`local.py` keeps files under DATA_DIR and the service serves them; `s3.py` puts them in an
S3-compatible bucket and is chosen when the BACKBLAZE_* variables are set. To add a backend:
write a module beside them with a class that satisfies `Storage`, and return it from
`create_storage` when its settings are present. Keys always follow the layout of the original
service (`artifact_key`), whatever the backend.
"""

from __future__ import annotations

from enum import Enum

from videorender.config import Settings
from videorender.storage.base import Storage, StorageHealth, content_disposition, content_type
from videorender.storage.local import LocalStorage
from videorender.storage.s3 import S3Config, S3Storage


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


def create_storage(settings: Settings) -> Storage:
    """The backend the settings ask for: S3 when BACKBLAZE_BUCKET_NAME is set, else local
    files under DATA_DIR.

    Raises:
        ConfigError: S3 is half configured (names the missing variables).
    """
    config = S3Config.from_settings(settings)
    if config is not None:
        return S3Storage(config)
    return LocalStorage(settings.data_dir)


__all__ = [
    "Artifact",
    "Storage",
    "StorageHealth",
    "artifact_key",
    "content_disposition",
    "content_type",
    "create_storage",
]
