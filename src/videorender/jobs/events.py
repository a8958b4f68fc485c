"""Every webhook event a job announces is built here, from the job and what it produced;
the store enqueues them with the state change they announce (`Outbox.enqueue`)."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence

from videorender.jobs.models import Artifacts, Job
from videorender.webhooks import (
    JobCancelled,
    JobFailed,
    VideoCompleted,
    VoiceoverUploaded,
    utc_timestamp,
)


def voiceover_uploaded(job: Job, voice_url: str) -> VoiceoverUploaded:
    return VoiceoverUploaded(job_id=job.id, voice_url=voice_url, timestamp=utc_timestamp())


def video_completed(job: Job, artifacts: Artifacts, warnings: Sequence[str]) -> VideoCompleted:
    return VideoCompleted(
        job_id=job.id,
        **dataclasses.asdict(artifacts),
        warnings=list(warnings),
        timestamp=utc_timestamp(),
    )


def job_failed(job: Job, error: str) -> JobFailed:
    return JobFailed(job_id=job.id, error=error, timestamp=utc_timestamp())


def job_cancelled(job: Job) -> JobCancelled:
    return JobCancelled(job_id=job.id, timestamp=utc_timestamp())
