"""The studio's scene helpers: a poster (first frame) of an uploaded scene file for its card
and for the caption preview, and new scenes spread over a script's sentences.

Posters are cached on disk by upload ID: an upload never changes (its ID is random and is
never reused), so a poster made once stays right, and a preview over a clip on S3 downloads
the clip once, not at every change of colour."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import FileResponse
from pydantic import BaseModel, Field

from videorender.auth import require_api_key
from videorender.errors import InputError
from videorender.jobs.service import JobService
from videorender.pipeline.render import ffmpeg
from videorender.pipeline.text.scenes import MAX_SCENES, group_sentences, has_markers
from videorender.pipeline.text.script import (
    MAX_SCRIPT_CHARS,
    Sentence,
    clean_script,
    split_sentences,
    split_units,
)
from videorender.uploads import MB, key_of

POSTER_MAX_SIDE = 640
POSTER_TIMEOUT_S = 30.0

router = APIRouter(dependencies=[Depends(require_api_key)])


def poster_file(service: JobService, location: str, field: str) -> Path:
    """The cached poster JPEG of the upload `location` (`upload://ID`), made on first use.

    Raises:
        InputError: naming `field`: not an upload of this service, or no such upload.
        FFmpegError: no frame could be decoded.
    """
    key = key_of(location, field)
    folder = service.settings.data_dir / "studio" / "posters"
    poster = folder / f"{key.rsplit('/', 1)[1]}.jpg"
    if poster.is_file():
        return poster
    folder.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=folder, prefix=".make-") as work:
        source = Path(work) / "source"
        cap = service.settings.max_video_mb * MB
        service.storage.read(key, source, max_bytes=cap, field=field)
        made = Path(work) / "poster.jpg"
        argv = ffmpeg.build_poster_argv(source, made, max_side=POSTER_MAX_SIDE)
        ffmpeg.run_ffmpeg(argv, stage="preview", timeout_s=POSTER_TIMEOUT_S)
        os.replace(made, poster)  # atomic: a concurrent request sees all of it or none
    return poster


@router.get("/studio/poster/{upload_id}", response_class=FileResponse)
def poster(request: Request, upload_id: str) -> FileResponse:
    """The first frame of an uploaded scene image or clip (a JPEG, at most 640 a side)."""
    service: JobService = request.app.state.service
    path = poster_file(service, f"upload://{upload_id}", "upload")
    return FileResponse(
        path, media_type="image/jpeg", headers={"cache-control": "private, max-age=86400"}
    )


class SpreadBody(BaseModel):
    script: str = Field(default="", max_length=MAX_SCRIPT_CHARS * 2)
    add: list[Annotated[str, Field(max_length=5000)]] = Field(
        min_length=1, max_length=MAX_SCENES, description="Marker lines of the new scenes."
    )


class SpreadResponse(BaseModel):
    script: str


@router.post("/studio/scenes/spread", response_model=SpreadResponse)
def spread(body: SpreadBody) -> SpreadResponse:
    """The script with the new scenes' markers added: every scene in order (the script's
    own, then the new), the sentences spread over them as `videorender render --media-dir`
    spreads them."""
    for number, marker in enumerate(body.add):
        if "\n" in marker or not has_markers(marker):
            raise InputError(f"add[{number}]: {marker!r} is not a scene marker line", "add")
    return SpreadResponse(script=spread_markers(body.script, body.add))


def spread_markers(script: str, new_markers: list[str]) -> str:
    """`script`'s marker lines and then `new_markers`, each followed by its share of the
    script's sentences (runs of similar length, in order). A scene left without a sentence
    (more scenes than sentences) gets no text, for the person to write.

    Raises:
        ScriptError: the script's text is over the length limit.
    """
    lines = script.split("\n")
    markers = [line.strip() for line in lines if has_markers(line)] + new_markers
    if len(markers) > MAX_SCENES:
        raise InputError(f"a video has at most {MAX_SCENES} scenes", "add")
    text = "\n".join(line for line in lines if not has_markers(line)).strip()
    sentences = _sentences(text) if text else []
    runs = group_sentences(sentences, len(markers)) if sentences else []
    parts: list[str] = []
    for number, marker in enumerate(markers):
        parts.append(marker)
        if number < len(runs):
            parts.append(" ".join(sentence.text for sentence in runs[number]))
    return "\n".join(parts)


def _sentences(text: str) -> list[Sentence]:
    """The script's sentences as written (not yet joined into the chunks that are spoken)."""
    units = split_units(clean_script(text))
    found = [sentence for unit in units for sentence in split_sentences(unit)]
    return [Sentence(index=number, text=text) for number, text in enumerate(found)]
