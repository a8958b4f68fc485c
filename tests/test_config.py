"""`.env.example` documents every setting, under the name the settings read; settings that
take more than one kind of value parse and refuse as documented."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from videorender.config import Settings, load_settings
from videorender.errors import ConfigError
from videorender.machine import usable_cores

ENV_EXAMPLE = Path(__file__).resolve().parents[1] / ".env.example"


def test_env_example_lists_every_setting() -> None:
    listed = set(re.findall(r"^#? ?([A-Z][A-Z0-9_]+)=", ENV_EXAMPLE.read_text(), re.MULTILINE))
    variables = {name.upper() for name in Settings.model_fields}
    assert variables - listed == set()
    assert listed - variables == set()  # nothing listed that the service ignores


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    """No .env from the checkout and no PIPER_THREADS from the caller's shell."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("PIPER_THREADS", raising=False)
    monkeypatch.delenv("MAX_CONCURRENT_JOBS", raising=False)
    monkeypatch.delenv("TTS_KEEP_LOADED", raising=False)
    return monkeypatch


@pytest.mark.parametrize("value", ["1", "2", " 3 ", "64"])
def test_piper_threads_numbers_are_kept_exactly(env: pytest.MonkeyPatch, value: str) -> None:
    env.setenv("PIPER_THREADS", value)
    settings = load_settings()
    assert settings.piper_threads == int(value)
    assert settings.pipeline_config().tts.piper_threads == int(value)
    # Whatever else runs: a number is never second-guessed.
    busy = settings.model_copy(update={"tts_keep_loaded": True, "max_concurrent_jobs": 4})
    assert busy.pipeline_config().tts.piper_threads == int(value)


@pytest.mark.parametrize("value", ["auto", " AUTO ", None])
def test_piper_threads_auto_uses_every_core_where_speech_runs_alone(
    env: pytest.MonkeyPatch, value: str | None
) -> None:
    if value is not None:
        env.setenv("PIPER_THREADS", value)
    settings = load_settings()  # the CLI's one job: TTS_KEEP_LOADED unset
    assert settings.piper_threads == "auto"
    assert settings.pipeline_config().tts.piper_threads == usable_cores() >= 1
    one_job_worker = load_settings(tts_keep_loaded=True, max_concurrent_jobs=1)
    assert one_job_worker.pipeline_config().tts.piper_threads == usable_cores()
    busy_worker = load_settings(tts_keep_loaded=True, max_concurrent_jobs=3)
    assert busy_worker.pipeline_config().tts.piper_threads == 1


@pytest.mark.parametrize("value", ["0", "65", "-1", "fast", "1.5", ""])
def test_bad_piper_threads_name_the_variable(env: pytest.MonkeyPatch, value: str) -> None:
    env.setenv("PIPER_THREADS", value)
    with pytest.raises(ConfigError, match=r"PIPER_THREADS: .*(1-64|1 to 64)") as caught:
        load_settings()
    assert str(caught.value).count("PIPER_THREADS") == 1  # one line, not one per union member


def test_usable_cores_is_within_the_machines() -> None:
    assert 1 <= usable_cores() <= (os.cpu_count() or 1)
