"""DELETE /jobs/{id} with S3 storage, against the real S3 test server (SeaweedFS): every
object the job stored is gone from the bucket afterwards, and the job with them."""

from __future__ import annotations

from tests.s3.conftest import BUCKET, s3_env
from tests.s3server import SeaweedS3
from tests.service.conftest import ServiceFactory


def _objects(s3: SeaweedS3, job_id: str) -> list[str]:
    found = []
    for prefix in ("uploads/voiceovers/", "uploads/subtitles/", "uploads/renders/",
                   "uploads/thumbnails/"):  # fmt: skip
        listing = s3.client.list_objects_v2(Bucket=BUCKET, Prefix=f"{prefix}{job_id}")
        found += [item["Key"] for item in listing.get("Contents", [])]
    return sorted(found)


def test_delete_removes_every_stored_object(make_service: ServiceFactory, s3: SeaweedS3) -> None:
    service = make_service(**s3_env(s3))
    answer = service.client.post(
        "/render", json={"script": "Stored in the bucket, then deleted.", "size": "320x180"}
    )
    assert answer.status_code == 202, answer.text
    job_id = answer.json()["job_id"]
    assert service.wait_finished(job_id)["status"] == "completed"
    stored = _objects(s3, job_id)
    assert f"uploads/renders/{job_id}-final.mp4" in stored and len(stored) >= 6, stored

    assert service.client.delete(f"/jobs/{job_id}").status_code == 204
    assert _objects(s3, job_id) == []
    assert service.client.get(f"/status/{job_id}").status_code == 404
    assert service.client.delete(f"/jobs/{job_id}").status_code == 204
