"""The voiceover corpus: recordings of a script by voices unlike ours, with the truth known, and
recordings that do not say the script. `tests/pipeline/align/test_corpus.py` runs a short
selection of it; `bench/align_corpus.py` runs all of it and prints the table of
docs/alignment.md.
"""

from __future__ import annotations

import dataclasses
import random
import re
import subprocess
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import numpy.typing as npt

from tests.recordings import (
    RATE,
    Recording,
    Speaker,
    espeak_speaker,
    human_pauses,
    kokoro_speaker,
    make_recording,
    music,
    pauses_between,
    piper_speaker,
    room_noise,
    taking_turns,
    write_audio,
)
from videorender.pipeline.models import SentenceTiming

# Numbers, money, a date "B.C.", abbreviations: what the dictionary does not spell.
SCRIPT = """\
The lighthouse keeper climbed the spiral stairs every evening at sunset.
He carried a small lamp, a notebook, and a flask of strong black tea.
From the top he could see the fishing boats returning to the harbour.
Some nights the fog was so thick that even the great light seemed weak.
In 1887, Dr. Smith paid $2.50 for an old map of St. Ives and its harbour.
On those nights he rang the brass bell until his arms were tired.
In spring the gulls came back and nested on the rocks below the tower.
The tower itself was built in 280 B.C., or so the guidebook claims.
Visitors sometimes asked him whether he ever felt lonely up there.
He always smiled and said the sea was better company than most people.
"""
OTHER_TEXT = """\
Fresh bread needs only flour, water, salt and a little patience.
Mix everything in a large bowl until the dough feels smooth and elastic.
Leave it covered in a warm corner of the kitchen for about two hours.
When it has doubled in size, shape it gently into a round loaf.
Bake it in a very hot oven until the crust sounds hollow when tapped.
Let it cool completely before you cut the first slice, however hard that is.
Good bread keeps for days wrapped in a clean linen towel.
Stale pieces make excellent croutons for soup or salad.
"""
SPANISH = """\
El farero subía la escalera de caracol cada tarde al ponerse el sol.
Llevaba una lámpara pequeña, un cuaderno y un termo de té muy fuerte.
Desde lo alto veía los barcos de pesca que volvían al puerto.
Algunas noches la niebla era tan espesa que la luz parecía débil.
Entonces tocaba la campana de bronce hasta que le dolían los brazos.
En primavera las gaviotas volvían a anidar en las rocas de la torre.
Los visitantes le preguntaban a veces si no se sentía muy solo.
Él siempre sonreía y decía que el mar era mejor compañía que la gente.
"""
# A talking video for transcription: words Whisper spells one way (no numbers, no British
# spellings), read by several voices in turn.
TALK = """\
Welcome back to the workshop, where today we are building a simple wooden shelf.
First, measure the wall and mark the height where the shelf should go.
Drill two holes into the wall, and push a plastic plug into each one.
Next, hold the bracket against the wall and screw it in tightly.
Make sure the bracket is level before you tighten the second screw.
While you wait for the paint to dry, clean up the dust from the floor.
Then place the board on the brackets and fix it from below.
Finally, put your favorite books on the shelf and enjoy your work.
"""
SPANISH_TALK = """\
Hola a todos, hoy vamos a preparar una tortilla de patatas muy sencilla.
Primero pelamos las patatas y las cortamos en trozos pequeños.
Después calentamos el aceite en una sartén grande a fuego medio.
Cuando las patatas están blandas, las mezclamos con los huevos batidos.
Al final damos la vuelta a la tortilla con la ayuda de un plato.
"""


def sentences_of(text: str) -> list[str]:
    return [line for line in text.splitlines() if line.strip()]


@dataclass(frozen=True)
class Kind:
    """One recording of the corpus: who speaks, how it is laid out, how it is stored."""

    name: str
    speaker: Callable[[Path], Speaker]  # given the model cache
    pauses: Callable[[int], list[int]]  # given the number of gaps
    suffix: str = ".wav"
    text: str = SCRIPT
    options: dict[str, float | bool | tuple[int, ...]] = field(default_factory=dict)

    def make(self, root: Path, models: Path, seed: int = 1) -> Recording:
        """Speak, lay out and store it in `root` (the WAV, then the stored format)."""
        texts = sentences_of(self.text)
        slug = "".join(ch if ch.isalnum() else "-" for ch in self.name)[:60]
        made = make_recording(
            texts,
            self.speaker(models),
            root / f"{slug}.wav",
            pauses_ms=self.pauses(len(texts) - 1),
            seed=seed,
            **self.options,  # type: ignore[arg-type]
        )
        if self.suffix == ".wav":
            return made
        path = encode(made.path, self.suffix)
        return Recording(path, made.starts_ms, made.ends_ms, made.duration_ms, made.word_starts_ms)


def encode(source: Path, suffix: str) -> Path:
    """The same audio in another container and codec, as callers upload it."""
    target = source.with_suffix(suffix)
    subprocess.run(
        ["ffmpeg", "-v", "error", "-y", "-i", str(source), str(target)], check=True, timeout=120
    )
    return target


def _human(count: int) -> list[int]:
    return human_pauses(count)


def _between(low: int, high: int, seed: int) -> Callable[[int], list[int]]:
    return lambda count: pauses_between(count, low, high, seed)


def _espeak(voice: str, words_per_minute: int) -> Callable[[Path], Speaker]:
    return lambda _models: espeak_speaker(words_per_minute, voice)


def _kokoro(voice: str, lang: str = "en-us") -> Callable[[Path], Speaker]:
    return lambda models: kokoro_speaker(voice, models, lang)


def _piper(length_scale: float) -> Callable[[Path], Speaker]:
    return lambda models: piper_speaker(length_scale, models)


ENGLISH = [
    Kind("espeak-ng en-us+f2, 150 wpm, breaths and 1-3 s pauses, MP3",
         _espeak("en-us+f2", 150), _human, ".mp3"),
    Kind("espeak-ng en-gb+m3, 175 wpm, 0.25-2.5 s pauses", _espeak("en-gb+m3", 175),
         _between(250, 2500, 3)),
    Kind("espeak-ng en-us+m7, 130 wpm, 0.8-2.5 s pauses", _espeak("en-us+m7", 130),
         _between(800, 2500, 4)),
    Kind("espeak-ng en-gb+f4, 200 wpm, 0.1-0.3 s pauses", _espeak("en-gb+f4", 200),
         _between(100, 300, 5)),
    Kind("espeak-ng en-us+f5, 165 wpm, music at -20 dB, M4A", _espeak("en-us+f5", 165),
         _human, ".m4a", options={"music_db": -20.0}),
    Kind("espeak-ng en-us+m3, 180 wpm, 5 s of silence first", _espeak("en-us+m3", 180),
         _human, options={"lead_ms": 5000, "silent_lead": True}),
    Kind("espeak-ng en-us+f3, 190 wpm, noisy room (-38 dBFS)", _espeak("en-us+f3", 190),
         _between(150, 1500, 6), options={"noise_db": -38.0}),
    Kind("Kokoro jf_alpha (female), breaths and 1-3 s pauses", _kokoro("jf_alpha"), _human),
    Kind("Kokoro jm_kumo (male), 0.1-1.5 s pauses", _kokoro("jm_kumo"), _between(100, 1500, 7)),
    Kind("Kokoro jf_nezumi (female), 0.3-2.5 s pauses, FLAC", _kokoro("jf_nezumi"),
         _between(300, 2500, 8), ".flac"),
    Kind("Piper x0.8 (fast), breaths and 1-3 s pauses", _piper(0.8), _human),
    Kind("Piper x1.3 (slow), 0.1-2 s pauses, M4A", _piper(1.3), _between(100, 2000, 9), ".m4a"),
]  # fmt: skip
SHORT = [ENGLISH[0], ENGLISH[3], ENGLISH[4], ENGLISH[5], ENGLISH[11]]  # run by `make test`

# Recordings as editors export them (issue 30): a steady room tone 20-48 dB under the speech,
# digital silence at the ends and inside, hum, music. Before the Silero VAD a few seconds of
# zeros put the energy floor at nothing and the room tone counted as speech; clean clips pasted
# over room tone (the voice's own digital silence between its words kept) also made
# PocketSphinx match almost nothing (the first two: docs/alignment.md).
EXPORTS = [
    Kind("espeak-ng en-us+f2, -18 dBFS, pasted over room tone -46 dBFS, 3 s of digital "
         "silence at each end", _espeak("en-us+f2", 160), _human,
         options={"speech_dbfs": -18.0, "noise_db": -46.0, "noise_tilt": 0.0, "lead_ms": 4000,
                  "tail_ms": 4000, "silent_ends_ms": 3000, "pasted": True}),
    Kind("espeak-ng en-gb+m3, -20 dBFS, pasted over room tone -43 dBFS", _espeak("en-gb+m3", 175),
         _between(300, 2000, 11),
         options={"speech_dbfs": -20.0, "noise_db": -43.0, "noise_tilt": 0.5, "pasted": True}),
    Kind("espeak-ng en-us+f2, -18 dBFS, room tone -45 dBFS, 3 s of digital silence at each end",
         _espeak("en-us+f2", 160), _human,
         options={"speech_dbfs": -18.0, "noise_db": -45.0, "noise_tilt": 0.0, "lead_ms": 4000,
                  "tail_ms": 4000, "silent_ends_ms": 3000}),
    Kind("espeak-ng en-gb+m3, -25 dBFS, room tone -40 dBFS, digital silence at the ends and "
         "in 3 pauses", _espeak("en-gb+m3", 175), _between(300, 2000, 11),
         options={"speech_dbfs": -25.0, "noise_db": -40.0, "noise_tilt": 0.5, "lead_ms": 3000,
                  "silent_ends_ms": 2000, "silent_pauses": (1, 4, 7)}),
    Kind("espeak-ng en-us+f4, -12 dBFS, room tone -60 dBFS, hum -50 dBFS, MP4 (AAC)",
         _espeak("en-us+f4", 170), _human, ".mp4",
         options={"speech_dbfs": -12.0, "noise_db": -60.0, "noise_tilt": 0.3, "hum_db": -50.0,
                  "silent_ends_ms": 1500}),
    Kind("espeak-ng en-us+m7, -20 dBFS, music at -20 dB, WebM (Opus)", _espeak("en-us+m7", 150),
         _human, ".webm", options={"speech_dbfs": -20.0, "noise_db": -55.0, "music_db": -20.0}),
    Kind("Piper x1.0, -18 dBFS, room tone -45 dBFS, 3 s of digital silence at each end",
         _piper(1.0), _human,
         options={"speech_dbfs": -18.0, "noise_db": -45.0, "noise_tilt": 0.0, "lead_ms": 4000,
                  "tail_ms": 4000, "silent_ends_ms": 3000}),
    Kind("Kokoro jm_kumo, -22 dBFS, room tone -42 dBFS, digital silence at the ends and inside",
         _kokoro("jm_kumo"), _between(300, 2500, 12),
         options={"speech_dbfs": -22.0, "noise_db": -42.0, "noise_tilt": 0.5, "lead_ms": 3000,
                  "silent_ends_ms": 2000, "silent_pauses": (2, 5)}),
]  # fmt: skip
SHORT_EXPORTS = EXPORTS[:7]  # run by `make test` (Kokoro is slow to make: the bench's)


def _talking(models: Path) -> Speaker:
    return taking_turns(
        piper_speaker(0.9, models),
        espeak_speaker(160, "en-us+f2"),
        kokoro_speaker("jf_alpha", models),
        piper_speaker(1.2, models),
        espeak_speaker(175, "en-gb+m3"),
    )


# A talking video it has never seen, for transcription (several voices, room tone, uneven
# pauses, digital silence at the ends), and a second language.
TALKING = Kind("five voices in turn, room tone -48 dBFS, 0.2-2.5 s pauses, 2 s of digital "
               "silence at each end", _talking, _between(200, 2500, 13), text=TALK,
               options={"speech_dbfs": -20.0, "noise_db": -48.0, "noise_tilt": 0.4,
                        "lead_ms": 3000, "tail_ms": 3000, "silent_ends_ms": 2000})  # fmt: skip
# A short one for the faces' tests (CLI, HTTP, MCP, studio): two voices, four sentences.
SHORT_TALKING = Kind("Piper and espeak-ng en-us+m3 in turn, room tone -50 dBFS",
                     lambda models: taking_turns(piper_speaker(1.0, models),
                                                 espeak_speaker(165, "en-us+m3")),
                     _between(400, 1200, 15), text="\n".join(sentences_of(TALK)[:4]),
                     options={"speech_dbfs": -20.0, "noise_db": -50.0, "noise_tilt": 0.4,
                              "lead_ms": 1000, "tail_ms": 1000})  # fmt: skip
SPANISH_TALKING = Kind("espeak-ng es and es-419+m3 in turn, room tone -50 dBFS",
                       lambda _models: taking_turns(espeak_speaker(150, "es+f2"),
                                                    espeak_speaker(140, "es-419+m3")),
                       _between(300, 1500, 14), text=SPANISH_TALK,
                       options={"speech_dbfs": -20.0, "noise_db": -50.0, "noise_tilt": 0.4})  # fmt: skip

_shuffled = sentences_of(SCRIPT)
random.Random(5).shuffle(_shuffled)
NEGATIVE = [
    Kind("another text (espeak-ng en-us+f2)", _espeak("en-us+f2", 165), _human, text=OTHER_TEXT),
    Kind("the script shuffled (espeak-ng en-gb+m3)", _espeak("en-gb+m3", 165), _human,
         text="\n".join(_shuffled)),
]  # fmt: skip

SPANISH_VOICES = [
    Kind("espeak-ng es, 150 wpm, breaths and 1-3 s pauses", _espeak("es", 150), _human,
         text=SPANISH),
    Kind("espeak-ng es+f2, 175 wpm, 0.25-2.5 s pauses", _espeak("es+f2", 175),
         _between(250, 2500, 3), text=SPANISH),
    Kind("espeak-ng es-419+m3, 135 wpm, 0.8-2.5 s pauses, MP3", _espeak("es-419+m3", 135),
         _between(800, 2500, 4), ".mp3", text=SPANISH),
    Kind("espeak-ng es+f4, 190 wpm, 0.2-0.6 s pauses", _espeak("es+f4", 190),
         _between(200, 600, 5), text=SPANISH),
]  # fmt: skip


def music_alone(path: Path, seconds: int = 30) -> Path:
    """Music without speech, at a speech-like level."""
    return write_audio(path, music(seconds * RATE, np.random.default_rng(3)) * 3000)


def silence_alone(path: Path, seconds: int = 10) -> Path:
    """A quiet room: noise at -60 dBFS and nothing else."""
    return write_audio(path, room_noise(seconds * RATE, np.random.default_rng(4), -60.0))


@dataclass(frozen=True)
class Errors:
    """Absolute start errors in ms of sentences and of words (words with a known start)."""

    sentences: npt.NDArray[np.int64]
    words: npt.NDArray[np.int64]

    @staticmethod
    def of(aligned: tuple[SentenceTiming, ...], recording: Recording) -> Errors:
        starts = np.array([s.start_ms for s in aligned])
        words = [w.start_ms for s in aligned for w in s.words]
        truth = recording.word_starts_ms
        pairs = [(w, t) for w, t in zip(words, truth, strict=True) if t is not None]
        return Errors(
            np.abs(starts - np.array(recording.starts_ms)),
            np.abs(np.array([w - t for w, t in pairs], dtype=np.int64)),
        )


def summary(errors: npt.NDArray[np.int64]) -> str:
    """median / p95 / worst, in ms."""
    if len(errors) == 0:
        return "-"
    return f"{np.median(errors):.0f} / {np.percentile(errors, 95):.0f} / {errors.max()}"


def word_error_rate(reference: str, hypothesis: str) -> float:
    """Word error rate of `hypothesis` against `reference`: (substitutions + deletions +
    insertions) / words of the reference, case and punctuation ignored."""

    def words(text: str) -> list[str]:
        return re.findall(r"[\w']+", text.lower())

    ref, hyp = words(reference), words(hypothesis)
    row = list(range(len(hyp) + 1))
    for n, word in enumerate(ref, start=1):
        previous, row[0] = row[0], n
        for m, heard in enumerate(hyp, start=1):
            previous, row[m] = row[m], min(row[m] + 1, row[m - 1] + 1, previous + (word != heard))
    return row[-1] / max(1, len(ref))


def start_errors(truth_ms: Sequence[int], found_ms: Sequence[int]) -> npt.NDArray[np.int64]:
    """For every true sentence start, the distance in ms to the nearest start found (a
    transcript's sentences need not be the script's one for one: a merged sentence costs its
    start a large error)."""
    found = np.asarray(found_ms, dtype=np.int64)
    if len(found) == 0:
        return np.full(len(truth_ms), 10**9, dtype=np.int64)
    return np.array([int(np.abs(found - t).min()) for t in truth_ms], dtype=np.int64)


def talking_video(recording: Recording, suffix: str = ".mp4") -> Recording:
    """The recording as the sound of a small video (a test picture): H.264 + AAC in MP4, or
    VP8 + Opus in WebM, as people upload them."""
    target = recording.path.with_name(recording.path.stem + "-video" + suffix)
    codecs = (
        ["-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p", "-c:a", "aac"]
        if suffix == ".mp4"
        else ["-c:v", "libvpx", "-deadline", "realtime", "-cpu-used", "8", "-c:a", "libopus"]
    )
    subprocess.run(
        ["ffmpeg", "-v", "error", "-y", "-f", "lavfi", "-i", "testsrc2=size=320x180:rate=10",
         "-i", str(recording.path), "-map", "0:v", "-map", "1:a", "-shortest", *codecs,
         str(target)],
        check=True, timeout=300,
    )  # fmt: skip
    return dataclasses.replace(recording, path=target)
