"""Fixtures for the S3 tests: one real SeaweedFS for the whole session (started only when an
S3 test runs), and the service fixtures of tests/service."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.s3server import SeaweedS3
from tests.service.conftest import files, make_service, receiver, tts_cache
from videorender.config import Settings, load_settings

__all__ = ["files", "make_service", "receiver", "tts_cache"]  # fixtures, shared

BUCKET = "automation-storage"  # the spec's example bucket
SHARED_BUCKET = "shared-media"  # allowed only when S3_ALLOWED_BUCKETS names it
PRIVATE_BUCKET = "private-data"  # never allowed: our key can read it, callers may not
KEY_ID = "videorender-test-key"
SECRET = "s3-secret-Zq7xV1-never-in-logs"  # distinctive, so a leak is easy to find


@pytest.fixture(scope="session")
def s3(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SeaweedS3]:
    server = SeaweedS3(
        tmp_path_factory.mktemp("seaweedfs"), (BUCKET, SHARED_BUCKET, PRIVATE_BUCKET),
        KEY_ID, SECRET,
    )  # fmt: skip
    server.start()
    try:
        yield server
    finally:
        server.stop()


def s3_env(s3: SeaweedS3, **extra: str) -> dict[str, str]:
    """Service environment with the BACKBLAZE_* variables pointing at the test server."""
    return {
        "BACKBLAZE_BUCKET_NAME": BUCKET,
        "BACKBLAZE_KEY_ID": KEY_ID,
        "BACKBLAZE_APPLICATION_KEY": SECRET,
        "BACKBLAZE_ENDPOINT_URL": s3.endpoint,
        **extra,
    }


def s3_settings(s3: SeaweedS3, tmp_path: Path, **overrides: object) -> Settings:
    values: dict[str, object] = {
        "data_dir": tmp_path / "data",
        "backblaze_bucket_name": BUCKET,
        "backblaze_key_id": KEY_ID,
        "backblaze_application_key": SECRET,
        "backblaze_endpoint_url": s3.endpoint,
        **overrides,
    }
    return load_settings(**values)
