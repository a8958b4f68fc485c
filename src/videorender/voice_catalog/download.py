"""Fetching one file of a voice: streamed to a `.part` file, resumed with an HTTP Range
request where an earlier try left one, and checked (size, then MD5 or SHA-256) before the
caller moves it into place.

A download that is cut keeps its `.part` file, so the same command resumes it; a file that
fails its check is deleted. Nothing here writes where voices are loaded from: `.part` files
live in the library's hidden staging folder.
"""

from __future__ import annotations

import errno
import hashlib
import logging
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import httpx

from videorender.errors import DiskSpaceError, VoiceFetchError
from videorender.voice_catalog.catalog import CatalogFile

log = logging.getLogger(__name__)

CHUNK = 1024 * 1024


@dataclass(frozen=True)
class FetchProgress:
    """How far the download of one file is: `done` of `total` bytes (None: not announced);
    `resumed_from`: the bytes an earlier try had left."""

    voice: str
    file: str
    done: int
    total: int | None
    resumed_from: int = 0


ProgressCallback = Callable[[FetchProgress], None]


@dataclass(frozen=True)
class Fetched:
    """A downloaded file that passed its checks: its SHA-256, and whether the catalogue
    published a digest to check it against (False: the hash is the one recorded now)."""

    path: Path
    size: int
    sha256: str
    checked: bool


def fetch_file(
    client: httpx.Client,
    url: str,
    expected: CatalogFile,
    part: Path,
    report: Callable[[int, int | None, int], None],
) -> Fetched:
    """Download `url` into `part` (resuming what is there) and check it against `expected`.

    `report(done, total, resumed_from)` is called as bytes arrive.

    Raises:
        VoiceFetchError: unreachable, cut off (the `.part` stays, to resume), or a failed
            size or hash check (the file is deleted; the message names it).
        DiskSpaceError: the disk filled up (the `.part` is deleted).
    """
    start = _resumable(part, expected.size)
    if expected.size is None or start < expected.size:
        try:
            _stream(client, url, part, start, report)
        except OSError as exc:
            if exc.errno != errno.ENOSPC:
                raise
            part.unlink(missing_ok=True)
            raise DiskSpaceError(
                "voices", f"the disk is full: {expected.name} was not saved"
            ) from exc
    return check_file(part, expected)


def check_file(path: Path, expected: CatalogFile) -> Fetched:
    """`path` if its size and digests match `expected` (those it gives).

    Raises:
        VoiceFetchError: a mismatch; the file is deleted and the message names it.
    """
    size = path.stat().st_size
    md5, sha256 = _digests(path)
    problem = None
    if expected.size is not None and size != expected.size:
        problem = f"is {size} bytes, the catalogue says {expected.size}"
    elif expected.md5 is not None and md5 != expected.md5:
        problem = f"has MD5 {md5}, the catalogue says {expected.md5}"
    elif expected.sha256 is not None and sha256 != expected.sha256:
        problem = f"has SHA-256 {sha256}, the catalogue says {expected.sha256}"
    if problem is not None:
        path.unlink(missing_ok=True)
        raise VoiceFetchError(f"{expected.name} {problem}: deleted, nothing was installed")
    checked = expected.md5 is not None or expected.sha256 is not None
    return Fetched(path, size, sha256, checked)


def _resumable(part: Path, size: int | None) -> int:
    """Bytes of `part` worth keeping: none where it is longer than the whole file."""
    have = part.stat().st_size if part.exists() else 0
    if size is not None and have > size:
        part.unlink()
        return 0
    return have


def _stream(
    client: httpx.Client,
    url: str,
    part: Path,
    start: int,
    report: Callable[[int, int | None, int], None],
) -> None:
    headers = {"Range": f"bytes={start}-"} if start else {}
    name = part.name.removesuffix(".part")
    done = start
    try:
        with client.stream("GET", url, headers=headers) as response:
            if response.status_code == 416 and start:  # nothing left after `start`
                return
            if response.status_code not in (200, 206):
                raise VoiceFetchError(f"{name}: HTTP {response.status_code} from {url}")
            range_start = response.headers.get("content-range", "").startswith(f"bytes {start}-")
            if response.status_code == 200 or not range_start:  # Range ignored: start over
                start = done = 0
            total = _total(response, start)
            part.parent.mkdir(parents=True, exist_ok=True)
            with part.open("ab" if start else "wb") as out:
                for chunk in response.iter_bytes(CHUNK):
                    out.write(chunk)
                    done += len(chunk)
                    report(done, total, start)
    except httpx.TimeoutException as exc:
        raise VoiceFetchError(
            f"{name}: {url} stopped answering after {done} bytes; run the same command again "
            "to resume"
        ) from exc
    except httpx.HTTPError as exc:
        raise VoiceFetchError(
            f"{name}: the download was cut after {done} bytes ({exc}); run the same command "
            "again to resume"
        ) from exc


def _total(response: httpx.Response, start: int) -> int | None:
    length = response.headers.get("content-length")
    return start + int(length) if length and length.isdigit() else None


def _digests(path: Path) -> tuple[str, str]:
    md5 = hashlib.md5(usedforsecurity=False)
    sha256 = hashlib.sha256()
    with path.open("rb") as source:
        while chunk := source.read(CHUNK):
            md5.update(chunk)
            sha256.update(chunk)
    return md5.hexdigest(), sha256.hexdigest()
