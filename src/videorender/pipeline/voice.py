"""Voice stage: speak each sentence, join them into one WAV, and record where each lies.

Sentence spans come from sample counts as the audio is written, so they are exact; nothing is
measured afterwards. Silence that the engine leaves at the edges of a sentence is trimmed so
that a sentence's start is its speech onset, and the pause between sentences is ours to set.
"""

from __future__ import annotations

import wave
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from videorender.pipeline.models import (
    Progress,
    ProgressCallback,
    SentenceTiming,
    Stage,
    VoiceTrack,
)
from videorender.pipeline.script import Sentence
from videorender.pipeline.tts import Samples, TTSEngine
from videorender.pipeline.tts.cache import SpeechCache

# Edge trimming: samples quieter than this (about -40 dBFS) count as silence. A little of the
# silence is kept on each side so that soft onsets and trailing fricatives are not clipped.
SILENCE_THRESHOLD = 330
KEEP_BEFORE_MS = 20
KEEP_AFTER_MS = 60


def synthesize_voice(
    engine: TTSEngine,
    sentences: Sequence[Sentence],
    output: Path,
    *,
    pause_ms: int,
    cache: SpeechCache | None = None,
    on_progress: ProgressCallback | None = None,
) -> VoiceTrack:
    """Speak `sentences` one by one into the mono WAV file `output`.

    Raises:
        TTSError: the engine failed on a sentence.
    """
    rate = engine.sample_rate
    pause = np.zeros(rate * pause_ms // 1000, dtype=np.int16)
    timings: list[SentenceTiming] = []
    written = 0
    with wave.open(str(output), "wb") as wav:
        wav.setnchannels(1)
        wav.setsampwidth(2)
        wav.setframerate(rate)
        for number, sentence in enumerate(sentences):
            samples = trim_silence(speak_sentence(engine, sentence.text, cache), rate)
            if number:
                wav.writeframes(pause.tobytes())
                written += len(pause)
            start = written
            wav.writeframes(samples.tobytes())
            written += len(samples)
            timings.append(
                SentenceTiming(
                    index=sentence.index,
                    text=sentence.text,
                    start_ms=start * 1000 // rate,
                    end_ms=written * 1000 // rate,
                )
            )
            if on_progress:
                on_progress(Progress(Stage.TTS, (number + 1) / len(sentences)))
    if cache:
        cache.evict()
    return VoiceTrack(
        path=output, sample_rate=rate, duration_ms=written * 1000 // rate, sentences=tuple(timings)
    )


def speak_sentence(engine: TTSEngine, text: str, cache: SpeechCache | None) -> Samples:
    """One sentence from the engine, through the speech cache when there is one.

    Raises:
        TTSError: the engine failed.
    """
    if cache:
        cached = cache.get(engine.identity, text, engine.sample_rate)
        if cached is not None:
            return cached
    samples = engine.synthesize(text)
    if cache:
        cache.put(engine.identity, text, samples, engine.sample_rate)
    return samples


def trim_silence(samples: Samples, rate: int) -> Samples:
    """Cut leading and trailing silence, keeping a few milliseconds on each side."""
    loud = np.flatnonzero(np.abs(samples.astype(np.int32)) > SILENCE_THRESHOLD)
    if loud.size == 0:
        return samples[:0]
    first = max(0, int(loud[0]) - rate * KEEP_BEFORE_MS // 1000)
    last = min(len(samples), int(loud[-1]) + 1 + rate * KEEP_AFTER_MS // 1000)
    return samples[first:last]
