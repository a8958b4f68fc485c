""" "Human" voiceovers for alignment tests and benchmarks, with the truth known by construction.

Voices the aligner has never heard: espeak-ng (a formant synthesiser, nothing like Piper) and the
bundled Piper voice at other speeds with its natural variation on. Sentences are trimmed the way
the reference is (so a sentence starts 20 ms before its first loud sample, in both), laid out
with pauses of our choosing, over room noise that also fills a lead-in.
"""

from __future__ import annotations

import subprocess
import tempfile
import wave
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt
from piper import SynthesisConfig

from videorender.pipeline.tts.piper import PiperEngine, load_piper
from videorender.pipeline.voice import trim_silence

RATE = 22_050
Speaker = Callable[[str], npt.NDArray[np.int16]]


@dataclass(frozen=True)
class Recording:
    """A voiceover file and where each sentence truly starts and ends in it."""

    path: Path
    starts_ms: tuple[int, ...]
    ends_ms: tuple[int, ...]
    duration_ms: int


def espeak_speaker(words_per_minute: int = 165, voice: str = "en-us") -> Speaker:
    """Sentences spoken by espeak-ng (resampled from its 22050 Hz output: none needed)."""

    def speak(text: str) -> npt.NDArray[np.int16]:
        with tempfile.TemporaryDirectory() as tmp:
            out = Path(tmp) / "s.wav"
            subprocess.run(
                ["espeak-ng", "-v", voice, "-s", str(words_per_minute), "-w", str(out), text],
                check=True, capture_output=True, timeout=60,
            )  # fmt: skip
            with wave.open(str(out), "rb") as wav:
                assert wav.getframerate() == RATE and wav.getnchannels() == 1
                return np.frombuffer(wav.readframes(wav.getnframes()), dtype=np.int16)

    return speak


def piper_speaker(length_scale: float) -> Speaker:
    """The bundled Piper voice at another speed, with its run-to-run variation left on."""
    engine: PiperEngine = load_piper(None, None, 1)
    config = SynthesisConfig(length_scale=length_scale)

    def speak(text: str) -> npt.NDArray[np.int16]:
        chunks = [c.audio_int16_array for c in engine._voice.synthesize(text, config)]
        return np.concatenate(chunks).astype(np.int16)

    return speak


def room_noise(samples: int, rng: np.random.Generator, level_db: float) -> npt.NDArray[np.float64]:
    """Brownish noise with mains hum at `level_db` dBFS RMS: a quiet room, a cheap microphone."""
    white = rng.normal(size=samples)
    brown = np.cumsum(white)
    brown -= np.convolve(brown, np.ones(64) / 64, mode="same")  # keep it from wandering off
    t = np.arange(samples) / RATE
    noise = brown / (brown.std() + 1e-9) + 0.5 * np.sin(2 * np.pi * 50 * t) + 0.3 * white
    scaled: npt.NDArray[np.float64] = noise / np.sqrt((noise**2).mean())
    return scaled * 32768 * 10 ** (level_db / 20)


def make_recording(
    sentences: Sequence[str],
    speaker: Speaker,
    path: Path,
    *,
    pauses_ms: Sequence[int],
    lead_ms: int = 2000,
    tail_ms: int = 800,
    gain: float = 0.7,
    noise_db: float = -50.0,
    seed: int = 1,
) -> Recording:
    """Speak `sentences`, lay them out after `lead_ms` of room noise with `pauses_ms[i]` before
    sentence i+1, and write a 16-bit WAV to `path` (other formats: convert it with FFmpeg).
    Speech is scaled by `gain`, so levels differ from the reference."""
    assert len(pauses_ms) == len(sentences) - 1
    pieces = [trim_silence(speaker(text), RATE) for text in sentences]
    total = lead_ms * RATE // 1000 + sum(len(p) for p in pieces)
    total += (sum(pauses_ms) + tail_ms) * RATE // 1000
    rng = np.random.default_rng(seed)
    mix = room_noise(total, rng, noise_db)
    starts, ends = [], []
    position = lead_ms * RATE // 1000
    for number, piece in enumerate(pieces):
        mix[position : position + len(piece)] += piece * gain
        starts.append(position * 1000 // RATE)
        ends.append((position + len(piece)) * 1000 // RATE)
        position += len(piece)
        if number < len(pauses_ms):
            position += pauses_ms[number] * RATE // 1000
    with wave.open(str(path), "wb") as wav:
        wav.setnchannels(1)
        wav.setsampwidth(2)
        wav.setframerate(RATE)
        wav.writeframes(np.clip(mix, -32768, 32767).astype(np.int16).tobytes())
    return Recording(path, tuple(starts), tuple(ends), total * 1000 // RATE)


def human_pauses(count: int, seed: int = 7) -> list[int]:
    """Pauses between sentences: mostly a breath (250-600 ms), every third one 1-3 s."""
    rng = np.random.default_rng(seed)
    return [
        int(rng.integers(1000, 3001)) if n % 3 == 1 else int(rng.integers(250, 601))
        for n in range(count)
    ]
