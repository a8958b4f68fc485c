"""Env files are read as systemd's EnvironmentFile= reads them, and a value that carries a
comment after it is refused the same way from `.env`, the environment and the settings'
callers, naming the variable and saying why."""

from __future__ import annotations

from pathlib import Path
from textwrap import dedent

import pytest

from videorender.config import load_settings
from videorender.envfile import parse_env_text
from videorender.errors import ConfigError


def test_systemd_grammar() -> None:
    text = dedent(
        """\
        # a comment
        ; another
          DATA_DIR = /srv/data
        MAX_CONCURRENT_JOBS=2   # a comment that systemd keeps
        API_KEY="a \\"quoted\\" key"
        LOG_LEVEL='debug'
        export PUBLIC_URL=https://example.com/#top
        LONG=one \\
        two
        not a variable
        """
    )
    assert parse_env_text(text) == {
        "DATA_DIR": "/srv/data",
        "MAX_CONCURRENT_JOBS": "2   # a comment that systemd keeps",
        "API_KEY": 'a "quoted" key',
        "LOG_LEVEL": "debug",
        "PUBLIC_URL": "https://example.com/#top",
        "LONG": "one two",
    }


@pytest.fixture
def clean(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    for name in ("MAX_CONCURRENT_JOBS", "API_KEY", "JOB_LEASE_SECONDS", "DATA_DIR"):
        monkeypatch.delenv(name, raising=False)
    return tmp_path


WHY = "ends in a comment: systemd's EnvironmentFile="


def test_a_comment_after_a_value_in_dotenv_is_refused(clean: Path) -> None:
    (clean / ".env").write_text("MAX_CONCURRENT_JOBS=2   # ~ CPU cores\nDATA_DIR=d\n")
    with pytest.raises(ConfigError) as caught:
        load_settings()
    assert f"MAX_CONCURRENT_JOBS: Value error, '2   # ~ CPU cores' {WHY}" in str(caught.value)
    assert "own" in str(caught.value)


def test_a_comment_after_a_value_in_the_environment_is_refused(
    clean: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("JOB_LEASE_SECONDS", "60             # the same on every machine")
    with pytest.raises(ConfigError, match=f"JOB_LEASE_SECONDS: .*{WHY}"):
        load_settings()


def test_a_comment_after_a_text_value_is_refused_too(clean: Path) -> None:
    """Even where the field would take any text (a path), the comment is never kept."""
    (clean / ".env").write_text("DATA_DIR=/opt/videorender/data   # work folders only\n")
    with pytest.raises(ConfigError, match=f"DATA_DIR: .*{WHY}"):
        load_settings()


def test_a_secret_with_a_comment_is_refused_without_showing_it(clean: Path) -> None:
    (clean / ".env").write_text("API_KEY=change-me   # rotate monthly\n")
    with pytest.raises(ConfigError) as caught:
        load_settings()
    assert "API_KEY" in str(caught.value) and "change-me" not in str(caught.value)


def test_comments_on_their_own_lines_and_hashes_inside_values_are_fine(clean: Path) -> None:
    (clean / ".env").write_text(
        "# cores / FFMPEG_THREADS\nMAX_CONCURRENT_JOBS=2\nPUBLIC_URL=https://x.example/#a\n"
    )
    settings = load_settings()
    assert settings.max_concurrent_jobs == 2
    assert settings.public_url == "https://x.example/#a"
