"""Where a long recording is cut for Whisper: in pauses, about a window at a time."""

from __future__ import annotations

import itertools

import numpy as np

from videorender.pipeline.align.vad import WINDOW
from videorender.pipeline.transcribe.windows import cut_windows

RATE = 16_000
PER_SECOND = RATE / WINDOW  # Silero's decisions a second


def _probabilities(seconds: float, pauses: list[tuple[float, float]]) -> np.ndarray:
    """Speech throughout `seconds`, but for the (start, end) pauses in seconds."""
    p = np.full(int(seconds * PER_SECOND), 0.9, np.float32)
    for start, end in pauses:
        p[int(start * PER_SECOND) : int(end * PER_SECOND)] = 0.05
    return p


def _in_a_pause(sample: int, pauses: list[tuple[float, float]]) -> bool:
    return any(start * RATE <= sample <= end * RATE for start, end in pauses)


def test_windows_cover_the_recording_end_to_end_and_are_cut_in_pauses() -> None:
    pauses = [(float(s), s + 0.4) for s in range(7, 150, 9)]  # a 0.4 s pause every 9 s
    pauses[3] = (34.0, 35.5)  # one long pause
    samples = 150 * RATE
    windows = cut_windows(_probabilities(150, pauses), samples, RATE, 30_000)
    assert windows[0].start == 0 and windows[-1].stop == samples
    assert all(a.stop == b.start for a, b in itertools.pairwise(windows))
    assert all(len(w) <= 30 * RATE for w in windows)
    assert all(_in_a_pause(w.start, pauses) for w in windows[1:])
    # The second window (from ~16 s) ends in the long pause at 34-35.5 s, not the last one.
    assert _in_a_pause(windows[1].stop, [(34.0, 35.5)])


def test_the_longest_pause_of_the_second_half_is_chosen() -> None:
    pauses = [(5.0, 5.3), (18.0, 19.5), (26.0, 26.3)]
    windows = cut_windows(_probabilities(40, pauses), 40 * RATE, RATE, 30_000)
    assert len(windows) == 2 and _in_a_pause(windows[0].stop, [(18.0, 19.5)])


def test_speech_without_a_pause_is_not_cut_inside_a_word() -> None:
    # No pause for 50 s: the window runs on to the first pause after it.
    pauses = [(50.0, 50.5)]
    windows = cut_windows(_probabilities(60, pauses), 60 * RATE, RATE, 30_000)
    assert len(windows) == 2 and _in_a_pause(windows[0].stop, pauses)
    assert [w.stop for w in cut_windows(_probabilities(60, []), 60 * RATE, RATE, 30_000)] == [
        60 * RATE
    ]


def test_a_short_recording_is_one_window_and_a_short_gap_is_no_pause() -> None:
    assert cut_windows(_probabilities(20, []), 20 * RATE, RATE, 30_000) == [range(20 * RATE)]
    stops = [(float(s), s + 0.064) for s in range(2, 60, 2)]  # 64 ms: a stop consonant
    windows = cut_windows(_probabilities(60, stops), 60 * RATE, RATE, 30_000)
    assert windows == [range(60 * RATE)]
