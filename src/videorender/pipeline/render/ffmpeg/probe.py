"""Probing media with ffprobe: duration, frame size and rate, rotation, audio streams."""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path

from videorender.errors import MediaError
from videorender.pipeline.models import MediaInfo
from videorender.pipeline.render.ffmpeg.inputs import MEDIA_READABLE, probe_guard, refused_format
from videorender.pipeline.render.ffmpeg.runner import FFPROBE


def probe(path: Path, *, what: str, timeout_s: float = 60) -> MediaInfo:
    """Duration, frame size and frame rate of a media file.

    Args:
        what: the input's name for error messages, e.g. "base video".

    Raises:
        MediaError: the file is missing, empty, not media, or has no duration.
    """
    if not path.is_file() or path.stat().st_size == 0:
        raise MediaError(f"{what} {path.name!r} is missing or empty", what)
    argv = [FFPROBE, "-v", "error", *probe_guard(), "-print_format", "json", "-show_format",
            "-show_streams"]  # fmt: skip
    try:
        result = subprocess.run(
            [*argv, str(path)], capture_output=True, text=True, timeout=timeout_s, check=False
        )
    except subprocess.TimeoutExpired as exc:
        raise MediaError(f"{what} {path.name!r} could not be read in time", what) from exc
    try:
        data = json.loads(result.stdout or "{}")
    except json.JSONDecodeError:
        data = {}
    if refused_format(result.stderr):  # its format's name only, never a path it names
        raise MediaError(
            f"{what} {path.name!r} is not in a media format this service reads "
            f"({MEDIA_READABLE}, or a JPEG, PNG or WebP image for a scene)",
            what,
        )
    if result.returncode != 0 or not data.get("streams"):
        reason = (result.stderr.strip().splitlines() or ["no audio or video streams"])[-1]
        reason = reason.removeprefix(f"{path}: ")  # the name is already in the message
        raise MediaError(f"{what} {path.name!r} is not a readable media file ({reason})", what)
    return _media_info(data, path, what)


def _media_info(data: dict[str, object], path: Path, what: str) -> MediaInfo:
    streams = data.get("streams") or []
    assert isinstance(streams, list)
    video = next(
        (
            s
            for s in streams
            if s.get("codec_type") == "video" and not s.get("disposition", {}).get("attached_pic")
        ),
        None,
    )
    fmt = data.get("format") or {}
    assert isinstance(fmt, dict)
    seconds = number_or_none(fmt.get("duration")) or max(
        (number_or_none(s.get("duration")) or 0.0 for s in streams), default=0.0
    )
    if seconds <= 0:
        raise MediaError(f"{what} {path.name!r} has no duration (truncated or empty?)", what)
    has_audio = any(s.get("codec_type") == "audio" for s in streams)
    if video is None:
        return MediaInfo(duration_ms=round(seconds * 1000), has_audio=has_audio)
    width, height = int(video.get("width") or 0), int(video.get("height") or 0)
    if _rotation(video) in (90, 270):
        width, height = height, width
    average, nominal = str(video.get("avg_frame_rate") or ""), str(video.get("r_frame_rate") or "")
    return MediaInfo(
        duration_ms=round(seconds * 1000),
        width=width or None,
        height=height or None,
        fps=_frame_rate(average or nominal),
        constant_rate=bool(average) and _frame_rate(average) == _frame_rate(nominal),
        has_audio=has_audio,
        frames=int(str(video.get("nb_frames"))) if str(video.get("nb_frames")).isdigit() else None,
    )


def has_audio_stream(path: Path, timeout_s: float = 60) -> bool:
    """Whether ffprobe finds at least one audio stream in `path`."""
    result = subprocess.run(
        [FFPROBE, "-v", "error", *probe_guard(), "-select_streams", "a",
         "-show_entries", "stream=index",
         "-of", "csv=p=0", str(path)],
        capture_output=True, text=True, timeout=timeout_s, check=False,
    )  # fmt: skip
    return result.returncode == 0 and bool(result.stdout.strip())


def last_packet_seconds(path: Path, from_s: float, timeout_s: float = 60) -> float | None:
    """The latest packet time found reading (demuxing only, no decoding) from `from_s` to the
    end: a file cut short ends before its header's duration. None: no packet at all."""
    result = subprocess.run(
        [FFPROBE, "-v", "quiet", *probe_guard(), "-read_intervals", f"{max(0.0, from_s):.3f}%",
         "-show_entries", "packet=pts_time,dts_time", "-of", "csv=p=0", str(path)],
        capture_output=True, text=True, timeout=timeout_s, check=False,
    )  # fmt: skip
    times = [
        value
        for line in result.stdout.splitlines()
        for value in (number_or_none(part) for part in line.split(","))
        if value is not None
    ]
    return max(times, default=None)


def _rotation(stream: dict[str, object]) -> int:
    tags = stream.get("tags") or {}
    assert isinstance(tags, dict)
    rotation = number_or_none(tags.get("rotate"))
    for side in stream.get("side_data_list") or []:  # type: ignore[attr-defined]
        if isinstance(side, dict) and "rotation" in side:
            rotation = number_or_none(side["rotation"])
    return int(rotation or 0) % 360


def number_or_none(value: object) -> float | None:
    """`value` as a float; None when it is not a number (ffprobe writes "N/A")."""
    try:
        return float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None


def _frame_rate(text: str) -> float | None:
    match = re.fullmatch(r"(\d+)/(\d+)", text)
    if not match or int(match.group(2)) == 0:
        return None
    rate = int(match.group(1)) / int(match.group(2))
    return rate if 1 <= rate <= 240 else None
