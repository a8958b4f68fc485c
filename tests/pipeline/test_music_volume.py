"""A job's own music volume (`music_volume`): carried by the request, refused out of range,
and heard in the mix (the tail after the voice is the music alone)."""

from __future__ import annotations

import subprocess
from pathlib import Path

import numpy as np
import pytest
from pydantic import ValidationError

from tests.conftest import Media
from videorender.cli import EXIT_BAD_INPUT, main
from videorender.config import Settings
from videorender.errors import InputError
from videorender.jobs.models import JobKind, JobRequest
from videorender.pipeline.captions.fonts import prepare_fonts_dir
from videorender.pipeline.captions.subtitles import build_subtitles, write_subtitles
from videorender.pipeline.models import RenderOptions, Size
from videorender.pipeline.render.encode import plan_render, render_video
from videorender.pipeline.render.media import check_inputs
from videorender.pipeline.text.script import process_script
from videorender.pipeline.tts import create_engine
from videorender.pipeline.tts.speech import synthesize_voice
from videorender.requests import RenderRequest


def test_the_volume_travels_with_the_request() -> None:
    body = RenderRequest(script="Hello there.", music_volume=0.5)
    request = body.job_request("http://127.0.0.1:8000/")
    assert request.options.music_volume == 0.5
    stored = JobRequest.from_json(request.to_json())
    assert stored.options.music_volume == 0.5
    assert JobRequest(JobKind.RENDER, "Hi.").options.music_volume is None  # MUSIC_VOLUME


@pytest.mark.parametrize("value", [-0.1, 4.5])
def test_a_volume_out_of_range_is_refused(value: float) -> None:
    with pytest.raises(ValidationError, match="music_volume"):
        RenderRequest(script="Hello there.", music_volume=value)
    with pytest.raises(InputError, match="music volume") as caught:
        RenderOptions.from_dict({"music_volume": value})
    assert caught.value.field == "music_volume"


def test_the_cli_refuses_a_bad_volume(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as caught:
        main(["render", "-", "--music-volume", "loud"])
    assert caught.value.code == EXIT_BAD_INPUT
    assert "0 to 4" in capsys.readouterr().err


def _tail_rms(video: Path, seconds: float) -> float:
    """RMS of the audio's last `seconds` (16-bit samples)."""
    pcm = subprocess.run(
        ["ffmpeg", "-v", "error", "-sseof", f"-{seconds}", "-i", str(video), "-vn", "-ac", "1",
         "-ar", "16000", "-f", "s16le", "-"],
        capture_output=True, check=True, timeout=60,
    ).stdout  # fmt: skip
    samples = np.frombuffer(pcm, dtype=np.int16).astype(np.float64)
    return float(np.sqrt(np.mean(samples**2)))


def test_the_job_volume_is_what_the_mix_uses(
    settings: Settings, media: Media, tmp_path: Path
) -> None:
    sentences = process_script("The music follows this sentence.")
    voice = synthesize_voice(
        create_engine(settings.pipeline_config().tts), sentences, tmp_path / "v.wav", pause_ms=0
    )
    fonts = tmp_path / "fonts"
    family = prepare_fonts_dir("The music", fonts)
    subs = tmp_path / "subs.ass"
    write_subtitles(build_subtitles(voice.sentences, Size(160, 90), family), subs)
    inputs = check_inputs(None, media.music)
    tails = {}
    for volume in (0.0, 1.0):
        plan = plan_render(
            inputs=inputs, voice=voice.path, voice_ms=voice.duration_ms, subtitles=subs,
            fonts_dir=fonts, output=tmp_path / f"{volume}.mp4", size=Size(160, 90),
            config=settings.pipeline_config().render, music_volume=volume,
        )  # fmt: skip
        assert plan.music_volume == volume
        render_video(plan, timeout_s=120)
        tails[volume] = _tail_rms(plan.output, 0.6)  # the tail: music only, fading out
    assert tails[0.0] < 30  # silence (dither at most)
    assert tails[1.0] > 10 * max(tails[0.0], 1.0)
