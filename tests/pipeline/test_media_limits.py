"""Media limits, checked by probing before any work: frame size, duration, truncation. And a
ten-hour base video costs only the part the video uses."""

from __future__ import annotations

import re
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.conftest import Media
from videorender.config import Settings
from videorender.errors import MediaError
from videorender.pipeline.align.voiceover import check_voiceover
from videorender.pipeline.captions.fonts import prepare_fonts_dir
from videorender.pipeline.captions.subtitles import build_subtitles, write_subtitles
from videorender.pipeline.models import Size
from videorender.pipeline.render import ffmpeg
from videorender.pipeline.render.encode import plan_render
from videorender.pipeline.render.media import MediaLimits, check_inputs
from videorender.pipeline.run import RenderJob, render

TEN_HOURS_S = 10 * 3600
TEN_HOURS_FPS = 5


@dataclass(frozen=True)
class LimitMedia:
    ten_hours: Path  # 10 h, 64x36, 5 fps (a one-minute clip concatenated 600 times, copied)
    huge_frame: Path  # 4104x16: over the default 4096-pixel side
    cut_video: Path  # a fast-start MP4 (header first) cut in half: the header still says 6 s
    cut_music: Path  # an MP3 cut in half


def _ffmpeg(*args: str) -> None:
    subprocess.run(["ffmpeg", "-v", "error", "-y", *args], check=True, timeout=120)


@pytest.fixture(scope="module")
def limit_media(tmp_path_factory: pytest.TempPathFactory) -> LimitMedia:
    root = tmp_path_factory.mktemp("limit-media")
    minute, playlist = root / "minute.mp4", root / "playlist.txt"
    m = LimitMedia(root / "ten_hours.mp4", root / "huge_frame.mp4", root / "cut.mp4",
                   root / "cut.mp3")  # fmt: skip
    _ffmpeg(
        "-f", "lavfi", "-i", f"color=c=navy:s=64x36:r={TEN_HOURS_FPS}:d=60", "-c:v", "libx264",
        "-preset", "ultrafast", "-g", "50", "-pix_fmt", "yuv420p", str(minute),
    )  # fmt: skip
    playlist.write_text(f"file '{minute}'\n" * (TEN_HOURS_S // 60))
    _ffmpeg("-f", "concat", "-safe", "0", "-i", str(playlist), "-c", "copy", str(m.ten_hours))
    _ffmpeg(
        "-f", "lavfi", "-i", "color=s=4104x16:r=1:d=1", "-c:v", "libx264", "-preset",
        "ultrafast", "-pix_fmt", "yuv420p", str(m.huge_frame),
    )  # fmt: skip
    whole_video, whole_music = root / "whole.mp4", root / "whole.mp3"
    _ffmpeg(
        "-f", "lavfi", "-i", "testsrc2=s=320x180:r=25:d=6", "-f", "lavfi", "-i", "sine=d=6",
        "-c:v", "libx264", "-preset", "ultrafast", "-c:a", "aac", "-movflags", "+faststart",
        str(whole_video),
    )  # fmt: skip
    _ffmpeg("-f", "lavfi", "-i", "sine=d=6", "-c:a", "libmp3lame", str(whole_music))
    for whole, cut in ((whole_video, m.cut_video), (whole_music, m.cut_music)):
        data = whole.read_bytes()
        cut.write_bytes(data[: len(data) // 2])
        check_inputs(whole, None) if whole.suffix == ".mp4" else check_inputs(None, whole)
    return m


def test_huge_frame_is_refused(limit_media: LimitMedia) -> None:
    with pytest.raises(MediaError, match="is 4104x16; the limit is 4096 pixels a side"):
        check_inputs(limit_media.huge_frame, None)
    check_inputs(limit_media.huge_frame, None, MediaLimits(max_side=4104))  # the setting counts


def test_durations_over_the_limits_are_refused(media: Media) -> None:
    limits = MediaLimits(max_seconds=10, max_voiceover_seconds=2)
    with pytest.raises(MediaError, match=r"base video 'base_long.mp4' lasts 30 s; the limit is 10"):
        check_inputs(media.base_long, None, limits)
    check_inputs(media.base_short, media.music, limits)  # 2 s and 4 s: fine
    with pytest.raises(MediaError, match=r"voiceover 'audio_only.m4a' lasts 3 s; the limit is 2"):
        check_voiceover(media.audio_only, limits)
    with pytest.raises(MediaError, match=r"background music 'music.mp3' lasts 4 s; the limit"):
        check_inputs(None, media.music, MediaLimits(max_seconds=3))


@pytest.mark.parametrize(("name", "what"), [("cut_video", "base video"), ("cut_music", "music")])
def test_files_cut_short_are_refused(limit_media: LimitMedia, name: str, what: str) -> None:
    """A download cut short of a header-first file probes fine: its tail gives it away."""
    path: Path = getattr(limit_media, name)
    ffmpeg.probe(path, what=what)  # the header alone looks whole
    with pytest.raises(MediaError, match=r"is truncated: its header says 6\.\d s but the file"):
        check_inputs(*((path, None) if what == "base video" else (None, path)))


def test_limits_come_from_settings_and_refuse_before_any_speech(
    settings: Settings, media: Media, tmp_path: Path
) -> None:
    strict = settings.model_copy(update={"max_input_seconds": 10})
    with pytest.raises(MediaError, match="lasts 30 s; the limit is 10 s"):
        render(
            RenderJob("Too long a base.", tmp_path / "out", base_video=media.base_long),
            strict.pipeline_config(),
        )
    assert not settings.tts_cache_dir.exists()


def test_ten_hour_base_video_costs_only_the_part_used(
    settings: Settings, limit_media: LimitMedia, tmp_path: Path
) -> None:
    """The render reads (demuxes and decodes) only the seconds the video lasts, not ten
    hours: counted from FFmpeg's own per-stream report of the real render command."""
    inputs = check_inputs(limit_media.ten_hours, None)
    assert inputs.base_info is not None and inputs.base_info.duration_ms == TEN_HOURS_S * 1000
    voice = tmp_path / "voice.wav"
    _ffmpeg("-f", "lavfi", "-i", "sine=f=300:d=2", "-ar", "22050", "-ac", "1", str(voice))
    fonts = tmp_path / "fonts"
    family = prepare_fonts_dir("Ten hours", fonts)
    write_subtitles(build_subtitles([], Size(64, 36), family), tmp_path / "subs.ass")
    plan = plan_render(
        inputs=inputs, voice=voice, voice_ms=2000, subtitles=tmp_path / "subs.ass",
        fonts_dir=fonts, output=tmp_path / "out.mp4", size=Size(64, 36), config=settings.pipeline_config().render,
    )  # fmt: skip
    argv = ffmpeg.build_render_argv(plan)
    argv[argv.index("-loglevel") + 1] = "verbose"  # FFmpeg then reports packets read per input
    result = subprocess.run(argv, capture_output=True, text=True, timeout=120, check=True)
    match = re.search(r"Input stream #0:0 \(video\): (\d+) packets read", result.stderr)
    assert match, result.stderr[-2000:]
    used_s = plan.duration_ms / 1000  # 3 s: the voice and the tail
    # A keyframe interval (10 s) of read-ahead at most; ten hours would be 180,000 packets.
    assert int(match.group(1)) <= (used_s + 10) * TEN_HOURS_FPS
