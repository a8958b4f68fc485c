"""The render in parts (speech overlapped with the encode) against the one-pass render: the
real Piper voice and real FFmpeg, lossless x264 (crf 0) so that frames compare exactly."""

from __future__ import annotations

import subprocess
import threading
from fractions import Fraction
from pathlib import Path

import numpy as np
import numpy.typing as npt
import psutil
import pysubs2
import pytest

from tests.conftest import Media
from tests.decode import gray_frame, streams
from videorender.config import Settings, load_settings
from videorender.errors import JobCancelledError
from videorender.pipeline.captions.fonts import prepare_fonts_dir
from videorender.pipeline.captions.subtitles import build_subtitles, write_subtitles
from videorender.pipeline.models import (
    MediaInfo,
    Progress,
    RenderOptions,
    RenderPlan,
    Size,
    Stage,
)
from videorender.pipeline.render import ffmpeg
from videorender.pipeline.render.encode import plan_render, render_video
from videorender.pipeline.render.media import check_inputs
from videorender.pipeline.render.parts import can_render_in_parts
from videorender.pipeline.render.scene_plan import frame_count
from videorender.pipeline.render.thumbnail import thumbnail_frame
from videorender.pipeline.run import RenderJob, render
from videorender.pipeline.runtime.clock import StageClock
from videorender.pipeline.stage_config import RenderConfig

# ~75 words (over parts.MIN_WORDS), ~25 s of speech: longer than the 8 s base, which loops.
SCRIPT = (
    "The harbour was quiet before dawn, and the water lay flat under a grey sky. "
    "Fishermen carried their nets down to the boats, talking softly about the weather. "
    "By sunrise every boat had left the shore, one after another, in a long line. "
    "The gulls followed them out to sea, crying over the wake. "
    "In the village the bakers opened their doors, and the smell of bread filled the street. "
    "Children ran to school along the sea wall."
)
SIZE = Size(320, 180)
FPS = 30


pytestmark = pytest.mark.usefixtures("private_tmp")  # see conftest.py


@pytest.fixture(scope="module")
def counter_base(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """8 s of testsrc2 (every frame distinct: it draws a running frame counter), lossless."""
    path = tmp_path_factory.mktemp("parts") / "base.mp4"
    subprocess.run(
        ["ffmpeg", "-v", "error", "-y", "-f", "lavfi", "-i", f"testsrc2=s={SIZE}:r={FPS}:d=8",
         "-c:v", "libx264", "-preset", "ultrafast", "-qp", "0", "-pix_fmt", "yuv420p",
         str(path)],
        check=True, timeout=120,
    )  # fmt: skip
    return path


def _settings(settings: Settings, overlap: str) -> Settings:
    return load_settings(
        tts_cache_dir=settings.tts_cache_dir,
        data_dir=settings.data_dir,
        video_preset="ultrafast",
        video_crf=0,  # lossless: the same frames give the same pictures, exactly
        render_overlap=overlap,
    )


def _frames(video: Path) -> npt.NDArray[np.uint8]:
    raw = subprocess.run(
        ["ffmpeg", "-v", "error", "-i", str(video), "-map", "0:v", "-f", "rawvideo",
         "-pix_fmt", "gray", "-"],
        capture_output=True, check=True, timeout=300,
    ).stdout  # fmt: skip
    return np.frombuffer(raw, dtype=np.uint8).reshape(-1, SIZE.height, SIZE.width)


def _audio(video: Path) -> npt.NDArray[np.int16]:
    raw = subprocess.run(
        ["ffmpeg", "-v", "error", "-i", str(video), "-map", "0:a", "-f", "s16le", "-ac", "1",
         "-"],
        capture_output=True, check=True, timeout=300,
    ).stdout  # fmt: skip
    return np.frombuffer(raw, dtype=np.int16)


def test_parts_give_the_one_pass_frames_sound_and_thumbnail(
    settings: Settings, counter_base: Path, tmp_path: Path
) -> None:
    # One pass first: it also fills the speech cache, so both renders get the same voice.
    one_pass = render(
        RenderJob(SCRIPT, tmp_path / "one", base_video=counter_base),
        _settings(settings, "off").pipeline_config(),
    )
    work = tmp_path / "work"
    work.mkdir()
    in_parts = render(
        RenderJob(SCRIPT, tmp_path / "parts", base_video=counter_base, work_dir=work),
        _settings(settings, "on").pipeline_config(),
    )
    parts = sorted((work / "parts").glob("part-*.mp4"))
    lengths = [len(_frames(part)) for part in parts]
    assert len(parts) >= 3  # at least one made while speaking, and the base's wrap-arounds

    expected = _frames(one_pass.video)
    got = _frames(in_parts.video)
    rate = Fraction(FPS)
    assert in_parts.duration_ms == one_pass.duration_ms
    assert len(got) == len(expected) == frame_count(one_pass.duration_ms, rate) == sum(lengths)
    # Every frame, at the joins and between them, is the one-pass frame: none duplicated,
    # lost or shifted (testsrc2's counter differs from frame to frame), captions included.
    joins = np.cumsum(lengths)[:-1]
    for join in joins:
        assert not np.array_equal(got[join - 1], got[join])
    mismatched = [n for n in range(len(got)) if not np.array_equal(got[n], expected[n])]
    assert mismatched == []
    # Some caption is on screen across a join, and was drawn on both sides of it.
    events = list(pysubs2.load(str(in_parts.subtitles)))
    join_ms = [int(j * 1000 / rate) for j in joins]
    assert any(e.start < at < e.end for e in events for at in join_ms)

    # The sound: the same samples, starting with the picture.
    assert np.array_equal(_audio(in_parts.video), _audio(one_pass.video))
    video, audio = streams(in_parts.video)["video"], streams(in_parts.video)["audio"]
    assert float(str(audio["start_time"])) == pytest.approx(float(str(video["start_time"])))
    assert float(str(audio["duration"])) == pytest.approx(float(str(video["duration"])), abs=0.04)

    # The thumbnail is the video's frame at the thumbnail time.
    assert in_parts.thumbnail is not None and one_pass.thumbnail is not None
    at = thumbnail_frame(in_parts.duration_ms, settings.thumbnail_fraction, rate)
    for result in (in_parts, one_pass):
        assert result.thumbnail is not None
        picture = gray_frame(result.thumbnail, 0, SIZE.width, SIZE.height).astype(int)
        nearby = range(at - 5, at + 6)
        closest = min(nearby, key=lambda n: np.abs(picture - expected[n].astype(int)).mean())
        assert closest == at


def _ffmpeg_children() -> list[psutil.Process]:
    children = psutil.Process().children(recursive=True)
    return [p for p in children if p.name() == "ffmpeg" and p.status() != psutil.STATUS_ZOMBIE]


def test_cancel_while_a_part_encodes_kills_its_ffmpeg_and_leaves_nothing(
    settings: Settings, counter_base: Path, tmp_path: Path, private_tmp: Path
) -> None:
    cancel = threading.Event()
    seen: list[list[psutil.Process]] = []

    def on_progress(progress: Progress) -> None:
        running = _ffmpeg_children()
        if progress.stage is Stage.TTS and running and not cancel.is_set():
            seen.append(running)  # a part's FFmpeg, encoding while the voice is spoken
            cancel.set()

    out = tmp_path / "out"
    job = RenderJob(
        " ".join([SCRIPT] * 2), out, base_video=counter_base,
        options=RenderOptions(size=Size(640, 360)),
    )  # fmt: skip
    with pytest.raises(JobCancelledError, match="tts"):
        render(
            job, _settings(settings, "on").pipeline_config(), clock=StageClock(on_progress, cancel)
        )
    assert seen, "no part was encoding while the voice was spoken"
    psutil.wait_procs(seen[0], timeout=10)
    assert not any(p.is_running() and p.status() != psutil.STATUS_ZOMBIE for p in seen[0])
    assert _ffmpeg_children() == []
    assert not out.exists()
    assert list(private_tmp.iterdir()) == []


def test_the_one_pass_render_writes_the_thumbnail_itself(tmp_path: Path, media: Media) -> None:
    voice = tmp_path / "voice.wav"
    subprocess.run(
        ["ffmpeg", "-v", "error", "-f", "lavfi", "-i", "anullsrc=r=22050:cl=mono", "-t", "3",
         str(voice)],
        check=True, timeout=60,
    )  # fmt: skip
    fonts = tmp_path / "fonts"
    family = prepare_fonts_dir("Captions", fonts)
    write_subtitles(build_subtitles([], SIZE, family), tmp_path / "subs.ass")
    plan = plan_render(
        inputs=check_inputs(media.base_long, None), voice=voice, voice_ms=3000,
        subtitles=tmp_path / "subs.ass", fonts_dir=fonts, output=tmp_path / "out.mp4",
        size=SIZE, config=RenderConfig(), thumbnail=tmp_path / "thumb.jpg",
    )  # fmt: skip
    render_video(plan, timeout_s=120)
    # No second decode: the JPEG came out of the render, and it is the frame at 10 % (1 s).
    assert plan.thumbnail_frame == thumbnail_frame(4000, 0.10, Fraction(FPS)) == FPS
    picture = gray_frame(tmp_path / "thumb.jpg", 0, SIZE.width, SIZE.height).astype(int)
    frames = _frames(plan.output)
    closest = min(range(20, 41), key=lambda n: np.abs(picture - frames[n].astype(int)).mean())
    assert closest == FPS


def _plan(info: MediaInfo | None, *, feed: bool = False) -> RenderPlan:
    return RenderPlan(
        voice=Path("v.wav"), subtitles=Path("s.ass"), fonts_dir=Path("f"), output=Path("o.mp4"),
        size=SIZE, fps=30.0, duration_ms=10_000, base_video=Path("b.mp4") if info else None,
        base_info=info, video_feed=feed,
    )  # fmt: skip


def test_parts_only_where_their_frames_are_the_one_pass_frames() -> None:
    cfr = MediaInfo(8000, 320, 180, 30.0, constant_rate=True)
    assert can_render_in_parts(_plan(None))  # a plain background
    assert can_render_in_parts(_plan(cfr))
    assert not can_render_in_parts(_plan(MediaInfo(8000, 320, 180, 30.0)))  # variable rate
    assert not can_render_in_parts(_plan(MediaInfo(8000, 320, 180, 25.0, constant_rate=True)))
    # With audio beside it, the base's length in frames must come from the container.
    with_audio = MediaInfo(8000, 320, 180, 30.0, constant_rate=True, has_audio=True)
    assert not can_render_in_parts(_plan(with_audio))
    assert can_render_in_parts(_plan(MediaInfo(8000, 320, 180, 30.0, True, True, frames=240)))
    assert not can_render_in_parts(_plan(None, feed=True))  # scenes: one pass


def test_render_overlap_on_and_off_reach_the_pipeline_resolved(settings: Settings) -> None:
    assert _settings(settings, "on").pipeline_config().render.in_parts is True
    assert _settings(settings, "off").pipeline_config().render.in_parts is False


def test_a_part_seeks_to_its_frame_and_draws_captions_at_whole_video_times() -> None:
    plan = _plan(MediaInfo(8000, 320, 180, 30.0, constant_rate=True, frames=240))
    argv = ffmpeg.build_video_part_argv(
        plan, first=250, frames=30, subtitles=Path("p.ass"), output=Path("p.mp4")
    )
    joined = " ".join(argv)
    # Frame 10 of the base's second pass (the input's media allow-list between them).
    assert f"-ss 0.325000 {' '.join(ffmpeg.media_input(Path('b.mp4')))}" in joined
    assert "setpts=PTS-STARTPTS+250,ass=p.ass" in joined and "-frames:v 30" in joined
    assert "-stream_loop" not in joined and "-an" in argv
