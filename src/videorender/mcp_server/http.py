"""`/mcp` on the HTTP service: the MCP server over streamable HTTP, behind the API's key.

The server is built, and its session manager run, in the app's lifespan (after logging is
configured and the job service exists); this endpoint checks the key and hands over.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI
from mcp.server.fastmcp import Context
from starlette.concurrency import run_in_threadpool
from starlette.requests import HTTPConnection, Request
from starlette.responses import JSONResponse
from starlette.types import Receive, Scope, Send

from videorender.auth import UNAUTHORIZED_DETAIL, given_key
from videorender.jobs.service import JobService
from videorender.mcp_server.tools import build_server
from videorender.web.keys import TooManyWrongKeysError, check_key

PATH = "/mcp"


@asynccontextmanager
async def serve_mcp(app: FastAPI, service: JobService) -> AsyncIterator[None]:
    """Build the MCP server over `service` and run its sessions while the app runs."""

    def base_url(ctx: Context[Any, Any, Any] | None) -> str:
        request = ctx.request_context.request if ctx is not None else None
        if service.settings.public_url:
            return service.settings.public_url
        return str(request.base_url) if isinstance(request, Request) else "http://127.0.0.1/"

    server = build_server(service, local_files=False, base_url=base_url)
    server.streamable_http_app()  # creates the session manager
    app.state.mcp = server
    async with server.session_manager.run():
        yield


class McpEndpoint:
    """The ASGI app at /mcp (a class, so Starlette hands it the raw ASGI call): 401 without
    the API key (when API_KEY is set), else the MCP session manager."""

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await _handle(scope, receive, send)


async def _handle(scope: Scope, receive: Receive, send: Send) -> None:
    app = scope["app"]
    refusal = await run_in_threadpool(_refusal, app.state.service, HTTPConnection(scope))
    if refusal is not None:
        await refusal(scope, receive, send)
        return
    await app.state.mcp.session_manager.handle_request(scope, receive, send)


def _refusal(service: JobService, connection: HTTPConnection) -> JSONResponse | None:
    """401 without the key (when API_KEY is set), 429 after too many wrong ones; else None."""
    key = service.settings.api_key
    if key is None:
        return None
    given = given_key(connection.headers)
    try:
        if given and check_key(service, connection, key, given):
            return None
    except TooManyWrongKeysError as exc:
        wait = {"Retry-After": str(exc.retry_after)}
        return JSONResponse({"detail": str(exc)}, 429, headers=wait)
    challenge = {"WWW-Authenticate": "Bearer"}
    return JSONResponse({"detail": UNAUTHORIZED_DETAIL}, 401, headers=challenge)
