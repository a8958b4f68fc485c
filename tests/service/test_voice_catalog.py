"""A voice fetched from the catalogue mirror while the service runs: GET /voices lists it at
once (no restart), with a readable name, and a job narrates with it by name."""

from __future__ import annotations

from pathlib import Path

from tests.service.conftest import ServiceFactory
from tests.voice_mirror import TESTA, VoiceMirror
from videorender.pipeline.stage_config import TTSConfig
from videorender.voice_catalog import LibraryConfig, VoiceLibrary


def test_a_fetched_voice_is_listed_and_speaks_without_a_restart(
    make_service: ServiceFactory, mirror: VoiceMirror, tmp_path: Path
) -> None:
    voices_dir = tmp_path / "voices"
    service = make_service(VOICES_DIR=str(voices_dir), VOICES_CATALOG_URL=mirror.url)
    before = service.client.get("/voices").json()["voices"]
    assert TESTA not in [v["speaker"] for v in before]

    with VoiceLibrary(LibraryConfig(TTSConfig(voices_dir=voices_dir), mirror.url)) as library:
        library.get(TESTA)

    voices = service.client.get("/voices").json()["voices"]
    testa = next(v for v in voices if v["speaker"] == TESTA)
    assert testa == {
        "engine": "piper",
        "speaker": TESTA,
        "language": "en-GB",
        "languages": ["en-GB"],
        "default": False,
        "label": "Testa (medium)",
        "language_name": "English (Great Britain)",
    }
    names = [v["language_name"] for v in voices]
    assert names == sorted(names)  # grouped by language

    job = service.client.post(
        "/render", json={"script": "Fetched and speaking.", "size": "160x90", "speaker": TESTA}
    ).json()
    finished = service.wait_finished(job["job_id"])
    assert finished["status"] == "completed", finished
