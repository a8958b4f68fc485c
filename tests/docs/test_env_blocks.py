"""Every env file the docs show (a `dotenv` block), read the way systemd's EnvironmentFile=
reads it (a comment after a value stays part of the value), loads the settings."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.docs.markdown import DOCS, blocks, doc_id
from videorender.config import load_settings
from videorender.envfile import parse_env_text

ENV_BLOCKS = [
    pytest.param(block, id=f"{doc_id(path)}-{number}")
    for path in DOCS
    for number, block in enumerate(blocks(path, "dotenv"))
]


def test_the_deploy_guide_shows_its_env_files() -> None:
    assert (
        len(blocks(DOCS[0].parent / "docs" / "deploy.md", "dotenv")) == 4
    )  # one machine; every machine, API and worker machines


@pytest.mark.parametrize("block", ENV_BLOCKS)
def test_env_block_loads_as_systemd_reads_it(
    block: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    values = parse_env_text(block)
    assert values, "an env block that sets nothing"
    for name in values:
        monkeypatch.delenv(name, raising=False)
    env_file = tmp_path / "videorender.env"
    env_file.write_text(block, encoding="utf-8")
    settings = load_settings(_env_file=env_file)
    for name, value in values.items():
        field = name.lower()
        assert field in type(settings).model_fields, f"{name} is not a setting"
        assert "#" not in value, f"{name}={value!r} carries a comment"
        assert getattr(settings, field) is not None


def test_env_example_loads_as_systemd_reads_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    example = Path(__file__).resolve().parents[2] / ".env.example"
    monkeypatch.chdir(tmp_path)
    for name in parse_env_text(example.read_text(encoding="utf-8")):
        monkeypatch.delenv(name, raising=False)
    settings = load_settings(_env_file=example)
    assert settings.max_concurrent_jobs == 3
