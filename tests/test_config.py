"""`.env.example` documents every setting, under the name the settings read; settings that
take more than one kind of value parse and refuse as documented."""

from __future__ import annotations

import os
import re
from dataclasses import replace
from pathlib import Path

import pytest

from videorender.config import Settings, load_settings
from videorender.errors import ConfigError
from videorender.machine import usable_cores
from videorender.pipeline.stage_config import PipelineConfig

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


@pytest.mark.parametrize(
    ("cores", "memory_mb", "keep_loaded", "jobs", "in_parts"),
    [
        (8, 4096, None, 3, True),  # the CLI's one job: MAX_CONCURRENT_JOBS is not its own
        (8, 4096, True, 2, True),  # two jobs, each with 4 cores and 2048 MB
        (8, 4096, True, 3, False),  # three jobs would share 8 cores
        (16, 4096, True, 4, False),  # four jobs would each have 1024 MB
        (2, 8192, None, 1, False),  # 2 cores: x264 keeps them busy already
        (8, None, None, 1, False),  # memory unknown
    ],
)
def test_render_overlap_auto_counts_what_each_job_at_once_has(
    env: pytest.MonkeyPatch,
    cores: int,
    memory_mb: int | None,
    keep_loaded: bool | None,
    jobs: int,
    in_parts: bool,
) -> None:
    env.delenv("RENDER_OVERLAP", raising=False)
    # This machine's cores and memory are what they are: the rule is checked on others.
    env.setattr("videorender.config.usable_cores", lambda: cores)
    env.setattr("videorender.config.memory_limit_mb", lambda: memory_mb)
    settings = load_settings(tts_keep_loaded=keep_loaded, max_concurrent_jobs=jobs)
    assert settings.renders_in_parts is in_parts
    assert settings.pipeline_config().render.in_parts is in_parts
    for forced in ("on", "off"):
        assert load_settings(render_overlap=forced).renders_in_parts is (forced == "on")
    # Speech beside the parts' encode leaves it the cores FFMPEG_THREADS says it uses.
    expected = max(1, cores - settings.ffmpeg_threads) if in_parts else cores
    if keep_loaded and jobs > 1:  # a worker's jobs share the cores: one thread each
        expected = 1
    assert settings.pipeline_config().tts.piper_threads == expected


def test_unset_settings_give_the_pipelines_own_defaults(env: pytest.MonkeyPatch) -> None:
    """One definition of each default: an unset variable and `PipelineConfig()` agree
    (threads, keeping the voice loaded and rendering in parts are resolved from the machine
    and the caller, so they are set to the dataclass's values here to compare the rest)."""
    for name in Settings.model_fields:
        env.delenv(name.upper(), raising=False)
    env.setenv("XDG_CACHE_HOME", str(Path.cwd() / "xdg"))
    env.setenv("XDG_DATA_HOME", str(Path.cwd() / "data"))
    built = load_settings().pipeline_config()
    pipeline = PipelineConfig()
    assert pipeline.tts.cache_dir == Path.cwd() / "xdg" / "videorender" / "tts"
    assert pipeline.tts.voices_dir == Path.cwd() / "data" / "videorender" / "voices"
    assert replace(built.tts, piper_threads=1, keep_loaded=None) == pipeline.tts
    assert replace(built.render, in_parts=False) == pipeline.render
    assert built.media == pipeline.media
