"""Which Whisper model is loaded: the base model rebuilt from its two wheels and checked, or a
folder named by WHISPER_MODEL."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from videorender.errors import ConfigError, TranscriptionError
from videorender.pipeline.transcribe import TranscribeConfig
from videorender.pipeline.transcribe.model import (
    BASE_SHA256,
    BASE_SIZE,
    base_model_dir,
    verify_base,
    whisper_model_dir,
)


def test_base_is_rebuilt_once_into_the_cache_and_matches_its_checksum(
    whisper_config: TranscribeConfig,
) -> None:
    folder = whisper_model_dir(None, whisper_config.cache_dir)
    model = folder / "model.bin"
    assert model.stat().st_size == BASE_SIZE
    assert hashlib.sha256(model.read_bytes()).hexdigest() == BASE_SHA256
    assert {p.name for p in folder.iterdir()} == {
        "model.bin", "config.json", "tokenizer.json", "vocabulary.txt"
    }  # fmt: skip
    # Nothing half-made is left beside it, and a second call does not rebuild it.
    assert [p.name for p in whisper_config.cache_dir.iterdir()] == [folder.name]
    before = model.stat().st_mtime_ns
    assert base_model_dir(whisper_config.cache_dir) == folder
    assert model.stat().st_mtime_ns == before


def test_a_damaged_cached_model_is_refused_and_removed(tmp_path: Path) -> None:
    folder = base_model_dir(tmp_path)
    with (folder / "model.bin").open("r+b") as model:
        model.seek(1000)
        model.write(b"\0" * 16)
    with pytest.raises(TranscriptionError, match="damaged"):
        verify_base(folder)
    assert not folder.exists()
    verify_base(base_model_dir(tmp_path))  # rebuilt on the next use


def test_whisper_model_names_a_folder(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"WHISPER_MODEL: .* is not a folder"):
        whisper_model_dir(tmp_path / "missing", tmp_path)
    (tmp_path / "config.json").write_text("{}")
    with pytest.raises(ConfigError, match=r"missing model.bin, tokenizer.json or vocabulary"):
        whisper_model_dir(tmp_path, tmp_path)
    (tmp_path / "model.bin").write_bytes(b"x")
    (tmp_path / "vocabulary.json").write_text("[]")
    assert whisper_model_dir(tmp_path, tmp_path / "cache") == tmp_path
