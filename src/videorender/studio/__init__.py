"""The web studio: pages to make, watch and manage videos in a browser, served by the service
at `/`. Server-rendered HTML (Jinja2) and a little plain JavaScript, every asset in this
package. Each page is a thin face over the same job service the HTTP API calls; the browser
talks to the API itself (POST /render, /uploads, /jobs/{id}/events ...) with the studio's
session cookie and CSRF token (see `videorender.auth`). "More voices" (`voices.py`) lists
and fetches voices of the catalogue."""

from fastapi import APIRouter

from videorender.studio import media, routes, voices
from videorender.studio.routes import (
    STATIC_DIR,
    STATIC_PATH,
    SignInRequiredError,
    sign_in_redirect,
)

router = APIRouter(include_in_schema=False)
router.include_router(routes.router)
router.include_router(media.router)
router.include_router(voices.router)

__all__ = ["STATIC_DIR", "STATIC_PATH", "SignInRequiredError", "router", "sign_in_redirect"]
