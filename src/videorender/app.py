"""The composition root: one ASGI app mounting the HTTP API, the web studio (at `/`) and the
MCP endpoint (at `/mcp`). The faces are siblings that never import each other; only this
module knows them all. Settings are read, and workers started, when the app starts (its
lifespan), not when this module is imported. `main.py` (`uvicorn main:app`) and
`videorender serve` build the app here."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles
from starlette.routing import Route

from videorender import __version__, studio
from videorender.api import errors, job_stream, uploads
from videorender.api.body_size import BodySizeLimit
from videorender.api.routes import public, router
from videorender.config import Settings, load_settings
from videorender.jobs.service import JobService
from videorender.logs import configure_logging
from videorender.mcp_server.http import PATH as MCP_PATH
from videorender.mcp_server.http import McpEndpoint, serve_mcp
from videorender.web import docs
from videorender.web.guard import WebGuard

MAX_BODY_BYTES = 1024 * 1024  # a 50,000-character script is at most ~200 KB of JSON


def create_app(settings: Settings | None = None, *, workers: bool = True) -> FastAPI:
    """The service (and its MCP endpoint at /mcp). Without `settings`, they are loaded from
    the environment at start-up. With `workers=False` this process runs no jobs (API only:
    `serve --no-workers`)."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        resolved = settings or load_settings()
        configure_logging(resolved)
        service = JobService(resolved, workers=workers)
        service.start()
        app.state.service = service
        try:
            async with serve_mcp(app, service):
                yield
        finally:
            service.stop()

    app = FastAPI(
        title="video-rendering-service",
        version=__version__,
        description="Text script -> narrated video with synced subtitles, as durable jobs.",
        lifespan=lifespan,
        # Served by `web.docs`, from a pinned package and behind the key (issue 32).
        docs_url=None,
        redoc_url=None,
        openapi_url=None,
    )
    errors.install(app)
    app.include_router(public)
    app.include_router(router)
    app.include_router(uploads.router)
    app.include_router(job_stream.router)
    app.include_router(docs.router)
    # The web studio at `/`: its pages, and its assets from the package.
    app.include_router(studio.router)
    app.mount(studio.STATIC_PATH, StaticFiles(directory=studio.STATIC_DIR), name="studio-static")
    app.add_exception_handler(studio.SignInRequiredError, studio.sign_in_redirect)
    app.add_middleware(BodySizeLimit, max_bytes=MAX_BODY_BYTES, larger=uploads.upload_body_limit)
    app.add_middleware(WebGuard)  # outermost: hosts and sites checked first, headers on all
    # MCP over streamable HTTP (docs/agents.md): a plain route, outside the OpenAPI document.
    app.router.routes.append(
        Route(MCP_PATH, endpoint=McpEndpoint(), methods=["GET", "POST", "DELETE"])
    )
    return app
