"""Media a person uploads (the studio's file pickers, or `POST /uploads` from any client),
kept as job inputs in the storage backend and referenced as `upload://ID`.

Why a scheme of our own: with local storage the file's public address is this service's own
URL, which the SSRF guard rightly refuses to download (loopback). An `upload://ID` location is
resolved through `Storage.read` instead, without HTTP, whatever the backend; the ID is random
(128 bits) and checked against a strict pattern, so it cannot name any other stored key.

Uploads pass the same checks as downloaded media: the size caps (MAX_VIDEO_MB, MAX_AUDIO_MB)
and `pipeline.render.media` probing, before they are stored.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from enum import Enum
from pathlib import Path, PurePosixPath

from videorender.errors import InputError, MediaError
from videorender.pipeline.render import ffmpeg
from videorender.pipeline.render.media import (
    AUDIO_SUFFIXES,
    IMAGE_SUFFIXES,
    VIDEO_SUFFIXES,
    MediaInputs,
    MediaLimits,
    check_inputs,
    check_scene_visuals,
)
from videorender.pipeline.text.scenes import Scene
from videorender.storage import Storage

SCHEME = "upload"
KEY_TEMPLATE = "uploads/inputs/{id}"
MB = 1024 * 1024
_ID = re.compile(r"^[0-9a-f]{32}\.[a-z0-9]{1,5}$")


class UploadKind(str, Enum):
    """What an upload is for: the field of a render request it may be used as."""

    BASE_VIDEO = "base_video"
    MUSIC = "music"
    SCENE = "scene"  # a scene's visual: an image (JPEG, PNG, WebP) or a clip


@dataclass(frozen=True)
class StoredUpload:
    """An upload, checked and stored: `location` is what a request passes as its URL."""

    id: str
    kind: UploadKind
    key: str
    size_bytes: int
    duration_ms: int

    @property
    def location(self) -> str:
        return f"{SCHEME}://{self.id}"


def max_bytes(kind: UploadKind, max_video_mb: int, max_audio_mb: int) -> int:
    return (max_audio_mb if kind is UploadKind.MUSIC else max_video_mb) * MB


def store_upload(
    source: Path,
    filename: str,
    kind: UploadKind,
    *,
    storage: Storage,
    limits: MediaLimits,
    cap_bytes: int,
) -> StoredUpload:
    """Check the uploaded file `source` as the render would, then store it.

    Raises:
        InputError: naming `file`: too big, not media, or not the kind of media asked for.
        StorageError: it could not be stored.
    """
    size = source.stat().st_size
    if size > cap_bytes:
        raise InputError(f"file is larger than the {cap_bytes / MB:g} MB limit", "file")
    if size == 0:
        raise InputError("file is empty", "file")
    suffix = _suffix(filename, kind)
    try:
        if kind is UploadKind.SCENE:
            (visual,) = check_scene_visuals([Scene("", source)], MediaInputs(), limits)
            if visual.kind == "image":
                suffix = f".{visual.image_format}" if visual.image_format else ".image"
                duration_ms = 0
            else:
                suffix = suffix if suffix in VIDEO_SUFFIXES else ".mp4"
                duration_ms = ffmpeg.probe(source, what="scene").duration_ms
        elif kind is UploadKind.BASE_VIDEO:
            checked = check_inputs(source, None, limits)
            assert checked.base_info is not None
            duration_ms = checked.base_info.duration_ms
        else:
            check_inputs(None, source, limits)
            duration_ms = _duration_ms(source)
    except MediaError as exc:
        message = str(exc).replace("scenes[0].media_url: ", "")
        raise InputError(f"file: {message}", "file") from exc
    upload_id = f"{uuid.uuid4().hex}{suffix}"
    key = KEY_TEMPLATE.format(id=upload_id)
    storage.put(source, key)
    return StoredUpload(upload_id, kind, key, size, duration_ms)


def key_of(location: str, field: str) -> str:
    """The storage key of an `upload://ID` location.

    Raises:
        InputError: naming `field`, when the ID is not one this service hands out.
    """
    upload_id = location.strip().removeprefix(f"{SCHEME}://")
    if not _ID.match(upload_id):
        raise InputError(f"{field}: {location!r} is not an upload of this service", field)
    return KEY_TEMPLATE.format(id=upload_id)


def is_upload(location: str) -> bool:
    return location.strip().lower().startswith(f"{SCHEME}://")


def _suffix(filename: str, kind: UploadKind) -> str:
    suffix = PurePosixPath(filename.replace("\\", "/")).suffix.lower()
    if kind is UploadKind.SCENE:
        return suffix if suffix in VIDEO_SUFFIXES | IMAGE_SUFFIXES else ".mp4"
    allowed = VIDEO_SUFFIXES if kind is UploadKind.BASE_VIDEO else AUDIO_SUFFIXES
    if suffix not in allowed:
        return ".mp4" if kind is UploadKind.BASE_VIDEO else ".audio"
    return suffix


def _duration_ms(path: Path) -> int:
    return ffmpeg.probe(path, what="music").duration_ms
