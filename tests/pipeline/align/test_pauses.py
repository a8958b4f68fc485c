"""A recording's pauses: where to cut it, where sentences start (the pause programme), and
words laid over speech. Speech activity is built by hand: 20 ms frames, True for speech."""

from __future__ import annotations

import itertools
from collections.abc import Sequence

import numpy as np
import pytest

from videorender.pipeline.align.features import HOP_MS, BoolArray
from videorender.pipeline.align.pauses import (
    START_LEAD_MS,
    Pause,
    cut_pieces,
    find_pauses,
    snap_to_pauses,
    speech_before,
    spread_over_speech,
)


def _activity(*runs: tuple[bool, int]) -> BoolArray:
    """Speech activity from (speech?, ms) runs."""
    return np.concatenate([np.full(ms // HOP_MS, value) for value, ms in runs])


def _narration(
    sentences_ms: Sequence[int], pauses_ms: Sequence[int], lead_ms: int = 1000
) -> tuple[BoolArray, list[int]]:
    """Speech activity of sentences separated by pauses, and where sentences start (a little
    before their speech, as our voices' do)."""
    runs: list[tuple[bool, int]] = [(False, lead_ms)]
    starts, position = [], lead_ms
    for number, length in enumerate(sentences_ms):
        starts.append(position)
        runs.append((True, length))
        position += length
        if number < len(pauses_ms):
            runs.append((False, pauses_ms[number]))
            position += pauses_ms[number]
    runs.append((False, 500))
    return _activity(*runs), [start - START_LEAD_MS for start in starts]


def test_pauses_are_silences_between_speech() -> None:
    speech = _activity((False, 400), (True, 1000), (False, 60), (True, 500), (False, 300),
                       (True, 200), (False, 1000))  # fmt: skip
    assert find_pauses(speech) == [Pause(1960, 2260)]  # 60 ms is no pause; edges are not
    assert find_pauses(speech, min_ms=40) == [Pause(1400, 1460), Pause(1960, 2260)]
    assert speech_before(speech)[1460 // HOP_MS] == 1000


def test_pieces_are_cut_in_the_longest_pauses() -> None:
    speech, _ = _narration([6000, 5000, 7000, 8000], [300, 2000, 400])
    energy = np.where(speech, -20.0, -60.0).astype(np.float32)
    pieces = cut_pieces(speech, energy, max_ms=15_000, min_ms=3_000)
    assert pieces[0][0] == 0 and pieces[-1][1] == len(speech) * HOP_MS
    assert all(end - start <= 15_000 for start, end in pieces)
    assert all(a[1] == b[0] for a, b in itertools.pairwise(pieces))
    # Not the 300 ms pause at 7 s: the 2 s one after the second sentence (12.3-14.3 s), in
    # its middle; then the 400 ms one at 21.3 s, the only one within 15 s.
    assert [p[1] for p in pieces] == [13_300, 21_500, 30_200]


def test_speech_without_pauses_is_cut_where_it_is_quietest() -> None:
    speech = np.ones(2000, dtype=bool)  # 40 s of speech, no pause
    energy = np.full(2000, -20.0, dtype=np.float32)
    energy[777] = -45.0  # 15.54 s
    energy[1500] = -45.0
    pieces = cut_pieces(speech, energy, max_ms=20_000, min_ms=3_000)
    assert [p[0] for p in pieces] == [0, 15_540, 30_000]


def test_sentence_starts_snap_to_pauses() -> None:
    lengths = [3000, 4500, 2000, 6000, 3500, 2500]
    speech, starts = _narration(lengths, [400, 1800, 300, 2500, 600])
    # Expected lengths 20 % off in either direction still find the right pauses.
    expected = [n * f for n, f in zip(lengths, [1.2, 0.8, 1.2, 0.8, 1.1, 0.9], strict=True)]
    assert snap_to_pauses(speech, expected) == starts


def test_pauses_inside_sentences_are_passed_over() -> None:
    # Sentence 2 has a comma pause as long as the pause before it; lengths decide.
    runs = [(False, 1000), (True, 3000), (False, 500), (True, 1500), (False, 500), (True, 1500),
            (False, 700), (True, 3000), (False, 500)]  # fmt: skip
    speech = _activity(*runs)
    starts = [1000, 4500, 8700]
    assert snap_to_pauses(speech, [3000, 3000, 3000]) == [t - START_LEAD_MS for t in starts]


def test_a_sentence_said_without_a_pause_starts_where_its_length_says() -> None:
    # Sentences 2 and 3 run together in one stretch of 6 s of speech.
    speech, starts = _narration([3000, 6000], [800])
    got = snap_to_pauses(speech, [3000, 3000, 3000])
    assert got[:2] == starts and abs(got[2] - (starts[1] + 3000)) <= 3 * HOP_MS


def test_estimates_pull_starts_towards_them() -> None:
    speech, starts = _narration([3000, 3000, 3000], [500, 500])
    # Lengths alone are ambiguous if the expected lengths are poor; estimates decide.
    estimates = [starts[0], starts[1] + 100, starts[2] - 100]
    assert snap_to_pauses(speech, [1000, 4000, 4000], estimates) == starts


@pytest.mark.parametrize("count", [0, 1])
def test_few_sentences(count: int) -> None:
    speech, starts = _narration([3000], [])
    assert snap_to_pauses(speech, [1000] * count) == starts[:count]


def test_no_speech_spreads_evenly() -> None:
    assert snap_to_pauses(np.zeros(500, dtype=bool), [1, 1, 2]) == [0, 3333, 6666]


def test_words_are_spread_over_speech_not_pauses() -> None:
    # 1 s of speech, a 1 s pause, 1 s of speech: two equal words fill one stretch each (the
    # second starts with the speech after the pause).
    speech = _activity((True, 1000), (False, 1000), (True, 1000))
    assert spread_over_speech([1, 1], (0, 3000), speech) == [(0, 2000), (2000, 3000)]
    assert spread_over_speech([1, 3], (0, 3000), speech) == [(0, 500), (500, 3000)]
    assert spread_over_speech([1, 1], (1000, 2000), speech) == [(1000, 1500), (1500, 2000)]
    # A span that opens with the pause: the first word starts with the speech after it.
    assert spread_over_speech([1], (1000, 3000), speech) == [(2000, 3000)]
    assert spread_over_speech([1, 1], (1500, 3000), speech) == [(2000, 2500), (2500, 3000)]
