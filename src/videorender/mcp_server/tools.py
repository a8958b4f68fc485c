"""The MCP tools: render_video, get_job, list_jobs, cancel_job, delete_job, list_voices.

Each validates its arguments with the API's own request models (so a bad field is named the
same way), calls the `JobService` the API calls, and answers with the API's job shape. Errors
are tool errors (`isError`) whose text names the field, never a traceback.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable
from typing import Annotated, Any, Literal

import anyio
from mcp.server.fastmcp import Context, FastMCP
from mcp.server.transport_security import TransportSecuritySettings
from mcp.types import CallToolResult, TextContent, ToolAnnotations
from pydantic import Field, ValidationError

from videorender.errors import InputError, VideoRenderError
from videorender.jobs.models import Job, JobStatus
from videorender.jobs.service import JobService
from videorender.pipeline.captions import STYLE_HELP
from videorender.requests import (
    LOCAL_FILES,
    CaptionVideoRequest,
    JobResponse,
    RenderRequest,
    RenderVideoRequest,
    VoicesResponse,
    render_request,
    validation_message,
)

log = logging.getLogger(__name__)

WAIT_POLL_SECONDS = 0.5
DEFAULT_WAIT_SECONDS = 900.0
INSTRUCTIONS = (
    "Turns a text script into a narrated video (speech, burned-in captions, optional base "
    "video and music). Call render_video; it returns a job_id at once (or, with wait=true, "
    "when the job has finished). Poll get_job until status is completed, failed or cancelled; "
    "a completed job carries video_url, voice_url, subtitles_url and thumbnail_url. "
    "list_voices names the engines and speakers you may pass. To caption a video that "
    "already exists (its own speech transcribed), call caption_video."
)

BaseUrl = Callable[["Context[Any, Any, Any] | None"], str]
Submittable = RenderRequest | RenderVideoRequest | CaptionVideoRequest
JobStatusName = Literal["queued", "processing", "completed", "failed", "cancelled"]

# Parameters that the tools which submit a job share.
Metadata = Annotated[
    dict[str, Any] | None, Field(description="Your JSON object (≤1 KB), echoed back.")
]
Wait = Annotated[bool, Field(description="Return only when the job has finished (with progress).")]
WaitSeconds = Annotated[
    float, Field(description="With wait: give up waiting (not the job) after this.")
]


class ToolFailedError(Exception):
    """A tool's answer is an error: `message` goes back to the agent as is."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


def build_server(service: JobService, *, local_files: bool, base_url: BaseUrl) -> FastMCP:
    """An MCP server whose tools submit to and read from `service`.

    Args:
        service: the job service (started by the caller).
        local_files: accept local paths as media inputs (stdio, where the agent runs as the
            local user); never for HTTP.
        base_url: where artifact URLs point (per request, for local storage).
    """
    server = FastMCP(
        "videorender",
        instructions=INSTRUCTIONS,
        stateless_http=True,
        # The HTTP service checks API_KEY itself, on whatever host name it is deployed.
        transport_security=TransportSecuritySettings(enable_dns_rebinding_protection=False),
    )
    tools = _Tools(service, local_files, base_url)
    where = "a local file path, " if local_files else ""
    render_doc = (
        "Render a narrated video from a script. Returns the job (job_id, status) at once; "
        "with wait=true, returns when the job has finished, sending progress notifications "
        f"meanwhile. Media inputs are {where}http(s):// or s3:// URLs. Pick a voice with "
        "list_voices (tts_provider = its engine; speaker = its speaker, Kokoro only)."
    )
    server.add_tool(tools.render_video, name="render_video", description=render_doc)
    server.add_tool(
        tools.caption_video,
        name="caption_video",
        description="Caption a video that already exists: its speech is transcribed (Whisper, "
        "offline) and timed to the word, and the captions burnt in, in any caption style "
        "(or, with burn=false, only the caption files). Returns the job like render_video; "
        f"with wait=true, when it has finished. video_url is {where}http(s):// or s3://. A "
        "video without speech completes with a warning and no captions.",
    )
    reading = ToolAnnotations(readOnlyHint=True)
    removing = ToolAnnotations(destructiveHint=True, idempotentHint=True)
    for tool, hints, description in (
        (
            tools.get_job,
            reading,
            "A job's status, progress (0-100), stage, error, and once completed the URLs of its "
            "video, voice, subtitles and thumbnail.",
        ),
        (
            tools.list_jobs,
            reading,
            "Jobs, newest first, a page at a time; pass next_cursor as cursor for the next page "
            "(null on the last).",
        ),
        (
            tools.cancel_job,
            removing,
            "Cancel a queued or running job. A completed or failed job cannot be cancelled "
            "(tool error); cancelling a cancelled job returns it.",
        ),
        (
            tools.delete_job,
            removing,
            "Delete a finished (completed, failed or cancelled) job and every file it stored; "
            "afterwards get_job finds no such job. Deleting a job that is gone already succeeds "
            "too; a queued or running job must be cancelled first (tool error).",
        ),
        (
            tools.list_voices,
            reading,
            "The speech engines and voices available: engine, speaker, language (the one it was "
            "made for), languages (every one it narrates here, its own first), and which one is "
            "the default (used when render_video names none).",
        ),
    ):
        server.add_tool(tool, name=tool.__name__, description=description, annotations=hints)
    return server


def _ok(value: dict[str, Any]) -> CallToolResult:
    text = json.dumps(value, ensure_ascii=False)
    return CallToolResult(content=[TextContent(type="text", text=text)], structuredContent=value)


def _error(message: str, field: str | None = None) -> CallToolResult:
    value = {"error": message, "field": field}
    return CallToolResult(
        content=[TextContent(type="text", text=message)], structuredContent=value, isError=True
    )


def _job(job: Job) -> dict[str, Any]:
    return JobResponse.of(job).model_dump(mode="json")


class _Tools:
    def __init__(self, service: JobService, local_files: bool, base_url: BaseUrl) -> None:
        self._service = service
        self._local_files = local_files
        self._base_url = base_url

    async def _call(self, work: Callable[[], dict[str, Any]]) -> CallToolResult:
        """Run `work` on a worker thread; its errors become tool errors naming the field."""
        try:
            return _ok(await anyio.to_thread.run_sync(work))
        except ToolFailedError as exc:
            return _error(exc.message, exc.field)
        except InputError as exc:
            return _error(str(exc), exc.field)
        except VideoRenderError as exc:
            return _error(str(exc))

    async def render_video(
        self,
        *,
        script: Annotated[str, Field(description="The narration: 1 to 50,000 characters.")],
        ctx: Context[Any, Any, Any],
        base_video_url: Annotated[
            str | None, Field(description="Background video (looped or cut); none: plain.")
        ] = None,
        bgm_url: Annotated[str | None, Field(description="Background music.")] = None,
        voiceover_url: Annotated[
            str | None,
            Field(
                description="Your own recording of the script: used instead of speech, "
                "captions aligned to it."
            ),
        ] = None,
        size: Annotated[
            str | None, Field(description="WIDTHxHEIGHT, e.g. 1080x1920 (vertical).")
        ] = None,
        tts_provider: Annotated[
            str | None, Field(description="Engine from list_voices: piper or kokoro.")
        ] = None,
        speaker: Annotated[
            str | None, Field(description="Kokoro speaker from list_voices, e.g. jf_alpha.")
        ] = None,
        subtitle_style: Annotated[
            str | None,
            Field(description=f"Caption style. {STYLE_HELP}."),
        ] = None,
        captions: Annotated[
            dict[str, Any] | None,
            Field(
                description="Caption look: font, font_size, text_color (#RRGGBB), "
                "highlight_color, outline_color, outline, position (bottom/middle/top), "
                "max_line_chars, uppercase (true/false), words_per_caption (1-5, pop)."
            ),
        ] = None,
        metadata: Metadata = None,
        wait: Wait = False,
        wait_timeout_seconds: WaitSeconds = DEFAULT_WAIT_SECONDS,
    ) -> CallToolResult:
        fields = {
            "script": script,
            "base_video_url": base_video_url,
            "bgm_url": bgm_url,
            "voiceover_url": voiceover_url,
            "size": size,
            "tts_provider": tts_provider,
            "speaker": speaker,
            "subtitle_style": subtitle_style,
            "captions": captions,
            "metadata": metadata,
        }
        return await self._submit(
            lambda: render_request(fields, local_files=self._local_files),
            ctx,
            wait_s=wait_timeout_seconds if wait else None,
        )

    async def caption_video(
        self,
        *,
        video_url: Annotated[str, Field(description="The video to caption.")],
        ctx: Context[Any, Any, Any],
        subtitle_style: Annotated[
            str | None,
            Field(description="A caption style, as for render_video (default sentence)."),
        ] = None,
        captions: Annotated[
            dict[str, Any] | None,
            Field(description="Caption look, as for render_video: font, font_size, ..."),
        ] = None,
        language: Annotated[
            str | None, Field(description="BCP-47 tag of what is spoken; default: detected.")
        ] = None,
        burn: Annotated[
            bool, Field(description="Burn the captions in (re-encoded); false: files only.")
        ] = True,
        size: Annotated[
            str | None, Field(description="WIDTHxHEIGHT when burning; default: the video's.")
        ] = None,
        metadata: Metadata = None,
        wait: Wait = False,
        wait_timeout_seconds: WaitSeconds = DEFAULT_WAIT_SECONDS,
    ) -> CallToolResult:
        fields = {
            "video_url": video_url, "subtitle_style": subtitle_style, "captions": captions,
            "language": language, "burn": burn, "size": size, "metadata": metadata,
        }  # fmt: skip
        given = {name: value for name, value in fields.items() if value is not None}
        return await self._submit(
            lambda: CaptionVideoRequest.model_validate(
                given, context={LOCAL_FILES: self._local_files}
            ),
            ctx,
            wait_s=wait_timeout_seconds if wait else None,
        )

    async def _submit(
        self, parse: Callable[[], Submittable], ctx: Context[Any, Any, Any], *, wait_s: float | None
    ) -> CallToolResult:
        """Submit the request `parse` validates (a bad field: a tool error naming it); with
        `wait_s`, answer once the job has finished or that long has passed, reporting progress.
        """
        base_url = self._base_url(ctx)

        def submit() -> dict[str, Any]:
            try:
                request = parse()
            except ValidationError as exc:
                message, field = validation_message(exc)
                raise ToolFailedError(message, field) from None
            return _job(self._service.submit(request.job_request(base_url)))

        result = await self._call(submit)
        if wait_s is None or result.isError or result.structuredContent is None:
            return result
        return await self._wait(str(result.structuredContent["job_id"]), ctx, wait_s)

    async def _wait(
        self, job_id: str, ctx: Context[Any, Any, Any], timeout_s: float
    ) -> CallToolResult:
        deadline = time.monotonic() + max(0.0, timeout_s)
        reported: tuple[str | None, int] | None = None
        while True:
            job = await anyio.to_thread.run_sync(self._service.get_job, job_id)
            if job.status.finished or time.monotonic() > deadline:
                return _ok(_job(job))
            if (job.stage, job.percent) != reported:
                reported = (job.stage, job.percent)
                stage = job.stage or job.status.value
                await ctx.report_progress(job.percent, 100, message=stage)
            await anyio.sleep(WAIT_POLL_SECONDS)

    async def get_job(
        self, job_id: Annotated[str, Field(description="From render_video or list_jobs.")]
    ) -> CallToolResult:
        return await self._call(lambda: _job(self._service.get_job(job_id)))

    async def list_jobs(
        self,
        status: Annotated[
            JobStatusName | None, Field(description="Only jobs in this state.")
        ] = None,
        limit: Annotated[int, Field(description="Jobs per page, 1 to 100.")] = 20,
        cursor: Annotated[str | None, Field(description="next_cursor of the last page.")] = None,
    ) -> CallToolResult:
        def page() -> dict[str, Any]:
            if not 1 <= limit <= 100:
                raise ToolFailedError("limit: must be 1 to 100", "limit")
            found = self._service.list_page(
                status=JobStatus(status) if status else None, limit=limit, cursor=cursor
            )
            return {"jobs": [_job(job) for job in found.jobs], "next_cursor": found.next_cursor}

        return await self._call(page)

    async def cancel_job(
        self, job_id: Annotated[str, Field(description="The job to cancel.")]
    ) -> CallToolResult:
        return await self._call(lambda: _job(self._service.cancel_active(job_id)))

    async def delete_job(
        self, job_id: Annotated[str, Field(description="The job to delete.")]
    ) -> CallToolResult:
        def delete() -> dict[str, Any]:
            self._service.delete(job_id)
            return {"job_id": job_id, "deleted": True}

        return await self._call(delete)

    async def list_voices(self) -> CallToolResult:
        def voices() -> dict[str, Any]:
            config = self._service.settings.pipeline_config().tts
            return VoicesResponse.listing(config).model_dump()

        return await self._call(voices)
