"""The caller's media, checked before any work is spent on it: probed, refused over the
limits (frame size, duration), and read at its end to be sure it is all there. Every stage that
takes a caller's file (the render's base video and music, the alignment's voiceover) checks it
here.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from pathlib import Path

from PIL import Image, UnidentifiedImageError

from videorender.errors import MediaError
from videorender.pipeline.models import MediaInfo, Size
from videorender.pipeline.render import ffmpeg
from videorender.pipeline.render.scene_plan import Visual
from videorender.pipeline.text.scenes import Scene, SceneOptions

# The file suffixes accepted for the caller's media, by kind (uploads, a media folder).
IMAGE_SUFFIXES = frozenset({".jpg", ".jpeg", ".png", ".webp"})
VIDEO_SUFFIXES = frozenset({".mp4", ".mov", ".m4v", ".webm", ".mkv", ".avi"})
AUDIO_SUFFIXES = frozenset({".mp3", ".wav", ".m4a", ".aac", ".ogg", ".oga", ".opus", ".flac"})

TAIL_CHECK_S = 2.0  # how much of an input's end is read to see that it is all there
TRUNCATION_SLACK_S = 1.0  # or 1 % of the duration, whichever is more (estimated durations)


@dataclass(frozen=True)
class MediaLimits:
    """What the caller's media may be (MAX_INPUT_SIDE, MAX_INPUT_SECONDS,
    MAX_VOICEOVER_SECONDS). Checked by probing, before any work is spent."""

    max_side: int = 4096
    max_seconds: int = 12 * 3600
    max_voiceover_seconds: int = 2 * 3600
    max_pixels: int = 4096 * 4096


@dataclass(frozen=True)
class MediaInputs:
    """The caller's media, checked: what it is and how big."""

    base_video: Path | None = None
    base_info: MediaInfo | None = None
    music: Path | None = None


def check_inputs(
    base_video: Path | None, music: Path | None, limits: MediaLimits | None = None
) -> MediaInputs:
    """Probe the caller's media before any work is spent on it (the inputs side by side: each
    check mostly waits on ffprobe).

    Raises:
        MediaError: naming the input that is not media, is truncated, lacks its stream, or is
            over a limit (frame size, duration); the base video's error first.
    """
    limits = limits or MediaLimits()
    with ThreadPoolExecutor(max_workers=2) as pool:
        base_check = pool.submit(_checked_base_video, base_video, limits) if base_video else None
        music_check = pool.submit(_checked_music, music, limits) if music else None
        base_info = base_check.result() if base_check else None
        if music_check:
            music_check.result()
    return MediaInputs(base_video=base_video, base_info=base_info, music=music)


def _checked_base_video(path: Path, limits: MediaLimits) -> MediaInfo:
    info = checked_media(path, "base video", limits.max_seconds)
    if not info.has_video:
        raise MediaError(f"base video {path.name!r} has no video stream", "base video")
    size = info.size
    if size is not None and max(size.width, size.height) > limits.max_side:
        raise MediaError(
            f"base video {path.name!r} is {size}; the limit is {limits.max_side} pixels a side",
            "base video",
        )
    return info


def _checked_music(path: Path, limits: MediaLimits) -> None:
    if not checked_media(path, "background music", limits.max_seconds).has_audio:
        raise MediaError(f"background music {path.name!r} has no audio stream", "music")


def checked_media(
    path: Path, what: str, max_seconds: int, info: MediaInfo | None = None
) -> MediaInfo:
    """Probe `path` (unless its `info` is given), refuse it over `max_seconds`, and read its
    last seconds to be sure the file holds what its header announces (a download cut short
    keeps a valid header)."""
    info = info or ffmpeg.probe(path, what=what)
    seconds = info.duration_ms / 1000
    if seconds > max_seconds:
        raise MediaError(
            f"{what} {path.name!r} lasts {seconds:,.0f} s; the limit is {max_seconds:,} s", what
        )
    last = ffmpeg.last_packet_seconds(path, seconds - TAIL_CHECK_S)
    if last is None or last < seconds - max(TRUNCATION_SLACK_S, seconds / 100):
        ends = "has no readable packets" if last is None else f"ends at {last:.1f} s"
        raise MediaError(
            f"{what} {path.name!r} is truncated: its header says {seconds:.1f} s but the file "
            f"{ends}",
            what,
        )
    return info


# --- scene visuals ----------------------------------------------------------------------------

IMAGE_FORMATS = {"JPEG": "jpeg", "PNG": "png", "WEBP": "webp"}


def check_scene_visuals(
    scenes: Sequence[Scene], inputs: MediaInputs, limits: MediaLimits | None = None
) -> tuple[Visual, ...]:
    """Probe every scene's visual before any work is spent on them: images by their header
    (never decoded here, so a 20,000 x 20,000 PNG costs nothing), clips with ffprobe.

    Raises:
        MediaError: naming `scenes[i].media_url`: not an image or a video, no video stream,
            cut short, or over the size, pixel or duration limits.
    """
    limits = limits or MediaLimits()
    visuals: list[Visual] = []
    probed: dict[Path, Visual] = {}  # a file shown by several scenes is probed once
    for number, scene in enumerate(scenes):
        where = f"scenes[{number}].media_url"
        if scene.media is None:
            base = inputs.base_video
            kind = "color" if base is None else "clip"
            info = inputs.base_info
            size, sound = (info.size, info.has_audio) if info else (None, False)
            visuals.append(Visual(kind, scene.options, base, size, has_sound=sound))
            continue
        if scene.media in probed:
            visuals.append(replace(probed[scene.media], options=scene.options))
            continue
        visual = _probe_image(scene.media, scene.options, where, limits)
        visual = visual or _probe_clip(scene.media, scene.options, where, limits)
        probed[scene.media] = visual
        visuals.append(visual)
    sounding: set[Path | None] = set()
    for number, visual in enumerate(visuals):
        if visual.options.clip_audio and visual.path not in sounding:
            _check_sound(visual, f"scenes[{number}].clip_audio")
            sounding.add(visual.path)
    return tuple(visuals)


def _check_sound(visual: Visual, where: str) -> None:
    """A scene asking for its clip's sound has a clip with an audio stream.

    Raises:
        MediaError: naming `where`: a still image, no visual at all, or a silent clip.
    """
    if visual.path is None or visual.kind == "color":
        raise MediaError(f"{where}: the scene has no clip to take sound from", where)
    name = visual.path.name
    if visual.kind == "image":
        raise MediaError(f"{where}: {name!r} is a still image; it has no sound", where)
    if not visual.has_sound:
        raise MediaError(f"{where}: {name!r} has no sound (no audio stream)", where)


def _probe_image(
    path: Path, options: SceneOptions, where: str, limits: MediaLimits
) -> Visual | None:
    """The image at `path` from its header, or None when it is no image Pillow knows."""
    if not path.is_file() or path.stat().st_size == 0:
        raise MediaError(f"{where}: {path.name!r} is missing or empty", where)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(path) as image:  # reads the header only
                image_format, (width, height) = image.format or "", image.size
                # A PNG's getexif() decodes the whole image to look for a late eXIf chunk.
                exif = image.getexif() if image_format in ("JPEG", "WEBP") else {}
                orientation = int(exif.get(_EXIF_ORIENTATION, 1) or 1)
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        message = f"{where}: {path.name!r} has over {limits.max_pixels:,} pixels"
        raise MediaError(message, where) from None
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError):
        return None
    if image_format not in IMAGE_FORMATS:
        message = f"{where}: {path.name!r} is a {image_format} image; use JPEG, PNG or WebP"
        raise MediaError(message, where)
    if orientation in (5, 6, 7, 8):
        width, height = height, width
    size = Size(width, height)
    _check_frame(path, size, where, limits)
    _check_image_complete(path, image_format, where)
    return Visual(
        "image",
        options,
        path,
        size,
        IMAGE_FORMATS[image_format],
        orientation if 1 <= orientation <= 8 else 1,
    )


_EXIF_ORIENTATION = 0x0112


def _check_image_complete(path: Path, image_format: str, where: str) -> None:
    """A download cut short keeps a valid header: look at the file's end (cheap, no decode)."""
    data_end = _tail(path, 64)
    if image_format == "JPEG":
        complete = b"\xff\xd9" in data_end
    elif image_format == "PNG":
        complete = b"IEND" in data_end
    else:  # WebP: the RIFF header gives the file's length
        with path.open("rb") as file:
            header = file.read(8)
        complete = (
            len(header) == 8 and int.from_bytes(header[4:8], "little") + 8 <= path.stat().st_size
        )
    if not complete:
        raise MediaError(f"{where}: {path.name!r} is cut short (the image is incomplete)", where)


def _tail(path: Path, count: int) -> bytes:
    with path.open("rb") as file:
        file.seek(max(0, path.stat().st_size - count))
        return file.read()


def _probe_clip(path: Path, options: SceneOptions, where: str, limits: MediaLimits) -> Visual:
    try:
        info = ffmpeg.probe(path, what=where)
    except MediaError as exc:
        message = f"{where}: {path.name!r} is not an image or a video"
        raise MediaError(message, where) from exc
    if not info.has_video or info.size is None:
        raise MediaError(f"{where}: {path.name!r} has no video stream", where)
    _check_frame(path, info.size, where, limits)
    try:
        checked_media(path, where, limits.max_seconds, info)
    except MediaError as exc:  # "scenes[1].media_url 'x' is ..." -> "scenes[1].media_url: 'x'"
        raise MediaError(str(exc).replace(f"{where} ", f"{where}: ", 1), where) from exc
    return Visual("clip", options, path, info.size, has_sound=info.has_audio)


def _check_frame(path: Path, size: Size, where: str, limits: MediaLimits) -> None:
    if max(size.width, size.height) > limits.max_side:
        message = f"{where}: {path.name!r} is {size}; the limit is {limits.max_side} pixels a side"
        raise MediaError(message, where)
    if size.width * size.height > limits.max_pixels:
        message = f"{where}: {path.name!r} is {size}; the limit is {limits.max_pixels:,} pixels"
        raise MediaError(message, where)
