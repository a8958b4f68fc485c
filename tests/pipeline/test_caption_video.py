"""Captions for a caller's video, end to end: real Whisper, PocketSphinx, libass and FFmpeg;
the outputs checked with ffprobe and by decoding frames."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import numpy as np
import pysubs2
import pytest

from tests.conftest import Media
from tests.corpus import start_errors
from tests.recordings import Recording
from videorender.errors import InputError, MediaError
from videorender.pipeline.caption_video import CaptionJob, caption_video
from videorender.pipeline.models import RenderOptions, Size
from videorender.pipeline.stage_config import PipelineConfig, TranscribeConfig

FILES = {"final.mp4", "subs.ass", "subs.srt", "subs.vtt", "words.json", "thumbnail.jpg"}


def _streams(path: Path) -> list[dict[str, object]]:
    out = subprocess.run(
        ["ffprobe", "-v", "error", "-show_entries", "stream=codec_type,codec_name,width,height",
         "-of", "json", str(path)],
        check=True, capture_output=True, text=True, timeout=60,
    ).stdout  # fmt: skip
    return list(json.loads(out)["streams"])


def _frame(path: Path, at_s: float) -> np.typing.NDArray[np.uint8]:
    raw = subprocess.run(
        ["ffmpeg", "-v", "error", "-ss", str(at_s), "-i", str(path), "-frames:v", "1",
         "-f", "rawvideo", "-pix_fmt", "gray", "-"],
        check=True, capture_output=True, timeout=60,
    ).stdout  # fmt: skip
    return np.frombuffer(raw, dtype=np.uint8)


@pytest.fixture
def config(whisper_config: TranscribeConfig) -> PipelineConfig:
    return PipelineConfig(transcribe=whisper_config)


def test_a_talking_video_gets_its_captions_burnt_in(
    talking_video: Recording, config: PipelineConfig, tmp_path: Path
) -> None:
    options = RenderOptions(subtitle_style="karaoke", size=Size(256, 144))
    result = caption_video(CaptionJob(talking_video.path, tmp_path / "out", options), config)
    assert {p.name for p in (tmp_path / "out").iterdir()} == FILES
    assert result.burned and result.language == "en" and not result.warnings
    assert result.sentences == 4 and result.size == Size(256, 144)
    streams = _streams(tmp_path / "out" / "final.mp4")
    assert [(s["codec_type"], s["codec_name"]) for s in streams] == [
        ("video", "h264"), ("audio", "aac")
    ]  # fmt: skip
    assert (streams[0]["width"], streams[0]["height"]) == (256, 144)
    subs = pysubs2.load(str(result.subtitles_srt))
    errors = start_errors(talking_video.starts_ms, [e.start for e in subs.events])
    assert np.median(errors) <= 80 and errors.max() <= 300, errors
    said = " ".join(e.plaintext.replace("\n", " ") for e in subs.events).lower()
    assert "measure the wall" in said
    words = json.loads(result.words.read_text())
    assert words["engine"] == "transcript" and len(words["sentences"]) == 4
    # The captions are in the picture: the burnt frame differs from the source's where the
    # caption sits (the bottom of the frame), not above it.
    at = subs.events[0].start / 1000 + 0.5
    burnt = _frame(result.video or Path(), at).reshape(144, 256)
    source = subprocess.run(
        ["ffmpeg", "-v", "error", "-ss", str(at), "-i", str(talking_video.path), "-frames:v", "1",
         "-vf", "scale=256:144", "-f", "rawvideo", "-pix_fmt", "gray", "-"],
        check=True, capture_output=True, timeout=60,
    ).stdout  # fmt: skip
    diff = np.abs(burnt.astype(int) - np.frombuffer(source, np.uint8).reshape(144, 256))
    assert diff[100:].mean() > 3 * diff[:60].mean() + 1


def test_without_burning_the_video_is_copied_untouched(
    talking_video: Recording, config: PipelineConfig, tmp_path: Path
) -> None:
    result = caption_video(CaptionJob(talking_video.path, tmp_path / "out", burn=False), config)
    assert {p.name for p in (tmp_path / "out").iterdir()} == FILES
    assert not result.burned and result.size == Size(320, 180)

    # Stream copy: the same encoded packets as the source.
    def packets(path: Path) -> str:
        return subprocess.run(
            ["ffprobe", "-v", "error", "-select_streams", "v:0", "-show_entries",
             "packet=size", "-of", "csv=p=0", str(path)],
            check=True, capture_output=True, text=True, timeout=60,
        ).stdout  # fmt: skip

    assert packets(result.video or Path()) == packets(talking_video.path)
    assert len(pysubs2.load(str(result.subtitles_srt)).events) >= 4


def test_a_video_without_speech_completes_with_a_warning_and_no_captions(
    speechless_video: Path, config: PipelineConfig, tmp_path: Path
) -> None:
    result = caption_video(CaptionJob(speechless_video, tmp_path / "out"), config)
    assert result.sentences == 0 and not result.burned
    assert result.warnings == ("no speech found in music.mp4: there are no captions",)
    assert result.subtitles_srt.read_text().strip() == ""
    assert pysubs2.load(str(result.subtitles)).events == []
    assert json.loads(result.words.read_text())["sentences"] == []
    assert result.video is not None and result.video.is_file() and result.thumbnail


def test_unusable_videos_and_options_are_refused_before_any_work(
    media: Media, config: PipelineConfig, tmp_path: Path
) -> None:
    with pytest.raises(MediaError, match="has no audio stream") as caught:
        caption_video(CaptionJob(media.silent_video, tmp_path / "a"), config)
    assert caught.value.field == "video"
    with pytest.raises(MediaError, match="has no picture"):
        caption_video(CaptionJob(media.music, tmp_path / "b"), config)
    with pytest.raises(InputError, match=r"subtitle style .nope. is not one of"):
        options = RenderOptions(subtitle_style="nope")
        caption_video(CaptionJob(media.base_short, tmp_path / "c", options), config)
    assert not (tmp_path / "a").exists() and not (tmp_path / "c").exists()
