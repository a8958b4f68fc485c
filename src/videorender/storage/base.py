"""The storage interface and the content types of stored files, shared by every backend."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Protocol

# What a client is told each stored file is; anything else is application/octet-stream.
CONTENT_TYPES = {
    ".wav": "audio/wav",
    ".ass": "text/x-ssa; charset=utf-8",
    ".srt": "application/x-subrip; charset=utf-8",
    ".vtt": "text/vtt; charset=utf-8",
    ".mp4": "video/mp4",
    ".jpg": "image/jpeg",
    ".json": "application/json",
}


INLINE_TYPES = ("video/", "audio/", "image/")  # what a browser may show in a page


def content_type(key: str) -> str:
    """The Content-Type a stored file is served with, from its key's extension."""
    return CONTENT_TYPES.get(PurePosixPath(key).suffix.lower(), "application/octet-stream")


def content_disposition(key: str) -> str | None:
    """`attachment` for every stored file that is not media (subtitles, JSON, anything
    unknown), so a browser downloads it and never renders it as a page (issue 32). No file
    name: a link's `download="..."` names it (a header's name would win over the link's)."""
    return None if content_type(key).startswith(INLINE_TYPES) else "attachment"


@dataclass(frozen=True)
class StorageHealth:
    """Whether the storage answered its last check. `error` never carries a secret."""

    backend: str
    reachable: bool | None  # None: not checked yet
    bucket: str | None = None
    error: str | None = None


class Storage(Protocol):
    """A place to keep artifacts and to read stored inputs from."""

    kind: str  # "local" or "s3", as /health names the backend
    # Whether `share` gives addresses that expire (presigned) rather than permanent ones.
    shares_expire: bool
    # Whether callers' inputs must already be in this storage (s3:// locations), as the
    # original service required of /render-video with S3 storage.
    inputs_must_be_stored: bool

    def put(self, source: Path, key: str) -> None:
        """Store the file `source` under `key`, replacing what was there. An object is
        complete when this returns; on failure nothing new is visible under `key`.

        Raises:
            StorageError: the file could not be stored (StorageConfigError: retrying cannot
                help until the configuration is fixed).
        """

    def delete(self, key: str) -> None:
        """Remove what is stored under `key`; nothing stored there is not an error (a job
        cancelled during its upload removes every key it may have written).

        Raises:
            StorageError: the storage could not be asked, or refused.
        """

    def url(self, key: str, *, base_url: str) -> str:
        """Where clients find `key`. `base_url` is the address the job's client reached this
        service at; backends with addresses of their own (s3://bucket/key) ignore it."""

    def local_path(self, key: str) -> Path | None:
        """The file on this machine holding `key`, for the service to serve itself; None
        when there is none (or the backend's objects live elsewhere, at their own URLs)."""

    def share(self, url: str, *, expires_s: int) -> str:
        """An address a plain HTTP client can download `url` (as `url()` made it) from:
        a presigned URL valid for `expires_s` seconds, or `url` itself where it already is one.

        Raises:
            StorageError: `url` is not one of this backend's.
        """

    def check_input(self, location: str, field: str) -> None:
        """Refuse, before any work starts, an `s3://` input this backend may not read.

        Raises:
            InputError: naming `field`.
        """

    def fetch(self, location: str, dest: Path, *, max_bytes: int, field: str) -> None:
        """Copy a stored input (an `s3://` location) to `dest`, refusing more than max_bytes.

        Raises:
            InputError: naming `field`, when the location cannot be read by this backend.
            StorageError: the storage itself failed (unreachable, credentials refused).
        """

    def read(self, key: str, dest: Path, *, max_bytes: int, field: str) -> None:
        """Copy the object this backend stored under `key` (an upload, say) to `dest`,
        refusing more than max_bytes. No HTTP is involved, so no address check applies.

        Raises:
            InputError: naming `field`, when there is no such object or it is too big.
            StorageError: the storage itself failed.
        """

    def health(self) -> StorageHealth:
        """The result of the latest reachability check (never blocks on the network)."""

    def start(self) -> None:
        """Begin background work (the periodic reachability check), if any."""

    def stop(self) -> None:
        """End background work."""
