"""Does a fetched voice load? Checked on the staged files, before anything is moved where
voices are loaded from, so a voice that would fail every job is never installed.

- a Piper voice: its `.onnx.json` is a Piper config with a language, and ONNX Runtime opens
  its `.onnx`;
- a Kokoro voices file (`.bin`, `.npz`) or voice (`.npy`): numpy reads its voices;
- a Kokoro model (`.onnx` without a config): ONNX Runtime opens it.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import onnxruntime

from videorender.errors import VoiceFetchError

PIPER_CONFIG = ".onnx.json"
KOKORO_VOICES = (".bin", ".npz", ".npy")


def check_loads(files: list[Path]) -> None:
    """Raises:
    VoiceFetchError: naming the first file that does not load, and why."""
    names = {f.name for f in files}
    for path in files:
        if path.name.endswith(PIPER_CONFIG):
            _check_piper_config(path)
        elif path.suffix == ".onnx":
            if f"{path.name}.json" not in names and not _is_kokoro_set(names):
                raise VoiceFetchError(f"{path.name} has no {path.name}.json beside it")
            _check_onnx(path)
        elif path.suffix in KOKORO_VOICES:
            _check_kokoro_voices(path)


def _is_kokoro_set(names: set[str]) -> bool:
    return any(n.endswith(KOKORO_VOICES) for n in names)


def _check_piper_config(path: Path) -> None:
    try:
        values = json.loads(path.read_text(encoding="utf-8"))
        ok = isinstance(values["phoneme_id_map"], dict) and bool(
            (values.get("language") or {}).get("code") or values["espeak"]["voice"]
        )
    except (OSError, ValueError, KeyError, TypeError, AttributeError) as exc:
        raise VoiceFetchError(f"{path.name} is not a Piper voice config: {exc}") from exc
    if not ok:
        raise VoiceFetchError(f"{path.name} is not a Piper voice config (no language)")


def _check_onnx(path: Path) -> None:
    options = onnxruntime.SessionOptions()
    options.intra_op_num_threads = 1
    try:
        onnxruntime.InferenceSession(
            str(path), sess_options=options, providers=["CPUExecutionProvider"]
        )
    except Exception as exc:  # onnxruntime raises its own untyped errors
        raise VoiceFetchError(f"{path.name} does not load: {exc}") from exc


def _check_kokoro_voices(path: Path) -> None:
    try:
        if path.suffix == ".npy":
            np.load(path, allow_pickle=False)
            return
        with np.load(path, allow_pickle=False) as voices:
            if not voices.files:
                raise VoiceFetchError(f"{path.name} holds no voices")
    except (OSError, ValueError) as exc:
        raise VoiceFetchError(f"{path.name} is not a Kokoro voices file: {exc}") from exc
