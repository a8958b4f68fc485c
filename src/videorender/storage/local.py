"""Artifacts as files under DATA_DIR, served by the service itself at `/{key}`."""

from __future__ import annotations

import shutil
from pathlib import Path

from videorender.atomic import atomic_write
from videorender.errors import DownloadError, InputError, StorageError
from videorender.storage.base import StorageHealth

MB = 1024 * 1024


class LocalStorage:
    """Keys are relative paths under `root`; writes are atomic, so a reader never sees half a
    file and a retried job's artifact simply replaces the earlier one."""

    kind = "local"
    shares_expire = False
    inputs_must_be_stored = False

    def __init__(self, root: Path) -> None:
        self.root = root.resolve()

    def put(self, source: Path, key: str) -> None:
        target = self._target(key)
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            with atomic_write(target) as tmp:
                shutil.copyfile(source, tmp)
        except OSError as exc:
            raise StorageError(f"could not store {key}: {exc.strerror or exc}") from exc

    def delete(self, key: str) -> None:
        target = self._target(key)
        try:
            target.unlink(missing_ok=True)
        except OSError as exc:
            raise StorageError(f"could not remove {key}: {exc.strerror or exc}") from exc

    def url(self, key: str, *, base_url: str) -> str:
        return f"{base_url.rstrip('/')}/{key}"

    def share(self, url: str, *, expires_s: int) -> str:
        return url  # already an address of this service, served without expiry

    def check_input(self, location: str, field: str) -> None:
        pass  # the job itself fails, naming the field (see fetch)

    def fetch(self, location: str, dest: Path, *, max_bytes: int, field: str) -> None:
        raise InputError(
            f"{field}: {location!r} is an s3:// location, but S3 storage is not configured "
            "(set BACKBLAZE_BUCKET_NAME and its credentials, or pass an http(s) URL)",
            field,
        )

    def read(self, key: str, dest: Path, *, max_bytes: int, field: str) -> None:
        source = self.local_path(key)
        if source is None:
            raise InputError(f"{field}: there is no stored file {key!r}", field)
        if source.stat().st_size > max_bytes:
            raise DownloadError(f"{field} is larger than the {max_bytes / MB:g} MB limit", field)
        shutil.copyfile(source, dest)

    def health(self) -> StorageHealth:
        return StorageHealth(backend=self.kind, reachable=True)

    def start(self) -> None:
        pass

    def stop(self) -> None:
        pass

    def local_path(self, key: str) -> Path | None:
        """The file stored under `key`, or None if there is none (or the key escapes root)."""
        try:
            target = self._target(key)
        except (StorageError, ValueError):  # ValueError: a NUL byte in the key
            return None
        return target if target.is_file() else None

    def _target(self, key: str) -> Path:
        target = (self.root / key).resolve()
        if not target.is_relative_to(self.root / "uploads"):
            raise StorageError(f"storage key {key!r} is outside uploads/")
        return target
