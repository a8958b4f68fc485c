"""The container image and compose.yaml, run with podman: `make test-container` builds the
images first, then runs this folder. `make test` does not collect it (pyproject.toml's
`--ignore=tests/container`): it needs root, podman and several minutes.

Every server publishes on 127.0.0.1 only, on free ports; every container, volume and network
made here is removed afterwards (the images stay, for the next run's layer cache).
"""

from __future__ import annotations

import json
import os
import subprocess
import time
import uuid
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.container.podman import (
    ComposeProject,
    image_exists,
    inspect,
    logs,
    output,
    podman,
    removed_afterwards,
    volume,
)
from tests.decode import streams
from tests.s3server import client as s3_client
from tests.service.servers import free_port, wait_for

REPO = Path(__file__).resolve().parents[2]
IMAGE = os.environ.get("VIDEORENDER_IMAGE", "localhost/videorender:latest")
S3_IMAGE = os.environ.get("VIDEORENDER_S3_IMAGE", "localhost/videorender-s3:latest")
POSTGRES_IMAGE = "docker.io/library/postgres:15"  # compose.yaml's; offline: the stand-in
VENV_SITE = "/opt/videorender/venv/lib/python3.11/site-packages"
PATCHED_MODELS = "/var/cache/videorender/tts/models"
# Generous: on a loaded 2-core machine five containers importing at once took ~30 s to answer.
START_TIMEOUT_S = 240
JOB_TIMEOUT_S = 300
SIZE = "320x240"
OTHER_UID = 12345
SHORT_SCRIPT = "The container renders this. It plays to the end."
LONG_SCRIPT = " ".join(
    f"This is sentence number {n} of a longer script, long enough to still be rendering."
    for n in range(1, 9)
)


@pytest.fixture(scope="module", autouse=True)
def _images_built() -> None:
    missing = [i for i in (IMAGE, S3_IMAGE, POSTGRES_IMAGE) if not image_exists(i)]
    if missing:
        pytest.fail(f"images missing: {', '.join(missing)} (make test-container builds them)")


# --- helpers --------------------------------------------------------------------------------


def _health(client: httpx.Client) -> dict[str, Any] | None:
    try:
        response = client.get("/health", timeout=5)
    except httpx.TransportError:
        return None
    if response.status_code != 200:
        return None
    body: dict[str, Any] = response.json()
    return body


def wait_healthy(client: httpx.Client, workers_alive: int | None = None) -> dict[str, Any]:
    def ready() -> dict[str, Any] | None:
        health = _health(client)
        if health and workers_alive is not None:
            return health if health["cluster"]["workers_alive"] == workers_alive else None
        return health

    found: dict[str, Any] = wait_for(
        ready, timeout_s=START_TIMEOUT_S, interval_s=0.5, what=f"/health at {client.base_url}"
    )
    return found


def submit(client: httpx.Client, script: str) -> str:
    response = client.post("/render", json={"script": script, "size": SIZE})
    assert response.status_code == 202, response.text
    job_id: str = response.json()["job_id"]
    return job_id


def status(client: httpx.Client, job_id: str) -> dict[str, Any]:
    response = client.get(f"/status/{job_id}")
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def wait_status(client: httpx.Client, job_id: str, wanted: str) -> dict[str, Any]:
    def reached() -> dict[str, Any] | None:
        job = status(client, job_id)
        assert job["status"] != "failed", job["error"]
        return job if job["status"] == wanted else None

    job: dict[str, Any] = wait_for(
        reached, timeout_s=JOB_TIMEOUT_S, interval_s=0.2, what=f"job {job_id} {wanted}"
    )
    return job


def download(client: httpx.Client, url: str, path: Path) -> Path:
    response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    path.write_bytes(response.content)
    return path


def check_plays(video: Path) -> None:
    """H.264 video of the asked size with AAC sound, decoded to the end without an error."""
    found = streams(video)
    assert found["video"]["codec_name"] == "h264", found["video"]
    assert f"{found['video']['width']}x{found['video']['height']}" == SIZE
    assert found["audio"]["codec_name"] == "aac", found["audio"]
    assert float(str(found["format"]["duration"])) > 1.5
    decoded = subprocess.run(
        ["ffmpeg", "-v", "error", "-i", str(video), "-f", "null", "-"],
        capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert decoded.returncode == 0 and not decoded.stderr, decoded.stderr


def run_service(name: str, port: int, data: str, **env: str) -> None:
    """The image as it is meant to be run: its own entry point and default command."""
    options = [f"--env={key}={value}" for key, value in env.items()]
    podman(
        "run", "--detach", "--name", name, "--publish", f"127.0.0.1:{port}:8000",
        "--volume", f"{data}:/data", *options, IMAGE,
    )  # fmt: skip


def _in_order(text: str, *parts: str) -> bool:
    positions = [text.find(part) for part in parts]
    return -1 not in positions and positions == sorted(positions)


# --- the image ------------------------------------------------------------------------------


_INSPECT_IMAGE = f"""
import importlib.metadata, json, os, shutil
site = {VENV_SITE!r}
print(json.dumps({{
    "uid": os.getuid(),
    "tools": sorted(t for t in ("gcc", "cc", "c++", "clang", "make", "pip", "pip3")
                    if shutil.which(t)),
    "test_dirs": sorted(root for root, dirs, _ in os.walk(site)
                        if os.path.basename(root) in ("tests", "test")),
    "distributions": sorted(d.metadata["Name"] for d in importlib.metadata.distributions()),
    "notice": open("/usr/share/doc/videorender/NOTICE", encoding="utf-8").read(),
    "patched": sorted(os.listdir({PATCHED_MODELS!r})),
    "secrets": os.path.exists("/run/secrets/ca"),
}}))
"""


def test_image_is_lean_runs_as_a_user_and_names_every_bundled_package() -> None:
    image = json.loads(output("image", "inspect", IMAGE))[0]
    config = image["Config"]
    assert config["User"] == "videorender"
    assert config["Entrypoint"] == ["/usr/bin/tini", "--", "videorender"]
    assert config["Cmd"] == ["serve", "--host", "0.0.0.0"]
    assert "8000/tcp" in config["ExposedPorts"] and "/data" in config["Volumes"]
    assert "DATA_DIR=/data" in config["Env"]
    # Kept because the image is built with --format docker (OCI has no field for it).
    assert "/health" in " ".join(image["Healthcheck"]["Test"])

    facts = json.loads(output("run", "--rm", "--entrypoint", "python", IMAGE, "-c", _INSPECT_IMAGE))
    assert facts["uid"] == 10001
    assert facts["tools"] == [], "no compilers, no pip in the image"
    assert facts["test_dirs"] == [], "third-party test suites are removed"
    assert facts["secrets"] is False, "the proxy CA is a build secret, never in the image"
    # The bundled voice split for the windowed vocoder: its front part and its vocoder.
    parts = [name.split(".")[1:] for name in facts["patched"]]
    assert [(part[0], part[-1]) for part in parts] == [("front", "onnx"), ("vocoder", "onnx")], (
        facts
    )
    notice = facts["notice"]
    assert notice == (REPO / "NOTICE").read_text(encoding="utf-8")
    unnamed = [d for d in facts["distributions"] if f"\n{d} " not in notice]
    assert unnamed == [], f"bundled but missing from NOTICE: {unnamed}"


@pytest.mark.timeout(600)
def test_image_runs_the_cli_render_and_migrate_commands(tmp_path: Path) -> None:
    migrated = podman("run", "--rm", IMAGE, "migrate")
    assert "job store at revision" in migrated.stderr, migrated.stderr  # the CLI reports there
    # As another user id (`--user "$(id -u)"`, as the README shows): the patched voice and the
    # caches must work for any user, not only the image's.
    out = tmp_path / "out"
    out.mkdir()
    os.chown(out, OTHER_UID, OTHER_UID)
    podman(
        "run", "--rm", "--interactive", "--user", f"{OTHER_UID}:{OTHER_UID}",
        "--volume", f"{out}:/out", IMAGE, "render", "-", "--size", SIZE, "-o", "/out",
        stdin=SHORT_SCRIPT, timeout_s=JOB_TIMEOUT_S,
    )  # fmt: skip
    check_plays(out / "final.mp4")
    assert {"voice.wav", "subs.ass", "subs.srt", "subs.vtt", "words.json"} <= {
        p.name for p in out.iterdir()
    }


# --- one container --------------------------------------------------------------------------


@pytest.mark.timeout(1200)
def test_container_renders_stops_on_sigterm_and_keeps_its_jobs_across_a_restart(
    tmp_path: Path,
) -> None:
    tag = uuid.uuid4().hex[:8]
    first, second = f"videorender-test-{tag}-a", f"videorender-test-{tag}-b"
    port = free_port()
    with (
        httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=30) as client,
        volume(f"videorender-test-{tag}") as data,
        removed_afterwards(first, second),
    ):
        # One job at a time, and a grace longer than any of these renders.
        run_service(first, port, data, MAX_CONCURRENT_JOBS="1", SHUTDOWN_GRACE_SECONDS="120")
        health = wait_healthy(client)
        assert health["storage"]["backend"] == "local"
        assert health["workers"]["max_concurrent_jobs"] == 1

        # Every process in the container runs as the image's user, not root.
        processes = output("top", first, "user", "comm").splitlines()[1:]
        assert processes and all(line.split()[0] == "videorender" for line in processes), processes
        assert output("exec", first, "id", "-u") == "10001"
        # The image's HEALTHCHECK command passes (podman without systemd runs it on demand).
        podman("healthcheck", "run", first)
        patched = output("exec", first, "ls", PATCHED_MODELS)

        done = submit(client, SHORT_SCRIPT)
        video_url = wait_status(client, done, "completed")["video_url"]
        first_download = download(client, video_url, tmp_path / "done.mp4")
        check_plays(first_download)
        # The job used the voice patched at build time: no new patched copy was made.
        assert output("exec", first, "ls", PATCHED_MODELS) == patched

        # SIGTERM while one job renders and another waits: the running one finishes within
        # the grace time, the waiting one stays queued in the volume's job store.
        running = submit(client, LONG_SCRIPT)
        queued = submit(client, SHORT_SCRIPT)
        wait_for(
            lambda: status(client, running)["status"] == "processing",
            timeout_s=JOB_TIMEOUT_S, interval_s=0.1, what="the long job to start",
        )  # fmt: skip
        assert status(client, queued)["status"] == "queued"
        started = time.monotonic()
        podman("stop", "--time", "150", first, timeout_s=200)
        stopped_after_s = time.monotonic() - started
        log = logs(first)
        assert stopped_after_s < 140, f"not stopped by SIGTERM (killed after {stopped_after_s} s)"
        # uvicorn shuts down cleanly, then ends itself with the SIGTERM it caught (128 + 15).
        assert inspect(first)["State"]["ExitCode"] == 143, log[-3000:]
        assert _in_order(
            log, "Shutting down", f"job completed [job {running}]", "Finished server process"
        ), log[-3000:]
        assert f"job started (render, attempt 1) [job {queued}]" not in log
        podman("rm", first)

        # The same volume in a new container: the finished jobs and their files are there,
        # and the job queued before the stop is done now.
        run_service(second, port, data)
        wait_healthy(client)
        assert status(client, done)["status"] == "completed"
        again = download(client, video_url, tmp_path / "done-again.mp4")
        assert again.read_bytes() == first_download.read_bytes()
        assert status(client, running)["status"] == "completed"
        finished = wait_status(client, queued, "completed")
        check_plays(download(client, finished["video_url"], tmp_path / "queued.mp4"))


# --- compose.yaml ---------------------------------------------------------------------------


@pytest.mark.timeout(600)
def test_compose_default_runs_the_service_alone_on_a_named_volume(tmp_path: Path) -> None:
    port = free_port()
    project = ComposeProject.copy_of(
        REPO / "compose.yaml", tmp_path, f"vrtest{uuid.uuid4().hex[:8]}", PORT=str(port)
    )
    try:
        project.run("up", "--detach", "--no-build")
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=30) as client:
            health = wait_healthy(client)
        assert health["storage"]["backend"] == "local" and health["cluster"]["workers_alive"] == 1
        (container,) = project.containers()
        assert container == f"{project.name}_videorender_1"
        mounts = {m["Destination"]: m.get("Name") for m in inspect(container)["Mounts"]}
        assert mounts == {
            "/data": f"{project.name}_data",
            "/data/voices": f"{project.name}_voices",
        }
    finally:
        project.remove()


@pytest.mark.timeout(1200)
def test_compose_scale_profile_renders_to_s3_through_a_worker(tmp_path: Path) -> None:
    port, s3_port = free_port(), free_port()
    key_id, secret = "videorender-test", uuid.uuid4().hex
    project = ComposeProject.copy_of(
        REPO / "compose.yaml", tmp_path, f"vrtest{uuid.uuid4().hex[:8]}",
        PORT=str(port), S3_PORT=str(s3_port), S3_ACCESS_KEY_ID=key_id,
        S3_SECRET_ACCESS_KEY=secret, POSTGRES_PASSWORD=uuid.uuid4().hex,
    )  # fmt: skip
    client = httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=30)
    try:
        project.run("--profile", "scale", "up", "--detach", "--no-build", "api", "worker")
        services = ("api_1", "postgres_1", "s3_1", "worker_1", "worker_2")
        assert project.containers() == [f"{project.name}_{s}" for s in services]
        health = wait_healthy(client, workers_alive=2)
        assert health["storage"] == {
            "backend": "s3", "bucket": "videorender", "reachable": True, "error": None,
        }  # fmt: skip
        assert health["workers"]["max_concurrent_jobs"] == 0, "the API runs no jobs itself"

        job_id = submit(client, SHORT_SCRIPT)
        job = wait_status(client, job_id, "completed")
        for field in ("video_url", "voice_url", "subtitles_url", "thumbnail_url"):
            assert job[field].startswith("s3://videorender/uploads/"), (field, job[field])
        bucket, _, key = job["video_url"].removeprefix("s3://").partition("/")
        video = tmp_path / "final.mp4"
        s3 = s3_client(f"http://127.0.0.1:{s3_port}", key_id, secret)
        s3.download_file(bucket, key, str(video))
        s3.close()
        check_plays(video)

        # One of the two workers ran it; the API only queued it.
        ran_it = [
            name for name in project.containers("worker")
            if f"job completed [job {job_id}]" in logs(name)
        ]  # fmt: skip
        assert len(ran_it) == 1, ran_it
        (api,) = project.containers("api")
        assert "job started" not in logs(api)
    finally:
        client.close()
        project.remove()
