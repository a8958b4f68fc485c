"""Voice stage: speak each sentence, join them into one WAV, and record where each lies.

Sentence spans come from sample counts as the audio is written, so they are exact; nothing is
measured afterwards. Silence that the engine leaves at the edges of a sentence is trimmed so
that a sentence's start is its speech onset, and the pause between sentences is ours to set.
"""

from __future__ import annotations

import wave
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

import numpy as np

from videorender.pipeline import deadline, ffmpeg
from videorender.pipeline.models import (
    Progress,
    ProgressCallback,
    SentenceTiming,
    Stage,
    VoiceTrack,
)
from videorender.pipeline.render import FFMPEG_NICENESS
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
        JobTimeoutError: the job's time limit passed (checked between sentences).
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
            deadline.check(Stage.TTS.value)  # the job's time limit, between sentences
            samples = trim_silence(_speak(engine, sentence.text, cache), rate)
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


def _speak(engine: TTSEngine, text: str, cache: SpeechCache | None) -> Samples:
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


def adopt_voice(source: Path, paced: VoiceTrack, output: Path, *, timeout_s: float) -> VoiceTrack:
    """Use a caller's recording as the narration, converted to a mono WAV at `output`.

    Sentence spans come from `paced` (the script spoken by our engine), stretched to the
    recording's length: an estimate that holds when the speaker keeps an even pace. A real
    aligner replaces this timing source later; the rest of the pipeline does not change.

    Raises:
        FFmpegError: the recording could not be converted.
    """
    ffmpeg.run_ffmpeg(
        ffmpeg.build_wav_argv(source, output),
        stage="voiceover",
        timeout_s=timeout_s,
        niceness=FFMPEG_NICENESS,
    )
    with wave.open(str(output), "rb") as wav:
        rate = wav.getframerate()
        duration_ms = wav.getnframes() * 1000 // rate
    return VoiceTrack(
        path=output,
        sample_rate=rate,
        duration_ms=duration_ms,
        sentences=fit_timings(paced.sentences, paced.duration_ms, duration_ms),
    )


def fit_timings(
    sentences: Sequence[SentenceTiming], from_ms: int, to_ms: int
) -> tuple[SentenceTiming, ...]:
    """Scale sentence spans laid out over `from_ms` onto `to_ms`, keeping their order."""
    if from_ms <= 0:
        return tuple(sentences)

    def scale(ms: int) -> int:
        return min(to_ms, ms * to_ms // from_ms)

    return tuple(replace(s, start_ms=scale(s.start_ms), end_ms=scale(s.end_ms)) for s in sentences)
