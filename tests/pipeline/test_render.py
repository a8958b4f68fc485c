"""End to end: the real Piper voice and real FFmpeg, checked by decoding the results."""

from __future__ import annotations

import wave
from pathlib import Path

import numpy as np
import pysubs2
import pytest

from tests.conftest import Media
from tests.decode import duration_s, gray_frame, integrated_loudness, speech_onsets_ms, streams
from videorender.config import Settings
from videorender.errors import MediaError, ScriptError
from videorender.pipeline.captions.fonts import prepare_fonts_dir
from videorender.pipeline.captions.subtitles import build_subtitles, write_subtitles
from videorender.pipeline.models import MediaInfo, RenderOptions, Size
from videorender.pipeline.render.encode import output_size, plan_render, render_video
from videorender.pipeline.render.media import MediaInputs, check_inputs
from videorender.pipeline.render.thumbnail import thumbnail_time_ms
from videorender.pipeline.run import RenderJob, render
from videorender.pipeline.text.script import process_script
from videorender.pipeline.tts import create_engine
from videorender.pipeline.tts.speech import synthesize_voice

SCRIPT = (
    "The harbour was quiet before dawn. Fishermen carried their nets down to the water. "
    "By sunrise, every boat had left the shore. The gulls followed them out to sea."
)
SMALL = Size(320, 180)


pytestmark = pytest.mark.usefixtures("private_tmp")  # see conftest.py


def _voice_ms(path: Path) -> int:
    with wave.open(str(path), "rb") as wav:
        return wav.getnframes() * 1000 // wav.getframerate()


def test_voice_only_on_a_plain_background(
    settings: Settings, tmp_path: Path, private_tmp: Path
) -> None:
    out = tmp_path / "out"
    result = render(
        RenderJob(SCRIPT, out, options=RenderOptions(size=SMALL)), settings.pipeline_config()
    )

    assert sorted(p.name for p in out.iterdir()) == [
        "final.mp4", "subs.ass", "subs.srt", "subs.vtt", "thumbnail.jpg", "voice.wav",
        "words.json",
    ]  # fmt: skip
    found = streams(result.video)
    assert found["video"]["codec_name"] == "h264" and found["audio"]["codec_name"] == "aac"
    assert (found["video"]["width"], found["video"]["height"]) == (320, 180)
    expected_s = (_voice_ms(result.voice) + settings.tail_ms) / 1000
    assert duration_s(result.video) == pytest.approx(expected_s, abs=0.2)
    assert integrated_loudness(result.video) == pytest.approx(settings.target_lufs, abs=1.0)
    thumb = streams(out / "thumbnail.jpg")["video"]
    assert (thumb["width"], thumb["height"]) == (320, 180)
    # It decodes, and it is the video's frame at 10 % (at least 1 s in).
    picture = gray_frame(out / "thumbnail.jpg", 0, 320, 180).astype(int)
    at_ms = thumbnail_time_ms(result.duration_ms, settings.thumbnail_fraction)
    frame = gray_frame(result.video, at_ms, 320, 180).astype(int)
    assert np.abs(picture - frame).mean() < 4
    assert set(result.stage_seconds) == {
        "script",
        "inputs",
        "tts",
        "subtitles",
        "render",
        "thumbnail",
    }
    assert list(private_tmp.iterdir()) == []


def test_short_base_is_looped_under_music_and_keeps_its_size(
    settings: Settings, media: Media, tmp_path: Path
) -> None:
    job = RenderJob(SCRIPT, tmp_path / "out", base_video=media.base_short, music=media.music)
    result = render(job, settings.pipeline_config())
    found = streams(result.video)
    assert (found["video"]["width"], found["video"]["height"]) == (320, 180)
    # The 2 s base and the 4 s music run for the whole narration.
    expected_s = (_voice_ms(result.voice) + settings.tail_ms) / 1000
    assert expected_s > 6
    assert float(str(found["video"]["duration"])) == pytest.approx(expected_s, abs=0.2)
    assert integrated_loudness(result.video) == pytest.approx(settings.target_lufs, abs=1.0)
    late = gray_frame(result.video, int(expected_s * 1000) - 1500, 320, 180)
    assert late.std() > 10  # real picture (the looped test pattern), not a black frame


@pytest.mark.parametrize("size", [Size(320, 180), Size(180, 320)])
def test_long_base_is_cut_and_cropped_to_the_asked_frame(
    settings: Settings, media: Media, tmp_path: Path, size: Size
) -> None:
    job = RenderJob(
        "A short clip over a long video. It should end with the voice.",
        tmp_path / "out",
        base_video=media.base_long,
        options=RenderOptions(size=size),
    )
    result = render(job, settings.pipeline_config())
    found = streams(result.video)
    assert (found["video"]["width"], found["video"]["height"]) == (size.width, size.height)
    expected_s = (_voice_ms(result.voice) + settings.tail_ms) / 1000
    assert expected_s < 10  # far shorter than the 30 s base
    assert duration_s(result.video) == pytest.approx(expected_s, abs=0.2)


def test_subtitle_events_start_at_each_sentences_speech_onset(
    settings: Settings, tmp_path: Path
) -> None:
    result = render(
        RenderJob(SCRIPT, tmp_path / "out", options=RenderOptions(size=SMALL)),
        settings.pipeline_config(),
    )
    events = list(pysubs2.load(str(result.subtitles)))
    sentence_starts = [
        e.start for i, e in enumerate(events) if i == 0 or events[i - 1].end != e.start
    ]
    assert len(sentence_starts) == len(process_script(SCRIPT)) == 4
    search_from = [max(0, start - 200) for start in sentence_starts]
    onsets = speech_onsets_ms(result.voice, search_from)
    for start, onset in zip(sentence_starts, onsets, strict=True):
        assert abs(start - onset) <= 150, (start, onset)


def test_subtitles_are_burned_into_the_picture(
    settings: Settings, media: Media, tmp_path: Path
) -> None:
    sentences = process_script("Captions must be visible on the picture.")
    voice = synthesize_voice(
        create_engine(settings.pipeline_config().tts),
        sentences,
        tmp_path / "voice.wav",
        pause_ms=200,
    )
    fonts = tmp_path / "fonts"
    family = prepare_fonts_dir("Captions", fonts)
    with_subs, without = tmp_path / "with.ass", tmp_path / "without.ass"
    write_subtitles(build_subtitles(voice.sentences, SMALL, family), with_subs)
    write_subtitles(build_subtitles([], SMALL, family), without)
    inputs = check_inputs(media.base_long, None)
    frames = []
    for subs in (with_subs, without):
        plan = plan_render(
            inputs=inputs, voice=voice.path, voice_ms=voice.duration_ms, subtitles=subs,
            fonts_dir=fonts, output=tmp_path / f"{subs.stem}.mp4", size=SMALL, config=settings.pipeline_config().render,
        )  # fmt: skip
        render_video(plan, timeout_s=120)
        frames.append(gray_frame(plan.output, voice.duration_ms // 2, 320, 180))
    difference = np.abs(frames[0].astype(int) - frames[1].astype(int))
    bottom, top = difference[120:], difference[:60]
    assert (bottom > 60).sum() > 200  # bright caption text where the subtitles sit
    assert (top > 60).sum() < (bottom > 60).sum() / 10


@pytest.mark.parametrize(
    ("field", "path_name", "message"),
    [
        ("base_video", "not_media", "base video 'not_media.mp4' is not a readable media file"),
        ("base_video", "truncated", "base video 'truncated.mp4'"),
        ("base_video", "empty", "base video 'empty.mp4' is missing or empty"),
        ("base_video", "audio_only", "base video 'audio_only.m4a' has no video stream"),
        ("music", "silent_video", "background music 'silent_video.mp4' has no audio stream"),
        ("music", "not_media", "background music 'not_media.mp4' is not a readable media file"),
    ],
)
def test_unusable_media_is_refused_before_any_work(
    settings: Settings,
    media: Media,
    tmp_path: Path,
    private_tmp: Path,
    field: str,
    path_name: str,
    message: str,
) -> None:
    out = tmp_path / "out"
    job = RenderJob(SCRIPT, out, **{field: getattr(media, path_name)})
    with pytest.raises(MediaError, match=message.replace("(", r"\(")):
        render(job, settings.pipeline_config())
    assert not out.exists()
    assert list(private_tmp.iterdir()) == []
    assert not settings.tts_cache_dir.exists()  # refused before any speech was made


@pytest.mark.parametrize(
    ("base", "music", "message"),
    [
        ("not_media", "silent_video", "base video 'not_media.mp4'"),  # both bad: base first
        ("base_long", "not_media", "background music 'not_media.mp4'"),
        ("audio_only", "music", "base video 'audio_only.m4a' has no video stream"),
    ],
)
def test_inputs_checked_side_by_side_report_the_base_video_first(
    media: Media, base: str, music: str, message: str
) -> None:
    with pytest.raises(MediaError, match=message.replace("(", r"\(")):
        check_inputs(getattr(media, base), getattr(media, music))


def test_checked_inputs_describe_both_files(media: Media) -> None:
    inputs = check_inputs(media.base_long, media.music)
    assert inputs.base_info is not None and inputs.base_info.has_video
    assert inputs.music == media.music


def test_bad_script_fails_cleanly(settings: Settings, tmp_path: Path, private_tmp: Path) -> None:
    with pytest.raises(ScriptError):
        render(RenderJob("   ", tmp_path / "out"), settings.pipeline_config())
    assert list(private_tmp.iterdir()) == []


@pytest.mark.parametrize(
    ("source", "requested", "expected"),
    [
        (None, None, Size(1920, 1080)),  # no base video
        (Size(1280, 720), None, Size(1280, 720)),  # its own size
        (Size(3840, 2160), None, Size(1920, 1080)),  # capped on the long side
        (Size(2160, 3840), None, Size(1080, 1920)),
        (Size(4000, 3000), None, Size(1920, 1440)),
        (Size(2001, 1125), None, Size(1920, 1078)),  # even sides, for H.264's 4:2:0
        (Size(3840, 2160), Size(1080, 1920), Size(1080, 1920)),  # asked for
    ],
)
def test_default_output_size(source: Size | None, requested: Size | None, expected: Size) -> None:
    info = MediaInfo(10_000, source.width, source.height, 30.0) if source else None
    inputs = MediaInputs(base_video=Path("base.mp4") if source else None, base_info=info)
    assert output_size(requested, inputs, max_long_side=1920) == expected
