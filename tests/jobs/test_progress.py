"""A job's clock: monotonic percent saved to the store, stage timings (the job's own stages
and the pipeline's on one clock), and the cancel flag raised when the job is cancelled
elsewhere (another process, through the database)."""

from __future__ import annotations

import threading

import pytest

from videorender.config import Settings
from videorender.errors import JobCancelledError
from videorender.jobs.db import open_database
from videorender.jobs.execute import JobContext, job_clock
from videorender.jobs.models import JobKind, JobRequest
from videorender.jobs.store import JobStore
from videorender.pipeline.models import Progress, Stage
from videorender.pipeline.runtime.clock import StageClock
from videorender.storage import create_storage


def _clock(settings: Settings, kind: JobKind = JobKind.RENDER) -> tuple[JobStore, StageClock, str]:
    store = JobStore(open_database(settings.database))
    store.create(JobRequest(kind=kind, script="Hello there."))
    claim = store.claim(60)
    assert claim is not None
    ctx = JobContext(settings, store, create_storage(settings))
    return store, job_clock(ctx, claim, threading.Event()), claim.job.id


def test_percent_never_goes_down_and_stays_below_100(settings: Settings) -> None:
    store, clock, job_id = _clock(settings)
    with clock.stage(Stage.INPUTS):  # 3 % once done
        pass
    clock.report(Progress(Stage.SCRIPT, 0.0))  # the pipeline starts with the script: 0 %
    job = store.get(job_id)
    assert job is not None and (job.stage, job.percent) == ("script", 3)
    with clock.stage(Stage.UPLOAD):  # the voice, mid-job: the stage moves, the bar does not
        job = store.get(job_id)
        assert job is not None and (job.stage, job.percent) == ("upload", 3)
    clock.report(Progress(Stage.THUMBNAIL, 1.0))
    job = store.get(job_id)
    assert job is not None and (job.stage, job.percent) == ("thumbnail", 99)


def test_a_stage_entered_twice_adds_up(settings: Settings) -> None:
    _store, clock, _job_id = _clock(settings)
    for _ in range(2):  # the job fetches its inputs, then the pipeline checks them
        with clock.stage(Stage.INPUTS):
            threading.Event().wait(0.05)
    with clock.stage(Stage.UPLOAD):
        pass
    assert set(clock.seconds) == {"inputs", "upload"}
    assert clock.seconds["inputs"] >= 0.1 and clock.seconds["upload"] >= 0


def test_voiceover_speech_spans_the_bar(settings: Settings) -> None:
    store, clock, job_id = _clock(settings, JobKind.VOICEOVER)
    clock.report(Progress(Stage.TTS, 0.5))
    job = store.get(job_id)
    assert job is not None and 45 <= job.percent <= 55


def test_a_cancel_in_the_database_raises_the_flag(settings: Settings) -> None:
    store, clock, job_id = _clock(settings)
    clock.report(Progress(Stage.TTS, 0.1))
    assert not clock.cancel.is_set()
    store.cancel(job_id)  # as another process would
    clock.report(Progress(Stage.RENDER, 0.0))  # a new stage: written at once, and refused
    assert clock.cancel.is_set()
    with pytest.raises(JobCancelledError), clock.stage(Stage.UPLOAD):
        pass
