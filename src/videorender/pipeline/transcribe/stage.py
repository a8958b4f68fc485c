"""The transcription stage: a recording without a script becomes sentences, timed precisely.

1. Whisper (`whisper.py`) says what was said, in which language, and roughly when.
2. Its words are regrouped into our sentences (`sentences.py`).
3. The times are refined by the aligner (`align/`), as for a voiceover with a script:
   - English: PocketSphinx finds every word of the transcript in the recording (the
     acoustic method); where it does not match well enough, Whisper's times, snapped to
     the recording's pauses, are kept instead, and so for each sentence whose aligned start
     is a stretch of speech away from Whisper's (the decoder lost its place);
   - other languages: Whisper's times with each sentence start snapped to the pause that
     ends where its first word is heard (the pause programme; docs/alignment.md measures it
     against Whisper's own times).
The caption rules (pages, line breaks, reading speed) apply later, in `captions/`, as for
any render: the result is our own `Sentence` and `SentenceTiming` values.
"""

from __future__ import annotations

import dataclasses
import logging
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from videorender.errors import MediaError
from videorender.pipeline.align.pcm import decoded
from videorender.pipeline.align.voiceover import (
    AlignmentMethod,
    AlignmentResult,
    Voiceover,
    align_english,
    align_estimates,
    is_english,
)
from videorender.pipeline.models import Progress, ProgressCallback, SentenceTiming, Stage
from videorender.pipeline.render.media import checked_media
from videorender.pipeline.stage_config import TranscribeConfig
from videorender.pipeline.text.languages import get_language
from videorender.pipeline.text.script import Sentence
from videorender.pipeline.transcribe.sentences import heard_sentences
from videorender.pipeline.transcribe.whisper import Heard, listen

log = logging.getLogger(__name__)

NO_SPEECH_WARNING = "no speech found in {name}: there are no captions"


@dataclass(frozen=True)
class Transcript:
    """What a recording says: sentences, their times, the language, and how they were timed.

    `sentences` is empty when no speech was found (and `warnings` says so). `language` is
    the one given, or Whisper's two-letter code for the one it detected.
    """

    sentences: tuple[Sentence, ...]
    timings: tuple[SentenceTiming, ...]
    language: str
    language_probability: float
    method: AlignmentMethod
    warnings: tuple[str, ...]
    duration_ms: int

    @property
    def text(self) -> str:
        """The transcript as a script: one sentence a line."""
        return "\n".join(s.text for s in self.sentences)


def transcribe(
    recording: Path,
    config: TranscribeConfig,
    *,
    workdir: Path,
    timeout_s: float,
    language: str | None = None,
    on_progress: ProgressCallback | None = None,
    what: str = "video",
) -> Transcript:
    """Transcribe the first audio stream of `recording` (audio or video) and time its sentences.
    `what` names the recording in errors (the request's field: video, voiceover).

    Raises:
        MediaError: it is not media, has no audio stream, or lasts longer than
            MAX_TRANSCRIBE_SECONDS.
        TranscriptionError: Whisper is not installed or failed.
        FFmpegError: decoding failed.
    """
    _check(recording, config, what)
    heard = _heard(recording, config, workdir, timeout_s, language, on_progress)
    lang = get_language(language or heard.language)
    sentences, estimated = heard_sentences(heard.words, lang)
    if not sentences:
        warning = NO_SPEECH_WARNING.format(name=recording.name)
        log.warning("%s", warning)
        return Transcript(
            (), (), lang.tag, heard.language_probability, AlignmentMethod.EVEN, (warning,),
            heard.duration_ms,
        )  # fmt: skip
    provided = Voiceover(recording, workdir, timeout_s)
    aligned = _refined(sentences, estimated, heard, provided, on_progress)
    return Transcript(
        tuple(sentences), aligned.sentences, lang.tag, heard.language_probability,
        aligned.method, aligned.warnings, aligned.duration_ms,
    )  # fmt: skip


def _check(recording: Path, config: TranscribeConfig, what: str) -> None:
    if not checked_media(recording, what, config.max_seconds).has_audio:
        raise MediaError(
            f"{what} {recording.name!r} has no audio stream: no speech to caption", what
        )


def _heard(  # noqa: PLR0917 (the stage's inputs, passed on)
    recording: Path,
    config: TranscribeConfig,
    workdir: Path,
    timeout_s: float,
    language: str | None,
    on_progress: ProgressCallback | None,
) -> Heard:
    def fraction(done: float) -> None:
        if on_progress:
            on_progress(Progress(Stage.TRANSCRIBE, done))

    with decoded(recording, workdir, timeout_s=timeout_s) as pcm:
        heard = listen(pcm, config, language=language, on_fraction=fraction)
    log.info(
        "%s: %d words, language %s (p=%.2f)",
        recording.name, len(heard.words), heard.language, heard.language_probability,
    )  # fmt: skip
    return heard


def _refined(
    sentences: list[Sentence],
    estimated: list[SentenceTiming],
    heard: Heard,
    recording: Voiceover,
    on_progress: ProgressCallback | None,
) -> AlignmentResult:
    """The aligner's times where it can be trusted (where they agree with Whisper's), else
    Whisper's snapped to the pauses."""
    if is_english(heard.language):
        found = align_english(sentences, recording, estimated=estimated, on_progress=on_progress)
        if found.method is AlignmentMethod.ACOUSTIC:
            return found
        log.info("%s: the acoustic aligner did not match; Whisper's times", recording.path.name)
    confidence = float(np.mean([w.probability for w in heard.words])) if heard.words else 0.0
    snapped = align_estimates(estimated, recording, confidence=confidence, on_progress=on_progress)
    return dataclasses.replace(snapped, warnings=())
