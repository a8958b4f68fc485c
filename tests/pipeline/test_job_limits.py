"""The job's time limit stops FFmpeg and speech; a full disk is a DiskSpaceError; FFmpeg killed
by a signal is a retryable, readable error. Real FFmpeg and the real Piper voice."""

from __future__ import annotations

import signal
import subprocess
import threading
from pathlib import Path

import psutil
import pytest

from tests.conftest import Media
from videorender.config import Settings
from videorender.errors import DiskSpaceError, FFmpegError, JobTimeoutError
from videorender.pipeline.render import ffmpeg
from videorender.pipeline.render.thumbnail import make_thumbnail
from videorender.pipeline.runtime import deadline
from videorender.pipeline.text.script import process_script
from videorender.pipeline.tts import create_engine
from videorender.pipeline.tts.speech import synthesize_voice

ENDLESS = ["ffmpeg", "-hide_banner", "-nostdin", "-loglevel", "error", "-re", "-f", "lavfi",
           "-i", "testsrc2=s=64x36:r=10", "-f", "null", "-"]  # fmt: skip


def _ffmpeg_children() -> list[psutil.Process]:
    return [p for p in psutil.Process().children(recursive=True) if p.name() == "ffmpeg"]


def test_job_time_limit_kills_ffmpeg() -> None:
    with deadline.limit(1.0), pytest.raises(JobTimeoutError) as caught:
        ffmpeg.run_ffmpeg(ENDLESS, stage="render", timeout_s=600)
    assert str(caught.value) == (
        "render failed: the job ran past JOB_TIMEOUT_SECONDS (1 s) and was stopped"
    )
    assert not caught.value.retryable
    assert _ffmpeg_children() == []  # killed and reaped, not left running


def test_own_timeout_without_a_job_limit_is_an_ffmpeg_error() -> None:
    with pytest.raises(FFmpegError, match="ffmpeg timed out"):
        ffmpeg.run_ffmpeg(ENDLESS, stage="render", timeout_s=0.5)


def test_job_time_limit_stops_speech_between_sentences(settings: Settings, tmp_path: Path) -> None:
    sentences = process_script("One sentence here is spoken. " * 40)
    engine = create_engine(settings.pipeline_config().tts)
    spoken: list[float] = []
    with deadline.limit(3600), pytest.raises(JobTimeoutError, match="tts failed"):

        def expire_after_two(progress: object) -> None:
            spoken.append(1)
            if len(spoken) == 2:
                deadline._current.set(deadline._Deadline(0.0, 3600))  # the limit passes now

        synthesize_voice(engine, sentences, tmp_path / "v.wav", pause_ms=0,
                         on_progress=expire_after_two)  # fmt: skip
    assert len(spoken) == 2 < len(sentences)  # stopped at once, not after every sentence


def test_no_limit_outside_a_job() -> None:
    assert deadline.remaining() is None
    assert deadline.bounded(12.0) == 12.0
    deadline.check("render")  # no error


def test_full_disk_is_a_disk_space_error() -> None:
    argv = ["ffmpeg", "-hide_banner", "-nostdin", "-y", "-loglevel", "error", "-f", "lavfi",
            "-i", "sine=d=1", "-f", "wav", "/dev/full"]  # fmt: skip
    with pytest.raises(DiskSpaceError, match=r"the disk is full .*No space left on device"):
        ffmpeg.run_ffmpeg(argv, stage="render", timeout_s=60)


def test_ffmpeg_killed_by_a_signal_is_retryable_and_readable() -> None:
    def kill_when_started() -> None:
        for _ in range(2000):
            found = _ffmpeg_children()
            if found:
                found[0].send_signal(signal.SIGKILL)
                return
            threading.Event().wait(0.01)

    killer = threading.Thread(target=kill_when_started)
    killer.start()
    with pytest.raises(FFmpegError) as caught:
        ffmpeg.run_ffmpeg(ENDLESS, stage="render", timeout_s=120)
    killer.join()
    assert "render failed: ffmpeg was killed by SIGKILL (out of memory?)" in str(caught.value)
    assert caught.value.retryable


def test_deadline_belongs_to_its_thread() -> None:
    seen: list[float | None] = []
    with deadline.limit(50):
        thread = threading.Thread(target=lambda: seen.append(deadline.remaining()))
        thread.start()
        thread.join()
    assert seen == [None]


def test_endless_command_really_is_endless() -> None:
    """The negative control for the tests above: without a limit it would still be running."""
    with pytest.raises(subprocess.TimeoutExpired):
        subprocess.run(ENDLESS, timeout=1.5, check=False, capture_output=True)


def test_thumbnail_passes_the_job_time_limit_on(media: Media, tmp_path: Path) -> None:
    # A failed thumbnail never fails the render, but a job out of time must still stop there.
    video = media.base_short
    with deadline.limit(3600):
        deadline._current.set(deadline._Deadline(0.0, 3600))  # the limit has passed
        with pytest.raises(JobTimeoutError, match="thumbnail failed"):
            make_thumbnail(video, 2000, tmp_path / "thumb.jpg", fraction=0.1)
    assert make_thumbnail(tmp_path / "missing.mp4", 2000, tmp_path / "t.jpg", fraction=0.1) is None
