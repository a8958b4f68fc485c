"""Fixtures of the transcription tests: the model rebuilt once into a private cache."""

from __future__ import annotations

import pytest

from videorender.pipeline.transcribe import TranscribeConfig


@pytest.fixture(scope="session")
def whisper_config(tmp_path_factory: pytest.TempPathFactory) -> TranscribeConfig:
    return TranscribeConfig(cache_dir=tmp_path_factory.mktemp("whisper"), threads=2)
