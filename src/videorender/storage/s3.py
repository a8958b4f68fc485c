"""Artifacts in an S3-compatible bucket: Backblaze B2, AWS S3, Cloudflare R2, MinIO, SeaweedFS.

Chosen when BACKBLAZE_BUCKET_NAME is set (with BACKBLAZE_KEY_ID and BACKBLAZE_APPLICATION_KEY);
BACKBLAZE_ENDPOINT_URL names any S3-compatible endpoint. Objects go under the original
service's keys with their Content-Type; files of MULTIPART_THRESHOLD or more go up as multipart
uploads. An object is visible only once it is complete (S3 semantics; a failed multipart upload
is aborted), and `put` compares the stored size with the file's before it returns, so nothing
half-written is ever reported as stored.

Each operation is retried on transient failures (connection refused or reset, timeouts, 5xx,
throttling) with exponential backoff for up to S3_RETRY_SECONDS; botocore also retries each
request (and each part of a multipart upload) a couple of times on its own. What retrying cannot
fix (credentials refused, access denied, no such bucket) fails at once, naming what to check.
botocore's exceptions never leave this module: they become StorageError, StorageConfigError or
InputError, with messages built here (never the application key).
"""

from __future__ import annotations

import logging
import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar
from urllib.parse import urlsplit

import boto3
from boto3.s3.transfer import TransferConfig, create_transfer_manager
from botocore.config import Config
from botocore.exceptions import (
    BotoCoreError,
    ClientError,
    HTTPClientError,
    IncompleteReadError,
)
from botocore.exceptions import ConnectionError as BotoConnectionError
from pydantic import SecretStr

from videorender.config import Settings
from videorender.errors import (
    ConfigError,
    DownloadError,
    InputError,
    StorageConfigError,
    StorageError,
)
from videorender.storage.base import StorageHealth, content_disposition, content_type

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client

log = logging.getLogger(__name__)

T = TypeVar("T")

MB = 1024 * 1024
MULTIPART_THRESHOLD = 16 * MB
MULTIPART_CHUNK = 8 * MB
# Two parts in flight: about 16 MB of buffers, and both cores of a small VPS stay useful.
TRANSFER_THREADS = 2
CHUNK_BYTES = 256 * 1024
FIRST_RETRY_S = 0.5
MAX_RETRY_S = 8.0
REQUEST_ATTEMPTS = 3  # botocore's own tries of one request, inside each of ours
HEALTH_INTERVAL_S = 30.0
HEALTH_TIMEOUT_S = 3.0
DEFAULT_THUMBNAIL_PREFIX = "uploads/thumbnails"

CREDENTIAL_CODES = frozenset(
    {
        "InvalidAccessKeyId",
        "SignatureDoesNotMatch",
        "InvalidToken",
        "ExpiredToken",
        "AuthorizationHeaderMalformed",
        "InvalidSecurity",
        "Unauthorized",
    }
)
TRANSIENT_CODES = frozenset(
    {
        "SlowDown",
        "Throttling",
        "ThrottlingException",
        "TooManyRequests",
        "TooManyRequestsException",
        "RequestLimitExceeded",
        "RequestTimeout",
        "InternalError",
        "ServiceUnavailable",
    }
)
MISSING_CODES = frozenset({"NoSuchKey", "NotFound", "404"})
# Endpoints whose host names the region: s3.us-east-005.backblazeb2.com, s3.eu-west-1.amazonaws.com
REGION_IN_HOST = re.compile(r"^s3[.-]([a-z0-9-]+)\.(?:backblazeb2\.com|amazonaws\.com)$")


@dataclass(frozen=True)
class S3Config:
    """What the S3 backend needs, taken from the settings once."""

    bucket: str
    key_id: str
    application_key: SecretStr  # its repr is '**********'
    endpoint_url: str | None = None
    region: str = "us-east-1"
    allowed_buckets: frozenset[str] = frozenset()
    thumbnail_prefix: str = DEFAULT_THUMBNAIL_PREFIX
    retry_seconds: float = 60.0
    timeout_s: float = 30.0  # connect, and each read: as for http(s) inputs
    download_deadline_s: float = 900.0  # one whole input download

    @classmethod
    def from_settings(cls, settings: Settings) -> S3Config | None:
        """The S3 configuration, or None when no BACKBLAZE_* variable is set.

        Raises:
            ConfigError: some are set but not all that are needed (names the missing ones).
        """
        secret = settings.backblaze_application_key
        given = {
            "BACKBLAZE_BUCKET_NAME": settings.backblaze_bucket_name or "",
            "BACKBLAZE_KEY_ID": settings.backblaze_key_id or "",
            "BACKBLAZE_APPLICATION_KEY": secret.get_secret_value().strip() if secret else "",
        }
        missing = [name for name, value in given.items() if not value]
        if len(missing) == len(given) and not settings.backblaze_endpoint_url:
            return None
        if missing:
            raise ConfigError(f"S3 storage needs {', '.join(missing)} as well")
        bucket = given["BACKBLAZE_BUCKET_NAME"].strip()
        endpoint = settings.backblaze_endpoint_url
        if endpoint and urlsplit(endpoint).scheme not in ("http", "https"):
            raise ConfigError("BACKBLAZE_ENDPOINT_URL must be an http(s):// URL")
        extra = re.split(r"[\s,]+", settings.s3_allowed_buckets.strip())
        return cls(
            bucket=bucket,
            key_id=given["BACKBLAZE_KEY_ID"].strip(),
            application_key=SecretStr(given["BACKBLAZE_APPLICATION_KEY"]),
            endpoint_url=endpoint,
            region=settings.s3_region.strip() or region_of(endpoint),
            allowed_buckets=frozenset({bucket, *(name for name in extra if name)}),
            thumbnail_prefix=settings.s3_thumbnail_prefix.strip("/") or DEFAULT_THUMBNAIL_PREFIX,
            retry_seconds=settings.s3_retry_seconds,
            timeout_s=settings.download_timeout_seconds,
            download_deadline_s=settings.download_max_seconds,
        )


def region_of(endpoint_url: str | None) -> str:
    """The signing region an endpoint's host names (B2, AWS), else us-east-1 (which MinIO,
    SeaweedFS and R2 accept)."""
    match = REGION_IN_HOST.match(urlsplit(endpoint_url or "").hostname or "")
    return match.group(1) if match else "us-east-1"


def parse_location(location: str, field: str) -> tuple[str, str]:
    """`s3://bucket/key` -> (bucket, key).

    Raises:
        InputError: naming `field`, when it is not of that form.
    """
    parts = urlsplit(location.strip())
    key = parts.path.lstrip("/")
    if parts.scheme.lower() != "s3" or not parts.netloc or not key:
        raise InputError(f"{field} must be s3://bucket/key, not {location!r}", field)
    return parts.netloc, key


@dataclass(frozen=True)
class _Failure:
    """What went wrong with one S3 call, in words fit for a job's error and a log line."""

    reason: str
    transient: bool = False
    config: bool = False  # credentials, permissions, bucket: fix the configuration


class _IncompleteUploadError(Exception):
    """The stored object is not the size of the file: upload it again."""


class S3Storage:
    """The `Storage` of an S3-compatible bucket. Thread-safe: one client serves every worker."""

    kind = "s3"
    shares_expire = True
    inputs_must_be_stored = True

    def __init__(self, config: S3Config) -> None:
        self.config = config
        endpoint = urlsplit(config.endpoint_url or "")
        # Where, in messages: the endpoint without any user:password@ it might carry.
        self.where = f"{endpoint.scheme}://{endpoint.hostname}" if endpoint.hostname else "AWS S3"
        if endpoint.port:
            self.where += f":{endpoint.port}"
        self._client = self._make_client(config.timeout_s, REQUEST_ATTEMPTS)
        self._probe = self._make_client(HEALTH_TIMEOUT_S, 1)
        self._transfer = TransferConfig(
            multipart_threshold=MULTIPART_THRESHOLD,
            multipart_chunksize=MULTIPART_CHUNK,
            max_concurrency=TRANSFER_THREADS,
            use_threads=True,
            preferred_transfer_client="classic",
        )
        self._health = StorageHealth(backend=self.kind, reachable=None, bucket=config.bucket)
        self._stopping = threading.Event()
        self._monitor: threading.Thread | None = None

    def _make_client(self, timeout_s: float, attempts: int) -> S3Client:
        config = self.config
        botocore_config = Config(
            signature_version="s3v4",
            connect_timeout=timeout_s,
            read_timeout=timeout_s,
            retries={"mode": "standard", "total_max_attempts": attempts},
            # Path-style (endpoint/bucket/key) works on every S3-compatible server; AWS
            # itself prefers virtual hosts.
            s3={"addressing_style": "path" if config.endpoint_url else "auto"},
            # Newer botocore adds CRC checksums to every upload by default, which some
            # S3-compatible servers reject; send them only where the API requires one.
            request_checksum_calculation="when_required",
            response_checksum_validation="when_required",
        )
        session = boto3.session.Session()
        return session.client(
            "s3",
            endpoint_url=config.endpoint_url,
            region_name=config.region,
            aws_access_key_id=config.key_id,
            aws_secret_access_key=config.application_key.get_secret_value(),
            config=botocore_config,
        )

    # --- Storage ------------------------------------------------------------------------------

    def put(self, source: Path, key: str) -> None:
        object_key = self.object_key(key)
        try:
            size = source.stat().st_size
        except OSError as exc:
            raise StorageError(f"could not store {object_key}: {exc.strerror or exc}") from exc
        self._call(
            f"store {object_key} in bucket {self.config.bucket!r}",
            lambda: self._upload(source, object_key, size),
        )

    def delete(self, key: str) -> None:
        object_key = self.object_key(key)
        bucket = self.config.bucket
        # S3 answers 204 whether or not the object existed.
        self._call(
            f"remove {object_key} from bucket {bucket!r}",
            lambda: self._client.delete_object(Bucket=bucket, Key=object_key),
        )

    def url(self, key: str, *, base_url: str) -> str:
        return f"s3://{self.config.bucket}/{self.object_key(key)}"

    def local_path(self, key: str) -> Path | None:
        return None  # objects are served by the bucket, at their own (presigned) URLs

    def share(self, url: str, *, expires_s: int) -> str:
        if not url.startswith("s3://"):
            return url  # made by another backend (local storage): already an HTTP address
        bucket, key = parse_location(url, "url")
        return self._client.generate_presigned_url(
            "get_object", Params={"Bucket": bucket, "Key": key}, ExpiresIn=expires_s
        )

    def check_input(self, location: str, field: str) -> None:
        bucket, _ = parse_location(location, field)
        if bucket not in self.config.allowed_buckets:
            allowed = ", ".join(sorted(self.config.allowed_buckets))
            raise InputError(
                f"{field}: bucket {bucket!r} is not one this service reads inputs from "
                f"(allowed: {allowed}; S3_ALLOWED_BUCKETS widens the list)",
                field,
            )

    def fetch(self, location: str, dest: Path, *, max_bytes: int, field: str) -> None:
        self.check_input(location, field)
        bucket, key = parse_location(location, field)
        self._copy_object(bucket, key, dest, max_bytes, field)

    def read(self, key: str, dest: Path, *, max_bytes: int, field: str) -> None:
        self._copy_object(self.config.bucket, self.object_key(key), dest, max_bytes, field)

    def _copy_object(self, bucket: str, key: str, dest: Path, max_bytes: int, field: str) -> None:
        """Download with retries; nothing is left at `dest` when it fails."""
        try:
            self._call(
                f"read {field} s3://{bucket}/{key}",
                lambda: self._download(bucket, key, dest, max_bytes, field),
            )
        except BaseException:
            dest.unlink(missing_ok=True)
            raise

    def health(self) -> StorageHealth:
        return self._health

    def start(self) -> None:
        self._stopping.clear()
        self._monitor = threading.Thread(target=self._watch, name="s3-health", daemon=True)
        self._monitor.start()

    def stop(self) -> None:
        self._stopping.set()
        if self._monitor is not None:
            self._monitor.join(timeout=HEALTH_TIMEOUT_S * 2 + 1)

    # --- the rest -----------------------------------------------------------------------------

    def object_key(self, key: str) -> str:
        """The object key of a storage key: the spec's layout, with thumbnails under
        S3_THUMBNAIL_PREFIX."""
        prefix = DEFAULT_THUMBNAIL_PREFIX + "/"
        if key.startswith(prefix) and self.config.thumbnail_prefix != DEFAULT_THUMBNAIL_PREFIX:
            return f"{self.config.thumbnail_prefix}/{key.removeprefix(prefix)}"
        return key

    def check(self) -> StorageHealth:
        """Ask the bucket now (HEAD, short timeouts, no retries); log a line when the answer
        changes, so a wrong key or endpoint gives one clear line, not one per job."""
        bucket = self.config.bucket
        try:
            self._probe.head_bucket(Bucket=bucket)
            state = StorageHealth(self.kind, reachable=True, bucket=bucket)
        except (ClientError, BotoCoreError) as exc:
            failure = self._failure(exc, bucket_call=True)
            state = StorageHealth(self.kind, reachable=False, bucket=bucket, error=failure.reason)
        previous, self._health = self._health, state
        if state.reachable and previous.reachable is not True:
            log.info("S3 storage: bucket %r at %s is reachable", bucket, self.where)
        elif not state.reachable and (previous.reachable is not False or previous != state):
            log.error("S3 storage: bucket %r: %s", bucket, state.error)
        return state

    def _watch(self) -> None:
        while True:
            self.check()
            if self._stopping.wait(HEALTH_INTERVAL_S):
                return

    def _upload(self, source: Path, key: str, size: int) -> None:
        extra = {"ContentType": content_type(key)}
        disposition = content_disposition(key)
        if disposition:
            extra["ContentDisposition"] = disposition
        with create_transfer_manager(self._client, self._transfer) as manager:
            manager.upload(str(source), self.config.bucket, key, extra_args=extra).result()
        stored = self._client.head_object(Bucket=self.config.bucket, Key=key)["ContentLength"]
        if stored != size:
            raise _IncompleteUploadError(f"the stored object has {stored} of {size} bytes")

    def _download(self, bucket: str, key: str, dest: Path, max_bytes: int, field: str) -> None:
        try:
            response = self._client.get_object(Bucket=bucket, Key=key)
        except ClientError as exc:
            if _code(exc) in MISSING_CODES:
                raise InputError(f"{field}: s3://{bucket}/{key} does not exist", field) from exc
            raise
        body = response["Body"]
        too_big = DownloadError(f"{field} is larger than the {max_bytes / MB:g} MB limit", field)
        try:
            if response["ContentLength"] > max_bytes:
                raise too_big
            deadline = time.monotonic() + self.config.download_deadline_s
            received = 0
            with dest.open("wb") as out:
                for chunk in body.iter_chunks(CHUNK_BYTES):
                    received += len(chunk)
                    if received > max_bytes:
                        raise too_big
                    if time.monotonic() > deadline:
                        raise DownloadError(
                            f"{field}: download took longer than "
                            f"{self.config.download_deadline_s:g} s",
                            field,
                        )
                    out.write(chunk)
        finally:
            body.close()

    def _call(self, what: str, operation: Callable[[], T]) -> T:
        """Run `operation`, retrying transient failures with backoff within the budget.

        Raises:
            StorageConfigError: retrying cannot help.
            StorageError: the budget is spent, or S3 refused for another reason.
        """
        started = time.monotonic()
        delay = FIRST_RETRY_S
        tries = 0
        while True:
            tries += 1
            try:
                return operation()
            except (ClientError, BotoCoreError, _IncompleteUploadError, OSError) as exc:
                failure = self._failure(exc)
                elapsed = time.monotonic() - started
                if failure.config:
                    raise StorageConfigError(f"could not {what}: {failure.reason}") from exc
                if not failure.transient:
                    raise StorageError(f"could not {what}: {failure.reason}") from exc
                if elapsed + delay > self.config.retry_seconds:
                    raise StorageError(
                        f"could not {what}: {failure.reason} "
                        f"(gave up after {tries} tries in {elapsed:.0f} s)"
                    ) from exc
                log.warning(
                    "S3: could not %s: %s; retrying in %.1f s (try %d)",
                    what,
                    failure.reason,
                    delay,
                    tries + 1,
                )
                time.sleep(delay)
                delay = min(delay * 2, MAX_RETRY_S)

    def _failure(self, exc: Exception, *, bucket_call: bool = False) -> _Failure:
        if isinstance(exc, ClientError):
            return self._client_failure(exc, bucket_call=bucket_call)
        if isinstance(exc, _IncompleteUploadError):
            return _Failure(str(exc), transient=True)
        if isinstance(exc, BotoConnectionError):  # refused, DNS, connect timeout, TLS
            return _Failure(f"could not connect to {self.where}", transient=True)
        if isinstance(exc, (HTTPClientError, IncompleteReadError)):  # reset, read timeout
            return _Failure(f"the connection to {self.where} failed ({type(exc).__name__})", True)
        # Last: some botocore errors above are OSErrors too. Our own disk, then: the file to
        # upload, or the copy of an input.
        if isinstance(exc, OSError) and not isinstance(exc, BotoCoreError):
            return _Failure(f"local file error: {exc.strerror or exc}")
        return _Failure(f"{type(exc).__name__}")  # a botocore error that retrying won't fix

    def _client_failure(self, exc: ClientError, *, bucket_call: bool) -> _Failure:
        code = _code(exc)
        status = exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0)
        answered = f"{self.where} answered {status}" + (f" {code}" if code != str(status) else "")
        if code in TRANSIENT_CODES or status == 429 or status >= 500:
            return _Failure(answered, transient=True)
        if code in CREDENTIAL_CODES or (bucket_call and status == 403):
            return _Failure(
                f"{answered}: the credentials were refused (check BACKBLAZE_KEY_ID and "
                "BACKBLAZE_APPLICATION_KEY, and that the key may use the bucket)",
                config=True,
            )
        if status == 403:
            return _Failure(
                f"{answered}: access denied (check the key's permissions on the bucket)",
                config=True,
            )
        if code == "NoSuchBucket" or (bucket_call and status == 404):
            return _Failure(
                f"{answered}: bucket {self.config.bucket!r} does not exist "
                "(check BACKBLAZE_BUCKET_NAME and BACKBLAZE_ENDPOINT_URL)",
                config=True,
            )
        return _Failure(answered)


def _code(exc: ClientError) -> str:
    return str(exc.response.get("Error", {}).get("Code", ""))
