"""The studio's "More voices" page: the voices installed, grouped by language, and the
catalogue's other voices (VOICES_CATALOG_URL), each fetched in the background with its
progress polled by the page (`voice_catalog.fetches`). Without network access the page says
so in one line. Like every studio page it needs the key when API_KEY is set.
"""

from __future__ import annotations

import threading
from dataclasses import replace
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Path, Query, Request
from fastapi.responses import HTMLResponse, JSONResponse

from videorender.auth import require_api_key
from videorender.errors import VideoRenderError
from videorender.pipeline.tts.voices import list_voices
from videorender.studio.routes import Visitor, _page, _service, visitor
from videorender.voice_catalog import CatalogVoice, LibraryConfig, VoiceLibrary
from videorender.voice_catalog.catalog import VOICE_NAME
from videorender.voice_catalog.describe import by_language
from videorender.voice_catalog.fetches import FetchState, VoiceFetches

# The page lists the catalogue while the visitor waits: a dead network must not hold it.
PAGE_TIMEOUT_S = 5.0

router = APIRouter(include_in_schema=False)
_fetches_lock = threading.Lock()
VoiceName = Annotated[str, Path(max_length=128, pattern=VOICE_NAME.pattern)]


def _config(request: Request) -> LibraryConfig:
    return _service(request).settings.library_config()


def _fetches(request: Request) -> VoiceFetches:
    with _fetches_lock:
        fetches: VoiceFetches | None = getattr(request.app.state, "voice_fetches", None)
        if fetches is None:
            fetches = request.app.state.voice_fetches = VoiceFetches(_config(request))
        return fetches


@router.get("/studio/voices", response_class=HTMLResponse)
def voices_page(
    request: Request,
    who: Annotated[Visitor, Depends(visitor)],
    language: Annotated[str | None, Query(max_length=20)] = None,
) -> HTMLResponse:
    """Installed voices by language; the catalogue's others, optionally of one language."""
    config = _config(request)
    available: list[CatalogVoice] = []
    languages: list[tuple[str, str]] = []
    problem = None
    quick = replace(config, timeout_s=min(config.timeout_s, PAGE_TIMEOUT_S))
    try:
        with VoiceLibrary(quick) as library:
            available = library.available(language)
            languages = sorted({(v.language, v.language_name) for v in library.catalog().values()})
    except VideoRenderError as exc:
        problem = str(exc)
    return _page(
        request,
        "voices.html",
        who,
        groups=by_language(list_voices(config.tts)),
        available=available,
        languages=languages,
        language=language or "",
        problem=problem,
        catalog_url=config.catalog_url,
    )


@router.post("/studio/voices/{name}/fetch", dependencies=[Depends(require_api_key)])
def start_fetch(request: Request, name: VoiceName) -> JSONResponse:
    """Start fetching a voice of the catalogue (202); its state, as GET gives it."""
    return JSONResponse(_state(_fetches(request).start(name)), status_code=202)


@router.get("/studio/voices/{name}/fetch", dependencies=[Depends(require_api_key)])
def fetch_state(request: Request, name: VoiceName) -> dict[str, Any]:
    """How the fetch of a voice stands: status, file, done, total, percent, error."""
    state = _fetches(request).state(name)
    if state is None:
        raise HTTPException(status_code=404, detail=f"no fetch of {name!r} was started")
    return _state(state)


def _state(state: FetchState) -> dict[str, Any]:
    return {
        "name": state.name,
        "status": state.status.value,
        "file": state.file,
        "done": state.done,
        "total": state.total,
        "percent": state.percent,
        "error": state.error,
    }
