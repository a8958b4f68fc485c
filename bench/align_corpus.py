"""The whole voiceover corpus (tests/corpus.py): start errors per recording, as in
docs/alignment.md.

    .venv/bin/python -m bench.align_corpus [--work bench/work/align_corpus] [--skip-kokoro]
        [--exports-only]

English recordings are aligned as the service aligns them (the acoustic model); for comparison,
the method before it (DTW against our Piper voice reading the script, `dtw alone`) and the
non-English method on the same files (`dtw + pauses`). Spanish recordings are aligned against
the script read by the bundled Kokoro model with lang="es". Then the recordings that do not say
the script. Then the recordings as editors export them (`EXPORTS`: room tone, digital
silence, hum, music) with the service's speech activity (the Silero VAD, then energy), energy
alone (without faster-whisper installed), and the percentile floor before issue 30. Recordings
are made once into the work folder and reused (delete it to remake).
Prints Markdown tables: errors in ms as median / p95 / worst.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import numpy as np

from tests.corpus import (
    ENGLISH,
    EXPORTS,
    NEGATIVE,
    SCRIPT,
    SPANISH,
    SPANISH_VOICES,
    Errors,
    Kind,
    music_alone,
    silence_alone,
    summary,
)
from tests.recordings import Recording
from videorender.pipeline.align import voiceover
from videorender.pipeline.align.features import (
    BoolArray,
    FloatArray,
    cleaned,
    features_from_reader,
    speech_activity,
)
from videorender.pipeline.align.pcm import decoded
from videorender.pipeline.align.voiceover import Voiceover, align_english, align_to_reference
from videorender.pipeline.align.warp import Reference, speak_reference, warp
from videorender.pipeline.text.languages import get_language
from videorender.pipeline.text.script import process_script
from videorender.pipeline.tts.kokoro import kokoro_engine, load_kokoro
from videorender.pipeline.tts.piper import load_piper


def _made(kind: Kind, work: Path, models: Path) -> Recording:
    """The recording, made once: its truth is kept beside it."""
    slug = "".join(ch if ch.isalnum() else "-" for ch in kind.name)[:60]
    truth = work / f"{slug}.json"
    if truth.exists():
        saved = json.loads(truth.read_text())
        return Recording(Path(saved["path"]), tuple(saved["starts"]), tuple(saved["ends"]),
                         saved["duration"], tuple(saved["words"]))  # fmt: skip
    recording = kind.make(work, models)
    truth.write_text(json.dumps({
        "path": str(recording.path), "starts": recording.starts_ms, "ends": recording.ends_ms,
        "duration": recording.duration_ms, "words": recording.word_starts_ms,
    }))  # fmt: skip
    return recording


def _dtw_alone(reference: Reference, recording: Path, work: Path) -> list[int]:
    """Sentence starts by the warp alone (before this issue, for every language)."""
    with decoded(recording, work, timeout_s=600) as pcm:
        target = features_from_reader(pcm.read, pcm.samples, pcm.rate)
    warped = warp(reference, target)
    assert warped is not None
    return [int(t) for t in warped.time_map.many([s.start_ms for s in reference.sentences])]


def english(work: Path, models: Path, kinds: list[Kind]) -> None:
    sentences = process_script(SCRIPT)
    reference = speak_reference(load_piper(None, None, 1, models), sentences)
    print("\n| recording | s | sentence starts | word starts | dtw alone | dtw + pauses "
          "| confidence | cpu s |")  # fmt: skip
    print("|---|---|---|---|---|---|---|---|")
    for kind in kinds:
        recording = _made(kind, work, models)
        started = time.process_time()
        result = align_english(sentences, Voiceover(recording.path, work, 600))
        cpu = time.process_time() - started
        errors = Errors.of(result.sentences, recording)
        truth = np.array(recording.starts_ms)
        alone = np.abs(np.array(_dtw_alone(reference, recording.path, work)) - truth)
        paused = align_to_reference(reference, Voiceover(recording.path, work, 600))
        snapped = np.abs(np.array([s.start_ms for s in paused.sentences]) - truth)
        cells = [
            kind.name, f"{recording.duration_ms / 1000:.0f}", summary(errors.sentences),
            summary(errors.words), summary(alone), summary(snapped),
            f"{result.confidence:.2f} {result.method.value}", f"{cpu:.1f}",
        ]  # fmt: skip
        print(f"| {' | '.join(cells)} |", flush=True)


def spanish(work: Path, models: Path) -> None:
    sentences = process_script(SPANISH)
    engine = kokoro_engine(load_kokoro(None, None, 2, models), "jf_alpha", get_language("es"))
    started = time.perf_counter()
    reference = speak_reference(engine, sentences)
    seconds = time.perf_counter() - started
    print(f"\nSpanish reference: Kokoro (jf_alpha, lang=es), {reference.duration_ms / 1000:.0f} s "
          f"of speech, spoken in {seconds:.0f} s")  # fmt: skip
    print("\n| recording | s | sentence starts (dtw + pauses) | dtw alone | confidence |")
    print("|---|---|---|---|---|")
    for kind in SPANISH_VOICES:
        recording = _made(kind, work, models)
        result = align_to_reference(reference, Voiceover(recording.path, work, 600))
        truth = np.array(recording.starts_ms)
        snapped = np.abs(np.array([s.start_ms for s in result.sentences]) - truth)
        alone = np.abs(np.array(_dtw_alone(reference, recording.path, work)) - truth)
        cells = [
            kind.name, f"{recording.duration_ms / 1000:.0f}", summary(snapped), summary(alone),
            f"{result.confidence:.2f} {result.method.value}",
        ]  # fmt: skip
        print(f"| {' | '.join(cells)} |", flush=True)


def negatives(work: Path, models: Path) -> None:
    sentences = process_script(SCRIPT)
    files = {kind.name: _made(kind, work, models).path for kind in NEGATIVE}
    files["music alone (30 s)"] = music_alone(work / "music.wav")
    files["silence alone (a quiet room, 10 s)"] = silence_alone(work / "silence.wav")
    print("\n| not the script | confidence | method | warning |")
    print("|---|---|---|---|")
    for name, path in files.items():
        result = align_english(sentences, Voiceover(path, work, 600))
        warning = result.warnings[0].split(":")[0] if result.warnings else ""
        print(f"| {name} | {result.confidence:.2f} | {result.method.value} | {warning} |")


def _percentile_floor(
    _read: object, _total: int, energy_db: FloatArray, *, rate: int = 16_000
) -> BoolArray:
    """Speech activity before issue 30: floor at the 5th percentile of every frame (digital
    silence included), speech within 30 dB of the 95th."""
    floor, loud = np.percentile(energy_db, [5, 95])
    if loud - floor < 10:
        return np.zeros(len(energy_db), dtype=bool)
    return cleaned(energy_db > max(loud - 30, floor + 6))


def _energy_alone(
    _read: object, _total: int, energy_db: FloatArray, *, rate: int = 16_000
) -> BoolArray:
    return speech_activity(energy_db)


@contextlib.contextmanager
def _activity(detector: Callable[..., BoolArray] | None) -> Iterator[None]:
    """The aligner with another speech-activity detector (None: the service's)."""
    kept = getattr(voiceover, "voice_activity")  # noqa: B009 (the stage's own name for it)
    if detector is not None:
        setattr(voiceover, "voice_activity", detector)  # noqa: B010
    try:
        yield
    finally:
        setattr(voiceover, "voice_activity", kept)  # noqa: B010


def exports(work: Path, models: Path, kinds: list[Kind]) -> None:
    sentences = process_script(SCRIPT)
    print("\n| recording as exported | s | sentence starts (VAD) | energy alone "
          "| percentile floor (before) | confidence |")  # fmt: skip
    print("|---|---|---|---|---|---|")
    for kind in kinds:
        recording = _made(kind, work, models)
        cells = [kind.name, f"{recording.duration_ms / 1000:.0f}"]
        confidence = ""
        for detector in (None, _energy_alone, _percentile_floor):
            with _activity(detector):
                result = align_english(sentences, Voiceover(recording.path, work, 600))
            cells.append(summary(Errors.of(result.sentences, recording).sentences))
            confidence = confidence or f"{result.confidence:.2f} {result.method.value}"
        print(f"| {' | '.join([*cells, confidence])} |", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--work", type=Path, default=Path("bench/work/align_corpus"))
    parser.add_argument("--skip-kokoro", action="store_true", help="no Kokoro voices (slow)")
    parser.add_argument("--exports-only", action="store_true", help="only the EXPORTS table")
    args = parser.parse_args()
    args.work.mkdir(parents=True, exist_ok=True)
    models = args.work / "models"

    def wanted(kinds: list[Kind]) -> list[Kind]:
        return [k for k in kinds if not (args.skip_kokoro and k.name.startswith("Kokoro"))]

    print("Errors in ms as median / p95 / worst.")
    exports(args.work, models, wanted(EXPORTS))
    if args.exports_only:
        return
    english(args.work, models, wanted(ENGLISH))
    negatives(args.work, models)
    if not args.skip_kokoro:
        spanish(args.work, models)


if __name__ == "__main__":
    main()
