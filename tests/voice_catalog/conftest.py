"""A voice catalogue mirror on 127.0.0.1 (tests/voice_mirror.py), built once per module and
served fresh for each test."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.voice_mirror import VoiceMirror, build_mirror


@pytest.fixture(scope="module")
def mirror_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_mirror(tmp_path_factory.mktemp("mirror"))


@pytest.fixture
def mirror(mirror_root: Path) -> Iterator[VoiceMirror]:
    server = VoiceMirror(mirror_root).start()
    yield server
    server.stop()
