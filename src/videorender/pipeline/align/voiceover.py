"""Alignment stage: sentence times in a provided voiceover, without a speech recogniser.

The approach aeneas made known, in our own code: speak the script with our own TTS voice, whose
sentence times we know exactly from sample counts (the *reference*); compute frame features of
the reference and of the recording; warp one onto the other with dynamic time warping; and map
every reference time through the warping path.

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

Confidence is the mean local cost along the path relative to the cost of matching unrelated
frames of the same two signals. A recording that does not say the script (another text, music)
has no low-cost path; then sentences are spread over the recording's speech activity instead and
a warning says so.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from enum import Enum
from pathlib import Path

import numpy as np
import numpy.typing as npt

from videorender.errors import MediaError
from videorender.pipeline import ffmpeg
from videorender.pipeline.align.dtw import WarpingPath, fast_dtw
from videorender.pipeline.align.features import (
    HOP_MS,
    BoolArray,
    Features,
    FloatArray,
    features,
    features_from_reader,
    hop_samples,
    runs,
    speech_activity,
)
from videorender.pipeline.media import MediaLimits, checked_media
from videorender.pipeline.models import (
    Progress,
    ProgressCallback,
    SentenceTiming,
    Stage,
    WordTiming,
)
from videorender.pipeline.script import Sentence
from videorender.pipeline.stage_config import TTSConfig
from videorender.pipeline.tts import TTSEngine, create_engine
from videorender.pipeline.tts.cache import SpeechCache
from videorender.pipeline.voice import speak_sentence, speech_bounds, word_spans

log = logging.getLogger(__name__)

IntArray = npt.NDArray[np.int64]

DECODE_RATE = 16_000  # recordings are analysed at 16 kHz mono: speech needs no more
REFERENCE_EDGE_MS = 300  # silence before the first and after the last reference sentence
REFERENCE_PAUSE_MS = 300  # silence between reference sentences
PAUSE_FRAMES = 5  # a pause of any length keeps this many frames (100 ms) for the warping
SPEECH_WEIGHT = 3.0  # distance between a speech and a silence frame, ~ unrelated speech frames
DTW_RADIUS = 24  # frames (480 ms) of slack around the coarser path at each DTW level
# Confidence = 1 - path cost / cost of warping onto the reference played backwards, so 0 is
# "no better than chance". Recordings of the script measured 0.13 (espeak-ng, the least alike
# voice we have) to 0.54 (Piper at other speeds); other texts, the script shuffled, music
# -0.01 to 0.04: see docs/alignment.md.
MIN_CONFIDENCE = 0.06
# Speech in the recording per second of reference speech: outside this, it is not the script.
SPEECH_RATIO_RANGE = (0.4, 2.5)
MIN_CAPTION_MS = 200
PROGRESS_SPEECH_SHARE = 0.9  # of the align progress, once decoding is done


class AlignmentMethod(str, Enum):
    """How the sentence times were found."""

    DTW = "dtw"  # warped onto the spoken script
    SPEECH_ACTIVITY = "speech-activity"  # the recording did not match: spread over its speech


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
class AlignmentResult:
    """Sentence times in the recording, how sure we are, and what went wrong.

    `confidence` runs from 0 (no better than chance) to 1; below MIN_CONFIDENCE the times
    come from speech activity instead (`method`), and `warnings` says so. `time_map` maps any
    time of the reference speech (e.g. a word's start) to the recording.
    """

    sentences: tuple[SentenceTiming, ...]
    confidence: float
    method: AlignmentMethod
    warnings: tuple[str, ...]
    duration_ms: int
    time_map: TimeMap
    reference: tuple[SentenceTiming, ...]


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


# --- the integration point --------------------------------------------------------------------


def timings_for_voiceover(
    sentences: Sequence[Sentence],
    recording: Path,
    tts: TTSConfig,
    *,
    workdir: Path,
    timeout_s: float,
    on_progress: ProgressCallback | None = None,
) -> AlignmentResult:
    """Sentence times of `sentences` in the provided voiceover `recording`.

    Speaks the script with the Piper voice (through the speech cache), then aligns. Piper
    whatever TTS_PROVIDER says: it is ~15x faster than Kokoro, and the confidence threshold
    was calibrated on it; the reference is never heard.
    Progress is reported as Stage.TTS while speaking and Stage.ALIGN while aligning.

    Raises:
        MediaError: the recording is unreadable, has no audio stream, or no audio.
        TTSError: the TTS engine failed.
        FFmpegError: decoding failed for another reason.
    """
    check_voiceover(recording)
    engine = create_engine(tts, provider="piper")
    cache = SpeechCache(tts.cache_dir, tts.cache_max_mb * 1024 * 1024)
    reference = speak_reference(engine, sentences, cache=cache, on_progress=on_progress)
    return align_recording(
        reference,
        recording,
        workdir=workdir,
        timeout_s=timeout_s,
        on_progress=on_progress,
    )


def check_voiceover(recording: Path, limits: MediaLimits | None = None) -> None:
    """Probe a provided voiceover before any work is spent on it.

    Raises:
        MediaError: it is missing, empty, not media, truncated, longer than
            MAX_VOICEOVER_SECONDS, or has no audio stream.
    """
    limits = limits or MediaLimits()
    checked_media(recording, "voiceover", limits.max_voiceover_seconds)
    if not ffmpeg.has_audio_stream(recording):
        raise MediaError(f"voiceover {recording.name!r} has no audio stream", "voiceover")


# --- the reference ----------------------------------------------------------------------------


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


# --- the recording ----------------------------------------------------------------------------


def recording_features(recording: Path, workdir: Path, *, timeout_s: float) -> Features:
    """Decode the recording to 16 kHz mono PCM (a temporary file) and compute its features a
    block at a time, so memory does not grow with its length.

    Raises:
        MediaError: FFmpeg found no audio in it.
        FFmpegError: decoding failed.
    """
    raw = workdir / "voiceover.s16"
    ffmpeg.run_ffmpeg(
        ffmpeg.build_decode_pcm_argv(recording, raw, DECODE_RATE),
        stage="align (decoding the voiceover)",
        timeout_s=timeout_s,
    )
    try:
        total = raw.stat().st_size // 2
        if total == 0:
            raise MediaError(f"voiceover {recording.name!r} contains no audio", "voiceover")

        def read(start: int, count: int) -> npt.NDArray[np.int16]:
            return np.fromfile(raw, dtype=np.int16, count=count, offset=2 * start)

        return features_from_reader(read, total, DECODE_RATE)
    finally:
        raw.unlink(missing_ok=True)


# --- alignment --------------------------------------------------------------------------------


def align_recording(
    reference: Reference,
    recording: Path,
    *,
    workdir: Path,
    timeout_s: float,
    on_progress: ProgressCallback | None = None,
) -> AlignmentResult:
    """Find the reference's sentences in the recording.

    Raises:
        MediaError: the recording has no audio.
        FFmpegError: decoding failed.
    """
    target = recording_features(recording, workdir, timeout_s=timeout_s)
    if on_progress:
        on_progress(Progress(Stage.ALIGN, 1.0 - PROGRESS_SPEECH_SHARE))
    result = align_features(reference, target)
    if on_progress:
        on_progress(Progress(Stage.ALIGN, 1.0))
    for warning in result.warnings:
        log.warning("voiceover %s: %s", recording.name, warning)
    return result


def align_features(reference: Reference, target: Features) -> AlignmentResult:
    """Align reference features to the recording's features (the numpy part of the stage)."""
    ref = _sequence(reference.features)
    rec = _sequence(target)
    warnings: list[str] = []
    if rec.speech_frames == 0 or ref.speech_frames == 0:
        warnings.append(
            "no speech found in the voiceover: subtitles are spread evenly over it, "
            "not aligned to it"
        )
        time_map = _even_map(reference.duration_ms, target.duration_ms)
        return _result(reference, time_map, 0.0, AlignmentMethod.SPEECH_ACTIVITY, warnings)
    path = fast_dtw(rec.frames, ref.frames, radius=DTW_RADIUS)
    confidence = _confidence(path, rec, ref)
    ratio = rec.speech_frames / ref.speech_frames
    low, high = SPEECH_RATIO_RANGE
    if confidence >= MIN_CONFIDENCE and low <= ratio <= high:
        time_map = _path_map(path, rec, ref, target.duration_ms)
        return _result(reference, time_map, confidence, AlignmentMethod.DTW, warnings)
    reason = (
        f"alignment confidence {confidence:.2f}, needs {MIN_CONFIDENCE:.2f}"
        if confidence < MIN_CONFIDENCE
        else f"it has {ratio:.1f}x the speech of the script read by our voice"
    )
    warnings.append(
        f"the voiceover does not seem to say the script ({reason}): subtitles are spread over "
        "its speech, not aligned to it"
    )
    time_map = _speech_spread_map(rec, ref, target.duration_ms)
    return _result(reference, time_map, confidence, AlignmentMethod.SPEECH_ACTIVITY, warnings)


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


def _speech_spread_map(rec: _Sequence, ref: _Sequence, duration_ms: int) -> TimeMap:
    """Fallback: the n-th part of the reference's speech goes to the n-th part of the
    recording's speech (the diagonal of the pause-free timelines)."""
    ref_frames = ref.original[ref.speech]
    rec_frames = rec.original[rec.speech]
    position = np.arange(len(ref_frames)) * len(rec_frames) // len(ref_frames)
    return _anchors(ref_frames, rec_frames[position], duration_ms)


def _even_map(reference_ms: int, duration_ms: int) -> TimeMap:
    frames = np.arange(max(1, reference_ms // HOP_MS), dtype=np.int64)
    rec = frames * duration_ms // max(1, len(frames))
    return TimeMap(frames * HOP_MS, rec, np.minimum(rec + HOP_MS, duration_ms), duration_ms)


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


def _result(
    reference: Reference,
    time_map: TimeMap,
    confidence: float,
    method: AlignmentMethod,
    warnings: list[str],
) -> AlignmentResult:
    starts = time_map.many([s.start_ms for s in reference.sentences])
    ends = time_map.many([s.end_ms for s in reference.sentences])
    return AlignmentResult(
        sentences=_tidy(reference.sentences, starts, ends, time_map),
        confidence=round(confidence, 3),
        method=method,
        warnings=tuple(warnings),
        duration_ms=time_map.duration_ms,
        time_map=time_map,
        reference=reference.sentences,
    )


def _tidy(
    sentences: Sequence[SentenceTiming], starts: IntArray, ends: IntArray, time_map: TimeMap
) -> tuple[SentenceTiming, ...]:
    """Captions in order, each at least MIN_CAPTION_MS long where room allows, none overlapping
    the next; their words mapped the same way and kept inside them."""
    duration_ms = time_map.duration_ms
    starts = np.maximum.accumulate(np.clip(starts, 0, duration_ms))
    following = np.append(starts[1:], duration_ms)
    ends = np.minimum(np.maximum(ends, starts + MIN_CAPTION_MS), following)
    ends = np.maximum(ends, starts)
    return tuple(
        SentenceTiming(
            index=s.index,
            text=s.text,
            start_ms=int(b),
            end_ms=int(e),
            words=_mapped_words(s.words, time_map, int(b), int(e)),
            words_estimated=s.words_estimated,
        )
        for s, b, e in zip(sentences, starts, ends, strict=True)
    )


def _mapped_words(
    words: Sequence[WordTiming], time_map: TimeMap, start_ms: int, end_ms: int
) -> tuple[WordTiming, ...]:
    """Reference word times in the recording, in order, inside their sentence's span."""
    if not words:
        return ()
    firsts = np.maximum.accumulate(
        np.clip(time_map.many([w.start_ms for w in words]), start_ms, end_ms)
    )
    lasts = np.clip(time_map.many([w.end_ms for w in words]), firsts, end_ms)
    lasts = np.minimum(lasts, np.append(firsts[1:], end_ms))
    return tuple(
        WordTiming(w.text, int(a), int(b)) for w, a, b in zip(words, firsts, lasts, strict=True)
    )
