"""API docs without third parties (issue 32): Swagger UI from the pinned `swagger-ui-bundle-v2`
package and a start-up script of ours, served by this service; `/openapi.json` beside them.
Both are behind API_KEY (or a studio session) when a key is set, unless DOCS_PUBLIC=true.
ReDoc is not served: it loads web fonts from another site."""

from __future__ import annotations

from importlib import metadata, resources
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import FileResponse, HTMLResponse, JSONResponse

from videorender.auth import require_api_key

HERE = Path(__file__).parent
DOCS_PATH = "/docs"
ASSETS_PATH = "/docs/assets"
OPENAPI_PATH = "/openapi.json"
SWAGGER_VERSION = metadata.version("swagger-ui-bundle-v2")
# The version's own folder: an older `swagger-ui-bundle` may share the package's name.
VENDOR_DIR = Path(str(resources.files("swagger_ui_bundle"))) / "vendor"
SWAGGER_DIR = VENDOR_DIR / f"swagger-ui-{SWAGGER_VERSION}"
ASSETS = {
    "swagger-ui-bundle.js": (SWAGGER_DIR / "swagger-ui-bundle.js", "text/javascript"),
    "swagger-ui.css": (SWAGGER_DIR / "swagger-ui.css", "text/css"),
    "docs.js": (HERE / "static" / "docs.js", "text/javascript"),
}
PAGE = f"""<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>video-rendering-service · API</title>
<link rel="stylesheet" href="{ASSETS_PATH}/swagger-ui.css">
<script src="{ASSETS_PATH}/swagger-ui-bundle.js" defer></script>
<script src="{ASSETS_PATH}/docs.js" defer></script>
</head>
<body><div id="swagger-ui"></div></body>
</html>
"""


def docs_access(request: Request) -> None:
    """FastAPI dependency: the docs are open with DOCS_PUBLIC=true or no API_KEY; otherwise
    the key (or a studio session) is needed, as for the API itself."""
    settings = request.app.state.service.settings
    if settings.docs_public or settings.api_key is None:
        return
    require_api_key(request)


router = APIRouter(include_in_schema=False)


@router.get(DOCS_PATH, dependencies=[Depends(docs_access)])
def docs_page() -> HTMLResponse:
    return HTMLResponse(PAGE, headers={"cache-control": "no-store"})


@router.get(OPENAPI_PATH, dependencies=[Depends(docs_access)])
def openapi_document(request: Request) -> JSONResponse:
    document: dict[str, Any] = request.app.openapi()
    return JSONResponse(document)


@router.get(ASSETS_PATH + "/{name}")
def asset(name: str) -> FileResponse:
    """Swagger UI's own files (public code, like the studio's static files)."""
    if name not in ASSETS:
        raise HTTPException(status_code=404, detail="no such file")
    path, media_type = ASSETS[name]
    return FileResponse(path, media_type=media_type, headers={"cache-control": "max-age=3600"})
