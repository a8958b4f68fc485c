"""The pauses of a recording: where to cut it into pieces, and where its sentences start.

A narrator pauses between sentences far more often than inside them, so the recording's
pauses are the best guess for sentence starts that a voice-independent method has:
- `cut_pieces` cuts a long recording at its longest pauses into pieces of bounded length
  (the acoustic aligner decodes one piece at a time);
- `snap_to_pauses` places each sentence start at a pause, by a dynamic programme that
  scores a choice by how well each sentence's share of the speech matches its expected
  length, and (where another method has an estimate) by the distance to that estimate.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from videorender.pipeline.align.features import HOP_MS, BoolArray, FloatArray, runs

IntArray = npt.NDArray[np.int64]

MIN_PAUSE_MS = 100  # shorter silences inside speech are stop closures and hesitations
PIECE_MAX_MS = 20_000
PIECE_MIN_MS = 3_000
# Pause programme: a sentence's speech may differ from its expected length by this share
# (one standard deviation), plus a constant for short sentences.
LENGTH_SPREAD = 0.25
LENGTH_SPREAD_MS = 400
ESTIMATE_SPREAD_MS = 250  # standard deviation of an estimate's error (a DTW's, say)
NEAR_ESTIMATE_MS = 600  # with estimates, only pauses this close to one can start a sentence
DRIFT_SHARE = 0.1  # without: expected lengths may add up to this share of the speech off
# A sentence starts this long before the speech after its pause (measured: speech activity
# begins ~10 ms after our voices' sentence starts, which are 20 ms before the first sound).
START_LEAD_MS = 10
# A sentence start that is not at a pause costs this much (in squared standard deviations):
# narrators usually, but not always, pause between sentences.
NO_PAUSE_COST = 6.0
LONG_PAUSE_MS = 600  # pauses at least this long earn the full bonus below
LONG_PAUSE_BONUS = 2.0


@dataclass(frozen=True)
class Pause:
    """A stretch without speech, in ms: [start_ms, end_ms)."""

    start_ms: int
    end_ms: int

    @property
    def duration_ms(self) -> int:
        return self.end_ms - self.start_ms


def find_pauses(speech: BoolArray, min_ms: int = MIN_PAUSE_MS) -> list[Pause]:
    """Runs of non-speech frames at least `min_ms` long between two stretches of speech
    (silence before the first word and after the last is not a pause)."""
    starts, lengths, values = runs(speech)
    pauses = []
    for start, length, value in zip(starts, lengths, values, strict=True):
        inside = start > 0 and start + length < len(speech)
        if not value and inside and length * HOP_MS >= min_ms:
            pauses.append(Pause(int(start) * HOP_MS, int(start + length) * HOP_MS))
    return pauses


def cut_pieces(
    speech: BoolArray,
    energy_db: FloatArray,
    *,
    max_ms: int = PIECE_MAX_MS,
    min_ms: int = PIECE_MIN_MS,
) -> list[tuple[int, int]]:
    """Cut the recording ([0, frames * HOP_MS)) into pieces of at most `max_ms`, each cut in
    the middle of the longest pause that leaves at least `min_ms` before it; where a stretch
    has no pause, at its quietest frame. Returns [start_ms, end_ms) per piece, end to end."""
    duration = len(speech) * HOP_MS
    pauses = find_pauses(speech)
    cuts = [0]
    while duration - cuts[-1] > max_ms:
        begin = cuts[-1]
        inside = [
            p for p in pauses if begin + min_ms <= (p.start_ms + p.end_ms) // 2 <= begin + max_ms
        ]
        if inside:
            best = max(inside, key=lambda p: (p.duration_ms, p.start_ms))
            cut = (best.start_ms + best.end_ms) // 2 // HOP_MS * HOP_MS
        else:
            first, last = (begin + max_ms // 2) // HOP_MS, (begin + max_ms) // HOP_MS
            cut = (first + int(np.argmin(energy_db[first:last]))) * HOP_MS
        cuts.append(cut)
    cuts.append(duration)
    return list(itertools.pairwise(cuts))


def speech_before(speech: BoolArray) -> IntArray:
    """`out[k]`: speech in ms before frame k (a clock that stops during pauses)."""
    out: IntArray = np.concatenate([[0], np.cumsum(speech, dtype=np.int64)]) * HOP_MS
    return out


def spread_over_speech(
    weights: Sequence[int], span: tuple[int, int], speech: BoolArray
) -> list[tuple[int, int]]:
    """Words laid end to end over the speech inside `span` (ms; pauses skipped), each as long
    as its share of `weights`; evenly over the span where it holds no speech. The first word
    starts where the speech does: a span that opens with a pause (a sentence's first word the
    decoder did not place, after the previous sentence's last) leaves the pause out."""
    clock = speech_before(speech)
    first, last = (min(len(speech), max(0, t) // HOP_MS) for t in span)
    said = int(clock[last] - clock[first])
    edges = np.concatenate([[0], np.cumsum(weights)]) / max(1, sum(weights))
    if said <= 0:
        times = span[0] + edges * (span[1] - span[0])
    else:
        # The frame where the clock reaches each edge; in a pause (where it stands still),
        # the pause's end: words start with speech.
        frames = np.searchsorted(clock, clock[first] + edges * said, side="right") - 1
        times = np.clip(np.clip(frames, first, last) * HOP_MS, span[0], span[1]).astype(float)
        times[-1] = span[1]
    return [(int(times[n]), int(times[n + 1])) for n in range(len(weights))]


def snap_to_pauses(
    speech: BoolArray,
    expected_ms: Sequence[float],
    estimates_ms: Sequence[int] | None = None,
    *,
    estimate_spread_ms: float = ESTIMATE_SPREAD_MS,
) -> list[int]:
    """Sentence starts (ms) in a recording whose speech activity is `speech`.

    `expected_ms[k]` is sentence k's expected share of the speech (any unit: only ratios
    count). Every start is either the end of a pause or, where none fits, the position its
    share of the speech predicts (or its estimate, if given). The first sentence starts at
    the first speech, wherever that is.
    """
    count = len(expected_ms)
    clock = speech_before(speech)
    total = int(clock[-1])
    if count == 0:
        return []
    spoken = np.flatnonzero(speech)
    if total == 0:  # nothing to snap to: spread evenly
        return [k * len(speech) * HOP_MS // count for k in range(count)]
    first = max(0, int(spoken[0]) * HOP_MS - START_LEAD_MS)
    shares = np.asarray(expected_ms, dtype=np.float64)
    shares = shares / shares.sum() * total if shares.sum() > 0 else np.full(count, total / count)
    predicted = np.concatenate([[0.0], np.cumsum(shares)])  # speech clock at each start
    candidates = _candidates(speech, clock, predicted, estimates_ms)
    chosen = _programme(candidates, predicted, shares, estimates_ms, estimate_spread_ms)
    return [first, *chosen]


@dataclass(frozen=True)
class _Candidate:
    time_ms: int  # where the sentence would start
    clock_ms: int  # speech before it
    cost: float  # for starting a sentence here (pauses are cheap, long ones cheaper)


def _candidates(
    speech: BoolArray,
    clock: IntArray,
    predicted: npt.NDArray[np.float64],
    estimates_ms: Sequence[int] | None,
) -> list[list[_Candidate]]:
    """Per sentence after the first: the pauses that could start it, and the start its
    estimate (or its share of the speech) predicts, as a start without a pause. With
    estimates, the pauses within NEAR_ESTIMATE_MS of it; without, those whose speech clock is
    near its predicted share (the margin grows towards the middle, where errors of the
    expected lengths add up)."""
    pauses = find_pauses(speech)
    pause_clock = np.array([clock[p.end_ms // HOP_MS] for p in pauses], dtype=np.int64)
    pause_end = np.array([p.end_ms for p in pauses], dtype=np.int64)
    spread = _spread(np.diff(predicted))
    total = float(predicted[-1])
    out = []
    for k in range(1, len(predicted) - 1):
        if estimates_ms is not None:
            near = np.flatnonzero(np.abs(pause_end - estimates_ms[k]) <= NEAR_ESTIMATE_MS)
            at = int(estimates_ms[k])
        else:
            drift = DRIFT_SHARE * min(predicted[k], total - predicted[k])
            margin = 4 * max(spread[k - 1], spread[k]) + drift
            near = np.flatnonzero(np.abs(pause_clock - predicted[k]) <= margin)
            at = int(np.searchsorted(clock, predicted[k], side="left") - 1) * HOP_MS
        options = [
            _Candidate(
                max(pauses[i].start_ms, pauses[i].end_ms - START_LEAD_MS),
                int(pause_clock[i]),
                -LONG_PAUSE_BONUS * min(1.0, pauses[i].duration_ms / LONG_PAUSE_MS),
            )
            for i in near
        ]
        at = max(0, min(at, (len(speech) - 1) * HOP_MS))
        options.append(_Candidate(at, int(clock[at // HOP_MS]), NO_PAUSE_COST))
        out.append(options)
    return out


def _spread(lengths: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
    spread: npt.NDArray[np.float64] = LENGTH_SPREAD * lengths + LENGTH_SPREAD_MS
    return spread


def _programme(
    candidates: list[list[_Candidate]],
    predicted: npt.NDArray[np.float64],
    shares: npt.NDArray[np.float64],
    estimates_ms: Sequence[int] | None,
    estimate_spread_ms: float,
) -> list[int]:
    """The cheapest increasing choice of one candidate per sentence start (Viterbi)."""
    spread = _spread(shares)
    total = float(predicted[-1])
    previous = [_Candidate(0, 0, 0.0)]
    best = np.zeros(1)
    back: list[IntArray] = []
    for k, options in enumerate(candidates, start=1):
        clocks = np.array([c.clock_ms for c in options], dtype=np.float64)
        times = np.array([c.time_ms for c in options], dtype=np.float64)
        own = np.array([c.cost for c in options])
        if estimates_ms is not None:
            own = own + ((times - estimates_ms[k]) / estimate_spread_ms) ** 2
        prev_clock = np.array([c.clock_ms for c in previous], dtype=np.float64)
        prev_time = np.array([c.time_ms for c in previous], dtype=np.float64)
        length = clocks[:, None] - prev_clock[None, :]
        step = ((length - shares[k - 1]) / spread[k - 1]) ** 2
        step[times[:, None] <= prev_time[None, :]] = np.inf  # starts strictly increase
        total_cost = best[None, :] + step
        back.append(np.argmin(total_cost, axis=1))
        best = total_cost[np.arange(len(options)), back[-1]] + own
        previous = options
    if not candidates:
        return []
    last_clock = np.array([c.clock_ms for c in previous], dtype=np.float64)
    best = best + ((total - last_clock - shares[-1]) / spread[-1]) ** 2
    index = int(np.argmin(best))
    chosen = []
    for k in range(len(candidates) - 1, -1, -1):
        chosen.append(candidates[k][index].time_ms)
        index = int(back[k][index])
    return chosen[::-1]
