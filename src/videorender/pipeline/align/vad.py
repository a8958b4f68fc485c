"""Speech activity of a recording: which 20 ms frames are someone speaking.

Two steps, because each is good at one thing:
1. **Where speech is: the Silero VAD** (`silero_vad_v6.onnx`, MIT, shipped inside
   faster-whisper's package and run here on onnxruntime, no torch). It is a trained model, so
   room tone at any level, mains hum, music and digital silence are not speech to it, whatever
   their share of the file. Its decisions are 32 ms windows and its onsets come late, so its
   regions are widened by VAD_PAD_MS.
2. **Where speech starts and ends: band energy**, to the frame, inside those regions, against
   the noise floor measured where Silero hears no speech (digital silence left out: a few
   seconds of zeros in an editor's export would otherwise put the floor at nothing, and the
   room tone would count as speech; docs/alignment.md).

Without faster-whisper (the `transcribe` extra) the model is not there: energy alone decides,
with the floor at the quietest frames that are not digital silence. That holds for a steady
room tone; it cannot tell music from speech.
"""

from __future__ import annotations

import functools
import importlib.util
import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from videorender.pipeline.align.features import (
    DIGITAL_SILENCE_DB,
    HOP_MS,
    NOISE_MARGIN_DB,
    SPEECH_RANGE_DB,
    BoolArray,
    FloatArray,
    cleaned,
    set_short_runs,
    speech_activity,
)

log = logging.getLogger(__name__)

VAD_RATE = 16_000  # the model's rate (recordings are decoded to it: pcm.DECODE_RATE)
WINDOW = 512  # samples the model decides on (32 ms)...
CONTEXT = 64  # ...with this many before it
BLOCK_WINDOWS = 1024  # windows per model call (33 s of audio): +45 MB at the peak
SPEECH_ON = 0.5  # Silero's own thresholds (faster-whisper's VadOptions): speech starts at...
SPEECH_OFF = 0.35  # ...and ends below, so one word's dip does not end it
MIN_VAD_SPEECH_MS = 96  # shorter regions are clicks and breaths
VAD_PAD_MS = 200  # its onsets come up to ~150 ms late: energy finds the edge inside the pad
PAUSE_FLOOR_PERCENTILE = 50  # of the frames outside speech: the floor is the typical pause
QUIET_SPEECH_PERCENTILE = 5  # no frame outside speech: the floor under the quietest speech

SampleReader = Callable[[int, int], npt.NDArray[np.int16]]


def silero_model_path() -> Path | None:
    """The Silero VAD shipped with faster-whisper, or None if it is not installed."""
    spec = importlib.util.find_spec("faster_whisper")
    if spec is None or not spec.submodule_search_locations:
        return None
    path = Path(next(iter(spec.submodule_search_locations))) / "assets" / "silero_vad_v6.onnx"
    return path if path.is_file() else None


def voice_activity(
    read: SampleReader, total_samples: int, energy_db: FloatArray, *, rate: int = VAD_RATE
) -> BoolArray:
    """Which frames of a recording (read as `features_from_reader` reads it, 16 kHz) are speech.

    Silero's regions refined by energy; energy alone when the model is not installed.
    """
    probabilities = speech_probabilities(read, total_samples, rate) if rate == VAD_RATE else None
    if probabilities is None:
        return speech_activity(energy_db)
    regions = _frames_of(probabilities, len(energy_db))
    return refine_with_energy(regions, energy_db)


def speech_probabilities(read: SampleReader, total_samples: int, rate: int) -> FloatArray | None:
    """Silero's speech probability for every WINDOW of the recording; None without the model."""
    session = _session()
    if session is None or rate != VAD_RATE:
        return None
    state = np.zeros((2, 1, 128), np.float32)
    context = np.zeros(CONTEXT, np.float32)
    out: list[FloatArray] = []
    step = BLOCK_WINDOWS * WINDOW
    for start in range(0, total_samples, step):
        block = read(start, min(step, total_samples - start)).astype(np.float32) / 32768.0
        windows = -(-len(block) // WINDOW)
        padded = np.zeros(windows * WINDOW, np.float32)
        padded[: len(block)] = block
        batch = padded.reshape(windows, WINDOW)
        contexts = np.vstack([context[None, :], batch[:-1, -CONTEXT:]])
        probs, h, c = session.run(
            None, {"input": np.hstack([contexts, batch]), "h": state[0:1], "c": state[1:2]}
        )
        state = np.concatenate([h, c])
        context = batch[-1, -CONTEXT:].copy()
        out.append(np.asarray(probs, np.float32).reshape(-1))
    return np.concatenate(out) if out else np.zeros(0, np.float32)


def _frames_of(probabilities: FloatArray, frames: int) -> BoolArray:
    """Silero's decisions (with hysteresis, short ones dropped) on our 20 ms frame grid,
    widened by VAD_PAD_MS each side."""
    windows = np.zeros(len(probabilities), dtype=bool)
    speaking = False
    for n, p in enumerate(probabilities):
        speaking = p >= SPEECH_ON or (speaking and p >= SPEECH_OFF)
        windows[n] = speaking
    window_ms = WINDOW * 1000 // VAD_RATE
    windows = set_short_runs(windows, value=True, max_len=MIN_VAD_SPEECH_MS // window_ms - 1)
    centres = np.arange(frames) * HOP_MS // window_ms
    regions: BoolArray = (
        windows[np.minimum(centres, max(0, len(windows) - 1))]
        if len(windows)
        else np.zeros(frames, dtype=bool)
    )
    pad = VAD_PAD_MS // HOP_MS
    if pad and regions.any():
        kernel = np.ones(2 * pad + 1)
        regions = np.convolve(regions.astype(np.float64), kernel, mode="same") > 0
    return regions


def refine_with_energy(regions: BoolArray, energy_db: FloatArray) -> BoolArray:
    """Frames inside Silero's regions that stand out of the floor measured outside them (and
    are within SPEECH_RANGE_DB of the speech's loud level)."""
    if not regions.any():
        return np.zeros(len(energy_db), dtype=bool)
    audible = energy_db > DIGITAL_SILENCE_DB
    outside = energy_db[~regions & audible]
    inside = energy_db[regions & audible]
    if len(inside) == 0:
        return np.zeros(len(energy_db), dtype=bool)
    loud = float(np.percentile(inside, 95))
    if len(outside):
        floor = float(np.percentile(outside, PAUSE_FLOOR_PERCENTILE))
    else:  # speech throughout, or digital silence between: the quietest speech-region frames
        floor = float(np.percentile(inside, QUIET_SPEECH_PERCENTILE)) - NOISE_MARGIN_DB
    threshold = max(loud - SPEECH_RANGE_DB, floor + NOISE_MARGIN_DB)
    return cleaned(regions & (energy_db > threshold))


@functools.lru_cache(maxsize=1)
def _session() -> Any:
    path = silero_model_path()
    if path is None:
        log.info("faster-whisper is not installed: speech activity by energy alone")
        return None
    import onnxruntime  # noqa: PLC0415 (only where the model is there)

    options = onnxruntime.SessionOptions()
    options.inter_op_num_threads = 1
    options.intra_op_num_threads = 1
    options.log_severity_level = 4
    # The arena would keep the largest call's buffers for the life of the process (measured:
    # 150 MB held after 10 minutes of audio, on top of Whisper's peak).
    options.enable_cpu_mem_arena = False
    return onnxruntime.InferenceSession(
        str(path), sess_options=options, providers=["CPUExecutionProvider"]
    )
