"""Fixtures for end-to-end tests of the service: real servers on 127.0.0.1."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from mcp.types import CallToolResult, TextContent

from tests.conftest import Media
from tests.recordings import Recording
from tests.service.servers import FileServer, Service, WebhookReceiver

ServiceFactory = Callable[..., Service]
BIG_FILE_MB = 3


def tool_value(result: CallToolResult) -> dict[str, Any]:
    """An MCP tool's structured answer."""
    assert result.structuredContent is not None
    return dict(result.structuredContent)


def tool_text(result: CallToolResult) -> str:
    """The text of an MCP tool's answer (an error's message)."""
    block = result.content[0]
    assert isinstance(block, TextContent)
    return block.text


@pytest.fixture(scope="session")
def files(media: Media, tmp_path_factory: pytest.TempPathFactory) -> Iterator[FileServer]:
    """The caller's media over HTTP: every `Media` file by name, and `big.mp4` (3 MB)."""
    root = tmp_path_factory.mktemp("served")
    for path in vars(media).values():
        os.symlink(path, root / Path(path).name)
    (root / "big.mp4").write_bytes(os.urandom(BIG_FILE_MB * 1024 * 1024))
    server = FileServer(root)
    yield server
    server.close()


@pytest.fixture(scope="session")
def talking_video_url(talking_video: Recording) -> Iterator[str]:
    """The session's talking video, served over HTTP as a caller's `video_url`."""
    server = FileServer(talking_video.path.parent)
    yield f"{server.url}/{talking_video.path.name}"
    server.close()


@pytest.fixture(scope="session")
def tts_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Shared by every service in the session: a sentence is synthesised once."""
    return tmp_path_factory.mktemp("tts-cache")


@pytest.fixture
def receiver() -> Iterator[WebhookReceiver]:
    server = WebhookReceiver()
    yield server
    server.close()


@pytest.fixture
def make_service(tmp_path: Path, tts_cache: Path) -> Iterator[ServiceFactory]:
    """Start services with the given settings (environment variable names); all are stopped
    at the end of the test. Renders are tiny and fast; data lives in the test's folder."""
    services: list[Service] = []

    def make(
        *, cli: bool = False, args: tuple[str, ...] = (), data_dir: Path | None = None, **env: str
    ) -> Service:
        base = {
            "TTS_CACHE_DIR": str(tts_cache),
            "VOICES_DIR": str(tmp_path / "voices"),
            "VIDEO_PRESET": "ultrafast",
            "FFMPEG_THREADS": "1",
            "WEBHOOK_URL": "",
            "WEBHOOK_SECRET": "",
            "API_KEY": "",
            "ALLOW_PRIVATE_INPUTS": "true",  # the test servers are on 127.0.0.1
        }
        service = Service(data_dir or tmp_path / "data", {**base, **env}, cli=cli, args=args)
        services.append(service)
        return service.start()

    yield make
    for service in services:
        service.stop()
