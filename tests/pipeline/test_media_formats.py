"""Only media formats are read from a caller's file (issue 32): a playlist or concat script
under a media name is refused by every probe and decode, and the refusal never says whether
the files it names exist."""

from __future__ import annotations

import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.attacks import concat_list, playlist, secret_media
from tests.conftest import Media
from videorender.errors import FFmpegError, MediaError
from videorender.pipeline.align import check_voiceover
from videorender.pipeline.models import MediaInfo, RenderPlan, Size
from videorender.pipeline.render import ffmpeg
from videorender.pipeline.render.media import MediaInputs, check_inputs, check_scene_visuals
from videorender.pipeline.render.scene_plan import Visual
from videorender.pipeline.text.scenes import Scene, SceneOptions

# Inputs that are not files, or our own raw work files in a forced raw format.
OWN_FORMATS = {"lavfi", "rawvideo", "s16le", "concat"}


@pytest.fixture(scope="module")
def secret(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return secret_media(tmp_path_factory.mktemp("elsewhere"))


@pytest.fixture(params=["playlist", "playlist-missing", "concat"])
def disguised(request: pytest.FixtureRequest, secret: Path, tmp_path: Path) -> Path:
    """A file named like media that names a local file (which exists, or not)."""
    target = secret if request.param != "playlist-missing" else secret.with_name("none.ts")
    if request.param == "concat":
        return concat_list(tmp_path / "video.mp4", target)
    return playlist(tmp_path / "video.mp4", target)


def _assert_refused_quietly(message: str, secret: Path) -> None:
    assert "not in a media format this service reads" in message
    assert str(secret.parent) not in message and "No such file" not in message


def test_the_repro_is_read_by_plain_ffmpeg(secret: Path, tmp_path: Path) -> None:
    """The attack is real: without the allow-list, ffprobe reads the playlist's segment."""
    path = playlist(tmp_path / "video.mp4", secret)
    found = subprocess.run(
        ["ffprobe", "-v", "error", "-show_entries", "format=format_name", "-of", "csv=p=0",
         str(path)],
        capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert found.stdout.strip() == "hls"


def test_probe_refuses_it(disguised: Path, secret: Path) -> None:
    with pytest.raises(MediaError) as caught:
        ffmpeg.probe(disguised, what="base video")
    _assert_refused_quietly(str(caught.value), secret)


def test_every_way_a_caller_file_is_checked_refuses_it(disguised: Path, secret: Path) -> None:
    checks: list[Callable[[], object]] = [
        lambda: check_inputs(disguised, None),
        lambda: check_inputs(None, disguised),
        lambda: check_voiceover(disguised),
        lambda: check_scene_visuals([Scene("", disguised)], MediaInputs()),
    ]
    for check in checks:
        with pytest.raises(MediaError) as caught:
            check()
        assert "is not an image or a video" in str(caught.value) or (
            "not in a media format" in str(caught.value)
        )
        assert str(secret.parent) not in str(caught.value)


def test_decoders_refuse_it_even_unprobed(disguised: Path, tmp_path: Path) -> None:
    """The probe is not the only guard: a decode of the file itself refuses it too."""
    for argv in (
        ffmpeg.build_decode_pcm_argv(disguised, tmp_path / "out.s16", 16000),
        ffmpeg.build_voice_wav_argv(disguised, tmp_path / "out.wav"),
    ):
        with pytest.raises(FFmpegError) as caught:
            ffmpeg.run_ffmpeg(argv, stage="test", timeout_s=60)
        assert "not on whitelist" in str(caught.value)
    assert not (tmp_path / "out.wav").exists()


def test_real_media_still_passes(media: Media) -> None:
    for path in vars(media).values():
        assert isinstance(path, Path)
        if path.name in ("not_media.mp4", "truncated.mp4", "empty.mp4"):
            continue
        assert ffmpeg.probe(path, what="x").duration_ms > 0


def _file_inputs(argv: list[str]) -> list[tuple[str, list[str]]]:
    """Each `-i` of a file, with the input options before it (back to the previous input)."""
    found, start = [], 0
    for index, arg in enumerate(argv):
        if arg == "-i":
            options = argv[start:index]
            start = index + 2
            forced = options[options.index("-f") + 1] if "-f" in options else ""
            if forced not in OWN_FORMATS and argv[index + 1] != "pipe:0":
                found.append((argv[index + 1], options))
    return found


def test_every_file_input_of_every_builder_is_limited_to_media() -> None:
    base = MediaInfo(duration_ms=2000, width=320, height=180, fps=25.0)
    plan = RenderPlan(
        voice=Path("/w/voice.wav"), subtitles=Path("/w/s.ass"), fonts_dir=Path("/w/f"),
        output=Path("/w/o.mp4"), size=Size(320, 180), fps=25.0, duration_ms=5000,
        base_video=Path("/in/base.mp4"), base_info=base, music=Path("/in/m.mp3"),
    )  # fmt: skip
    clip = Visual("clip", SceneOptions(), Path("/in/clip.mp4"), Size(320, 180))
    image = Visual("image", SceneOptions(), Path("/in/a.png"), Size(320, 180), "png")
    argvs = [
        ffmpeg.build_render_argv(plan),
        ffmpeg.build_loudness_scan_argv(plan),
        ffmpeg.build_video_part_argv(
            plan, first=10, frames=5, subtitles=Path("/w/s.ass"), output=Path("/w/p.mp4")
        ),
        ffmpeg.build_join_argv(plan, Path("/w/parts.txt")),
        ffmpeg.build_thumbnail_argv(Path("/w/o.mp4"), 100, Path("/w/t.jpg")),
        ffmpeg.build_frame_argv(Path("/w/o.mp4"), 100, Path("/w/t.png")),
        ffmpeg.build_decode_pcm_argv(Path("/in/v.m4a"), Path("/w/v.s16"), 16000),
        ffmpeg.build_voice_wav_argv(Path("/in/v.m4a"), Path("/w/v.wav")),
        ffmpeg.build_still_argv(image, Size(320, 180), Path("/w/still.yuv")),
        ffmpeg.build_clip_sound_argv(Path("/in/clip.mp4"), loop=True, start_s=0, samples=10),
    ]
    inputs = [found for argv in argvs for found in _file_inputs(argv)]
    assert len(inputs) >= 14
    for path, options in inputs:
        assert "-format_whitelist" in options, path
        allowed = options[options.index("-format_whitelist") + 1].split(",")
        assert "hls" not in allowed and "concat" not in allowed
        assert options[options.index("-protocol_whitelist") + 1] == "file", path
    clip_input = ffmpeg.media_input(clip.path or Path())
    assert clip_input[-2:] == ["-i", "/in/clip.mp4"]
