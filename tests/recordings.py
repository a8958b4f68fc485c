""" "Human" voiceovers for alignment tests and benchmarks, with the truth known by construction.

Voices the aligner has never heard: espeak-ng's variants (formant synthesis, female and male,
US and British, 130-200 words a minute), Kokoro's bundled voices (Japanese speakers of the
Kokoro-82M model reading English: accented), and the bundled Piper voice at other speeds with
its natural variation on. Each sentence is spoken on its own, trimmed the way our TTS trims
(so a sentence starts 20 ms before its first loud sample), and laid out with pauses of our
choosing, over room noise, optionally music. Every word's start is known too: espeak-ng's
library reports the sample of every word and phoneme, Piper and Kokoro their phoneme
durations.
"""

from __future__ import annotations

import wave
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import numpy.typing as npt
from piper import SynthesisConfig

from tests import espeak
from videorender.pipeline.text.languages import get_language
from videorender.pipeline.text.word_split import split_words
from videorender.pipeline.tts.kokoro import kokoro_engine, load_kokoro
from videorender.pipeline.tts.piper import load_piper
from videorender.pipeline.tts.speech import speech_bounds

RATE = 22_050  # espeak-ng's and Piper's rate; Kokoro's 24 kHz is resampled to it


@dataclass(frozen=True)
class Spoken:
    """One sentence spoken: samples at RATE, and each word's start in samples (words as
    `split_words` cuts the text; None where the voice gives a word no start of its own)."""

    samples: npt.NDArray[np.int16]
    word_starts: tuple[int | None, ...]


Speaker = Callable[[str], Spoken]


@dataclass(frozen=True)
class Recording:
    """A voiceover file, where each sentence truly starts and ends in it, and where each of
    its words starts (all sentences' words in order; None where unknown)."""

    path: Path
    starts_ms: tuple[int, ...]
    ends_ms: tuple[int, ...]
    duration_ms: int
    word_starts_ms: tuple[int | None, ...] = field(default=())


def espeak_speaker(words_per_minute: int = 165, voice: str = "en-us") -> Speaker:
    """Sentences spoken by espeak-ng's `voice` (e.g. "en-us+f2", "en-gb+m3", "es")."""

    def speak(text: str) -> Spoken:
        said = espeak.speak(text, voice, words_per_minute)
        assert said.rate == RATE
        return Spoken(said.samples, said.word_starts)

    return speak


def piper_speaker(length_scale: float, model_cache: Path) -> Speaker:
    """The bundled Piper voice at another speed, with its natural variation (its noise, seeded
    by the sentence: the same samples on every run); word starts from its phoneme durations
    (the patched model in `model_cache`)."""
    engine = load_piper(None, None, 1, model_cache)
    config = SynthesisConfig(length_scale=length_scale)

    def speak(text: str) -> Spoken:
        chunks = list(engine._voice.synthesize(text, config, include_alignments=True))
        samples = np.concatenate([c.audio_int16_array for c in chunks]).astype(np.int16)
        spans = engine._word_spans(text, chunks)
        assert [s.text for s in spans] == split_words(text), "no word spans from Piper"
        return Spoken(samples, tuple(s.start for s in spans))

    return speak


def kokoro_speaker(voice: str, model_cache: Path, lang: str = "en-us") -> Speaker:
    """A voice of the bundled Kokoro model (jf_alpha, jf_gongitsune, jf_nezumi, jf_tebukuro,
    jm_kumo) reading `lang`; word starts from its phoneme durations."""
    engine = kokoro_engine(load_kokoro(None, None, 2, model_cache), voice, get_language(lang))

    def speak(text: str) -> Spoken:
        said = engine.speak(text)
        assert [w.text for w in said.words] == split_words(text), "no word spans from Kokoro"
        ratio = RATE / engine.sample_rate
        return Spoken(
            resample(said.samples, engine.sample_rate, RATE),
            tuple(round(w.start * ratio) for w in said.words),
        )

    return speak


def taking_turns(*speakers: Speaker) -> Speaker:
    """Several voices reading in turn, one sentence each (a conversation, an interview)."""
    said = 0

    def speak(text: str) -> Spoken:
        nonlocal said
        said += 1
        return speakers[(said - 1) % len(speakers)](text)

    return speak


def resample(samples: npt.NDArray[np.int16], rate: int, target: int) -> npt.NDArray[np.int16]:
    """Linear interpolation to another rate (test material: the slight dulling is harmless)."""
    if rate == target:
        return samples
    count = len(samples) * target // rate
    positions = np.arange(count) * (rate / target)
    resampled = np.interp(positions, np.arange(len(samples)), samples.astype(np.float64))
    out: npt.NDArray[np.int16] = resampled.astype(np.int16)
    return out


def room_noise(samples: int, rng: np.random.Generator, level_db: float) -> npt.NDArray[np.float64]:
    """Brownish noise with mains hum at `level_db` dBFS RMS: a quiet room, a cheap microphone."""
    white = rng.normal(size=samples)
    brown = np.cumsum(white)
    brown -= np.convolve(brown, np.ones(64) / 64, mode="same")  # keep it from wandering off
    t = np.arange(samples) / RATE
    noise = brown / (brown.std() + 1e-9) + 0.5 * np.sin(2 * np.pi * 50 * t) + 0.3 * white
    scaled: npt.NDArray[np.float64] = noise / np.sqrt((noise**2).mean())
    return scaled * 32768 * 10 ** (level_db / 20)


def broadband_noise(
    samples: int, rng: np.random.Generator, level_db: float, *, tilt: float = 0.5
) -> npt.NDArray[np.float64]:
    """Room tone as a microphone and preamp give it: noise over the whole band (0: white,
    0.5: pink, 1: brown), at `level_db` dBFS RMS. Unlike `room_noise`, most of it falls where
    speech is, so it sits under every word."""
    spectrum = np.fft.rfft(rng.normal(size=samples))
    freqs = np.fft.rfftfreq(samples, 1.0 / RATE)
    spectrum[1:] /= (freqs[1:] / 100.0) ** tilt
    spectrum[0] = 0
    noise = np.fft.irfft(spectrum, n=samples)
    scaled: npt.NDArray[np.float64] = noise / np.sqrt((noise**2).mean())
    return scaled * 32768 * 10 ** (level_db / 20)


def hum(samples: int, level_db: float) -> npt.NDArray[np.float64]:
    """Mains hum: 50 Hz and its odd harmonics (a ground loop), at `level_db` dBFS RMS."""
    t = np.arange(samples) / RATE
    tone = np.sum([np.sin(2 * np.pi * 50 * k * t) / k for k in (1, 3, 5, 7)], axis=0)
    scaled: npt.NDArray[np.float64] = tone / np.sqrt((tone**2).mean())
    return scaled * 32768 * 10 ** (level_db / 20)


def music(samples: int, rng: np.random.Generator) -> npt.NDArray[np.float64]:
    """Chords of harmonic tones with soft attacks, two a second, at unit RMS: music enough to
    fill every pause and share the speech's frequencies."""
    beat = RATE // 2
    roots = 110.0 * 2 ** (rng.integers(0, 12, size=samples // beat + 1) / 12)
    out = np.zeros(samples)
    t = np.arange(beat) / RATE
    envelope = np.minimum(1.0, t / 0.03) * np.exp(-t * 2.5)
    for number, root in enumerate(roots):
        start = number * beat
        length = min(beat, samples - start)
        if length <= 0:
            break
        chord = sum(
            np.sin(2 * np.pi * root * ratio * harmonic * t[:length]) / harmonic
            for ratio in (1.0, 1.26, 1.5)
            for harmonic in (1, 2, 3)
        )
        out[start : start + length] += chord * envelope[:length]
    scaled: npt.NDArray[np.float64] = out / np.sqrt((out**2).mean())
    return scaled


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
    music_db: float | None = None,
    silent_lead: bool = False,
    seed: int = 1,
    speech_dbfs: float | None = None,
    hum_db: float | None = None,
    silent_ends_ms: int = 0,
    silent_pauses: Sequence[int] = (),
    noise_tilt: float | None = None,
    pasted: bool = False,
) -> Recording:
    """Speak `sentences`, lay them out after `lead_ms` of room noise (digital silence with
    `silent_lead`) with `pauses_ms[i]` before sentence i+1, and write a 16-bit WAV to `path`
    (other formats: convert it with FFmpeg). Speech is scaled by `gain`, so levels differ from
    our voices'; `music_db` adds music that many dB below the speech's level throughout.

    As an editor exports a recording: `speech_dbfs` sets the speech's RMS level instead of
    `gain`; `hum_db` adds mains hum (50 Hz and harmonics) at that dBFS; `silent_ends_ms` of
    digital silence at both ends (inside the lead and the tail); the pauses numbered in
    `silent_pauses` cut to digital silence (a noise gate, a cut); `noise_tilt` makes the room
    noise `broadband_noise` of that tilt instead of `room_noise`; `pasted`: each sentence
    replaces the room tone under it instead of adding to it (clean clips pasted over a bed of
    room tone), so a voice's own digital silence between words stays digital silence."""
    assert len(pauses_ms) == len(sentences) - 1
    pieces = [_trimmed(speaker(text)) for text in sentences]
    if speech_dbfs is not None:
        rms = float(np.sqrt(np.mean(np.concatenate([p.samples for p in pieces]) ** 2.0)))
        gain = 32768 * 10 ** (speech_dbfs / 20) / rms
    lead = lead_ms * RATE // 1000
    total = lead + sum(len(p.samples) for p in pieces)
    total += (sum(pauses_ms) + tail_ms) * RATE // 1000
    rng = np.random.default_rng(seed)
    mix = _room(total, rng, noise_db, noise_tilt, hum_db)
    starts: list[int] = []
    ends: list[int] = []
    words: list[int | None] = []
    position = lead
    for number, piece in enumerate(pieces):
        if pasted:
            mix[position : position + len(piece.samples)] = piece.samples * gain
        else:
            mix[position : position + len(piece.samples)] += piece.samples * gain
        starts.append(position * 1000 // RATE)
        ends.append((position + len(piece.samples)) * 1000 // RATE)
        words += [None if w is None else (position + w) * 1000 // RATE for w in piece.word_starts]
        position += len(piece.samples)
        if number < len(pauses_ms):
            if number in silent_pauses:
                mix[position : position + pauses_ms[number] * RATE // 1000] = 0
            position += pauses_ms[number] * RATE // 1000
    if music_db is not None:
        speech_rms = float(np.sqrt(np.mean(np.concatenate([p.samples for p in pieces]) ** 2.0)))
        mix += music(total, rng) * gain * speech_rms * 10 ** (music_db / 20)
    if silent_lead:
        mix[:lead] = 0
    if silent_ends_ms:
        mix[: silent_ends_ms * RATE // 1000] = 0
        mix[len(mix) - silent_ends_ms * RATE // 1000 :] = 0
    _write_wav(path, mix)
    return Recording(path, tuple(starts), tuple(ends), total * 1000 // RATE, tuple(words))


def _room(
    samples: int,
    rng: np.random.Generator,
    noise_db: float,
    tilt: float | None,
    hum_db: float | None,
) -> npt.NDArray[np.float64]:
    """The bed under everything: room noise (`broadband_noise` of `tilt`, if given), hum."""
    if tilt is None:
        bed = room_noise(samples, rng, noise_db)
    else:
        bed = broadband_noise(samples, rng, noise_db, tilt=tilt)
    return bed + hum(samples, hum_db) if hum_db is not None else bed


def _trimmed(spoken: Spoken) -> Spoken:
    """Edge silence cut as our TTS cuts it; word starts moved with it (and kept inside)."""
    first, last = speech_bounds(spoken.samples, RATE)
    starts = tuple(
        None if w is None else min(max(0, w - first), last - first) for w in spoken.word_starts
    )
    return Spoken(spoken.samples[first:last], starts)


def _write_wav(path: Path, mix: npt.NDArray[np.float64]) -> None:
    with wave.open(str(path), "wb") as wav:
        wav.setnchannels(1)
        wav.setsampwidth(2)
        wav.setframerate(RATE)
        wav.writeframes(np.clip(mix, -32768, 32767).astype(np.int16).tobytes())


def write_audio(path: Path, samples: npt.NDArray[np.float64]) -> Path:
    """Any test signal (music alone, silence, noise) as a 16-bit WAV at RATE."""
    _write_wav(path, samples)
    return path


def human_pauses(count: int, seed: int = 7) -> list[int]:
    """Pauses between sentences: mostly a breath (250-600 ms), every third one 1-3 s."""
    rng = np.random.default_rng(seed)
    return [
        int(rng.integers(1000, 3001)) if n % 3 == 1 else int(rng.integers(250, 601))
        for n in range(count)
    ]


def pauses_between(count: int, low_ms: int, high_ms: int, seed: int = 7) -> list[int]:
    """Pauses drawn evenly from [low_ms, high_ms]."""
    rng = np.random.default_rng(seed)
    return [int(rng.integers(low_ms, high_ms + 1)) for _ in range(count)]
