"""A job cancelled during its upload leaves no artifact behind, on local storage and on a real
S3 server (SeaweedFS). The cancel lands at a known point: a wrapper around the real storage
cancels the job from inside `put`, right after the video is stored."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from tests.s3.conftest import BUCKET, s3_settings
from tests.s3server import SeaweedS3
from tests.service.servers import wait_for
from videorender.config import Settings
from videorender.jobs.models import JobKind, JobRequest, JobStatus
from videorender.jobs.service import JobService
from videorender.pipeline.models import RenderOptions, Size
from videorender.storage import Artifact, Storage, artifact_key, create_storage

TIMEOUT_S = 120


class CancelAfterPut:
    """The real storage, which cancels `job_id` (as a client's DELETE would, from another
    thread) once `trigger` is stored, and returns only when the job is cancelled."""

    def __init__(self, inner: Storage, trigger: Artifact) -> None:
        self.inner = inner
        self.kind = inner.kind
        self.trigger = trigger
        self.service: JobService | None = None
        self.canceller: threading.Thread | None = None
        self.stored: list[str] = []

    def put(self, source: Path, key: str) -> None:
        self.inner.put(source, key)
        self.stored.append(key)
        service = self.service
        assert service is not None
        job_id = key.rsplit("/", 1)[1][:36]
        if key != artifact_key(self.trigger, job_id) or self.canceller is not None:
            return
        canceller = threading.Thread(target=service.cancel, args=(job_id,))
        canceller.start()
        self.canceller = canceller
        wait_for(lambda: service.store.get(job_id).status is JobStatus.CANCELLED,  # type: ignore[union-attr]
                 timeout_s=30, what="the cancel")  # fmt: skip

    def __getattr__(self, name: str) -> object:
        return getattr(self.inner, name)  # url, delete, fetch, health, ...


def _render_and_cancel(settings: Settings, storage: CancelAfterPut) -> tuple[str, list[str]]:
    service = JobService(settings, storage=storage, workers=True)  # type: ignore[arg-type]
    storage.service = service
    service.start()
    try:
        job = service.submit(
            JobRequest(
                kind=JobKind.RENDER,
                script="Cancelled while uploading.",
                options=RenderOptions(size=Size(160, 90)),
            )
        )
        wait_for(lambda: storage.canceller is not None, timeout_s=TIMEOUT_S, what="the upload")
        assert storage.canceller is not None
        storage.canceller.join(timeout=TIMEOUT_S)  # returns once the worker let go of the job
        assert not storage.canceller.is_alive()
        found = service.get(job.id)
        assert found is not None and found.status is JobStatus.CANCELLED
        return job.id, list(storage.stored)
    finally:
        service.stop()


def _job_keys(job_id: str) -> set[str]:
    return {artifact_key(artifact, job_id) for artifact in Artifact}


def test_cancel_during_upload_removes_local_artifacts(settings: Settings) -> None:
    storage = CancelAfterPut(create_storage(settings), Artifact.VIDEO)
    job_id, stored = _render_and_cancel(settings, storage)
    # The voice and the video (at least) were stored before the cancel landed ...
    assert {artifact_key(Artifact.VOICE, job_id), artifact_key(Artifact.VIDEO, job_id)} <= set(
        stored
    )
    # ... and nothing of the job is left.
    left = [p for p in (settings.data_dir / "uploads").rglob("*") if p.is_file()]
    assert left == []


def test_cancel_during_upload_removes_s3_objects(s3: SeaweedS3, tmp_path: Path) -> None:
    settings = s3_settings(
        s3, tmp_path, tts_cache_dir=tmp_path / "tts-cache", video_preset="ultrafast"
    )
    storage = CancelAfterPut(create_storage(settings), Artifact.VIDEO)
    job_id, stored = _render_and_cancel(settings, storage)
    assert artifact_key(Artifact.VIDEO, job_id) in stored
    listed = s3.client.list_objects_v2(Bucket=BUCKET, Prefix="uploads/")
    left = {item["Key"] for item in listed.get("Contents", [])} & _job_keys(job_id)
    assert left == set()


@pytest.fixture(autouse=True)
def _no_env_file(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.chdir(tmp_path)  # no .env of the checkout
