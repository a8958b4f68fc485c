"""Cancelling the pipeline: a set cancel flag stops speech synthesis between sentences and
kills a running FFmpeg, and nothing is left behind."""

from __future__ import annotations

import threading
from pathlib import Path

import psutil
import pytest

from tests.conftest import Media
from videorender.config import Settings
from videorender.errors import JobCancelledError
from videorender.pipeline.models import Progress, RenderOptions, Size, Stage
from videorender.pipeline.run import RenderJob, narrate, render
from videorender.pipeline.runtime.clock import StageClock

SCRIPT = (
    "The first sentence is spoken. The second one is spoken too. "
    "The third is never reached. Nor is the fourth."
)


pytestmark = pytest.mark.usefixtures("private_tmp")  # see conftest.py


def _ffmpeg_children() -> list[psutil.Process]:
    children = psutil.Process().children(recursive=True)
    return [p for p in children if p.name() == "ffmpeg" and p.status() != psutil.STATUS_ZOMBIE]


def test_cancel_stops_speech_between_sentences(
    settings: Settings, tmp_path: Path, private_tmp: Path
) -> None:
    cancel = threading.Event()
    seen: list[float] = []

    def on_progress(progress: Progress) -> None:
        if progress.stage is Stage.TTS:
            seen.append(progress.fraction)
            if progress.fraction > 0:
                cancel.set()  # after the first sentence

    with pytest.raises(JobCancelledError, match="tts"):
        narrate(
            SCRIPT,
            tmp_path / "voice.wav",
            settings.pipeline_config(),
            clock=StageClock(on_progress, cancel),
        )
    # One sentence (of three, once short ones are merged) was spoken; the rest never were.
    assert len(seen) == 2 and seen[0] == 0.0 and 0 < seen[1] < 1
    assert not (tmp_path / "voice.wav").exists()
    assert list(private_tmp.iterdir()) == []


def test_cancel_during_the_render_kills_ffmpeg(
    settings: Settings, media: Media, tmp_path: Path, private_tmp: Path
) -> None:
    cancel = threading.Event()
    ffmpeg_seen: list[list[psutil.Process]] = []

    def on_progress(progress: Progress) -> None:
        if progress.stage is Stage.RENDER and 0 < progress.fraction < 1:
            ffmpeg_seen.append(_ffmpeg_children())  # the render's FFmpeg, running now
            cancel.set()

    out = tmp_path / "out"
    job = RenderJob(
        " ".join([SCRIPT] * 3), out, base_video=media.base_long,
        options=RenderOptions(size=Size(640, 360)),
    )  # fmt: skip
    with pytest.raises(JobCancelledError, match="render"):
        render(job, settings.pipeline_config(), clock=StageClock(on_progress, cancel))
    assert ffmpeg_seen and ffmpeg_seen[0], "FFmpeg was not running when cancelled"
    assert _ffmpeg_children() == []
    assert not any(p.is_running() and p.status() != psutil.STATUS_ZOMBIE
                   for p in ffmpeg_seen[0])  # fmt: skip
    assert not out.exists()
    assert list(private_tmp.iterdir()) == []
