"""Where a long recording is cut into the pieces Whisper hears one at a time.

faster-whisper computes its log-Mel features for all the audio it is given at once (float64
and complex intermediates): measured, 641 s of audio in one call peaked at 881 MB, against
402 MB given half a minute at a time (`TranscribeConfig.window_ms`): the peak no longer
grows with the recording's length. Nothing is lost at the cuts: each of Whisper's
30 s segments is decoded without the previous text (`condition_on_previous_text=False`), and
every cut lies in a pause that the Silero VAD hears no speech in, so no word is cut in two.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from videorender.pipeline.align.features import FloatArray
from videorender.pipeline.align.vad import SPEECH_OFF, WINDOW

MIN_PAUSE_MS = 160  # a shorter pause may be a stop consonant: no cut there


@dataclass(frozen=True)
class _Pause:
    centre: int  # sample
    length: int  # samples


def cut_windows(probabilities: FloatArray, samples: int, rate: int, window_ms: int) -> list[range]:
    """Sample ranges covering `samples` end to end, each at most `window_ms` long where the
    speech allows: cut in the longest pause of a window's second half (else its last pause,
    else the first pause after it). `probabilities` are Silero's, one per VAD `WINDOW`."""
    longest = window_ms * rate // 1000
    pauses = _pauses(probabilities, rate)
    ranges: list[range] = []
    start = 0
    while samples - start > longest:
        cut = _cut(pauses, start, longest) or samples
        ranges.append(range(start, cut))
        start = cut
    if start < samples:
        ranges.append(range(start, samples))
    return ranges


def _pauses(probabilities: FloatArray, rate: int) -> list[_Pause]:
    quiet = np.concatenate([[False], probabilities < SPEECH_OFF, [False]])
    edges = np.flatnonzero(np.diff(quiet.astype(np.int8)))
    shortest = MIN_PAUSE_MS * rate // 1000
    pauses = [
        _Pause((first + last) * WINDOW // 2, (last - first) * WINDOW)
        for first, last in zip(edges[::2], edges[1::2], strict=True)
    ]
    return [p for p in pauses if p.length >= shortest]


def _cut(pauses: list[_Pause], start: int, longest: int) -> int | None:
    end = start + longest
    late = [p for p in pauses if start + longest // 2 < p.centre <= end]
    if late:
        return max(late, key=lambda p: p.length).centre
    inside = [p for p in pauses if start < p.centre <= end]
    if inside:
        return inside[-1].centre
    after = [p for p in pauses if p.centre > end]
    return after[0].centre if after else None
