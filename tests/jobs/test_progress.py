"""The worker's progress recorder: monotonic percent, stage timings, and the cancel flag it
raises when the job is cancelled elsewhere (another process, through the database)."""

from __future__ import annotations

import threading

import pytest

from videorender.config import Settings
from videorender.errors import JobCancelledError
from videorender.jobs.db import open_database
from videorender.jobs.execute import JobContext, ProgressRecorder
from videorender.jobs.models import JobKind, JobRequest
from videorender.jobs.store import JobStore
from videorender.pipeline.models import Progress, Stage
from videorender.storage import create_storage


def _recorder(
    settings: Settings, kind: JobKind = JobKind.RENDER
) -> tuple[JobStore, ProgressRecorder, str]:
    store = JobStore(open_database(settings.database))
    store.create(JobRequest(kind=kind, script="Hello there."))
    claim = store.claim(60)
    assert claim is not None
    ctx = JobContext(settings, store, create_storage(settings))
    return store, ProgressRecorder(ctx, claim, threading.Event()), claim.job.id


def test_percent_never_goes_down_and_stays_below_100(settings: Settings) -> None:
    store, recorder, job_id = _recorder(settings)
    recorder.mark(Stage.INPUTS.value)
    recorder(Progress(Stage.INPUTS, 1.0))  # 3 %
    recorder(Progress(Stage.SCRIPT, 0.0))  # the pipeline starts with the script: 0 %
    job = store.get(job_id)
    assert job is not None and (job.stage, job.percent) == ("script", 3)
    recorder(Progress(Stage.THUMBNAIL, 1.0))
    job = store.get(job_id)
    assert job is not None and (job.stage, job.percent) == ("thumbnail", 99)
    recorder.mark("upload")
    timings = recorder.timings()
    assert set(timings) == {"inputs", "script", "thumbnail", "upload"}
    assert all(seconds >= 0 for seconds in timings.values())


def test_voiceover_speech_spans_the_bar(settings: Settings) -> None:
    store, recorder, job_id = _recorder(settings, JobKind.VOICEOVER)
    recorder(Progress(Stage.TTS, 0.5))
    job = store.get(job_id)
    assert job is not None and 45 <= job.percent <= 55


def test_a_cancel_in_the_database_raises_the_flag(settings: Settings) -> None:
    store, recorder, job_id = _recorder(settings)
    recorder(Progress(Stage.TTS, 0.1))
    assert not recorder.cancel.is_set()
    store.cancel(job_id)  # as another process would
    recorder(Progress(Stage.RENDER, 0.0))  # a new stage: written at once, and refused
    assert recorder.cancel.is_set()
    with pytest.raises(JobCancelledError):
        recorder.mark("upload")
