"""Thumbnail stage: one JPEG frame from the finished video. Failure never fails the render."""

from __future__ import annotations

import logging
import math
from fractions import Fraction
from pathlib import Path

from videorender.errors import JobCancelledError, JobLimitError, VideoRenderError
from videorender.pipeline.render import ffmpeg

log = logging.getLogger(__name__)
MIN_OFFSET_MS = 1000


def thumbnail_time_ms(duration_ms: int, fraction: float) -> int:
    """`fraction` into the video and at least 1 s in; the middle of a video too short for that."""
    at = max(round(duration_ms * fraction), MIN_OFFSET_MS)
    return at if at < duration_ms else duration_ms // 2


def thumbnail_frame(duration_ms: int, fraction: float, rate: Fraction) -> int:
    """The number of the frame that `make_thumbnail` would take (the first frame at or after
    `thumbnail_time_ms`, as FFmpeg's accurate seek picks it), for a video at `rate`."""
    return math.ceil(Fraction(thumbnail_time_ms(duration_ms, fraction), 1000) * rate)


def finish_thumbnail(
    video: Path, duration_ms: int, output: Path, *, fraction: float
) -> Path | None:
    """The thumbnail that the render wrote beside the video, or, where it wrote none, one
    decoded from the finished video (`make_thumbnail`). Failure never fails the render."""
    if output.is_file() and output.stat().st_size > 0:
        return output
    log.debug("the render wrote no thumbnail: decoding one from the video")
    return make_thumbnail(video, duration_ms, output, fraction=fraction)


def make_thumbnail(video: Path, duration_ms: int, output: Path, *, fraction: float) -> Path | None:
    """Write the thumbnail; return its path, or None (logged) if it could not be made."""
    argv = ffmpeg.build_thumbnail_argv(video, thumbnail_time_ms(duration_ms, fraction), output)
    try:
        ffmpeg.run_ffmpeg(argv, stage="thumbnail", timeout_s=60)
    except (JobLimitError, JobCancelledError):
        raise  # the job's own time limit, disk or cancel: not a thumbnail problem
    except VideoRenderError as exc:
        log.warning("thumbnail skipped: %s", exc)
        return None
    if not output.is_file() or output.stat().st_size == 0:
        log.warning("thumbnail skipped: FFmpeg wrote no frame at %d ms", duration_ms)
        return None
    return output
