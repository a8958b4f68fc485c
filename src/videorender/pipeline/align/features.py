"""Frame features of speech for alignment: MFCCs and a speech-activity decision per frame.

Plain numpy, no librosa. Frames are on a fixed grid of `HOP_MS` milliseconds: frame `k`
describes the audio around `k * HOP_MS` (its window is centred there), so frame indices turn into
times exactly. 20 ms is a whole number of samples at both rates we see (441 at Piper's
22050 Hz, 320 at the 16 kHz we decode recordings to); a hop that is not whole at one of them
would drift by seconds over half an hour.

Signals at different sample rates give comparable features because the mel filters are placed
in Hz, below the lower signal's Nyquist frequency.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

HOP_MS = 20
N_MELS = 40
N_MFCC = 12  # coefficients 1..12: c0 is loudness, which says nothing about what is said
MEL_LOW_HZ = 100.0  # above mains hum and rumble
MEL_HIGH_HZ = 7600.0  # below 8 kHz, the Nyquist frequency of 16 kHz recordings
PRE_EMPHASIS = 0.97
# Speech activity: a frame is speech when its band energy is within SPEECH_RANGE_DB of the
# signal's loud level (its 95th percentile) and at least NOISE_MARGIN_DB above its floor (5th
# percentile of the frames that are not digital silence). Relative thresholds treat a TTS voice
# over digital silence and a microphone in a noisy room alike.
SPEECH_RANGE_DB = 30.0
NOISE_MARGIN_DB = 6.0
MIN_DYNAMIC_RANGE_DB = 10.0  # less than this between floor and loud level: no speech found
GAP_FILL_FRAMES = 3  # silences up to 60 ms inside speech are stop closures, not pauses
MIN_SPEECH_FRAMES = 3  # louder bursts up to 60 ms alone are clicks, not speech
# Band energy of a frame of zeros is 10*log10(1e-10) = -100 dB; room tone at -60 dBFS is near
# -20 dB on this scale. Below this is digital silence (or a codec's rounding of it).
DIGITAL_SILENCE_DB = -80.0
FLOOR_PERCENTILE = 5

FloatArray = npt.NDArray[np.float32]
BoolArray = npt.NDArray[np.bool_]
SampleReader = Callable[[int, int], npt.NDArray[np.int16]]


@dataclass(frozen=True, eq=False)
class Features:
    """Per-frame features of one signal, frame `k` at `k * HOP_MS` ms.

    `mfcc` is (frames, N_MFCC), raw (not normalised); `energy_db` is the band energy per frame.
    """

    mfcc: FloatArray
    energy_db: FloatArray

    def __len__(self) -> int:
        return len(self.energy_db)

    @property
    def duration_ms(self) -> int:
        return len(self) * HOP_MS

    @staticmethod
    def concatenate(parts: list[Features]) -> Features:
        """Features of signals played one after another (each a whole number of hops long)."""
        if not parts:
            return Features(np.zeros((0, N_MFCC), np.float32), np.zeros(0, np.float32))
        return Features(
            np.concatenate([p.mfcc for p in parts]), np.concatenate([p.energy_db for p in parts])
        )


def hop_samples(rate: int) -> int:
    """Samples per frame hop at `rate`.

    Raises:
        ValueError: HOP_MS is not a whole number of samples at `rate`.
    """
    if rate * HOP_MS % 1000:
        raise ValueError(f"a {HOP_MS} ms hop is not a whole number of samples at {rate} Hz")
    return rate * HOP_MS // 1000


def features(samples: npt.NDArray[np.int16], rate: int) -> Features:
    """Features of a whole signal held in memory; `ceil(len / hop)` frames."""
    total = len(samples)

    def read(start: int, count: int) -> npt.NDArray[np.int16]:
        return samples[start : start + count]

    return features_from_reader(read, total, rate)


def features_from_reader(
    read: SampleReader, total_samples: int, rate: int, *, block_frames: int = 1500
) -> Features:
    """Features of a long signal read block by block (`read(start, count)` returns up to `count`
    samples from `start`), so memory stays small whatever its length.

    Raises:
        ValueError: HOP_MS is not a whole number of samples at `rate`.
    """
    hop = hop_samples(rate)
    frames = -(-total_samples // hop)
    mfccs: list[FloatArray] = []
    energies: list[FloatArray] = []
    for first in range(0, frames, block_frames):
        count = min(block_frames, frames - first)
        # Frame k's window spans [k*hop - hop, k*hop + hop): read one hop of context each side.
        start = first * hop - hop
        wanted = (count + 1) * hop
        block = read(max(0, start), wanted + min(0, start))
        padded = np.zeros(wanted, dtype=np.float32)
        offset = -min(0, start)
        padded[offset : offset + len(block)] = block.astype(np.float32) / 32768.0
        mfcc, energy = _block_features(padded, count, rate)
        mfccs.append(mfcc)
        energies.append(energy)
    return Features.concatenate([Features(m, e) for m, e in zip(mfccs, energies, strict=True)])


def _block_features(padded: FloatArray, count: int, rate: int) -> tuple[FloatArray, FloatArray]:
    hop = hop_samples(rate)
    window = 2 * hop
    emphasised = np.empty_like(padded)
    emphasised[0] = padded[0]
    emphasised[1:] = padded[1:] - PRE_EMPHASIS * padded[:-1]
    # Frames overlap by half: view the block as (count + 1) hops and pair neighbours.
    hops = emphasised[: (count + 1) * hop].reshape(count + 1, hop)
    frames = np.concatenate([hops[:-1], hops[1:]], axis=1) * _hann(window)
    n_fft = 1 << (window - 1).bit_length()
    power = np.abs(np.fft.rfft(frames, n=n_fft, axis=1)) ** 2
    mel = power @ _mel_filters(rate, n_fft).T
    log_mel = np.log(mel + 1e-10)
    mfcc = log_mel @ _dct_matrix().T
    energy_db = 10.0 * np.log10(mel.sum(axis=1) + 1e-10)
    return mfcc.astype(np.float32), energy_db.astype(np.float32)


@functools.lru_cache(maxsize=4)
def _hann(length: int) -> FloatArray:
    return np.hanning(length + 2)[1:-1].astype(np.float32)


@functools.lru_cache(maxsize=4)
def _mel_filters(rate: int, n_fft: int) -> FloatArray:
    """Triangular filters, evenly spaced on the mel scale between MEL_LOW_HZ and MEL_HIGH_HZ."""

    def to_mel(hz: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
        return 2595.0 * np.log10(1.0 + hz / 700.0)

    def to_hz(mel: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
        return 700.0 * (10.0 ** (mel / 2595.0) - 1.0)

    low_mel, high_mel = to_mel(np.array([MEL_LOW_HZ, MEL_HIGH_HZ]))
    edges = to_hz(np.linspace(float(low_mel), float(high_mel), N_MELS + 2))
    bins = np.fft.rfftfreq(n_fft, 1.0 / rate)
    low, centre, high = edges[:-2, None], edges[1:-1, None], edges[2:, None]
    rising = (bins - low) / (centre - low)
    falling = (high - bins) / (high - centre)
    return np.maximum(0.0, np.minimum(rising, falling)).astype(np.float32)


@functools.lru_cache(maxsize=1)
def _dct_matrix() -> FloatArray:
    """DCT-II rows 1..N_MFCC over N_MELS log energies."""
    n = np.arange(N_MELS)
    k = np.arange(1, N_MFCC + 1)[:, None]
    scale = np.sqrt(2.0 / N_MELS)
    matrix: FloatArray = (np.cos(np.pi * k * (2 * n + 1) / (2 * N_MELS)) * scale).astype(np.float32)
    return matrix


def speech_activity(energy_db: FloatArray) -> BoolArray:
    """Which frames are speech by energy alone: loud relative to the signal itself, short gaps
    filled, isolated clicks dropped. The floor is taken at the quietest frames that are not
    digital silence (a few seconds of zeros would put it at nothing, and room tone would count
    as speech). All False when the signal has no dynamic range (silence, steady noise).

    For our own voices' speech (a reference); a recording's goes through `vad.voice_activity`.
    """
    audible = energy_db[energy_db > DIGITAL_SILENCE_DB]
    if len(audible) == 0:
        return np.zeros(len(energy_db), dtype=bool)
    floor, loud = np.percentile(audible, [FLOOR_PERCENTILE, 95])
    if loud - floor < MIN_DYNAMIC_RANGE_DB:
        return np.zeros(len(energy_db), dtype=bool)
    return cleaned(energy_db > max(loud - SPEECH_RANGE_DB, floor + NOISE_MARGIN_DB))


def cleaned(speech: BoolArray) -> BoolArray:
    """Silences up to GAP_FILL_FRAMES inside speech filled, shorter bursts alone dropped."""
    speech = set_short_runs(speech, value=False, max_len=GAP_FILL_FRAMES)
    return set_short_runs(speech, value=True, max_len=MIN_SPEECH_FRAMES - 1)


def set_short_runs(mask: BoolArray, *, value: bool, max_len: int) -> BoolArray:
    """Flip runs of `value` no longer than `max_len` frames that lie between runs of the other
    value (runs touching either end are left alone)."""
    starts, lengths, values = runs(mask)
    out: BoolArray = mask.copy()
    for start, length, run_value in zip(starts, lengths, values, strict=True):
        inside = start > 0 and start + length < len(mask)
        if run_value == value and length <= max_len and inside:
            out[start : start + length] = not value
    return out


def runs(
    mask: BoolArray,
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64], BoolArray]:
    """Run-length encoding of a boolean array: (starts, lengths, values)."""
    if len(mask) == 0:
        empty = np.zeros(0, dtype=np.int64)
        return empty, empty, np.zeros(0, dtype=bool)
    change = np.flatnonzero(mask[1:] != mask[:-1]) + 1
    starts = np.concatenate([[0], change]).astype(np.int64)
    lengths = np.diff(np.concatenate([starts, [len(mask)]])).astype(np.int64)
    values: BoolArray = mask[starts]
    return starts, lengths, values
