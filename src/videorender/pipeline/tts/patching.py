"""Patched copies of ONNX voice models that also output their phoneme durations (and, for
Piper, the model cut in two where its vocoder starts: `vocoder_windows.py`).

Both engines compute how many frames each phoneme lasts, but their published models do not
output it. Marking that tensor as a graph output gives word timings from the same run as the
audio at no extra cost. The user's file is never modified: the patched copy is written once
into the cache folder (keyed by the source's path, size and modification time) and reused
by every later load; a model the patch cannot be applied to is remembered there too. Where the
cache cannot be written, the patched model is kept in memory.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import os
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import onnx

log = logging.getLogger(__name__)

# Edits the model in place (returning None) or returns a new one made from it; raises
# ValueError if it cannot.
Patch = Callable[["onnx.ModelProto"], "onnx.ModelProto | None"]


def patched_model(source: Path, cache_dir: Path, tag: str, patch: Patch) -> Path | bytes:
    """The path of `source` patched by `patch` (made now if not cached), or the patched model
    as bytes if it cannot be cached.

    Raises:
        ValueError: `patch` cannot be applied to this model (remembered in the cache, so that
            later loads do not parse the model again to find out).
        OSError: `source` cannot be read.
    """
    stat = source.stat()
    key = hashlib.sha256(
        f"{source.resolve()}\0{stat.st_size}\0{stat.st_mtime_ns}\0{tag}".encode()
    ).hexdigest()[:16]
    target = cache_dir / f"{source.stem}.{tag}.{key}.onnx"
    refused = target.with_suffix(".refused")
    if target.is_file():
        return target
    if refused.is_file():
        raise ValueError(refused.read_text(encoding="utf-8", errors="replace"))
    # Imported only to patch: `onnx` adds ~20 MB to every process that imports it, and once
    # the patched copy is cached no process needs it.
    import onnx  # noqa: PLC0415

    model = onnx.load(str(source))
    try:
        model = patch(model) or model
    except ValueError as exc:
        with contextlib.suppress(OSError):  # unremembered, it is only found out again
            cache_dir.mkdir(parents=True, exist_ok=True)
            refused.write_text(str(exc), encoding="utf-8")
        raise
    try:
        cache_dir.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=cache_dir, suffix=".tmp")
        os.close(fd)
        try:
            onnx.save(model, tmp)
            os.replace(tmp, target)
        finally:
            Path(tmp).unlink(missing_ok=True)
    except OSError as exc:  # a read-only cache costs load time, never the job
        log.warning("cannot cache the patched model in %s (%s); patching in memory", cache_dir, exc)
        return bytes(model.SerializeToString())
    return target


def add_output(model: onnx.ModelProto, tensor: str, name: str | None = None) -> None:
    """Make `tensor` a graph output, under `name` (through an Identity node) if given."""
    import onnx  # noqa: PLC0415 - see patched_model

    graph = model.graph
    if name and name != tensor:
        graph.node.append(onnx.helper.make_node("Identity", [tensor], [name]))
        tensor = name
    output = onnx.ValueInfoProto()
    output.name = tensor
    graph.output.append(output)
