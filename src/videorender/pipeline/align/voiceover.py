"""Alignment stage: sentence and word times in a voiceover the caller provides.

The method depends on the script's language:
- **English: acoustic forced alignment** (`acoustic.py`). PocketSphinx's US English model,
  which ships inside its wheel, finds every word of the script in the recording; sentence times
  come from their first and last words. No TTS reference is spoken: it works for any speaker.
- **Other languages: warping onto a spoken reference, snapped to pauses.** Kokoro speaks the
  script in that language (`warp.py` warps the recording onto it), and each sentence start goes
  to the recording's nearest fitting pause (`pauses.py`: a dynamic programme over the pauses,
  scored by the sentences' expected lengths and the warp's estimates).

When the recording does not seem to say the script (low confidence: another text, the script
shuffled, music), sentences are placed at the recording's pauses by their expected lengths alone,
and a warning says so (in `AlignmentResult.warnings`, hence `RenderResult.warnings` and the CLI's
output). A recording without speech gets its sentences spread evenly, with a warning.
"""

from __future__ import annotations

import contextlib
import dataclasses
import functools
import logging
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from enum import Enum
from pathlib import Path

import numpy as np
import numpy.typing as npt

from videorender.errors import MediaError
from videorender.pipeline.align.acoustic import MIN_CONFIDENCE as MIN_ACOUSTIC_CONFIDENCE
from videorender.pipeline.align.acoustic import align_words, fill_gaps
from videorender.pipeline.align.features import (
    HOP_MS,
    BoolArray,
    Features,
    features_from_reader,
)
from videorender.pipeline.align.pauses import snap_to_pauses, speech_before, spread_over_speech
from videorender.pipeline.align.pcm import Pcm, decoded
from videorender.pipeline.align.pronounce import build_lexicon
from videorender.pipeline.align.vad import voice_activity
from videorender.pipeline.align.warp import Reference, Warp, speak_reference, warp
from videorender.pipeline.models import (
    Progress,
    ProgressCallback,
    SentenceTiming,
    Stage,
    WordTiming,
)
from videorender.pipeline.render.media import MediaLimits, checked_media
from videorender.pipeline.stage_config import TTSConfig
from videorender.pipeline.text.script import Sentence
from videorender.pipeline.text.word_split import split_words
from videorender.pipeline.tts import create_engine
from videorender.pipeline.tts.cache import SpeechCache

log = logging.getLogger(__name__)

IntArray = npt.NDArray[np.int64]
Span = tuple[int, int]

ENGLISH = "en"
MIN_CAPTION_MS = 200
SENTENCE_TAIL_MS = 60  # a caption ends this long after its last word, as our voices' do
DECODED_SHARE = 0.1  # of the align progress, once the recording is decoded and measured
DISAGREE_SPEECH_MS = 300  # speech between an aligned start and its estimate: not the same start


class AlignmentMethod(str, Enum):
    """How the sentence times were found."""

    ACOUSTIC = "acoustic"  # English: every word found by the acoustic model
    DTW = "dtw"  # warped onto the script spoken by our voice, starts snapped to pauses
    PAUSES = "pauses"  # it did not match: sentences placed at its pauses by their lengths
    EVEN = "even"  # no speech at all: spread evenly
    ESTIMATES = "estimates"  # a transcriber's times, starts snapped to pauses


@dataclass(frozen=True, eq=False)
class AlignmentResult:
    """Sentence (and word) times in the recording, how sure we are, and what went wrong.

    `confidence` runs from 0 (no better than chance) to 1, on each method's own scale (see
    docs/alignment.md); below its threshold the times come from the pauses instead (`method`),
    and `warnings` says so.
    """

    sentences: tuple[SentenceTiming, ...]
    confidence: float
    method: AlignmentMethod
    warnings: tuple[str, ...]
    duration_ms: int


@dataclass(frozen=True)
class Voiceover:
    """A provided voiceover, the scratch folder its decoding writes to, and FFmpeg's time limit.

    Every aligner below decodes it once and measures its speech (`_listening`), so each raises
    MediaError when it has no audio, and FFmpegError when decoding fails.
    """

    path: Path
    workdir: Path
    timeout_s: float


def is_english(language: str) -> bool:
    """Whether a language tag ("en", "en-GB", "en_us") is English."""
    return language.strip().lower().replace("_", "-").split("-")[0] == ENGLISH


# --- the integration point --------------------------------------------------------------------


def timings_for_voiceover(
    sentences: Sequence[Sentence],
    recording: Path,
    tts: TTSConfig,
    *,
    workdir: Path,
    timeout_s: float,
    on_progress: ProgressCallback | None = None,
    language: str = ENGLISH,
) -> AlignmentResult:
    """Sentence and word times of `sentences` (in `language`) in the provided voiceover.

    English needs nothing but the recording. Other languages are first spoken by Kokoro in
    that language (through the speech cache; progress as Stage.TTS), as the reference.

    Raises:
        MediaError: the recording is unreadable, has no audio stream, or no audio.
        TTSError: the TTS engine failed (other languages).
        FFmpegError: decoding failed for another reason.
    """
    check_voiceover(recording)
    provided = Voiceover(recording, workdir, timeout_s)
    if is_english(language):
        return align_english(sentences, provided, on_progress=on_progress)
    engine = create_engine(tts, provider="kokoro", language=language)
    cache = SpeechCache(tts.cache_dir, tts.cache_max_mb * 1024 * 1024)
    reference = speak_reference(engine, sentences, cache=cache, on_progress=on_progress)
    return align_to_reference(reference, provided, on_progress=on_progress)


def check_voiceover(recording: Path, limits: MediaLimits | None = None) -> None:
    """Probe a provided voiceover before any work is spent on it.

    Raises:
        MediaError: it is missing, empty, not media, truncated, longer than
            MAX_VOICEOVER_SECONDS, or has no audio stream.
    """
    limits = limits or MediaLimits()
    if not checked_media(recording, "voiceover", limits.max_voiceover_seconds).has_audio:
        raise MediaError(f"voiceover {recording.name!r} has no audio stream", "voiceover")


# --- English: the acoustic model --------------------------------------------------------------


def align_english(
    sentences: Sequence[Sentence],
    recording: Voiceover,
    *,
    estimated: Sequence[SentenceTiming] | None = None,
    on_progress: ProgressCallback | None = None,
) -> AlignmentResult:
    """Every word of `sentences` found in the recording by PocketSphinx (see `acoustic.py`).
    `estimated`: another method's times for the same sentences (a transcriber's), which
    overrule the decoder where it lost its place (`_checked`).

    Raises what decoding the recording raises (see `Voiceover`).
    """
    report = _align_progress(on_progress)
    words = [split_words(s.text) for s in sentences]
    tokens = [w for sentence in words for w in sentence]
    with _listening(recording) as heard:
        report(DECODED_SHARE)
        speech, duration = heard.speech, heard.duration_ms
        if not speech.any():
            return _logged(recording, _evenly(sentences, duration))
        lexicon = build_lexicon(tokens)
        sentence_starts = np.cumsum([0, *map(len, words[:-1])]).tolist()
        found = align_words(
            heard.pcm,
            lexicon,
            speech,
            heard.features.energy_db,
            sentence_starts=sentence_starts,
            workdir=recording.workdir,
            on_progress=lambda f: report(DECODED_SHARE + (1 - DECODED_SHARE) * f),
        )
    confidence = found.confidence
    if confidence < MIN_ACOUSTIC_CONFIDENCE:
        warning = (
            f"the voiceover does not seem to say the script (alignment confidence "
            f"{confidence:.2f}, needs {MIN_ACOUSTIC_CONFIDENCE:.2f})"
        )
        weights = [_letters(s.text) for s in sentences]
        fallback = _by_pauses(sentences, weights, speech, duration, confidence, warning)
        return _logged(recording, fallback)
    starts, ends = fill_gaps(found, [_letters(t) for t in tokens], speech, sentence_starts)
    timings, position = [], 0
    for sentence, sentence_words in zip(sentences, words, strict=True):
        span = slice(position, position + len(sentence_words))
        spans = list(zip(starts[span], ends[span], strict=True))
        timings.append(_timing(sentence, sentence_words, spans, estimated=False))
        position = span.stop
    result = AlignmentResult(
        _tidy(timings, duration), round(confidence, 3), AlignmentMethod.ACOUSTIC, (), duration
    )
    if estimated is not None:
        result = _checked(result, estimated, heard, recording)
    return _logged(recording, result)


# --- other languages: the spoken reference ------------------------------------------------------


def align_to_reference(
    reference: Reference,
    recording: Voiceover,
    *,
    on_progress: ProgressCallback | None = None,
) -> AlignmentResult:
    """The reference's sentences found in the recording: warped, then snapped to its pauses.

    Raises what decoding the recording raises (see `Voiceover`).
    """
    report = _align_progress(on_progress)
    heard = _listened(recording)
    report(DECODED_SHARE)
    speech, duration = heard.speech, heard.duration_ms
    sentences = [Sentence(s.index, s.text) for s in reference.sentences]
    warped = warp(reference, heard.features) if speech.any() else None
    report(1.0)
    if warped is None:
        return _logged(recording, _evenly(sentences, duration))
    expected = [max(1, s.duration_ms) for s in reference.sentences]
    if not warped.matches:
        # Voices unlike the reference warp badly even when they say the script (the pause
        # programme then places them well: docs/alignment.md), so the warning cannot say
        # that it is not the script.
        reason = (
            f"alignment confidence {warped.confidence:.2f}, needs {warped.min_confidence:.2f}"
            if warped.confidence < warped.min_confidence
            else f"it has {warped.speech_ratio:.1f}x the speech of the script read by our voice"
        )
        warning = f"the voiceover could not be matched word for word to the script ({reason})"
        fallback = _by_pauses(sentences, expected, speech, duration, warped.confidence, warning)
        return _logged(recording, fallback)
    return _logged(recording, _snapped_warp(reference, warped, speech, duration))


def _snapped_warp(
    reference: Reference, warped: Warp, speech: BoolArray, duration: int
) -> AlignmentResult:
    """Sentence starts at the pauses nearest the warp's estimates (where one fits), ends at
    the last speech before the next start; words mapped through the warp, then stretched with
    their sentence onto its new span."""
    ref = reference.sentences
    expected = [max(1, s.duration_ms) for s in ref]
    estimates = warped.time_map.many([s.start_ms for s in ref])
    starts = snap_to_pauses(speech, expected, [int(e) for e in estimates])
    ends = _ends(starts, speech, duration)
    mapped_starts = warped.time_map.many([s.start_ms for s in ref])
    mapped_ends = warped.time_map.many([s.end_ms for s in ref])
    timings = []
    for k, sentence in enumerate(ref):
        old = (int(mapped_starts[k]), max(int(mapped_ends[k]), int(mapped_starts[k]) + 1))
        new = (starts[k], ends[k])
        spans = [
            (_stretch(int(a), old, new), _stretch(int(b), old, new))
            for a, b in zip(warped.time_map.many([w.start_ms for w in sentence.words]),
                            warped.time_map.many([w.end_ms for w in sentence.words]), strict=True)
        ]  # fmt: skip
        words = [w.text for w in sentence.words]
        timings.append(_timing(Sentence(sentence.index, sentence.text), words, spans,
                               estimated=sentence.words_estimated, span=new))  # fmt: skip
    confidence = round(warped.confidence, 3)
    return AlignmentResult(_tidy(timings, duration), confidence, AlignmentMethod.DTW, (), duration)


def _stretch(t: int, old: Span, new: Span) -> int:
    return new[0] + (t - old[0]) * (new[1] - new[0]) // (old[1] - old[0])


# --- any language: times another method estimated (Whisper) ------------------------------------


def align_estimates(
    estimated: Sequence[SentenceTiming],
    recording: Voiceover,
    *,
    confidence: float = 1.0,
    on_progress: ProgressCallback | None = None,
) -> AlignmentResult:
    """Sentences whose times another method estimated (a transcriber's, with its own
    `confidence`), each start moved to
    the recording's nearest fitting pause (the pause programme, scored by their lengths and the
    distance to the estimates), their words stretched with them onto their new spans.

    Raises what decoding the recording raises (see `Voiceover`).
    """
    report = _align_progress(on_progress)
    heard = _listened(recording)
    report(1.0)
    return _snapped(estimated, heard, confidence)


def _checked(
    found: AlignmentResult,
    estimated: Sequence[SentenceTiming],
    heard: _Heard,
    recording: Voiceover,
) -> AlignmentResult:
    """`found` (the acoustic aligner's times), but where a sentence's start and another
    method's estimate of it (a transcriber's, same sentences) have over DISAGREE_SPEECH_MS of
    speech between them, the estimate snapped to the pauses (as `align_estimates` does)
    instead: the decoder lost its place there. Measured on a 10-minute recording: from minute
    6 on it fell up to 28 s behind while Whisper stayed within 0.8 s. Whisper's own errors (its
    first word stretched back over the pause before it, 2.3 s at most) have no speech between.
    """
    if len(estimated) != len(found.sentences):
        return found
    lost = [
        abs(heard.said_before(a.start_ms) - heard.said_before(e.start_ms)) > DISAGREE_SPEECH_MS
        for a, e in zip(found.sentences, estimated, strict=True)
    ]
    if not any(lost):
        return found
    # Whisper starts its sentences early (its first word reaches back into the pause): by the
    # median of the sentences that agree (~250 ms measured), so the snap finds the right pause.
    kept = [
        a.start_ms - e.start_ms
        for a, e, bad in zip(found.sentences, estimated, lost, strict=True)
        if not bad
    ]
    early = int(np.median(kept)) if kept else 0
    snapped = _snapped([_shifted(e, early) for e in estimated], heard, found.confidence).sentences
    log.info(
        "voiceover %s: %d of %d sentences timed by the estimates (the aligner lost its place)",
        recording.path.name, sum(lost), len(lost),
    )  # fmt: skip
    timings = [e if bad else a for a, e, bad in zip(found.sentences, snapped, lost, strict=True)]
    return dataclasses.replace(found, sentences=_tidy(timings, found.duration_ms))


def _shifted(sentence: SentenceTiming, ms: int) -> SentenceTiming:
    return dataclasses.replace(
        sentence,
        start_ms=max(0, sentence.start_ms + ms),
        end_ms=max(0, sentence.end_ms + ms),
        words=tuple(
            WordTiming(w.text, max(0, w.start_ms + ms), max(0, w.end_ms + ms))
            for w in sentence.words
        ),
    )


def _snapped(
    estimated: Sequence[SentenceTiming], heard: _Heard, confidence: float
) -> AlignmentResult:
    speech, duration = heard.speech, heard.duration_ms
    if not estimated or not speech.any():
        return AlignmentResult(tuple(estimated), 0.0, AlignmentMethod.EVEN, (), duration)
    said = heard.said_before
    expected = [max(1, said(s.end_ms) - said(s.start_ms)) for s in estimated]
    starts = snap_to_pauses(speech, expected, [s.start_ms for s in estimated])
    ends = _ends(starts, speech, duration)
    timings = []
    for sentence, start, end in zip(estimated, starts, ends, strict=True):
        old = (sentence.start_ms, max(sentence.end_ms, sentence.start_ms + 1))
        new = (start, max(end, start + 1))
        spans = [
            (_stretch(w.start_ms, old, new), _stretch(w.end_ms, old, new)) for w in sentence.words
        ]
        words = [w.text for w in sentence.words]
        timings.append(_timing(Sentence(sentence.index, sentence.text), words, spans,
                               estimated=sentence.words_estimated, span=(start, end)))  # fmt: skip
    return AlignmentResult(
        _tidy(timings, duration), round(confidence, 3), AlignmentMethod.ESTIMATES, (), duration
    )


# --- fallbacks ----------------------------------------------------------------------------------


def _by_pauses(  # noqa: PLR0917 (the sentences, and what is known of the recording)
    sentences: Sequence[Sentence],
    expected: Sequence[float],
    speech: BoolArray,
    duration: int,
    confidence: float,
    why: str,
) -> AlignmentResult:
    """Sentences at the recording's pauses by their expected lengths (the pause programme),
    words spread over each sentence's speech by their length, with a warning saying `why`."""
    starts = snap_to_pauses(speech, expected)
    ends = _ends(starts, speech, duration)
    timings = []
    for sentence, start, end in zip(sentences, starts, ends, strict=True):
        words = split_words(sentence.text)
        spans = spread_over_speech([_letters(w) for w in words], (start, end), speech)
        timings.append(_timing(sentence, words, spans, estimated=True))
    warning = f"{why}: subtitles are placed at its pauses by sentence length, not aligned to it"
    return AlignmentResult(
        _tidy(timings, duration), round(max(0.0, confidence), 3), AlignmentMethod.PAUSES,
        (warning,), duration,
    )  # fmt: skip


def _evenly(sentences: Sequence[Sentence], duration: int) -> AlignmentResult:
    count = max(1, len(sentences))
    timings = []
    for k, sentence in enumerate(sentences):
        span = (k * duration // count, (k + 1) * duration // count)
        words = split_words(sentence.text)
        starts = [
            span[0] + (span[1] - span[0]) * n // max(1, len(words)) for n in range(len(words))
        ]
        spans = list(zip(starts, [*starts[1:], span[1]], strict=True))
        timings.append(_timing(sentence, words, spans, estimated=True, span=span))
    warning = (
        "no speech found in the voiceover: subtitles are spread evenly over it, not aligned to it"
    )
    return AlignmentResult(
        _tidy(timings, duration), 0.0, AlignmentMethod.EVEN, (warning,), duration
    )


# --- times into captions ------------------------------------------------------------------------


def _ends(starts: Sequence[int], speech: BoolArray, duration: int) -> list[int]:
    """Each sentence ends where the speech before the next start ends (plus the tail)."""
    spoken = np.flatnonzero(speech)
    ends = []
    for k, start in enumerate(starts):
        limit = starts[k + 1] if k + 1 < len(starts) else duration
        before = spoken[(spoken * HOP_MS >= start) & (spoken * HOP_MS < limit)]
        end = int(before[-1] + 1) * HOP_MS + SENTENCE_TAIL_MS if len(before) else limit
        ends.append(min(end, limit, duration))
    return ends


def _timing(
    sentence: Sentence,
    words: Sequence[str],
    spans: Sequence[Span],
    *,
    estimated: bool,
    span: Span | None = None,
) -> SentenceTiming:
    """A sentence from its words' spans: from its first word to its last (plus the tail)."""
    if span is None:
        span = (spans[0][0], spans[-1][1] + SENTENCE_TAIL_MS) if spans else (0, 0)
    return SentenceTiming(
        index=sentence.index,
        text=sentence.text,
        start_ms=span[0],
        end_ms=span[1],
        words=tuple(WordTiming(w, a, b) for w, (a, b) in zip(words, spans, strict=True)),
        words_estimated=estimated,
    )


def _tidy(sentences: Sequence[SentenceTiming], duration_ms: int) -> tuple[SentenceTiming, ...]:
    """Captions in order, each at least MIN_CAPTION_MS long where room allows, none overlapping
    the next; their words in order and kept inside them."""
    starts = np.maximum.accumulate(np.clip([s.start_ms for s in sentences], 0, duration_ms))
    following = np.append(starts[1:], duration_ms)
    ends = np.clip([s.end_ms for s in sentences], 0, duration_ms)
    ends = np.minimum(np.maximum(ends, starts + MIN_CAPTION_MS), following)
    ends = np.maximum(ends, starts)
    return tuple(
        dataclasses.replace(
            s, start_ms=int(b), end_ms=int(e), words=_kept_inside(s.words, int(b), int(e))
        )
        for s, b, e in zip(sentences, starts, ends, strict=True)
    )


def _kept_inside(words: Sequence[WordTiming], start_ms: int, end_ms: int) -> tuple[WordTiming, ...]:
    if not words:
        return ()
    firsts = np.maximum.accumulate(np.clip([w.start_ms for w in words], start_ms, end_ms))
    lasts = np.clip([w.end_ms for w in words], firsts, end_ms)
    lasts = np.minimum(lasts, np.append(firsts[1:], end_ms))
    return tuple(
        WordTiming(w.text, int(a), int(b)) for w, a, b in zip(words, firsts, lasts, strict=True)
    )


def _letters(word: str) -> int:
    return max(1, sum(ch.isalnum() for ch in word))


@dataclass(frozen=True, eq=False)
class _Heard:
    """The decoded recording, its frame features, and where in it there is speech."""

    pcm: Pcm
    features: Features
    speech: BoolArray

    @property
    def duration_ms(self) -> int:
        return self.pcm.duration_ms

    @functools.cached_property
    def _clock(self) -> npt.NDArray[np.int64]:
        return speech_before(self.speech)

    def said_before(self, ms: int) -> int:
        """Milliseconds of speech before `ms`."""
        return int(self._clock[min(len(self.speech), max(0, ms) // HOP_MS)])


@contextlib.contextmanager
def _listening(recording: Voiceover) -> Iterator[_Heard]:
    """The recording decoded and measured; its PCM can be read until the block ends."""
    with decoded(recording.path, recording.workdir, timeout_s=recording.timeout_s) as pcm:
        feats = features_from_reader(pcm.read, pcm.samples, pcm.rate)
        speech = voice_activity(pcm.read, pcm.samples, feats.energy_db, rate=pcm.rate)
        yield _Heard(pcm, feats, speech)


def _listened(recording: Voiceover) -> _Heard:
    """The recording measured, for aligners that need its features but not its samples."""
    with _listening(recording) as heard:
        return heard


def _align_progress(on_progress: ProgressCallback | None) -> Callable[[float], None]:
    def report(fraction: float) -> None:
        if on_progress:
            on_progress(Progress(Stage.ALIGN, min(1.0, fraction)))

    return report


def _logged(recording: Voiceover, result: AlignmentResult) -> AlignmentResult:
    for warning in result.warnings:
        log.warning("voiceover %s: %s", recording.path.name, warning)
    return result
