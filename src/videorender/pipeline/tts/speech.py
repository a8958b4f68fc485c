"""Voice stage: speak each sentence, join them into one WAV, and record where each lies.

Sentence spans come from sample counts as the audio is written, so they are exact; nothing is
measured afterwards. Silence that the engine leaves at the edges of a sentence is trimmed so
that a sentence's start is its speech onset, and the pause between sentences is ours to set.
Word spans come from the engine's run that made the samples, moved by the same trim; where an
engine gives none, words are spread over the sentence in proportion to their length.
"""

from __future__ import annotations

import json
import wave
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np

from videorender.pipeline.models import (
    Progress,
    ProgressCallback,
    SentenceTiming,
    Stage,
    VoiceTrack,
    WordTiming,
)
from videorender.pipeline.render.scene_plan import SceneTiming
from videorender.pipeline.runtime import deadline
from videorender.pipeline.text.script import Sentence
from videorender.pipeline.text.word_split import split_words
from videorender.pipeline.tts import Samples, Speech, TTSEngine, WordSpan
from videorender.pipeline.tts.cache import SpeechCache
from videorender.pipeline.tts.word_spans import proportional_spans

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
    on_sentence: Callable[[SentenceTiming], None] | None = None,
) -> VoiceTrack:
    """Speak `sentences` one by one into the mono WAV file `output`; `on_sentence` receives
    each sentence's timing as soon as it is written (an exception it raises fails the stage).

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
            speech = speak_sentence(engine, sentence.text, cache)
            first, last = speech_bounds(speech.samples, rate)
            samples = speech.samples[first:last]
            if number:
                wav.writeframes(pause.tobytes())
                written += len(pause)
            start = written
            wav.writeframes(samples.tobytes())
            written += len(samples)
            spans, estimated = word_spans(sentence.text, speech.words, first, len(samples))
            timings.append(
                SentenceTiming(
                    index=sentence.index,
                    text=sentence.text,
                    start_ms=start * 1000 // rate,
                    end_ms=written * 1000 // rate,
                    words=tuple(
                        WordTiming(
                            w.text, (start + w.start) * 1000 // rate, (start + w.end) * 1000 // rate
                        )
                        for w in spans
                    ),
                    words_estimated=estimated,
                )
            )
            if on_sentence:
                on_sentence(timings[-1])
            if on_progress:
                on_progress(Progress(Stage.TTS, (number + 1) / len(sentences)))
    if cache:
        cache.evict()
    return VoiceTrack(
        path=output,
        sample_rate=rate,
        duration_ms=written * 1000 // rate,
        sentences=tuple(timings),
        engine=engine.name,
    )


def write_word_timings(track: VoiceTrack, path: Path, scenes: Sequence[SceneTiming] = ()) -> None:
    """`words.json`: every sentence and word of the voice track with its span in ms, for
    other tools (editors, players, re-captioning); and, for a video of scenes, when each
    scene is on screen and which sentences it speaks."""
    document: dict[str, object] = {
        "engine": track.engine,
        "duration_ms": track.duration_ms,
        "sentences": [
            {
                "index": s.index,
                "text": s.text,
                "start_ms": s.start_ms,
                "end_ms": s.end_ms,
                "words_estimated": s.words_estimated,
                "words": [
                    {"text": w.text, "start_ms": w.start_ms, "end_ms": w.end_ms} for w in s.words
                ],
            }
            for s in track.sentences
        ],
    }
    if scenes:
        document["scenes"] = [
            {
                "index": scene.index,
                "start_ms": scene.start_ms,
                "end_ms": scene.end_ms,
                "first_sentence": scene.first_sentence,
                "sentence_count": scene.sentence_count,
            }
            for scene in scenes
        ]
    path.write_text(json.dumps(document, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")


def speak_sentence(engine: TTSEngine, text: str, cache: SpeechCache | None) -> Speech:
    """One sentence from the engine (samples and word spans), through the speech cache when
    there is one.

    Raises:
        TTSError: the engine failed.
    """
    if cache:
        cached = cache.get(engine.identity, text, engine.sample_rate)
        if cached is not None:
            return cached
    speech = engine.speak(text)
    if cache:
        cache.put(engine.identity, text, speech, engine.sample_rate)
    return speech


def word_spans(
    text: str, spoken: Sequence[WordSpan], offset: int, length: int
) -> tuple[tuple[WordSpan, ...], bool]:
    """The engine's word spans moved by the trim and kept inside the kept samples, or, where
    it gave none for these words, an estimate in proportion to their length."""
    words = split_words(text)
    if [w.text for w in spoken] == words:
        return tuple(
            WordSpan(w.text, _clamp(w.start - offset, length), _clamp(w.end - offset, length))
            for w in spoken
        ), False
    weights = [max(1, sum(ch.isalnum() for ch in word)) for word in words]
    return proportional_spans(words, weights, 0, length), True


def _clamp(value: int, length: int) -> int:
    return max(0, min(length, value))


def speech_bounds(samples: Samples, rate: int) -> tuple[int, int]:
    """Where speech begins and ends in `samples`, with a few milliseconds kept on each side
    (an empty range for silence)."""
    loud = np.flatnonzero(np.abs(samples.astype(np.int32)) > SILENCE_THRESHOLD)
    if loud.size == 0:
        return 0, 0
    first = max(0, int(loud[0]) - rate * KEEP_BEFORE_MS // 1000)
    last = min(len(samples), int(loud[-1]) + 1 + rate * KEEP_AFTER_MS // 1000)
    return first, last


def trim_silence(samples: Samples, rate: int) -> Samples:
    """Cut leading and trailing silence, keeping a few milliseconds on each side."""
    first, last = speech_bounds(samples, rate)
    return samples[first:last]
