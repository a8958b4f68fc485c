"""Integrated loudness (EBU R128 / ITU-R BS.1770) of a voice track, computed in NumPy as it is
spoken, so that the render's loudness scan starts from the right gain and only confirms it.

The K-weighting filter is applied by its magnitude in the frequency domain: loudness sums
energy, which the filter's phase does not change, and one FFT of the whole track costs a few
milliseconds where a sample-by-sample IIR filter in Python would cost seconds.
"""

from __future__ import annotations

import functools
import math

import numpy as np
import numpy.typing as npt

BLOCK_S = 0.4  # gating blocks of 400 ms ...
STEP_S = 0.1  # ... overlapping by 75 %
ABSOLUTE_GATE_LUFS = -70.0
RELATIVE_GATE_LU = -10.0
CHUNK_STEPS = 64  # filtered 6.4 s at a time

# BS.1770's two K-weighting stages as analogue prototypes (as pyloudnorm derives them for any
# sample rate): a high shelf of +4 dB above ~1.7 kHz, then a high-pass at ~38 Hz.
_SHELF_GAIN_DB, _SHELF_Q, _SHELF_HZ = 3.99984385397, 0.7071752369554193, 1681.9744509555319
_HIGH_PASS_Q, _HIGH_PASS_HZ = 0.5003270373253953, 38.13547087613982


def integrated_loudness(samples: npt.NDArray[np.int16], rate: int) -> float | None:
    """The integrated loudness of mono 16-bit `samples` in LUFS (as one channel, the way
    FFmpeg's ebur128 measures a mono file); None when nothing passes the gates (silence, or
    shorter than one block)."""
    powers = _block_powers(samples, rate)
    if powers.size == 0:
        return None
    with np.errstate(divide="ignore"):
        loudness = -0.691 + 10 * np.log10(powers)
    gated = powers[loudness > ABSOLUTE_GATE_LUFS]
    if gated.size == 0:
        return None
    relative_gate = -0.691 + 10 * math.log10(float(gated.mean())) + RELATIVE_GATE_LU
    gated = powers[(loudness > ABSOLUTE_GATE_LUFS) & (loudness > relative_gate)]
    return -0.691 + 10 * math.log10(float(gated.mean()))


def _block_powers(samples: npt.NDArray[np.int16], rate: int) -> npt.NDArray[np.float64]:
    """The mean square of the K-weighted signal over each 400 ms block, every 100 ms. The track
    is filtered a few seconds at a time (with a second of context on each side, more than the
    filter's memory), so memory stays small whatever its length."""
    step = round(STEP_S * rate)
    steps_per_block = round(BLOCK_S / STEP_S)
    whole_steps = len(samples) // step
    step_energy = np.zeros(whole_steps)
    chunk, context = CHUNK_STEPS * step, rate
    for first in range(0, whole_steps * step, chunk):
        last = min(first + chunk, whole_steps * step)
        lo, hi = max(0, first - context), min(len(samples), last + context)
        piece = samples[lo:hi].astype(np.float64) / 32768.0
        size = 1 << (len(piece) - 1).bit_length()  # a power of two: FFTs of odd sizes are slow
        spectrum = np.fft.rfft(piece, size)
        spectrum *= _k_weighting(size, rate)
        weighted = np.fft.irfft(spectrum, size)[first - lo : last - lo]
        step_energy[first // step : last // step] = (weighted * weighted).reshape(-1, step).sum(1)
    if whole_steps < steps_per_block:
        return np.zeros(0)
    windows = np.lib.stride_tricks.sliding_window_view(step_energy, steps_per_block)
    result: npt.NDArray[np.float64] = windows.sum(axis=1) / (steps_per_block * step)
    return result


@functools.lru_cache(maxsize=4)
def _k_weighting(size: int, rate: int) -> npt.NDArray[np.float64]:
    """The K-weighting filter's magnitude at the frequencies of an FFT of `size` samples."""
    z = np.exp(-2j * np.pi * np.fft.rfftfreq(size, 1.0 / rate) / rate)  # z^-1, unit circle

    def magnitude(
        b: tuple[float, float, float], a: tuple[float, float, float]
    ) -> npt.NDArray[np.float64]:
        response = (b[0] + b[1] * z + b[2] * z * z) / (a[0] + a[1] * z + a[2] * z * z)
        result: npt.NDArray[np.float64] = np.abs(response)
        return result

    amp = 10 ** (_SHELF_GAIN_DB / 40)
    w0 = 2 * math.pi * _SHELF_HZ / rate
    alpha, cos = math.sin(w0) / (2 * _SHELF_Q), math.cos(w0)
    root = 2 * math.sqrt(amp) * alpha
    shelf = magnitude(
        (
            amp * ((amp + 1) + (amp - 1) * cos + root),
            -2 * amp * ((amp - 1) + (amp + 1) * cos),
            amp * ((amp + 1) + (amp - 1) * cos - root),
        ),
        ((amp + 1) - (amp - 1) * cos + root, 2 * ((amp - 1) - (amp + 1) * cos),
         (amp + 1) - (amp - 1) * cos - root),
    )  # fmt: skip
    w0 = 2 * math.pi * _HIGH_PASS_HZ / rate
    alpha, cos = math.sin(w0) / (2 * _HIGH_PASS_Q), math.cos(w0)
    high_pass = magnitude(
        ((1 + cos) / 2, -(1 + cos), (1 + cos) / 2), (1 + alpha, -2 * cos, 1 - alpha)
    )
    result: npt.NDArray[np.float64] = shelf * high_pass
    return result
