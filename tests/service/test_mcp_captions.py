"""The MCP tool `caption_video`, driven by the SDK's own client against the real service
(`/mcp`): a talking video fetched over HTTP is captioned; bad fields are tool errors naming
the field."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import anyio
import httpx
from mcp import ClientSession
from mcp.client.streamable_http import streamable_http_client

from tests.decode import streams
from tests.service.conftest import ServiceFactory, tool_text, tool_value

KEY = "test-key-30"


def test_caption_video_tool_captions_a_video(
    make_service: ServiceFactory, talking_video_url: str, whisper_cache: Path
) -> None:
    service = make_service(API_KEY=KEY, WHISPER_CACHE_DIR=str(whisper_cache))
    video_url = talking_video_url

    async def session_run() -> dict[str, Any]:
        headers = {"Authorization": f"Bearer {KEY}"}
        async with (
            httpx.AsyncClient(headers=headers, timeout=600) as client,
            streamable_http_client(f"{service.url}/mcp", http_client=client) as (read, write, _),
            ClientSession(read, write) as session,
        ):
            await session.initialize()
            tools = {t.name: t for t in (await session.list_tools()).tools}
            assert "caption_video" in tools and "transcribed" in (
                tools["caption_video"].description or ""
            )
            bad = await session.call_tool(
                "caption_video", {"video_url": video_url, "subtitle_style": "nope"}
            )
            assert bad.isError and tool_value(bad)["field"] == "subtitle_style", tool_text(bad)
            local = await session.call_tool("caption_video", {"video_url": "/etc/hostname"})
            assert local.isError and tool_value(local)["field"] == "video_url"
            done = await session.call_tool(
                "caption_video",
                {"video_url": video_url, "subtitle_style": "words", "wait": True},
            )
            assert not done.isError, tool_text(done)
            return tool_value(done)

    job = anyio.run(session_run)
    assert job["status"] == "completed" and job["kind"] == "caption_video", job
    path = service.data_dir / job["video_url"].removeprefix(f"{service.url}/")
    assert {"video", "audio"} <= set(streams(path))
    srt = service.data_dir / job["subtitles_srt_url"].removeprefix(f"{service.url}/")
    assert "wall" in srt.read_text().lower()
