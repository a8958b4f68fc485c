"""The S3 backend against a real S3 server (SeaweedFS): keys, content types, multipart,
presigned URLs, the bucket allowlist, size caps, credentials and outages."""

from __future__ import annotations

import contextlib
import hashlib
import logging
import os
import re
import socket
import threading
import time
from pathlib import Path

import httpx
import pytest
from botocore.exceptions import ClientError

from tests.s3.conftest import BUCKET, KEY_ID, PRIVATE_BUCKET, SECRET, SHARED_BUCKET, s3_settings
from tests.s3server import SeaweedS3, free_port
from tests.service.servers import wait_for
from videorender.config import load_settings
from videorender.errors import (
    ConfigError,
    DownloadError,
    InputError,
    StorageConfigError,
    StorageError,
)
from videorender.storage import Artifact, artifact_key, create_storage
from videorender.storage.local import LocalStorage
from videorender.storage.s3 import MULTIPART_CHUNK, S3Storage, region_of

MB = 1024 * 1024


def _storage(s3: SeaweedS3, tmp_path: Path, **overrides: object) -> S3Storage:
    storage = create_storage(s3_settings(s3, tmp_path, **overrides))
    assert isinstance(storage, S3Storage)
    return storage


def _file(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


def test_artifacts_at_the_spec_keys_with_content_types(s3: SeaweedS3, tmp_path: Path) -> None:
    storage = _storage(s3, tmp_path)
    job_id = "0b5c7e9e-5d0a-4c39-9a59-1e4ad2b8f001"
    expected = {
        Artifact.VOICE: ("uploads/voiceovers/{id}-voice.wav", "audio/wav"),
        Artifact.SUBTITLES: ("uploads/subtitles/{id}-subs.ass", "text/x-ssa; charset=utf-8"),
        Artifact.VIDEO: ("uploads/renders/{id}-final.mp4", "video/mp4"),
        Artifact.THUMBNAIL: ("uploads/thumbnails/{id}-thumbnail.jpg", "image/jpeg"),
    }
    for artifact, (template, content_type) in expected.items():
        key = artifact_key(artifact, job_id)
        data = os.urandom(1000)
        storage.put(_file(tmp_path / "artifact", data), key)
        object_key = template.format(id=job_id)
        assert storage.url(key, base_url="http://ignored/") == f"s3://{BUCKET}/{object_key}"
        stored = s3.client.get_object(Bucket=BUCKET, Key=object_key)
        assert stored["ContentType"] == content_type
        # Not media: a download, never shown as a page from the bucket's origin (issue 32).
        media = content_type.startswith(("audio/", "video/", "image/"))
        assert stored.get("ContentDisposition") == (None if media else "attachment")
        assert stored["Body"].read() == data

    # A retried job overwrites its artifact: same key, new content.
    key = artifact_key(Artifact.VIDEO, job_id)
    storage.put(_file(tmp_path / "again", b"second attempt"), key)
    assert s3.client.get_object(Bucket=BUCKET, Key=key)["Body"].read() == b"second attempt"


def test_thumbnail_prefix(s3: SeaweedS3, tmp_path: Path) -> None:
    storage = _storage(s3, tmp_path, s3_thumbnail_prefix="media/thumbs/")
    key = artifact_key(Artifact.THUMBNAIL, "job1")
    storage.put(_file(tmp_path / "t.jpg", b"jpeg"), key)
    assert storage.url(key, base_url="") == f"s3://{BUCKET}/media/thumbs/job1-thumbnail.jpg"
    head = s3.client.head_object(Bucket=BUCKET, Key="media/thumbs/job1-thumbnail.jpg")
    assert head["ContentType"] == "image/jpeg"
    # Other artifacts keep the spec's layout.
    assert storage.url("uploads/renders/job1-final.mp4", base_url="").endswith(
        "/uploads/renders/job1-final.mp4"
    )


def test_100_mb_artifact_goes_up_as_multipart(s3: SeaweedS3, tmp_path: Path) -> None:
    storage = _storage(s3, tmp_path)
    big = tmp_path / "big.mp4"
    digest = hashlib.sha256()
    with big.open("wb") as out:
        for _ in range(100):
            block = os.urandom(MB)
            digest.update(block)
            out.write(block)
    key = "uploads/renders/multipart-test-final.mp4"
    started = time.monotonic()
    storage.put(big, key)
    print(f"\n100 MB multipart upload: {time.monotonic() - started:.1f} s")  # informational

    parts = -(-100 * MB // MULTIPART_CHUNK)
    first = s3.client.head_object(Bucket=BUCKET, Key=key, PartNumber=1)
    assert first["PartsCount"] == parts
    assert first["ContentLength"] == MULTIPART_CHUNK
    head = s3.client.head_object(Bucket=BUCKET, Key=key)
    assert head["ContentLength"] == 100 * MB
    assert head["ETag"].strip('"').endswith(f"-{parts}")  # the multipart ETag form
    assert head["ContentType"] == "video/mp4"

    # Downloaded through a presigned URL with a plain HTTP client: the same bytes.
    url = storage.share(storage.url(key, base_url=""), expires_s=600)
    fetched = hashlib.sha256()
    with httpx.stream("GET", url, timeout=60) as response:
        assert response.status_code == 200
        for chunk in response.iter_bytes():
            fetched.update(chunk)
    assert fetched.hexdigest() == digest.hexdigest()
    s3.client.delete_object(Bucket=BUCKET, Key=key)


def test_upload_cut_off_mid_multipart_is_retried_whole(
    s3: SeaweedS3, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """S3 dies (kill -9) while parts of a 100 MB upload are in flight, and comes back: the
    upload starts again and the object is complete; before that, nothing is there."""
    storage = _storage(s3, tmp_path, s3_retry_seconds=180)
    big = tmp_path / "big.mp4"
    big.write_bytes(os.urandom(100 * MB))
    key = "uploads/renders/cut-off-final.mp4"
    caplog.set_level(logging.WARNING)
    outcome: list[BaseException | None] = []

    def upload() -> None:
        try:
            storage.put(big, key)
            outcome.append(None)
        except BaseException as exc:
            outcome.append(exc)

    uploader = threading.Thread(target=upload)
    uploader.start()
    try:
        wait_for(lambda: s3.client.list_multipart_uploads(Bucket=BUCKET, Prefix=key).get("Uploads"),
                 timeout_s=60, interval_s=0.05, what="the multipart upload to begin")  # fmt: skip
        s3.kill()
        wait_for(lambda: any("retrying in" in r.getMessage() for r in caplog.records),
                 timeout_s=120, interval_s=0.1, what="the upload to fail and be retried")  # fmt: skip
    finally:
        s3.start()
    with pytest.raises(ClientError):  # the part of a failed upload is not an object
        s3.client.head_object(Bucket=BUCKET, Key=key)
    uploader.join(timeout=240)
    assert outcome == [None]
    head = s3.client.head_object(Bucket=BUCKET, Key=key)
    assert head["ContentLength"] == 100 * MB
    stored = hashlib.sha256(s3.client.get_object(Bucket=BUCKET, Key=key)["Body"].read())
    assert stored.hexdigest() == hashlib.sha256(big.read_bytes()).hexdigest()
    s3.client.delete_object(Bucket=BUCKET, Key=key)


def test_presigned_urls_refused_when_tampered_or_expired(s3: SeaweedS3, tmp_path: Path) -> None:
    storage = _storage(s3, tmp_path)
    key = "uploads/subtitles/presign-subs.ass"
    storage.put(_file(tmp_path / "s.ass", b"[Script Info]\n"), key)
    location = storage.url(key, base_url="")

    url = storage.share(location, expires_s=3600)
    assert url.startswith(f"{s3.endpoint}/{BUCKET}/{key}?")
    assert "X-Amz-Expires=3600" in url and SECRET not in url
    response = httpx.get(url)
    assert response.status_code == 200 and response.content == b"[Script Info]\n"
    assert response.headers["content-type"] == "text/x-ssa; charset=utf-8"
    assert response.headers["content-disposition"] == "attachment"

    signature = re.search(r"X-Amz-Signature=([0-9a-f]+)", url)
    assert signature is not None
    flipped = ("0" if signature.group(1)[0] != "0" else "1") + signature.group(1)[1:]
    assert httpx.get(url.replace(signature.group(1), flipped)).status_code == 403
    # The signature covers the key: another object with it is refused.
    other = "uploads/subtitles/other-subs.ass"
    storage.put(_file(tmp_path / "o.ass", b"other"), other)
    assert httpx.get(url.replace(key, other)).status_code == 403
    # ... and the expiry.
    assert httpx.get(url.replace("X-Amz-Expires=3600", "X-Amz-Expires=7200")).status_code == 403

    short = storage.share(location, expires_s=1)
    wait_for(lambda: httpx.get(short).status_code == 403, timeout_s=30, interval_s=0.5,
             what="the presigned URL to expire")  # fmt: skip
    assert "expired" in httpx.get(short).text
    assert httpx.get(url).status_code == 200  # the long-lived one still works


def test_inputs_only_from_allowed_buckets(s3: SeaweedS3, tmp_path: Path) -> None:
    for bucket in (BUCKET, SHARED_BUCKET, PRIVATE_BUCKET):
        s3.client.put_object(Bucket=bucket, Key="in/clip.mp4", Body=b"clip from " + bucket.encode())
    default = _storage(s3, tmp_path)
    dest = tmp_path / "in.mp4"

    default.fetch(f"s3://{BUCKET}/in/clip.mp4", dest, max_bytes=MB, field="base_video_url")
    assert dest.read_bytes() == f"clip from {BUCKET}".encode()
    refused_dest = tmp_path / "refused.mp4"
    for bucket in (SHARED_BUCKET, PRIVATE_BUCKET):
        with pytest.raises(InputError) as refused:
            default.fetch(f"s3://{bucket}/in/clip.mp4", dest, max_bytes=MB, field="bgm_url")
        assert refused.value.field == "bgm_url"
        assert f"bucket {bucket!r} is not one this service reads" in str(refused.value)
        assert "S3_ALLOWED_BUCKETS" in str(refused.value)
        with pytest.raises(InputError):
            default.check_input(f"s3://{bucket}/in/clip.mp4", "bgm_url")
    assert not refused_dest.exists()  # a refused fetch leaves nothing behind

    widened = _storage(s3, tmp_path, s3_allowed_buckets=f" {SHARED_BUCKET} , other ")
    widened.fetch(f"s3://{SHARED_BUCKET}/in/clip.mp4", dest, max_bytes=MB, field="bgm_url")
    assert dest.read_bytes() == f"clip from {SHARED_BUCKET}".encode()
    widened.check_input(f"s3://{BUCKET}/in/clip.mp4", "bgm_url")  # the own bucket stays allowed
    with pytest.raises(InputError):
        widened.check_input(f"s3://{PRIVATE_BUCKET}/in/clip.mp4", "bgm_url")


def test_input_caps_and_missing_objects(s3: SeaweedS3, tmp_path: Path) -> None:
    storage = _storage(s3, tmp_path)
    s3.client.put_object(Bucket=BUCKET, Key="in/two-mb.mp4", Body=os.urandom(2 * MB))
    dest = tmp_path / "in.mp4"
    with pytest.raises(DownloadError, match=r"base_video_url is larger than the 1 MB limit"):
        storage.fetch(f"s3://{BUCKET}/in/two-mb.mp4", dest, max_bytes=MB, field="base_video_url")
    assert not dest.exists()
    storage.fetch(f"s3://{BUCKET}/in/two-mb.mp4", dest, max_bytes=2 * MB, field="base_video_url")
    assert dest.stat().st_size == 2 * MB

    with pytest.raises(InputError, match="does not exist") as missing:
        storage.fetch(f"s3://{BUCKET}/in/nothing.mp4", dest, max_bytes=MB, field="bgm_url")
    assert missing.value.field == "bgm_url" and not isinstance(missing.value, StorageError)
    with pytest.raises(InputError, match="s3://bucket/key"):
        storage.check_input(f"s3://{BUCKET}", "bgm_url")


def test_wrong_credentials(s3: SeaweedS3, tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    wrong_secret = "wrong-secret-Kp3-also-never-logged"
    storage = _storage(s3, tmp_path, backblaze_application_key=wrong_secret)
    caplog.set_level(logging.INFO)

    with pytest.raises(StorageConfigError) as failed:
        storage.put(_file(tmp_path / "v.wav", b"RIFF"), "uploads/voiceovers/x-voice.wav")
    message = str(failed.value)
    assert "credentials were refused" in message and "BACKBLAZE_APPLICATION_KEY" in message
    assert not failed.value.retryable
    assert not [r for r in caplog.records if "retrying" in r.getMessage()]  # no point retrying

    state = storage.check()
    assert state.reachable is False and state.error is not None
    assert "credentials were refused" in state.error
    storage.check()  # the same answer again: no second log line
    errors = [r for r in caplog.records if r.levelno == logging.ERROR]
    assert len(errors) == 1 and "S3 storage: bucket" in errors[0].getMessage()
    assert errors[0].exc_info is None  # one line, no traceback

    for text in [message, state.error, caplog.text, repr(storage.config)]:
        assert wrong_secret not in text and SECRET not in text

    with pytest.raises(StorageConfigError, match="credentials were refused"):
        storage.fetch(f"s3://{BUCKET}/in/clip.mp4", tmp_path / "x", max_bytes=MB, field="bgm_url")


def test_unreachable_until_the_budget_is_spent(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    endpoint = f"http://127.0.0.1:{free_port()}"  # nothing listens there
    settings = load_settings(
        data_dir=tmp_path, backblaze_bucket_name=BUCKET, backblaze_key_id=KEY_ID,
        backblaze_application_key=SECRET, backblaze_endpoint_url=endpoint, s3_retry_seconds=6,
    )  # fmt: skip
    storage = create_storage(settings)
    caplog.set_level(logging.WARNING)
    with pytest.raises(StorageError) as failed:
        storage.put(_file(tmp_path / "f.mp4", b"video"), "uploads/renders/u-final.mp4")
    assert failed.value.retryable and not isinstance(failed.value, StorageConfigError)
    message = str(failed.value)
    match = re.search(r"gave up after (\d+) tries", message)
    assert match is not None, message
    assert f"could not connect to {endpoint}" in message
    retries = [r for r in caplog.records if "retrying in" in r.getMessage()]
    assert int(match.group(1)) >= 2 and len(retries) == int(match.group(1)) - 1

    state = storage.check() if isinstance(storage, S3Storage) else None
    assert state is not None and state.reachable is False
    assert state.error == f"could not connect to {endpoint}"


def test_bucket_check(s3: SeaweedS3, tmp_path: Path) -> None:
    storage = _storage(s3, tmp_path)
    assert storage.health().reachable is None  # not checked yet
    assert storage.check().reachable is True
    missing = _storage(s3, tmp_path, backblaze_bucket_name="no-such-bucket")
    state = missing.check()
    assert state.reachable is False and state.error is not None
    assert "bucket 'no-such-bucket' does not exist" in state.error


def test_backend_selection(tmp_path: Path) -> None:
    assert isinstance(create_storage(load_settings(data_dir=tmp_path)), LocalStorage)
    with pytest.raises(ConfigError) as half:
        create_storage(load_settings(data_dir=tmp_path, backblaze_bucket_name="b"))
    assert "BACKBLAZE_KEY_ID" in str(half.value)
    assert "BACKBLAZE_APPLICATION_KEY" in str(half.value)
    with pytest.raises(ConfigError, match="BACKBLAZE_APPLICATION_KEY"):
        create_storage(load_settings(
            data_dir=tmp_path, backblaze_bucket_name="b", backblaze_key_id="k",
            backblaze_application_key="  ",
        ))  # fmt: skip
    with pytest.raises(ConfigError, match="http"):
        create_storage(load_settings(
            data_dir=tmp_path, backblaze_bucket_name="b", backblaze_key_id="k",
            backblaze_application_key="s", backblaze_endpoint_url="s3.example.com",
        ))  # fmt: skip


@pytest.mark.parametrize(
    ("endpoint", "region"),
    [
        ("https://s3.us-east-005.backblazeb2.com", "us-east-005"),
        ("https://s3.eu-central-003.backblazeb2.com/", "eu-central-003"),
        ("https://s3.eu-west-1.amazonaws.com", "eu-west-1"),
        ("https://acct.r2.cloudflarestorage.com", "us-east-1"),
        ("http://127.0.0.1:8333", "us-east-1"),
        (None, "us-east-1"),
    ],
)
def test_region_from_endpoint(endpoint: str | None, region: str) -> None:
    assert region_of(endpoint) == region


def test_an_endpoint_that_never_answers_times_out_and_is_retried(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """A server that accepts connections and then says nothing: each try ends at the read
    timeout (DOWNLOAD_TIMEOUT_SECONDS), is retried, and the budget ends it."""
    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen(64)
    held: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        silent.settimeout(0.1)
        while not stop.is_set():
            with contextlib.suppress(TimeoutError):
                held.append(silent.accept()[0])

    acceptor = threading.Thread(target=accept)
    acceptor.start()
    endpoint = f"http://127.0.0.1:{silent.getsockname()[1]}"
    try:
        storage = create_storage(load_settings(
            data_dir=tmp_path, backblaze_bucket_name=BUCKET, backblaze_key_id=KEY_ID,
            backblaze_application_key=SECRET, backblaze_endpoint_url=endpoint,
            s3_retry_seconds=8, download_timeout_seconds=0.5,
        ))  # fmt: skip
        caplog.set_level(logging.WARNING)
        with pytest.raises(StorageError) as failed:
            storage.fetch(f"s3://{BUCKET}/in/x.mp4", tmp_path / "x", max_bytes=MB, field="bgm_url")
    finally:
        stop.set()
        acceptor.join()
        for conn in held:
            conn.close()
        silent.close()
    message = str(failed.value)
    assert f"the connection to {endpoint} failed (ReadTimeoutError)" in message, message
    assert "gave up after" in message and failed.value.retryable
    assert any("retrying in" in r.getMessage() for r in caplog.records)
    assert len(held) >= 2  # tried more than once
