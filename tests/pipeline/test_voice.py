from __future__ import annotations

import wave
from pathlib import Path

import numpy as np

from videorender.config import Settings
from videorender.pipeline.render.thumbnail import thumbnail_time_ms
from videorender.pipeline.text.script import process_script
from videorender.pipeline.tts import Samples, Speech, TTSEngine, create_engine
from videorender.pipeline.tts.cache import SpeechCache
from videorender.pipeline.tts.speech import synthesize_voice, trim_silence


class CountingEngine(TTSEngine):
    """The real engine, counting how often it is asked to speak."""

    def __init__(self, inner: TTSEngine) -> None:
        self.inner = inner
        self.name = inner.name
        self.sample_rate = inner.sample_rate
        self.calls: list[str] = []

    @property
    def identity(self) -> str:
        return self.inner.identity

    def synthesize(self, text: str) -> Samples:
        self.calls.append(text)
        return self.inner.synthesize(text)


def test_sentence_spans_are_exact_and_joined_by_the_pause(
    settings: Settings, tmp_path: Path
) -> None:
    sentences = process_script("The first sentence is here. And the second one follows it now.")
    voice = synthesize_voice(
        create_engine(settings.pipeline_config().tts), sentences, tmp_path / "v.wav", pause_ms=300
    )
    first, second = voice.sentences
    assert first.start_ms == 0
    assert second.start_ms - first.end_ms in (299, 300, 301)
    assert second.end_ms == voice.duration_ms
    with wave.open(str(voice.path), "rb") as wav:
        assert wav.getnframes() * 1000 // wav.getframerate() == voice.duration_ms


def test_repeated_sentences_are_spoken_once(settings: Settings, tmp_path: Path) -> None:
    engine = CountingEngine(create_engine(settings.pipeline_config().tts))
    cache = SpeechCache(tmp_path / "cache", 50 * 1024 * 1024)
    sentences = process_script(
        "This line is said twice. Something else in between here. This line is said twice."
    )
    synthesize_voice(engine, sentences, tmp_path / "a.wav", pause_ms=100, cache=cache)
    assert (
        engine.calls
        == ["This line is said twice.", "Something else in between here."][: len(engine.calls)]
    )
    calls_first_run = len(engine.calls)
    again = synthesize_voice(engine, sentences, tmp_path / "b.wav", pause_ms=100, cache=cache)
    assert len(engine.calls) == calls_first_run
    assert (tmp_path / "a.wav").read_bytes() == (tmp_path / "b.wav").read_bytes()
    assert len(again.sentences) == len(sentences)


def test_cache_stays_within_its_bound(settings: Settings, tmp_path: Path) -> None:
    cache = SpeechCache(tmp_path / "cache", 200_000)
    tone = (np.sin(np.arange(22050) / 5) * 8000).astype(np.int16)  # 44 KB a clip
    for number in range(10):
        cache.put("engine", f"sentence {number}", Speech(tone), 22050)
    cache.evict()
    kept = list((tmp_path / "cache").glob("*/*.npz"))
    assert 0 < len(kept) <= 4
    assert sum(p.stat().st_size for p in kept) <= 200_000
    assert cache.get("engine", "sentence 9", 22050) is not None  # the newest survive


def test_trim_silence_keeps_a_margin_around_speech() -> None:
    rate = 22050
    samples = np.zeros(rate, dtype=np.int16)
    samples[rate // 2 : rate // 2 + 1000] = 5000
    trimmed = trim_silence(samples, rate)
    assert 1000 < len(trimmed) < 1000 + rate * 0.1
    assert trim_silence(np.zeros(100, dtype=np.int16), rate).size == 0


def test_thumbnail_time_is_ten_percent_but_at_least_one_second_in() -> None:
    assert thumbnail_time_ms(60_000, 0.1) == 6000
    assert thumbnail_time_ms(5000, 0.1) == 1000
    assert thumbnail_time_ms(800, 0.1) == 400  # shorter than a second: its middle
