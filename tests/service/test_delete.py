"""DELETE /jobs/{id} against the real service (local storage): a finished job goes with every
file it stored; a queued one is refused until cancelled; deleting twice is harmless. Voice
samples are jobs of their own kind, left out of GET /jobs unless asked for."""

from __future__ import annotations

from pathlib import Path

from tests.service.conftest import ServiceFactory
from tests.service.servers import Service

SCRIPT = "Delete me when you are done. I am a tiny video."
DRAFT = "320x180"


def _stored_files(service: Service, job_id: str) -> list[Path]:
    return sorted(p for p in (service.data_dir / "uploads").rglob(f"{job_id}*") if p.is_file())


def test_delete_a_finished_job_and_its_files(make_service: ServiceFactory) -> None:
    service = make_service()
    answer = service.client.post("/render", json={"script": SCRIPT, "size": DRAFT})
    assert answer.status_code == 202, answer.text
    job_id = answer.json()["job_id"]
    done = service.wait_finished(job_id)
    assert done["status"] == "completed", done
    assert done["title"] == "Delete me when you are done. I am a tiny…"  # ten words
    stored = {p.name for p in _stored_files(service, job_id)}
    assert {f"{job_id}-final.mp4", f"{job_id}-voice.wav", f"{job_id}-words.json"} <= stored

    assert service.client.delete(f"/jobs/{job_id}").status_code == 204
    assert service.client.get(f"/status/{job_id}").status_code == 404
    assert _stored_files(service, job_id) == []
    assert job_id not in {job["job_id"] for job in service.client.get("/jobs").json()["jobs"]}
    assert service.client.get(f"/uploads/renders/{job_id}-final.mp4").status_code == 404
    # Idempotent: the same DELETE again, or of an id that never was, answers 204.
    assert service.client.delete(f"/jobs/{job_id}").status_code == 204
    assert service.client.delete("/jobs/no-such-job").status_code == 204


def test_a_queued_job_is_deleted_only_once_cancelled(make_service: ServiceFactory) -> None:
    service = make_service(cli=True, args=("--no-workers",))  # nothing takes the job
    job_id = service.client.post("/render", json={"script": SCRIPT}).json()["job_id"]
    refused = service.client.delete(f"/jobs/{job_id}")
    assert refused.status_code == 409, refused.text
    assert "cancel it before deleting it" in refused.json()["detail"]
    assert service.status(job_id)["status"] == "queued"
    assert service.client.post(f"/jobs/{job_id}/cancel").status_code == 200
    assert service.client.delete(f"/jobs/{job_id}").status_code == 204
    assert service.client.get(f"/status/{job_id}").status_code == 404


def test_voice_samples_are_not_listed_as_jobs(make_service: ServiceFactory) -> None:
    service = make_service()
    sample = service.client.post("/voiceover", json={"script": "Hello there.", "sample": True})
    assert sample.status_code == 200, sample.text
    assert service.client.get(sample.json()["voice_url"]).content[:4] == b"RIFF"
    voiceover = service.client.post("/voiceover", json={"script": "A real voiceover."})
    listed = [job["job_id"] for job in service.client.get("/jobs").json()["jobs"]]
    assert listed == [voiceover.json()["job_id"]]
    everything = service.client.get("/jobs", params={"include_samples": "true"}).json()["jobs"]
    assert [(job["job_id"], job["kind"]) for job in everything] == [
        (voiceover.json()["job_id"], "voiceover"),
        (sample.json()["job_id"], "voice_sample"),
    ]
