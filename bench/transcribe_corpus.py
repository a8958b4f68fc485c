"""Transcription accuracy on recordings it has never heard: word error rate, and sentence start
errors of the service's times against Whisper's own, as in docs/alignment.md.

    .venv/bin/python -m bench.transcribe_corpus [--work bench/work/transcribe_corpus]

The talking video of the tests (five voices in turn), the Spanish one, the Spanish voices of the
voiceover corpus, and the English recordings as editors export them. For each: the language
detected, the word error rate, and sentence starts (median / p95 / worst ms) by the service
(Whisper, then the aligner: PocketSphinx for English, the pause programme otherwise) and by
Whisper's word times alone. Accuracy only: run `bench.transcribe` for time and memory.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from bench.align_corpus import _made
from tests.corpus import (
    EXPORTS,
    SCRIPT,
    SPANISH,
    SPANISH_TALK,
    SPANISH_TALKING,
    SPANISH_VOICES,
    TALK,
    TALKING,
    Kind,
    start_errors,
    summary,
    word_error_rate,
)
from videorender.pipeline.align.pcm import decoded
from videorender.pipeline.stage_config import TranscribeConfig
from videorender.pipeline.text.languages import get_language
from videorender.pipeline.transcribe import transcribe
from videorender.pipeline.transcribe.sentences import heard_sentences
from videorender.pipeline.transcribe.whisper import listen


def _whisper_alone(path: Path, config: TranscribeConfig, work: Path) -> list[int]:
    """Sentence starts by Whisper's word times, our sentences, no refinement."""
    with decoded(path, work, timeout_s=600) as pcm:
        heard = listen(pcm, config)
    _, timings = heard_sentences(heard.words, get_language(heard.language))
    return [t.start_ms for t in timings]


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--work", type=Path, default=Path("bench/work/transcribe_corpus"))
    args = parser.parse_args()
    args.work.mkdir(parents=True, exist_ok=True)
    config = TranscribeConfig(cache_dir=args.work / "whisper")
    cases: list[tuple[Kind, str]] = [(TALKING, TALK), (SPANISH_TALKING, SPANISH_TALK)]
    cases += [(kind, SPANISH) for kind in SPANISH_VOICES]
    cases += [(kind, SCRIPT) for kind in EXPORTS if not kind.name.startswith("Kokoro")]
    print("Errors in ms as median / p95 / worst.\n")
    print("| recording | s | language | WER | sentence starts (service) | Whisper alone | method |")
    print("|---|---|---|---|---|---|---|")
    for kind, text in cases:
        recording = _made(kind, args.work, args.work / "models")
        found = transcribe(recording.path, config, workdir=args.work, timeout_s=3600)
        service = start_errors(recording.starts_ms, [s.start_ms for s in found.timings])
        alone = start_errors(recording.starts_ms, _whisper_alone(recording.path, config, args.work))
        cells = [
            kind.name, f"{recording.duration_ms / 1000:.0f}", found.language,
            f"{100 * word_error_rate(text, found.text):.1f} %", summary(service), summary(alone),
            found.method.value,
        ]  # fmt: skip
        print(f"| {' | '.join(cells)} |", flush=True)


if __name__ == "__main__":
    main()
