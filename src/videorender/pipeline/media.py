"""The caller's media, checked before any work is spent on it: probed, refused over the
limits (frame size, duration), and read at its end to be sure it is all there. Every stage that
takes a caller's file (the render's base video and music, the alignment's voiceover) checks it
here.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from videorender.errors import MediaError
from videorender.pipeline import ffmpeg
from videorender.pipeline.models import MediaInfo

TAIL_CHECK_S = 2.0  # how much of an input's end is read to see that it is all there
TRUNCATION_SLACK_S = 1.0  # or 1 % of the duration, whichever is more (estimated durations)


@dataclass(frozen=True)
class MediaLimits:
    """What the caller's media may be (MAX_INPUT_SIDE, MAX_INPUT_SECONDS,
    MAX_VOICEOVER_SECONDS). Checked by probing, before any work is spent."""

    max_side: int = 4096
    max_seconds: int = 12 * 3600
    max_voiceover_seconds: int = 2 * 3600


@dataclass(frozen=True)
class MediaInputs:
    """The caller's media, checked: what it is and how big."""

    base_video: Path | None = None
    base_info: MediaInfo | None = None
    music: Path | None = None


def check_inputs(
    base_video: Path | None, music: Path | None, limits: MediaLimits | None = None
) -> MediaInputs:
    """Probe the caller's media before any work is spent on it.

    Raises:
        MediaError: naming the input that is not media, is truncated, lacks its stream, or is
            over a limit (frame size, duration).
    """
    limits = limits or MediaLimits()
    base_info = None
    if base_video is not None:
        base_info = checked_media(base_video, "base video", limits.max_seconds)
        if not base_info.has_video:
            raise MediaError(f"base video {base_video.name!r} has no video stream", "base video")
        size = base_info.size
        if size is not None and max(size.width, size.height) > limits.max_side:
            raise MediaError(
                f"base video {base_video.name!r} is {size}; the limit is {limits.max_side} "
                "pixels a side",
                "base video",
            )
    if music is not None:
        checked_media(music, "background music", limits.max_seconds)
        if not ffmpeg.has_audio_stream(music):
            raise MediaError(f"background music {music.name!r} has no audio stream", "music")
    return MediaInputs(base_video=base_video, base_info=base_info, music=music)


def checked_media(path: Path, what: str, max_seconds: int) -> MediaInfo:
    """Probe `path`, refuse it over `max_seconds`, and read its last seconds to be sure the
    file holds what its header announces (a download cut short keeps a valid header)."""
    info = ffmpeg.probe(path, what=what)
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
