"""English word times in a recording by acoustic forced alignment (PocketSphinx).

PocketSphinx's US English acoustic model and CMUdict ship inside its wheel: nothing is
downloaded. It aligns a short stretch of speech to known words well (tens of ms), but one long
utterance fails outright, so the recording is cut at its pauses into pieces of at most 20 s
(`pauses.cut_pieces`) and they are aligned in order, carrying the position in the text along:

- Each piece is decoded against a small grammar: the script's words from where the last piece
  ended, in order, with the start allowed a few words either side (so one piece's mistake is
  undone by the next) and an end after any word (the decoder finds how far the piece got).
  Silence is allowed between any two words.
- A piece that does not decode is retried together with the next one; if that fails too, its
  words are skipped by the share of speech it holds, and the next piece may start further
  either side. Words never placed by the decoder (skipped, or without a pronunciation) are
  interpolated over the speech between their placed neighbours.

The decoder's acoustic score per frame is relative to the best-scoring model state of that
frame, so it says how well the words fit the audio whatever the voice: `score` is its mean over
the frames of placed words (0 would be a perfect fit). A recording of other words fits badly.
"""

from __future__ import annotations

import contextlib
import dataclasses
import itertools
import math
import os
import re
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import pocketsphinx

from videorender.errors import StageError
from videorender.pipeline.align.features import HOP_MS, BoolArray, FloatArray, runs
from videorender.pipeline.align.pauses import (
    MIN_PAUSE_MS,
    cut_pieces,
    speech_before,
    spread_over_speech,
)
from videorender.pipeline.align.pcm import Pcm
from videorender.pipeline.align.pronounce import Lexicon
from videorender.pipeline.runtime import deadline

FRAME_MS = 10  # PocketSphinx's frame rate is 100 a second
# The decoder's word boundaries came 10-15 ms before the true ones (espeak-ng's word events,
# exact to the sample): a frame's window reaches 15 ms past its start.
ONSET_SHIFT_MS = 10
# A word the decoder starts inside a pause (quiet consonants such as the "th" of "the" look
# like room noise) starts this long before the speech the pause ends with, as our own voices'
# sentences do (their 20 ms, and ~10 ms by which speech activity comes late).
ONSET_LEAD_MS = 30
# A piece may start this many words before or after where the previous one ended (one that
# took words that were not said, or stopped short), at this grammar probability per word.
START_SLACK = (10, 30)
START_OFFSET_PROB = 1e-4
# Inside a piece a sentence may be skipped (the narrator did): measured, a skipped sentence
# is found at 1e-8 to 1e-45, not at 1e-50 (the grammar's and the model's scores meet there).
SKIP_SENTENCE_PROB = 1e-20
MAX_WORDS_PER_SECOND = 5.0  # a piece's grammar holds enough words for 300 wpm
MS_PER_LETTER = 70  # a word the decoder missed at a pause is this long a letter (~14 a second)
GLUED_MS = 20  # ...and a word this close to the one before it was not preceded by a pause
MIN_FILL_LEVEL = 4.0  # samples RMS (-78 dBFS): digital silence is filled at least this loud
MAX_FILLED_ZEROS_MS = 250  # digital silence up to this long inside a piece is filled
EDGE_SILENCE_MS = 300  # silence kept at either end of a piece (the rest is not decoded)
# A piece whose words end this much speech before the piece does stopped short (the grammar
# lets a piece end after any word): it is treated as failed, so it is retried.
UNEXPLAINED_SPEECH_MS = 800
# Confidence: the fit (mean score per frame of placed words) mapped from SCORE_BAD..SCORE_GOOD
# to 0..1, and the share of the words placed mapped from PLACED_BAD..PLACED_GOOD to 0..1; the
# lesser of the two. Recordings of the script measured -1.2 to -2.4 and placed every word;
# other texts and the script shuffled -3.9 to -4.9, placing 8-70 %; music placed 1 %
# (docs/alignment.md).
SCORE_GOOD, SCORE_BAD = -1.0, -4.0
PLACED_GOOD, PLACED_BAD = 0.9, 0.5
MIN_CONFIDENCE = 0.25
SILENCE = "<sil>"
SILENCE_PROB = 0.005  # PocketSphinx's default
FILLERS = frozenset({"<s>", "</s>", SILENCE, "(NULL)", "[NOISE]", "[SPEECH]"})
_ALTERNATIVE = re.compile(r"\(\d+\)$")


@dataclass(frozen=True)
class WordAlignment:
    """Per script word, where the decoder placed it (None where it did not), and how well the
    placed words fit the audio."""

    starts_ms: tuple[int | None, ...]
    ends_ms: tuple[int | None, ...]
    score: float  # mean log-likelihood per frame of placed words, relative to the best state
    scored_frames: int
    pronounceable: int  # words with a pronunciation (the others are never placed)
    pieces: int
    failed_pieces: int

    @property
    def placed(self) -> int:
        return sum(s is not None for s in self.starts_ms)

    @property
    def confidence(self) -> float:
        """0 to 1: whether the recording says these words (see MIN_CONFIDENCE)."""
        if not self.pronounceable or not self.scored_frames:
            return 0.0
        fit = (self.score - SCORE_BAD) / (SCORE_GOOD - SCORE_BAD)
        placed = (self.placed / self.pronounceable - PLACED_BAD) / (PLACED_GOOD - PLACED_BAD)
        return float(np.clip(min(fit, placed), 0.0, 1.0))


@dataclass(frozen=True)
class _Placed:
    unit: int  # index among the pronounceable words
    start_ms: int
    end_ms: int
    log_score: float
    frames: int


def align_words(
    pcm: Pcm,
    lexicon: Lexicon,
    speech: BoolArray,
    energy_db: FloatArray,
    *,
    sentence_starts: Sequence[int] = (),
    workdir: Path,
    on_progress: Callable[[float], None] | None = None,
) -> WordAlignment:
    """Place every word of `lexicon` in the recording `pcm` (speech activity and band energy
    on the features' 20 ms grid, used to cut it into pieces). `sentence_starts` (indices of
    the words that start sentences) let a narrator skip a sentence. `on_progress` gets the
    share of the recording done after each piece.

    Raises:
        StageError: PocketSphinx refused its dictionary or grammar (a bug, not bad input).
        JobTimeoutError: the job's time limit passed (checked between pieces).
    """
    units = [k for k, word in enumerate(lexicon.words) if word is not None]
    if not units:
        nothing = (None,) * len(lexicon.words)
        return WordAlignment(nothing, nothing, 0.0, 0, 0, 0, 0)
    keys = [str(lexicon.words[k]) for k in units]
    skips = sorted({int(np.searchsorted(units, t)) for t in sentence_starts} | {len(units)})
    decoder = _PieceDecoder(lexicon, keys, skips, pcm, workdir)
    pieces = cut_pieces(speech, energy_db)
    clock = speech_before(speech)
    words_per_speech_ms = len(units) / max(1, int(clock[-1]))
    placed: dict[int, _Placed] = {}
    cursor, slack, failed, i = 0, (0, 0), 0, 0  # the first piece starts with the first word
    while i < len(pieces):
        deadline.check("align")  # the job's time limit, between pieces
        start_ms, end_ms = pieces[i]
        result = decoder.decode(_trim(speech, start_ms, end_ms), cursor, slack)
        stopped = _stopped_short(result, speech, (start_ms, end_ms), cursor, len(units))
        if stopped and i + 1 < len(pieces):
            end_ms = pieces[i + 1][1]  # retry with the next piece joined on
            result = decoder.decode(_trim(speech, start_ms, end_ms), cursor, slack)
            i += result is not None
        if result is None:  # skip the words it probably holds; the next piece may correct
            failed += 1
            said = int(clock[end_ms // HOP_MS] - clock[start_ms // HOP_MS])
            guess = round(said * words_per_speech_ms)
            cursor = min(len(units), cursor + guess)
            slack = (max(START_SLACK[0], guess), max(START_SLACK[1], guess))
        else:
            placed.update((word.unit, word) for word in result)
            cursor = result[-1].unit + 1 if result else cursor
            slack = START_SLACK
        i += 1
        if on_progress:
            on_progress(end_ms / max(1, pcm.duration_ms))
    placed = _sentence_onsets(_onsets(placed, speech), speech, skips)
    return _collect(placed, units, len(lexicon.words), len(pieces), failed)


def _stopped_short(
    result: list[_Placed] | None,
    speech: BoolArray,
    piece: tuple[int, int],
    next_word: int,
    words: int,
) -> bool:
    """Whether a piece failed, or, with words left to say, placed its last one (if any) long
    before its speech ended."""
    if result is None:
        return True
    if result:
        next_word = result[-1].unit + 1
    if next_word >= words:
        return False
    done = result[-1].end_ms if result else piece[0]
    after = speech[done // HOP_MS : piece[1] // HOP_MS]
    return int(after.sum()) * HOP_MS > UNEXPLAINED_SPEECH_MS


def _onsets(placed: dict[int, _Placed], speech: BoolArray) -> dict[int, _Placed]:
    """Words moved out of the pause they were started in, to just before the speech that
    follows (within the word, or before the next word: a short word such as "a" can be
    placed wholly in the pause)."""
    out = dict(placed)
    units = sorted(placed)
    for unit, following in itertools.zip_longest(units, units[1:]):
        word = placed[unit]
        first = word.start_ms // HOP_MS
        if first >= len(speech) or speech[first]:
            continue
        limit = word.end_ms if following is None else max(word.end_ms, out[following].start_ms)
        said = np.flatnonzero(speech[first : limit // HOP_MS])
        if len(said):
            onset = max(word.start_ms, (first + int(said[0])) * HOP_MS - ONSET_LEAD_MS)
            end = max(word.end_ms, onset + FRAME_MS)
            if following is not None:
                end = min(end, max(onset + FRAME_MS, out[following].start_ms))
            out[unit] = dataclasses.replace(word, start_ms=onset, end_ms=end)
    return out


def _sentence_onsets(
    placed: dict[int, _Placed], speech: BoolArray, sentence_starts: Sequence[int]
) -> dict[int, _Placed]:
    """A sentence's first word placed right after the previous sentence's last, with a pause
    after its start (inside it, or before the second word), belongs after that pause: the
    decoder read the end of "why" as the "a" that starts the next sentence, or stretched
    that "a" over the whole pause (measured: 2.4 s early on a 10-minute recording)."""
    out = dict(placed)
    for start in sentence_starts:
        word, before, after = (out.get(start), out.get(start - 1), out.get(start + 1))
        if word is None or before is None or after is None or start + 1 in sentence_starts:
            continue
        if word.start_ms - before.end_ms > GLUED_MS:
            continue
        span = speech[word.start_ms // HOP_MS : after.start_ms // HOP_MS]
        quiet = np.flatnonzero(~span)
        if len(quiet) * HOP_MS < MIN_PAUSE_MS:
            continue
        onset = (word.start_ms // HOP_MS + int(quiet[-1]) + 1) * HOP_MS - ONSET_LEAD_MS
        if word.start_ms < onset < after.start_ms:
            out[start] = dataclasses.replace(word, start_ms=onset, end_ms=after.start_ms)
    return out


def _without_digital_silence(
    samples: npt.NDArray[np.int16], rate: int, *, seed: int
) -> npt.NDArray[np.int16]:
    """Short runs of exact zeros (up to MAX_FILLED_ZEROS_MS: between words) replaced by noise
    at the level of the piece's room tone (its quietest frames that hold no zero; seeded, so
    decoding is repeatable). The model's features are log energies normalised by their
    running mean: digital silence between the words (clean clips pasted over room tone, a
    noise gate) sinks them to the floor of the log, and the decoder then matched almost no
    word (5 of 132, measured). Long digital silence (a pause, the ends) is left as it is:
    filled, it moved a sentence start by 0.5 s."""
    zeros = _short_zero_runs(samples, MAX_FILLED_ZEROS_MS * rate // 1000)
    if not zeros.any():
        return samples
    hop = rate // 100  # 10 ms
    whole = len(samples) // hop * hop
    frames = samples[:whole].reshape(-1, hop).astype(np.float64)
    live = frames[(frames != 0).all(axis=1)]
    rms = np.sqrt((live**2).mean(axis=1)) if len(live) else np.zeros(0)
    level = max(MIN_FILL_LEVEL, float(np.percentile(rms, 10)) if len(rms) else 0.0)
    noise = np.random.default_rng(seed).normal(scale=level, size=int(zeros.sum()))
    filled: npt.NDArray[np.int16] = samples.copy()
    filled[zeros] = np.clip(np.round(noise), -32768, 32767).astype(np.int16)
    return filled


def _short_zero_runs(samples: npt.NDArray[np.int16], max_len: int) -> BoolArray:
    """Where `samples` are zero, in runs of at least two and at most `max_len` samples."""
    starts, lengths, values = runs(samples == 0)
    mask = np.zeros(len(samples), dtype=bool)
    for start, length, zero in zip(starts, lengths, values, strict=True):
        if zero and 2 <= length <= max_len:
            mask[start : start + length] = True
    return mask


def _trim(speech: BoolArray, start_ms: int, end_ms: int) -> tuple[int, int] | None:
    """The piece without the silence at its ends beyond EDGE_SILENCE_MS (not worth decoding:
    5 s of silence before the first word, half of every long pause); None if it has no
    speech at all."""
    frames = np.flatnonzero(speech[start_ms // HOP_MS : end_ms // HOP_MS])
    if len(frames) == 0:
        return None
    first = start_ms + int(frames[0]) * HOP_MS - EDGE_SILENCE_MS
    last = start_ms + int(frames[-1] + 1) * HOP_MS + EDGE_SILENCE_MS
    return max(start_ms, first), min(end_ms, last)


class _PieceDecoder:
    """PocketSphinx with a dictionary of exactly the script's words (CMUdict has 135,000:
    loading it costs 0.25 s and 30 MB) and silence as the only filler (its generic "speech"
    and "noise" fillers would swallow words), decoding one piece at a time."""

    def __init__(
        self,
        lexicon: Lexicon,
        keys: Sequence[str],
        sentence_starts: Sequence[int],
        pcm: Pcm,
        workdir: Path,
    ) -> None:
        dictionary, fillers = workdir / "align.dict", workdir / "align.fillers"
        lexicon.write(dictionary)
        fillers.write_text(f"<s> SIL\n</s> SIL\n{SILENCE} SIL\n", encoding="ascii")
        with _translated("load the acoustic model and dictionary"):
            self._decoder = pocketsphinx.Decoder(
                samprate=pcm.rate,
                lm=None,
                dict=str(dictionary),
                fdict=str(fillers),
                logfn=os.devnull,
                fsgusefiller=False,  # silence is in the grammar, at every state
            )
        self._keys = keys
        self._sentence_starts = sentence_starts  # word indices, ending with len(keys)
        self._pcm = pcm

    def decode(
        self, span: tuple[int, int] | None, cursor: int, slack: tuple[int, int]
    ) -> list[_Placed] | None:
        """Words said in `span` (ms), starting near word `cursor`: from `slack[0]` words
        before it to `slack[1]` after. None when the decoder found no path through the
        grammar; no words when the piece is silent."""
        if span is None:
            return []
        start_ms, end_ms = span
        first = max(0, cursor - slack[0])
        last_start = min(len(self._keys), cursor + slack[1])
        window = math.ceil((end_ms - start_ms) / 1000 * MAX_WORDS_PER_SECOND) + 2
        stop = min(len(self._keys), last_start + window)
        decoder = self._decoder
        with _translated(f"decode {start_ms / 1000:.1f}-{end_ms / 1000:.1f} s"):
            decoder.add_fsg("piece", self._grammar(first, stop, cursor, last_start))
            decoder.activate_search("piece")
            decoder.start_utt()
            samples = _without_digital_silence(
                self._pcm.read_ms(start_ms, end_ms), self._pcm.rate, seed=start_ms
            )
            decoder.process_raw(samples.tobytes(), full_utt=True)
            decoder.end_utt()
            segments = decoder.seg()
        if segments is None:
            return None
        found = [
            (_ALTERNATIVE.sub("", s.word), s.start_frame, s.end_frame, s.ascore)
            for s in segments
            if s.word not in FILLERS
        ]
        starts = sorted(range(first, last_start + 1), key=lambda j: abs(j - cursor))
        units = _units(self._keys, [w for w, _, _, _ in found], starts, self._sentence_starts)
        if units is None:
            return None
        return [
            _Placed(
                units[n],
                start_ms + begin * FRAME_MS + ONSET_SHIFT_MS,
                start_ms + (end + 1) * FRAME_MS,
                math.log(max(score, 1e-300)),
                end - begin + 1,
            )
            for n, (_, begin, end, score) in enumerate(found)
        ]

    def _grammar(self, first: int, stop: int, cursor: int, last_start: int) -> Any:
        """States: 0 the start, 1 + (j - first) the boundary before word j, then the final
        state. The words in order; from the start, any of words first..last_start (costlier
        the further from the cursor); at a sentence start, the next sentence's first word
        (the sentence skipped); null arcs from the start and from every boundary after a
        word to the final state (a piece may end after any word, or hold none). Null arcs
        never follow one another: PocketSphinx follows one null arc at a time."""
        logmath = self._decoder.logmath
        final = stop - first + 2
        fsg = pocketsphinx.FsgModel("piece", logmath, 1.0, final + 1)
        words = [fsg.word_add(key) for key in self._keys[first:stop]]
        for j in range(first, stop):
            fsg.trans_add(1 + j - first, 2 + j - first, 0, words[j - first])
        for j in range(first, min(last_start + 1, stop)):
            offset = logmath.log(START_OFFSET_PROB ** abs(j - cursor))
            fsg.trans_add(0, 2 + j - first, offset, words[j - first])
        skip = logmath.log(SKIP_SENTENCE_PROB)
        for begin, end in itertools.pairwise(self._sentence_starts):
            if first <= begin and end < stop:
                fsg.trans_add(1 + begin - first, 2 + end - first, skip, words[end - first])
        silence = fsg.word_add(SILENCE)
        for state in range(final + 1):
            fsg.trans_add(state, state, logmath.log(SILENCE_PROB), silence)
        fsg.null_trans_add(0, final, 0)
        for j in range(first + 1, stop + 1):
            fsg.null_trans_add(1 + j - first, final, 0)
        fsg.set_start_state(0)
        fsg.set_final_state(final)
        return fsg


@contextlib.contextmanager
def _translated(doing: str) -> Iterator[None]:
    """PocketSphinx's errors as the stage's (they would be a bug here, not bad input: the
    dictionary and grammar are ours)."""
    try:
        yield
    except (RuntimeError, ValueError) as exc:
        raise StageError("align", f"PocketSphinx could not {doing}: {exc}") from exc


def _units(
    keys: Sequence[str],
    words: Sequence[str],
    starts: Sequence[int],
    sentence_starts: Sequence[int],
) -> list[int] | None:
    """Which words of the text the decoded `words` are: from the first of `starts` (in order
    of preference) that fits, in order, a sentence skipped where the grammar allows it (and
    where the same word starts both sentences, not skipped if that fits too)."""
    following = dict(itertools.pairwise(sentence_starts))

    def fit(position: int, n: int) -> list[int] | None:
        if n == len(words):
            return []
        options = [position]
        if following.get(position, len(keys)) < len(keys):
            options.append(following[position])
        for option in options:
            if option < len(keys) and keys[option] == words[n]:
                rest = fit(option + 1, n + 1)
                if rest is not None:
                    return [option, *rest]
        return None

    for start in starts:
        units = fit(start, 0)
        if units is not None:
            return units
    return None


def _collect(
    placed: dict[int, _Placed], units: Sequence[int], tokens: int, pieces: int, failed: int
) -> WordAlignment:
    """Per token times, keeping only placements in time order (a word placed twice, at the end
    of one piece and the start of the next, keeps the later placement)."""
    starts: list[int | None] = [None] * tokens
    ends: list[int | None] = [None] * tokens
    log_score, frames, last_start = 0.0, 0, -1
    for unit in sorted(placed):
        word = placed[unit]
        if word.start_ms < last_start:
            continue
        starts[units[unit]], ends[units[unit]] = word.start_ms, word.end_ms
        log_score += word.log_score
        frames += word.frames
        last_start = word.start_ms
    score = log_score / frames if frames else 0.0
    return WordAlignment(tuple(starts), tuple(ends), score, frames, len(units), pieces, failed)


def fill_gaps(
    alignment: WordAlignment,
    weights: Sequence[int],
    speech: BoolArray,
    sentence_starts: Sequence[int] = (),
) -> tuple[list[int], list[int]]:
    """Start and end of every word: placed words where the decoder put them, the others
    (no pronunciation, or skipped) laid end to end over the speech between their placed
    neighbours, each as long as its share of `weights` (letters). Where there is no speech
    between those neighbours (the decoder missed a short word at a pause), the words of the
    sentence before follow its last placed word and those of the next (from one of
    `sentence_starts`) lead into its first, at a speaking pace: a sentence starts where its
    first word is heard, not at the pause before it."""
    starts, ends = list(alignment.starts_ms), list(alignment.ends_ms)
    spoken = np.flatnonzero(speech)
    first_speech = int(spoken[0]) * HOP_MS if len(spoken) else 0
    last_speech = int(spoken[-1] + 1) * HOP_MS if len(spoken) else len(speech) * HOP_MS
    k = 0
    while k < len(starts):
        if starts[k] is not None:
            k += 1
            continue
        run_end = k
        while run_end < len(starts) and starts[run_end] is None:
            run_end += 1
        before = ends[k - 1] if k > 0 else first_speech
        after = starts[run_end] if run_end < len(starts) else last_speech
        low = int(before if before is not None else first_speech)
        high = max(low, int(after if after is not None else last_speech))
        split = next((s - k for s in sentence_starts if k < s < run_end), None)
        if split is None:
            split = 0 if k in sentence_starts else run_end - k
        run = weights[k:run_end]
        spans = _around_a_pause(run, (low, high), speech, split)
        for n, (a, b) in enumerate(spans or spread_over_speech(run, (low, high), speech)):
            starts[k + n], ends[k + n] = a, b
        k = run_end
    return [int(s or 0) for s in starts], [int(e or 0) for e in ends]


def _around_a_pause(
    weights: Sequence[int], span: tuple[int, int], speech: BoolArray, split: int
) -> list[tuple[int, int]] | None:
    """Words in a span that is a pause (under MIN_PAUSE_MS of speech in it, the neighbours'
    edges): the first `split` after its start, the rest ending at its end, each MS_PER_LETTER
    a letter; None where the span holds speech for them, or is too short."""
    lengths = [max(1, w) * MS_PER_LETTER for w in weights]
    said = int(speech[span[0] // HOP_MS : span[1] // HOP_MS].sum()) * HOP_MS
    if said >= MIN_PAUSE_MS or sum(lengths) > span[1] - span[0]:
        return None
    ahead = span[0] + np.cumsum([0, *lengths[:split]])
    behind = span[1] - np.cumsum([0, *lengths[split:][::-1]])[::-1]
    pairs = [*itertools.pairwise(ahead), *itertools.pairwise(behind)]
    return [(int(a), int(b)) for a, b in pairs]
