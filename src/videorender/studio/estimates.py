"""How long a render takes on this machine, from the renders it has finished.

The model is deliberately small: a job's wall time is proportional to the length of its video
times the cost of its frame (`frame_cost`: a fixed part for speech, captions and muxing, and a
part that grows with the pixels the encoder writes). The rate is the median over the latest
finished renders, so one slow job (a cold voice load, a busy neighbour) moves it little.
"""

from __future__ import annotations

import statistics
from collections.abc import Sequence
from dataclasses import dataclass

from videorender.jobs.models import Job, JobKind, JobRequest
from videorender.pipeline.models import Size
from videorender.pipeline.text.script import word_count

REFERENCE_PIXELS = 1280 * 720
FIXED_SHARE = 0.3  # of a 720p render's time, not spent encoding pixels
DEFAULT_SIZE = Size(1280, 720)
WORDS_PER_SECOND = 2.5  # the bundled voices' pace, about 150 words a minute
RECENT_JOBS = 30


@dataclass(frozen=True)
class Speed:
    """Seconds of work per second of video at the reference frame cost, from `samples` jobs."""

    rate: float
    samples: int

    def seconds(self, video_s: float, size: Size | None) -> float:
        """The expected wall time of a render of `video_s` seconds at `size`."""
        return self.rate * video_s * frame_cost(size)


def frame_cost(size: Size | None) -> float:
    """A frame's cost relative to 1280x720 (1.0)."""
    pixels = (size or DEFAULT_SIZE).width * (size or DEFAULT_SIZE).height
    return FIXED_SHARE + (1 - FIXED_SHARE) * pixels / REFERENCE_PIXELS


def measured_speed(jobs: Sequence[Job]) -> Speed | None:
    """The speed shown by these finished jobs (renders only); None without any."""
    rates = []
    for job in jobs:
        if job.request.kind is not JobKind.RENDER or not _timed(job):
            continue
        assert job.started_at is not None and job.finished_at is not None and job.duration_ms
        wall_s = job.finished_at - job.started_at
        rates.append(wall_s / (job.duration_ms / 1000 * frame_cost(job.request.options.size)))
    if not rates:
        return None
    return Speed(rate=statistics.median(rates), samples=len(rates))


def narration_seconds(words: float) -> float:
    """About how long `words` words take to say."""
    return words / WORDS_PER_SECOND


def job_seconds(speed: Speed, request: JobRequest) -> float:
    """The expected wall time of the render `request`, its length guessed from its words."""
    text = " ".join([request.script, *(scene.text for scene in request.scenes)])
    return speed.seconds(narration_seconds(word_count(text)), request.options.size)


def _timed(job: Job) -> bool:
    return bool(job.started_at and job.finished_at and job.duration_ms and job.duration_ms > 0)
