"""The voice is loaded once per worker process and kept for every job it runs; the one-job CLI
(and anyone who sets TTS_KEEP_LOADED=false) unloads it before the render instead."""

from __future__ import annotations

from pathlib import Path

import pytest

from videorender.config import Settings
from videorender.jobs.service import JobService
from videorender.pipeline.run import narrate
from videorender.pipeline.tts import piper


def _loaded_voices() -> int:
    return piper._load_piper.cache_info().currsize


@pytest.mark.parametrize(
    ("keep", "workers", "expected"),
    [(None, True, True), (None, False, False), (False, True, False), (True, False, True)],
)
def test_the_service_keeps_the_voice_loaded_unless_told_not_to(
    settings: Settings, keep: bool | None, workers: bool, expected: bool
) -> None:
    service = JobService(settings.model_copy(update={"tts_keep_loaded": keep}), workers=workers)
    assert service.settings.tts_keep_loaded is expected


@pytest.mark.parametrize(("keep", "loaded_after"), [(True, 1), (None, 0), (False, 0)])
def test_a_job_leaves_the_voice_loaded_only_when_kept(
    settings: Settings, tmp_path: Path, keep: bool | None, loaded_after: int
) -> None:
    piper.unload_piper()
    try:
        settings = settings.model_copy(update={"tts_keep_loaded": keep})
        narrate("One sentence, spoken.", tmp_path / "voice.wav", settings.pipeline_config())
        assert _loaded_voices() == loaded_after
    finally:
        piper.unload_piper()
