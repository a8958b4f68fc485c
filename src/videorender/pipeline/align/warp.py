"""Warping onto a spoken reference: sentence and word times for any language, without a
speech recogniser.

The approach aeneas made known, in our own code: speak the script with one of our TTS voices,
whose sentence and word times we know exactly from sample counts (the *reference*); compute
frame features of the reference and of the recording; warp one onto the other with dynamic
time warping; and map every reference time through the warping path.

What makes it hold up on real recordings:
- Pauses are collapsed before warping. Each run of non-speech frames keeps at most
  `PAUSE_FRAMES` frames in both signals, so a 3-second breath in the recording and our
  300 ms gap look alike, leading room noise costs nothing, and the path stays near the diagonal
  (which the windowed DTW relies on).
- Non-speech frames carry no spectrum (MFCCs are zeroed) and a speech-activity dimension, so
  silence matches silence whatever the room noise sounds like, and speech never matches silence
  cheaply.
- Times are mapped from speech frames only. A reference time inside a pause (a sentence start
  just before its first word, a sentence end just after its last) keeps its distance to the
  nearer edge of the pause, so long pauses do not pull captions into the silence.

Confidence is the mean local cost along the path relative to the cost of warping onto the
reference played backwards. MFCCs of one voice carry over to another only partly: for voices
unlike the reference the path is rough, which is why the stage (`voiceover.py`) snaps the
sentence starts it gives to the recording's pauses, and uses English's acoustic aligner where it
can.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from videorender.pipeline.align.dtw import WarpingPath, fast_dtw
from videorender.pipeline.align.features import (
    HOP_MS,
    BoolArray,
    Features,
    FloatArray,
    features,
    hop_samples,
    runs,
    speech_activity,
)
from videorender.pipeline.models import (
    Progress,
    ProgressCallback,
    SentenceTiming,
    Stage,
    WordTiming,
)
from videorender.pipeline.text.script import Sentence
from videorender.pipeline.tts import TTSEngine
from videorender.pipeline.tts.cache import SpeechCache
from videorender.pipeline.tts.speech import speak_sentence, speech_bounds, word_spans

IntArray = npt.NDArray[np.int64]

REFERENCE_EDGE_MS = 300  # silence before the first and after the last reference sentence
REFERENCE_PAUSE_MS = 300  # silence between reference sentences
PAUSE_FRAMES = 5  # a pause of any length keeps this many frames (100 ms) for the warping
SPEECH_WEIGHT = 3.0  # distance between a speech and a silence frame, ~ unrelated speech frames
DTW_RADIUS = 24  # frames (480 ms) of slack around the coarser path at each DTW level
# Confidence = 1 - path cost / cost of warping onto the reference played backwards, so 0 is
# "no better than chance". Recordings of the script by voices like the reference measured
# 0.08-0.5; other texts, the script shuffled, music 0.00-0.04: see docs/alignment.md.
MIN_CONFIDENCE = 0.06
# Speech in the recording per second of reference speech: outside this, it is not the script.
SPEECH_RATIO_RANGE = (0.4, 2.5)


@dataclass(frozen=True, eq=False)
class TimeMap:
    """Maps a time in the reference speech to the recording, both in integer ms.

    Anchors are reference speech frames: frame `k` at `reference_ms[k]` (one hop long) matched
    the recording from `first_ms[k]` to `end_ms[k]`. Between anchors that touch, times are
    interpolated; inside a reference pause, a time keeps its distance to the nearer edge of the
    pause, clamped to the recording's pause there. Use it for sentence and word times alike.
    """

    reference_ms: IntArray
    first_ms: IntArray
    end_ms: IntArray
    duration_ms: int
    hop_ms: int = HOP_MS

    def __call__(self, reference_ms: int) -> int:
        return int(self.many(np.array([reference_ms]))[0])

    def many(self, times: npt.ArrayLike) -> IntArray:
        """Map an array of reference times (ms)."""
        t = np.asarray(times, dtype=np.int64)
        a, first, end = self.reference_ms, self.first_ms, self.end_ms
        if len(a) == 0:
            return np.clip(t, 0, self.duration_ms)
        k = np.searchsorted(a, t, side="right") - 1
        kk = np.maximum(k, 0)
        has_next = kk + 1 < len(a)
        nxt = np.minimum(kk + 1, len(a) - 1)
        touching = has_next & (a[nxt] == a[kk] + self.hop_ms)
        # Inside anchor frame kk: towards the next anchor's start, or this frame's end.
        target = np.where(touching, first[nxt], end[kk])
        inside = first[kk] + (t - a[kk]) * (target - first[kk]) // self.hop_ms
        # In the pause after kk: [gap_start, gap_end) in the reference, [rec_start, rec_end).
        far = np.int64(1 << 60)  # after the last anchor the pause never ends
        gap_start, gap_end = a[kk] + self.hop_ms, np.where(has_next, a[nxt], far)
        rec_end = np.where(has_next, first[nxt], self.duration_ms)
        rec_start = np.minimum(end[kk], rec_end)
        near_start = (t - gap_start) <= (gap_end - t)
        from_start = np.minimum(rec_start + (t - gap_start), rec_end)
        from_end = np.maximum(rec_end - (gap_end - t), rec_start)
        in_gap = np.where(near_start, from_start, from_end)
        before = np.maximum(first[0] - (a[0] - t), 0)
        out = np.where(t < a[kk] + self.hop_ms, inside, in_gap)
        out = np.where(k < 0, before, out)
        return np.clip(out, 0, self.duration_ms).astype(np.int64)


@dataclass(frozen=True, eq=False)
class Reference:
    """The script spoken by our TTS voice: exact sentence times, and its frame features."""

    sentences: tuple[SentenceTiming, ...]
    features: Features
    duration_ms: int


@dataclass(frozen=True, eq=False)
class Warp:
    """The recording warped onto the reference: `time_map` carries reference times into the
    recording; `matches` says whether to believe it (confidence and amount of speech)."""

    time_map: TimeMap
    confidence: float
    speech_ratio: float  # recording speech per second of reference speech

    min_confidence = MIN_CONFIDENCE

    @property
    def matches(self) -> bool:
        low, high = SPEECH_RATIO_RANGE
        return self.confidence >= MIN_CONFIDENCE and low <= self.speech_ratio <= high


@dataclass(frozen=True, eq=False)
class _Sequence:
    """One signal as DTW sees it: pauses collapsed, non-speech frames without spectrum."""

    frames: FloatArray  # (kept frames, N_MFCC + 1)
    original: IntArray  # frame index in the signal of each kept frame
    speech: BoolArray  # per kept frame
    total_frames: int

    @property
    def speech_frames(self) -> int:
        return int(self.speech.sum())


def speak_reference(
    engine: TTSEngine,
    sentences: Sequence[Sentence],
    *,
    cache: SpeechCache | None = None,
    on_progress: ProgressCallback | None = None,
) -> Reference:
    """Speak each sentence and lay them out with fixed pauses; keep only times and features
    (half an hour of 22 kHz audio would be 80 MB; its features are 7 MB).

    Raises:
        TTSError: the engine failed on a sentence.
    """
    rate = engine.sample_rate
    hop = hop_samples(rate)
    edge, pause = _whole_hops(REFERENCE_EDGE_MS, rate), _whole_hops(REFERENCE_PAUSE_MS, rate)
    parts = [features(np.zeros(edge, dtype=np.int16), rate)]
    timings: list[SentenceTiming] = []
    position = edge
    for number, sentence in enumerate(sentences):
        spoken = speak_sentence(engine, sentence.text, cache)
        first, last = speech_bounds(spoken.samples, rate)
        speech = spoken.samples[first:last]
        spans, estimated = word_spans(sentence.text, spoken.words, first, len(speech))
        # Whole hops per piece keep every piece's frames on the global grid.
        padded = -(-len(speech) // hop) * hop
        piece = np.zeros(padded + pause, dtype=np.int16)
        piece[: len(speech)] = speech
        parts.append(features(piece, rate))
        timings.append(
            SentenceTiming(
                index=sentence.index,
                text=sentence.text,
                start_ms=position * 1000 // rate,
                end_ms=(position + len(speech)) * 1000 // rate,
                words=tuple(
                    WordTiming(
                        w.text,
                        (position + w.start) * 1000 // rate,
                        (position + w.end) * 1000 // rate,
                    )
                    for w in spans
                ),
                words_estimated=estimated,
            )
        )
        position += len(piece)
        if on_progress:
            on_progress(Progress(Stage.TTS, (number + 1) / len(sentences)))
    parts.append(features(np.zeros(edge - pause, dtype=np.int16), rate))
    if cache:
        cache.evict()
    reference_features = Features.concatenate(parts)
    return Reference(tuple(timings), reference_features, reference_features.duration_ms)


def _whole_hops(ms: int, rate: int) -> int:
    return max(1, ms // HOP_MS) * hop_samples(rate)


def warp(reference: Reference, target: Features) -> Warp | None:
    """Warp the recording's features onto the reference's; None when either has no speech."""
    ref = _sequence(reference.features)
    rec = _sequence(target)
    if rec.speech_frames == 0 or ref.speech_frames == 0:
        return None
    path = fast_dtw(rec.frames, ref.frames, radius=DTW_RADIUS)
    return Warp(
        _path_map(path, rec, ref, target.duration_ms),
        _confidence(path, rec, ref),
        rec.speech_frames / ref.speech_frames,
    )


def _sequence(feats: Features) -> _Sequence:
    speech = speech_activity(feats.energy_db)
    keep = speech.copy()
    starts, lengths, values = runs(speech)
    for start, length, value in zip(starts, lengths, values, strict=True):
        if not value:
            keep[start : start + min(int(length), PAUSE_FRAMES)] = True
    original = np.flatnonzero(keep).astype(np.int64)
    kept_speech = speech[original]
    mfcc = feats.mfcc[original]
    if kept_speech.any():
        # Mean and variance normalisation over speech removes the voice's and the room's
        # average colour, which differ between any two recordings and say nothing of the words.
        spoken = mfcc[kept_speech]
        mfcc = (mfcc - spoken.mean(axis=0)) / (spoken.std(axis=0) + 1e-6)
    mfcc = mfcc * kept_speech[:, None]
    frames = np.concatenate([mfcc, SPEECH_WEIGHT * kept_speech[:, None]], axis=1)
    return _Sequence(frames.astype(np.float32), original, kept_speech, len(feats))


def _confidence(path: WarpingPath, rec: _Sequence, ref: _Sequence) -> float:
    """1 - (mean local cost on the path) / (the same for the reference played backwards).

    Any two speech signals can be warped onto each other at some cost, and that cost depends
    on how alike the two voices are; so compare with a path that cannot be right, through the
    same frames in reverse order. A recording of the script warps much more cheaply forwards;
    another text, the script shuffled, or music costs about the same both ways.
    """
    backwards = _Sequence(ref.frames[::-1].copy(), ref.original[::-1], ref.speech[::-1], 0)
    null = fast_dtw(rec.frames, backwards.frames, radius=DTW_RADIUS)
    null_cost = _mean_speech_cost(null, rec, backwards)
    return max(0.0, min(1.0, 1.0 - _mean_speech_cost(path, rec, ref) / max(null_cost, 1e-9)))


def _mean_speech_cost(path: WarpingPath, rec: _Sequence, ref: _Sequence) -> float:
    """Mean local cost over path cells where either frame is speech (matched silences cost
    nothing and would only dilute it)."""
    speech = rec.speech[path.x] | ref.speech[path.y]
    return float(path.cost[speech].mean()) if speech.any() else 0.0


def _path_map(path: WarpingPath, rec: _Sequence, ref: _Sequence, duration_ms: int) -> TimeMap:
    """Anchors from path cells where both frames are speech: for each reference frame, the
    first and last recording frame it was matched with."""
    both = rec.speech[path.x] & ref.speech[path.y]
    ref_frames = ref.original[path.y[both]]
    rec_frames = rec.original[path.x[both]]
    return _anchors(ref_frames, rec_frames, duration_ms)


def _anchors(ref_frames: IntArray, rec_frames: IntArray, duration_ms: int) -> TimeMap:
    """Anchor per distinct reference frame, from matched (reference, recording) frame pairs
    sorted by reference frame."""
    starts = np.flatnonzero(np.diff(ref_frames, prepend=-1))
    first = rec_frames[starts]
    last = np.maximum.reduceat(rec_frames, starts)
    return TimeMap(
        reference_ms=ref_frames[starts] * HOP_MS,
        first_ms=first * HOP_MS,
        end_ms=np.minimum((last + 1) * HOP_MS, duration_ms),
        duration_ms=duration_ms,
    )
