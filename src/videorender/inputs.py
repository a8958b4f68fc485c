"""Fetching the caller's media: http(s) downloads streamed to disk under a size cap and
deadlines, `s3://` locations through the storage backend, and (only where the caller runs as
the local user: `videorender mcp` over stdio, `videorender batch`) local files as `file://`.

A download stops as soon as it passes its cap, whether or not the server announced the
length, so a hostile or broken URL cannot fill the disk or hold a worker forever. Every
connection, redirects included, goes through the SSRF guard (`netguard`): only public
addresses, and exactly the address that was checked.
"""

from __future__ import annotations

import dataclasses
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote, urlsplit

import httpx

from videorender import uploads
from videorender.errors import DownloadError, InputError, UnsafeURLError
from videorender.netguard import MAX_REDIRECTS, NetGuard
from videorender.storage import Storage

SCHEMES = ("http", "https", "s3", uploads.SCHEME)
LOCAL_SCHEME = "file"
MB = 1024 * 1024


@dataclass(frozen=True)
class DownloadLimits:
    """How much and how long one download may take."""

    max_bytes: int
    timeout_s: float = 30.0  # connect, and each read
    deadline_s: float = 900.0  # the whole download
    # Which addresses may be reached (default: public only).
    guard: NetGuard = dataclasses.field(default_factory=NetGuard)


def check_url(url: str, field: str, schemes: tuple[str, ...] = SCHEMES) -> str:
    """`url`, stripped, if its scheme is one of `schemes` and it names a host (or bucket).

    Raises:
        InputError: naming `field`.
    """
    url = url.strip()
    parts = urlsplit(url)
    if parts.scheme.lower() not in schemes:
        allowed = ", ".join(f"{s}://" for s in schemes)
        raise InputError(f"{field} must be a URL starting with {allowed}", field)
    if not parts.netloc:
        raise InputError(f"{field} has no host (or bucket): {url!r}", field)
    if parts.scheme.lower() == "s3" and not parts.path.strip("/"):
        raise InputError(f"{field} must be s3://bucket/key, with a key", field)
    if parts.scheme.lower() in ("http", "https"):
        try:  # the parser the download uses: an octal or out-of-range address fails here
            httpx.URL(url)
        except httpx.InvalidURL as exc:
            raise InputError(f"{field} is not a valid URL ({exc})", field) from exc
    return url


def local_file_url(value: str, field: str) -> str:
    """The local file that `value` (a path, `~` allowed, or a `file://` URL) names, as an
    absolute `file://` URL.

    Raises:
        InputError: naming `field`, when it is not an existing file.
    """
    parts = urlsplit(value.strip())
    raw = unquote(parts.path) if parts.scheme.lower() == LOCAL_SCHEME else value.strip()
    path = Path(raw).expanduser().resolve()
    if not path.is_file():
        raise InputError(f"{field} {str(path)!r} is not an existing file", field)
    return path.as_uri()


def local_path(url: str) -> Path | None:
    """The path of a `file://` URL; None for any other URL."""
    parts = urlsplit(url)
    return Path(unquote(parts.path)) if parts.scheme.lower() == LOCAL_SCHEME else None


def fetch(
    url: str,
    dest: Path,
    *,
    limits: DownloadLimits,
    storage: Storage,
    field: str,
    local_files: bool = False,
) -> Path:
    """Bring the input at `url` to the file `dest` (`upload://ID`: an upload of ours); a
    `file://` input (allowed only with `local_files`) is used where it is, and its path
    returned.

    Raises:
        InputError: the URL is unusable, unreachable, too big or too slow (names `field`).
    """
    path = local_path(url)
    if path is not None:
        if not local_files:
            raise InputError(
                f"{field}: local files (file://) are only read by `videorender mcp` (stdio) "
                "and `videorender batch`",
                field,
            )
        return Path(urlsplit(local_file_url(url, field)).path)
    url = check_url(url, field)
    dest.parent.mkdir(parents=True, exist_ok=True)
    if uploads.is_upload(url):  # our own upload: read through the storage, no HTTP
        storage.read(uploads.key_of(url, field), dest, max_bytes=limits.max_bytes, field=field)
    elif urlsplit(url).scheme.lower() == "s3":
        storage.fetch(url, dest, max_bytes=limits.max_bytes, field=field)
    else:
        download(url, dest, limits=limits, field=field)
    return dest


def check_locations(
    storage: Storage, locations: dict[str, str | None], *, s3_only: bool = False
) -> None:
    """Refuse, before a job is queued, inputs it could never read: an `s3://` location the
    storage may not read (outside the bucket allowlist), or, with `s3_only`, any other URL.

    Raises:
        InputError: naming the first field at fault.
    """
    for field, url in locations.items():
        if url is None:
            continue
        if uploads.is_upload(url):
            uploads.key_of(url, field)
        elif urlsplit(url).scheme.lower() == "s3":
            storage.check_input(url, field)
        elif s3_only:
            raise InputError(
                f"{field} must be an s3://bucket/key location (with S3 storage, this "
                "endpoint reads its inputs only from S3)",
                field,
            )


def download(url: str, dest: Path, *, limits: DownloadLimits, field: str) -> None:
    """Stream an http(s) URL to `dest`; a partial file is removed on failure.

    Raises:
        DownloadError: naming `field` and why.
    """
    try:
        _stream(url, dest, limits, field)
    except UnsafeURLError as exc:
        dest.unlink(missing_ok=True)
        raise UnsafeURLError(f"{field}: {exc}", field) from exc
    except httpx.TooManyRedirects as exc:
        dest.unlink(missing_ok=True)
        raise DownloadError(f"{field}: more than {MAX_REDIRECTS} redirects", field) from exc
    except httpx.TimeoutException as exc:
        dest.unlink(missing_ok=True)
        raise DownloadError(
            f"{field}: {_host(url)} did not answer within {limits.timeout_s:g} s", field
        ) from exc
    except (httpx.HTTPError, httpx.InvalidURL) as exc:
        dest.unlink(missing_ok=True)
        raise DownloadError(f"{field}: could not download {_host(url)}: {exc}", field) from exc
    except BaseException:
        dest.unlink(missing_ok=True)
        raise


def _stream(url: str, dest: Path, limits: DownloadLimits, field: str) -> None:
    deadline = time.monotonic() + limits.deadline_s
    timeout = httpx.Timeout(limits.timeout_s)
    with (
        limits.guard.client(timeout=timeout, follow_redirects=True) as client,
        client.stream("GET", url) as response,
    ):
        if response.status_code != 200:
            raise DownloadError(
                f"{field}: {_host(url)} answered HTTP {response.status_code}", field
            )
        announced = response.headers.get("content-length", "")
        if announced.isdigit() and int(announced) > limits.max_bytes:
            raise _too_big(field, limits)
        received = 0
        with dest.open("wb") as out:
            # No chunk size: each network read comes out as it arrives, so a server that
            # drips a byte at a time still meets the deadline check (a fixed size would wait
            # to fill the chunk, and every single read stays within the read timeout).
            for chunk in response.iter_bytes():
                received += len(chunk)
                if received > limits.max_bytes:
                    raise _too_big(field, limits)
                if time.monotonic() > deadline:
                    raise DownloadError(
                        f"{field}: download took longer than {limits.deadline_s:g} s", field
                    )
                out.write(chunk)


def _too_big(field: str, limits: DownloadLimits) -> DownloadError:
    return DownloadError(f"{field} is larger than the {limits.max_bytes / MB:g} MB limit", field)


def _host(url: str) -> str:
    return urlsplit(url).netloc or url
