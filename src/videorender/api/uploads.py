"""POST /uploads: a person's media file, checked like a download and stored as an input.
A thin route over `videorender.uploads`."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, File, Form, Request, UploadFile
from starlette.types import Scope

from videorender.auth import require_api_key
from videorender.jobs.service import JobService
from videorender.requests import ErrorResponse, UploadResponse
from videorender.uploads import MB, UploadKind, max_bytes, store_upload

UPLOAD_PATH = "/uploads"
MULTIPART_SLACK_BYTES = 1 * MB  # the form's other parts and boundaries

router = APIRouter(dependencies=[Depends(require_api_key)])


def upload_body_limit(scope: Scope) -> int | None:
    """The body cap of an upload (the larger media cap, plus the form's overhead); None for
    every other request. Used by `BodySizeLimit`."""
    if scope.get("path") != UPLOAD_PATH or scope.get("method") != "POST":
        return None
    service: JobService | None = getattr(scope["app"].state, "service", None)
    if service is None:
        return None
    settings = service.settings
    return max(settings.max_video_mb, settings.max_audio_mb) * MB + MULTIPART_SLACK_BYTES


@router.post(
    UPLOAD_PATH,
    response_model=UploadResponse,
    status_code=201,
    responses={
        413: {"model": ErrorResponse, "description": "Over MAX_VIDEO_MB / MAX_AUDIO_MB."},
        422: {"description": "Not media, not the kind asked for, or over a media limit."},
    },
)
def upload(
    request: Request,
    file: Annotated[UploadFile, File(description="The media file.")],
    kind: Annotated[
        Literal["base_video", "music", "scene"],
        Form(
            description="What it is for: base_video (MAX_VIDEO_MB), music (MAX_AUDIO_MB), or "
            "scene: a scene's image (JPEG, PNG, WebP) or clip (MAX_VIDEO_MB)."
        ),
    ],
) -> UploadResponse:
    """Upload a base video, music or a scene's visual (multipart/form-data; an addition). It
    is probed and capped exactly as a downloaded input would be, then stored; the answer's
    `url` (`upload://ID`) is accepted as `base_video_url` or `bgm_url` by POST /render and
    /render-video, or in a scene marker (`![](upload://ID)`), with local or S3 storage
    alike. An image's `duration_seconds` is 0."""
    service: JobService = request.app.state.service
    settings = service.settings
    upload_kind = UploadKind(kind)
    work = settings.data_dir / "work"
    work.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=work, prefix="upload-") as folder:
        source = Path(folder) / "file"
        with source.open("wb") as out:
            shutil.copyfileobj(file.file, out, length=MB)
        stored = store_upload(
            source,
            file.filename or "",
            upload_kind,
            storage=service.storage,
            limits=settings.pipeline_config().media,
            cap_bytes=max_bytes(upload_kind, settings.max_video_mb, settings.max_audio_mb),
        )
    return UploadResponse(
        url=stored.location,
        kind=kind,
        size_bytes=stored.size_bytes,
        duration_seconds=stored.duration_ms / 1000,
    )
