"""The voiceover stage's parts: probing the file, the DTW against a spoken reference (used for
languages without an acoustic model), the time map, features. The corpus of voices is in
test_corpus.py."""

from __future__ import annotations

import subprocess
import wave
from pathlib import Path

import numpy as np
import pytest

from tests.conftest import Media
from tests.corpus import SCRIPT
from tests.recordings import human_pauses
from videorender.errors import MediaError
from videorender.pipeline.align.dtw import fast_dtw, windowed_dtw
from videorender.pipeline.align.features import HOP_MS, features, speech_activity
from videorender.pipeline.align.voiceover import (
    AlignmentMethod,
    Voiceover,
    align_to_reference,
    check_voiceover,
    is_english,
)
from videorender.pipeline.align.warp import TimeMap, speak_reference
from videorender.pipeline.text.script import process_script
from videorender.pipeline.tts.piper import load_piper
from videorender.pipeline.tts.speech import speech_bounds, word_spans


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("not_media", "is not a readable media file"),
        ("empty", "is missing or empty"),
        ("silent_video", "has no audio stream"),
    ],
)
def test_unusable_voiceover_is_a_media_error(media: Media, name: str, message: str) -> None:
    path: Path = getattr(media, name)
    with pytest.raises(MediaError, match=message) as caught:
        check_voiceover(path)
    assert path.name in str(caught.value) and "voiceover" in str(caught.value)


@pytest.mark.parametrize(
    ("tag", "english"),
    [("en", True), ("en-GB", True), ("en_us", True), (" EN ", True), ("es", False), ("eno", False)],
)
def test_english_is_told_by_the_language_tag(tag: str, english: bool) -> None:
    assert is_english(tag) is english


# --- the parts ---------------------------------------------------------------------------------


def test_time_map_keeps_offsets_from_the_nearer_edge_of_a_pause() -> None:
    # Reference speech 0-100 ms and 400-500 ms; the recording says them at 1000-1100 and
    # 3000-3100 ms: the 300 ms pause became 1.9 s.
    ref = np.array([0, 20, 40, 60, 80, 400, 420, 440, 460, 480])
    rec = np.array([1000, 1020, 1040, 1060, 1080, 3000, 3020, 3040, 3060, 3080])
    time_map = TimeMap(ref, rec, rec + 20, duration_ms=5000)
    assert time_map(40) == 1040  # inside speech
    assert time_map(50) == 1050
    assert time_map(380) == 2980  # 20 ms before a sentence starts: still 20 ms before it
    assert time_map(160) == 1160  # 60 ms after speech ends: still 60 ms after it
    assert time_map(-100) == 900  # before the first word
    assert time_map(560) == 3160  # after the last
    assert list(time_map.many([0, 500, 9999])) == [1000, 3100, 5000]


def test_windowed_dtw_matches_full_dynamic_programming() -> None:
    rng = np.random.default_rng(3)
    for _ in range(10):
        n, m = (int(v) for v in rng.integers(1, 25, 2))
        x = rng.normal(size=(n, 3)).astype(np.float32)
        y = rng.normal(size=(m, 3)).astype(np.float32)
        path = windowed_dtw(x, y, np.zeros(n, dtype=np.int64), np.full(n, m, dtype=np.int64))
        cost = np.sqrt(((x[:, None] - y[None]) ** 2).sum(-1))
        total = np.full((n + 1, m + 1), np.inf)
        total[0, 0] = 0
        for i in range(1, n + 1):
            for j in range(1, m + 1):
                before = min(total[i - 1, j - 1], total[i - 1, j], total[i, j - 1])
                total[i, j] = cost[i - 1, j - 1] + before
        assert path.cost.sum() == pytest.approx(total[n, m], rel=1e-5)


def test_fast_dtw_recovers_a_known_warp_of_a_long_sequence() -> None:
    rng = np.random.default_rng(5)
    x = (np.cumsum(rng.normal(size=(20_000, 4)), axis=0) / 20).astype(np.float32)
    warp = np.sort(rng.integers(0, len(x), 26_000))  # 30 % slower, unevenly
    y = x[warp] + rng.normal(scale=0.05, size=(len(warp), 4)).astype(np.float32)
    path = fast_dtw(x, y, radius=16)
    first_match = np.full(len(x), -1)
    first_match[path.x[::-1]] = path.y[::-1]
    truth = np.searchsorted(warp, np.arange(len(x)))
    assert np.median(np.abs(first_match - truth)) <= 2


def test_features_put_a_tone_burst_on_the_right_frames() -> None:
    # Over a faint noise: energy alone cannot tell a steady tone over digital silence from
    # steady noise over it (its floor leaves digital silence out).
    rate = 16_000
    samples = np.random.default_rng(1).normal(scale=30, size=rate * 2).astype(np.int16)
    t = np.arange(rate // 2) / rate
    samples[rate // 2 : rate] += (8000 * np.sin(2 * np.pi * 440 * t)).astype(np.int16)
    feats = features(samples, rate)
    assert len(feats) == 2000 // HOP_MS and feats.mfcc.shape == (100, 12)
    speech = np.flatnonzero(speech_activity(feats.energy_db))
    assert abs(speech[0] * HOP_MS - 500) <= HOP_MS and abs(speech[-1] * HOP_MS - 1000) <= HOP_MS


def test_warped_word_times_follow_a_slower_recording(tmp_path: Path) -> None:
    # The DTW path (languages without an acoustic model), snapped to pauses. The recording: the voice's own words (their true spans known from the engine), laid out
    # with human pauses, then slowed to 1/1.3 of the tempo by FFmpeg: every true time x1.3.
    engine = load_piper(None, None, 1, tmp_path / "models")
    sentences = process_script(SCRIPT)
    pauses = [0, *human_pauses(len(sentences) - 1)]
    rate, lead = engine.sample_rate, engine.sample_rate  # one second of lead-in
    pieces, truth = [], []
    position = lead
    for sentence, pause in zip(sentences, pauses, strict=True):
        spoken = engine.speak(sentence.text)
        first, last = speech_bounds(spoken.samples, rate)
        spans, estimated = word_spans(sentence.text, spoken.words, first, last - first)
        assert not estimated
        position += pause * rate // 1000
        pieces.append((position, spoken.samples[first:last]))
        truth += [(position + w.start) * 1300 // rate for w in spans]
        position += last - first
    mix = np.zeros(position + rate, dtype=np.int16)
    for start, samples in pieces:
        mix[start : start + len(samples)] = samples
    normal, slow = tmp_path / "normal.wav", tmp_path / "slow.wav"
    with wave.open(str(normal), "wb") as wav:
        wav.setnchannels(1)
        wav.setsampwidth(2)
        wav.setframerate(rate)
        wav.writeframes(mix.tobytes())
    subprocess.run(
        ["ffmpeg", "-v", "error", "-i", str(normal), "-af", f"atempo={1 / 1.3:.6f}", str(slow)],
        check=True,
    )
    reference = speak_reference(engine, sentences)
    result = align_to_reference(reference, Voiceover(slow, tmp_path, 60))
    assert result.method is AlignmentMethod.DTW
    aligned = [w for s in result.sentences for w in s.words]
    for timing in result.sentences:
        assert all(timing.start_ms <= w.start_ms <= w.end_ms <= timing.end_ms for w in timing.words)
    errors = np.abs(np.array([w.start_ms for w in aligned]) - np.array(truth))
    # Measured: median 9 ms, 90th percentile 24 ms, worst 60 ms.
    assert np.median(errors) <= 40, errors
    assert np.percentile(errors, 90) <= 100, errors
