"""The voice's loudness in NumPy against FFmpeg's ebur128, and the render's loudness scans
starting from the gain it predicts."""

from __future__ import annotations

import logging
import subprocess
import wave
from pathlib import Path

import numpy as np
import pytest

from tests.conftest import Media
from tests.decode import integrated_loudness as ffmpeg_loudness
from videorender.config import Settings
from videorender.pipeline.models import Loudness, RenderPlan, Size
from videorender.pipeline.render.encode import loudness_gain, predicted_gain
from videorender.pipeline.render.loudness import integrated_loudness
from videorender.pipeline.run import narrate

SCRIPT = (
    "Every morning the harbour wakes before the town does. Fishing boats slip out past the "
    "lighthouse while the gulls argue overhead. By nine the market is loud with prices."
)


def _write(path: Path, samples: np.ndarray, rate: int) -> Path:
    with wave.open(str(path), "wb") as track:
        track.setnchannels(1)
        track.setsampwidth(2)
        track.setframerate(rate)
        track.writeframes(samples.astype(np.int16).tobytes())
    return path


def _read(path: Path) -> tuple[np.ndarray, int]:
    with wave.open(str(path), "rb") as track:
        return np.frombuffer(track.readframes(track.getnframes()), np.int16), track.getframerate()


def _generated(tmp_path: Path, source: str, rate: int) -> Path:
    path = tmp_path / f"{source.split('=', maxsplit=1)[0]}-{rate}.wav"
    subprocess.run(
        ["ffmpeg", "-v", "error", "-y", "-f", "lavfi", "-i", source,
         "-ac", "1", "-ar", str(rate), "-c:a", "pcm_s16le", str(path)],
        check=True, timeout=60,
    )  # fmt: skip
    return path


@pytest.mark.parametrize(
    ("source", "rate"),
    [
        ("sine=f=997:d=8", 48_000),  # BS.1770's reference tone
        ("sine=f=100:d=8", 22_050),  # below the shelf, near the high-pass
        ("sine=f=6000:d=8", 24_000),  # on the shelf (+4 dB)
        ("anoisesrc=d=20:c=pink:a=0.2:seed=7", 44_100),
        # speech-like: bursts and pauses, so the gates matter
        (
            "anoisesrc=d=20:c=brown:a=0.5:seed=3,volume='if(lt(mod(t,3),1.2),1,0.001)':eval=frame",
            22_050,
        ),
    ],
)
def test_loudness_matches_ffmpegs_ebur128(tmp_path: Path, source: str, rate: int) -> None:
    path = _generated(tmp_path, source, rate)
    samples, sample_rate = _read(path)
    ours = integrated_loudness(samples, sample_rate)
    assert ours is not None
    assert ours == pytest.approx(ffmpeg_loudness(path), abs=0.3)  # FFmpeg prints 0.1 LU steps


def test_silence_and_a_track_shorter_than_a_block_have_no_loudness() -> None:
    assert integrated_loudness(np.zeros(48_000 * 3, np.int16), 48_000) is None
    tone = (3000 * np.sin(np.arange(4000) * 0.3)).astype(np.int16)
    assert integrated_loudness(tone, 48_000) is None  # 83 ms: no 400 ms block


def test_a_long_track_is_measured_in_pieces_like_a_short_one(tmp_path: Path) -> None:
    """The track is filtered a few seconds at a time (60 s: ten pieces): the joins between
    pieces must not change the result."""
    path = _generated(tmp_path, "anoisesrc=d=60:c=pink:a=0.3:seed=11", 22_050)
    samples, rate = _read(path)
    whole = integrated_loudness(samples, rate)
    assert whole == pytest.approx(ffmpeg_loudness(path), abs=0.3)


def test_an_unreadable_or_silent_voice_predicts_no_gain(tmp_path: Path) -> None:
    assert predicted_gain(tmp_path / "missing.wav", -14.0) == 0.0
    (tmp_path / "junk.wav").write_bytes(b"not a wave file")
    assert predicted_gain(tmp_path / "junk.wav", -14.0) == 0.0
    silent = _write(tmp_path / "silent.wav", np.zeros(22_050 * 2), 22_050)
    assert predicted_gain(silent, -14.0) == 0.0


def test_the_first_scan_starts_near_the_answer_for_the_bundled_voice(
    settings: Settings, media: Media, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """The real Piper voice mixed with music: the gain predicted from the voice alone lands
    the first scan within 1 LU of the target (from 0 dB it was ~6 LU off and took 3 scans),
    and the scans still end within their tolerance."""
    config = settings.pipeline_config()
    voice = narrate(SCRIPT, tmp_path / "voice.wav", config)
    plan = RenderPlan(
        voice=voice.path, subtitles=tmp_path / "unused.ass", fonts_dir=tmp_path,
        output=tmp_path / "unused.mp4", size=Size(320, 180), fps=25,
        duration_ms=voice.duration_ms + 500, base_video=None, base_info=None,
        music=media.music, music_volume=0.2, music_fade_out_ms=1000,
        loudness=Loudness(integrated_lufs=config.render.target_lufs),
    )  # fmt: skip
    with caplog.at_level(logging.DEBUG, logger="videorender.pipeline.render.encode"):
        gain = loudness_gain(plan, timeout_s=60)
    scans = [r.getMessage() for r in caplog.records if r.getMessage().startswith("loudness scan")]
    first = float(scans[0].split(":")[1].split()[0])
    assert abs(first - config.render.target_lufs) <= 1.0, scans
    assert len(scans) <= 2, scans
    assert 0 < gain < 20
