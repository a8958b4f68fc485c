from __future__ import annotations

import pickle
from pathlib import Path

import pytest

from tests.conftest import Media
from videorender.errors import FFmpegError, MediaError
from videorender.pipeline.models import MediaInfo, RenderPlan, Size
from videorender.pipeline.render import ffmpeg


def _plan(**changes: object) -> RenderPlan:
    defaults: dict[str, object] = {
        "voice": Path("/w/voice.wav"),
        "subtitles": Path("/w/subs.ass"),
        "fonts_dir": Path("/w/fonts"),
        "output": Path("/w/final.mp4"),
        "size": Size(1080, 1920),
        "fps": 30.0,
        "duration_ms": 12_345,
    }
    defaults.update(changes)
    return RenderPlan(**defaults)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("source", "target", "crop"),
    [
        (Size(1920, 1080), Size(1080, 1920), Size(606, 1080)),
        (Size(1920, 1080), Size(1280, 720), Size(1920, 1080)),
        (Size(1080, 1920), Size(1920, 1080), Size(1080, 606)),
        (Size(641, 481), Size(640, 480), Size(640, 480)),
    ],
)
def test_cover_crop_keeps_the_target_aspect_and_even_sides(
    source: Size, target: Size, crop: Size
) -> None:
    assert ffmpeg.cover_crop(source, target) == crop


def test_render_argv_has_an_explicit_duration_and_never_shortest() -> None:
    base = MediaInfo(duration_ms=2000, width=1920, height=1080, fps=25.0)
    argv = ffmpeg.build_render_argv(
        _plan(base_video=Path("/in/base.mp4"), base_info=base, music=Path("/in/bgm.mp3"))
    )
    assert "-shortest" not in argv
    assert argv[argv.index("-t") + 1] == "12.345"
    # Base shorter than the voice and the music are both looped.
    assert argv.count("-stream_loop") == 2
    graph = argv[argv.index("-filter_complex") + 1]
    assert "crop=606:1080" in graph and "scale=1080:1920" in graph
    assert "sidechaincompress" in graph and "normalize=0" in graph
    assert "+faststart" in argv


def test_base_longer_than_the_voice_is_not_looped() -> None:
    base = MediaInfo(duration_ms=60_000, width=1080, height=1920, fps=30.0)
    argv = ffmpeg.build_render_argv(_plan(base_video=Path("/in/b.mp4"), base_info=base))
    assert "-stream_loop" not in argv
    graph = argv[argv.index("-filter_complex") + 1]
    assert "crop=" not in graph and "scale=" not in graph  # already the right size


def test_filter_paths_are_escaped() -> None:
    argv = ffmpeg.build_render_argv(_plan(subtitles=Path("/tmp/a'b:c,d[e]/subs.ass")))
    graph = argv[argv.index("-filter_complex") + 1]
    assert "ass=/tmp/a\\\\\\'b\\\\:c\\,d\\[e\\]/subs.ass" in graph


def test_probe_reads_duration_size_and_rate(media: Media) -> None:
    info = ffmpeg.probe(media.base_short, what="base video")
    assert info.size == Size(320, 180)
    assert info.fps == pytest.approx(25.0)
    assert 1900 <= info.duration_ms <= 2100
    assert not ffmpeg.probe(media.audio_only, what="music").has_video


@pytest.mark.parametrize("name", ["not_media", "truncated", "empty"])
def test_probe_refuses_what_is_not_media(media: Media, name: str) -> None:
    with pytest.raises(MediaError, match="base video"):
        ffmpeg.probe(getattr(media, name), what="base video")


def test_ffmpeg_failure_names_the_stage_and_quotes_stderr(tmp_path: Path) -> None:
    argv = ["ffmpeg", "-hide_banner", "-i", str(tmp_path / "missing.mp4"), "-f", "null", "-"]
    with pytest.raises(FFmpegError) as caught:
        ffmpeg.run_ffmpeg(argv, stage="render", timeout_s=30)
    assert caught.value.stage == "render"
    assert "No such file or directory" in str(caught.value)
    assert str(caught.value).startswith("render failed: ffmpeg exited with code")


def test_ffmpeg_timeout_kills_the_process() -> None:
    argv = ["ffmpeg", "-hide_banner", "-re", "-f", "lavfi", "-i", "sine", "-f", "null", "-"]
    with pytest.raises(FFmpegError, match="timed out"):
        ffmpeg.run_ffmpeg(argv, stage="render", timeout_s=1)


def test_error_survives_pickling() -> None:
    error = FFmpegError("render", ["ffmpeg"], 1, "boom")
    clone = pickle.loads(pickle.dumps(error))
    assert str(clone) == str(error) and clone.stage == "render"
