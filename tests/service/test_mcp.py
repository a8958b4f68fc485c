"""The MCP server, driven by the SDK's own client: `videorender mcp` over stdio (local files
allowed, jobs run in that process) and `/mcp` on the HTTP service (API_KEY required, URLs
only). Plus GET /voices, which the list_voices tool shares."""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import anyio
import httpx
from mcp import ClientSession, StdioServerParameters
from mcp.client.stdio import stdio_client
from mcp.client.streamable_http import streamable_http_client

from tests.conftest import Media
from tests.decode import streams
from tests.service.conftest import ServiceFactory, tool_text, tool_value

TOOLS = {
    "render_video", "caption_video", "get_job", "list_jobs", "cancel_job", "delete_job",
    "list_voices",
}  # fmt: skip
KEY = "test-key-21"


async def _poll(session: ClientSession, job_id: str, timeout_s: float = 120) -> dict[str, Any]:
    deadline = time.monotonic() + timeout_s
    while True:
        job = tool_value(await session.call_tool("get_job", {"job_id": job_id}))
        if job["status"] in ("completed", "failed", "cancelled"):
            return job
        assert time.monotonic() < deadline, f"job {job_id} still {job['status']}"
        await anyio.sleep(0.2)


def test_mcp_over_stdio(tmp_path: Path, tts_cache: Path, media: Media) -> None:
    data = tmp_path / "data"
    params = StdioServerParameters(
        command=str(Path(sys.executable).parent / "videorender"),
        args=["mcp"],
        env={
            **os.environ,
            "DATA_DIR": str(data),
            "TTS_CACHE_DIR": str(tts_cache),
            "VIDEO_PRESET": "ultrafast",
            "API_KEY": "",
            "WEBHOOK_URL": "",
        },
        cwd=str(tmp_path),
    )

    async def session_run() -> None:
        with (tmp_path / "stderr.log").open("w") as errlog:
            async with (
                stdio_client(params, errlog=errlog) as (read, write),
                ClientSession(read, write) as session,
            ):
                await session.initialize()
                listed = await session.list_tools()
                assert {tool.name for tool in listed.tools} == TOOLS
                render = next(t for t in listed.tools if t.name == "render_video")
                assert render.description and "local file path" in render.description
                assert "script" in render.inputSchema["required"]

                bad = await session.call_tool("render_video", {"script": " ", "size": "wide"})
                assert bad.isError
                assert tool_text(bad).startswith("script: script is empty")
                assert "size: size 'wide' is not WIDTHxHEIGHT" in tool_text(bad)
                missing = await session.call_tool(
                    "render_video", {"script": "Hi.", "bgm_url": str(tmp_path / "no.mp3")}
                )
                assert missing.isError and tool_value(missing)["field"] == "bgm_url"

                queued = await session.call_tool(
                    "render_video",
                    {
                        "script": "An agent made this.",
                        "size": "160x90",
                        "base_video_url": str(media.base_short),
                    },
                )
                assert not queued.isError, tool_text(queued)
                job = await _poll(session, tool_value(queued)["job_id"])
                assert job["status"] == "completed", job
                video = Path(urlsplit(job["video_url"]).path)
                assert job["video_url"].startswith("file://") and video.is_relative_to(data)
                size = streams(video)["video"]
                assert (size["width"], size["height"]) == (160, 90)

                listed_jobs = tool_value(await session.call_tool("list_jobs", {"limit": 5}))
                assert [j["job_id"] for j in listed_jobs["jobs"]] == [job["job_id"]]
                done = await session.call_tool("cancel_job", {"job_id": job["job_id"]})
                assert done.isError and tool_text(done) == f"job {job['job_id']!r} is completed"
                nothing = await session.call_tool("get_job", {"job_id": "nope"})
                assert nothing.isError and tool_text(nothing) == "job 'nope' not found"
                # delete_job: the job and its files go; a second delete is no error.
                for _ in range(2):
                    gone = await session.call_tool("delete_job", {"job_id": job["job_id"]})
                    assert tool_value(gone) == {"job_id": job["job_id"], "deleted": True}
                assert not video.exists()
                missing = await session.call_tool("get_job", {"job_id": job["job_id"]})
                assert missing.isError and "not found" in tool_text(missing)

    anyio.run(session_run)
    assert "Traceback" not in (tmp_path / "stderr.log").read_text()


def test_mcp_over_http_needs_the_key(make_service: ServiceFactory) -> None:
    service = make_service(API_KEY=KEY)
    url = f"{service.url}/mcp"
    initialize = {"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {
        "protocolVersion": "2025-06-18", "capabilities": {},
        "clientInfo": {"name": "t", "version": "1"}}}  # fmt: skip
    accept = {"Accept": "application/json, text/event-stream"}
    refused = httpx.post(url, json=initialize, headers=accept)
    assert refused.status_code == 401 and "API key" in refused.json()["detail"]
    wrong = httpx.post(url, json=initialize, headers={**accept, "X-API-Key": "wrong"})
    assert wrong.status_code == 401
    reported: list[tuple[float, str | None]] = []

    async def on_progress(progress: float, total: float | None, message: str | None) -> None:
        reported.append((progress, message))

    async def session_run() -> None:
        headers = {"Authorization": f"Bearer {KEY}"}
        async with (
            httpx.AsyncClient(headers=headers, timeout=120) as client,
            streamable_http_client(url, http_client=client) as (read, write, _),
            ClientSession(read, write) as session,
        ):
            await session.initialize()
            assert {t.name for t in (await session.list_tools()).tools} == TOOLS
            render = next(t for t in (await session.list_tools()).tools if t.name == "render_video")
            assert render.description and "local file path" not in render.description

            local = await session.call_tool(
                "render_video", {"script": "Hi.", "base_video_url": "/etc/hostname"}
            )
            assert local.isError and tool_value(local)["field"] == "base_video_url"
            assert "must be a URL starting with http://" in tool_text(local)

            finished = await session.call_tool(
                "render_video",
                {"script": "Waiting for this one.", "size": "160x90", "wait": True},
                progress_callback=on_progress,
            )
            assert not finished.isError, tool_text(finished)
            job = tool_value(finished)
            assert job["status"] == "completed", job
            assert job["video_url"].startswith(f"{service.url}/uploads/")

            polled = await session.call_tool("get_job", {"job_id": job["job_id"]})
            assert tool_value(polled)["video_url"] == job["video_url"]
            voices = tool_value(await session.call_tool("list_voices", {}))
            assert voices == service.client.get("/voices", headers=headers).json()

    anyio.run(session_run)
    assert reported, "no progress notifications while waiting"
    assert [done for done, _ in reported] == sorted(done for done, _ in reported)


def test_voices(make_service: ServiceFactory) -> None:
    service = make_service(API_KEY=KEY, TTS_PROVIDER="kokoro", KOKORO_SPEAKER="jm_kumo")
    assert service.client.get("/voices").status_code == 401
    response = service.client.get("/voices", headers={"X-API-Key": KEY})
    assert response.status_code == 200, response.text
    voices = response.json()["voices"]
    piper = [v for v in voices if v["engine"] == "piper"]
    assert piper == [
        {
            "engine": "piper",
            "speaker": "en_US-joe-medium",
            "language": "en-US",
            "languages": ["en-US"],
            "default": False,
            "label": "Joe (medium)",
            "language_name": "English (United States)",
        }
    ]
    kokoro = {v["speaker"]: v for v in voices if v["engine"] == "kokoro"}
    # The bundled Kokoro voices are Japanese (a Kokoro voice's first letter is its language),
    # and speak English (and every language whose phonemizer is here) with their accent.
    assert "jm_kumo" in kokoro and all(v["language"] == "ja" for v in kokoro.values())
    for voice in kokoro.values():
        assert voice["languages"][0] == "ja" and "en-US" in voice["languages"]
        assert "zh" not in voice["languages"]  # the `zh` extra is not installed here
    assert [v["speaker"] for v in voices if v["default"]] == ["jm_kumo"]
