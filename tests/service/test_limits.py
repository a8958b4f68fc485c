"""Job limits on the running service: the per-job time limit, the queue cap, free disk and a
disk that fills up, and work folders left by a crash."""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from pathlib import Path

import httpx
import psutil
import pytest

from tests.conftest import Media
from tests.service.conftest import ServiceFactory
from tests.service.servers import FileServer, Service, wait_for

SCRIPT = "The limits of the service are tested here. Each job is small."


def _ffmpeg_children(service: Service) -> list[psutil.Process]:
    assert service.proc is not None
    children = psutil.Process(service.proc.pid).children(recursive=True)
    return [child for child in children if child.name() == "ffmpeg"]


def _render(service: Service, **fields: str) -> str:
    response = service.client.post("/render", json={"script": SCRIPT, **fields})
    assert response.status_code == 202, response.text
    job_id: str = response.json()["job_id"]
    return job_id


def test_job_timeout_stops_the_job(
    make_service: ServiceFactory, files: FileServer, media: Media
) -> None:
    service = make_service(JOB_TIMEOUT_SECONDS="2", FFMPEG_TIMEOUT_SECONDS="600")
    # A large frame from a 30 s base: far more than 2 s of work on one FFmpeg thread.
    job_id = _render(service, base_video_url=f"{files.url}/{media.base_long.name}",
                     size="3840x2160")  # fmt: skip
    done = service.wait_finished(job_id)
    assert done["status"] == "failed"
    assert "the job ran past JOB_TIMEOUT_SECONDS (2 s) and was stopped" in done["error"]
    stage = done["error"].split(" failed:")[0]  # e.g. "tts", "render (loudness scan)"
    assert stage.split(" (")[0] in ("inputs", "tts", "subtitles", "render"), stage
    assert _ffmpeg_children(service) == []  # nothing left running
    assert list((service.data_dir / "work").iterdir()) == []
    assert "will retry" not in service.log()  # a timeout is final


def test_queue_cap_answers_429_with_retry_after(
    make_service: ServiceFactory, files: FileServer, media: Media
) -> None:
    service = make_service(MAX_QUEUED_JOBS="2", MAX_CONCURRENT_JOBS="1")
    body = {"script": SCRIPT, "base_video_url": f"{files.url}/{media.base_long.name}",
            "size": "640x360"}  # fmt: skip
    key = {"Idempotency-Key": "first-of-six"}
    accepted: list[httpx.Response] = []
    refused: list[httpx.Response] = []
    for number in range(6):
        response = service.client.post("/render", json=body, headers=key if number == 0 else {})
        (accepted if response.status_code == 202 else refused).append(response)
        assert service.client.get("/health").json()["queue"]["queued"] <= 2
    # One job runs, two wait: of six, at least three are refused.
    assert len(refused) >= 3 and 2 <= len(accepted) <= 3
    for response in refused:
        assert response.status_code == 429
        assert response.headers["retry-after"] == "30"
        assert "MAX_QUEUED_JOBS" in response.json()["detail"]
    response = service.client.post("/voiceover", json={"script": SCRIPT})
    assert response.status_code == 429  # the synchronous endpoints too
    # A retry of an accepted job adds nothing to the queue: it is answered, not refused.
    replay = service.client.post("/render", json=body, headers=key)
    assert replay.status_code == 202, replay.text
    assert replay.json()["job_id"] == accepted[0].json()["job_id"]
    for response in accepted:  # nothing accepted is lost
        done = service.wait_finished(response.json()["job_id"], timeout_s=170)
        assert done["status"] == "completed", done["error"]


def test_too_little_free_disk_refuses_to_start(make_service: ServiceFactory) -> None:
    service = make_service(MIN_FREE_DISK_MB=str(10**9))
    response = service.client.post("/voiceover", json={"script": SCRIPT})
    body = response.json()
    assert response.status_code == 500 and body["status"] == "failed"
    assert body["error"].startswith("inputs failed: only ")
    assert "a job needs MIN_FREE_DISK_MB (1,000,000,000 MB) to start" in body["error"]


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    """A 5 MB tmpfs (needs root, as on the project's machines; skipped elsewhere)."""
    mount = tmp_path / "small-disk"
    mount.mkdir()
    made = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=5m", "tmpfs", str(mount)],
                          capture_output=True, check=False)  # fmt: skip
    if made.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {made.stderr.decode().strip()}")
    try:
        yield mount
    finally:
        subprocess.run(["umount", "-l", str(mount)], check=False)


def test_disk_filling_up_fails_the_job_cleanly(
    make_service: ServiceFactory, files: FileServer, small_disk: Path
) -> None:
    service = make_service(data_dir=small_disk / "data", MIN_FREE_DISK_MB="0")
    # Two 3 MB downloads do not fit in 5 MB.
    job_id = _render(service, base_video_url=f"{files.url}/big.mp4", bgm_url=f"{files.url}/big.mp4")
    done = service.wait_finished(job_id)
    assert done["status"] == "failed"
    assert done["error"].startswith("inputs failed: the disk filled up: ")
    assert "No space left on device" in done["error"]
    assert list((small_disk / "data" / "work").iterdir()) == []  # the space is given back
    # The service goes on: the next job has room.
    response = service.client.post("/voiceover", json={"script": SCRIPT})
    assert response.status_code == 200 and response.json()["status"] == "completed"


def test_stale_work_folders_are_removed_at_start_up(
    make_service: ServiceFactory, tmp_path: Path
) -> None:
    work = tmp_path / "data" / "work"
    (work / "crashed-job" / "videorender-x").mkdir(parents=True)
    (work / "crashed-job" / "base-video").write_bytes(b"\0" * 100_000)
    (work / "stray-file").write_bytes(b"x")
    service = make_service()
    wait_for(lambda: not any(work.iterdir()), timeout_s=30, what="the stale folders to go")
    assert "removed the stale work folder crashed-job" in service.log()


def test_job_temp_files_live_under_data_dir(
    make_service: ServiceFactory, files: FileServer, media: Media, tmp_path: Path
) -> None:
    """While a job runs, its temporary files are in DATA_DIR/work/<job_id> (where start-up
    cleans after a crash), never in the system temp dir."""
    system_tmp = tmp_path / "system-tmp"
    system_tmp.mkdir()
    service = make_service(TMPDIR=str(system_tmp))
    job_id = _render(service, base_video_url=f"{files.url}/{media.base_long.name}",
                     size="1280x720")  # fmt: skip
    work = service.data_dir / "work" / job_id
    wait_for((work / "voice.wav").is_file, timeout_s=120, interval_s=0.02,
             what="the pipeline's files in DATA_DIR/work/<job_id>")  # fmt: skip
    assert list(system_tmp.glob("videorender-*")) == []
    assert service.wait_finished(job_id)["status"] == "completed"
    assert list((service.data_dir / "work").iterdir()) == []
