"""Patched copies of ONNX voice models that also output their phoneme durations (and, for
Piper, the model cut in two where its vocoder starts: `vocoder_windows.py`).

Both engines compute how many frames each phoneme lasts, but their published models do not
output it. Marking that tensor as a graph output gives word timings from the same run as the
audio at no extra cost. The user's file is never modified: the patched copy is written once
into the cache folder (keyed by the source's path, size and modification time) and reused
by every later load; a model the patch cannot be applied to is remembered there too. Where the
cache cannot be written, the patched model is kept in memory.

The patch runs in a child Python process: parsing and rewriting a model is seconds of work that
holds the GIL, and in the service it would stall the API's event loop on the first job (long
enough, on a busy machine, for clients' keep-alive connections to be reset). The child also
keeps `onnx` and the parsed model (~200 MB for a Piper voice) out of the long-lived process.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import os
import pickle
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from videorender.atomic import atomic_write

if TYPE_CHECKING:
    import onnx

log = logging.getLogger(__name__)

# Edits the model in place (returning None) or returns a new one made from it; raises
# ValueError if it cannot.
Patch = Callable[["onnx.ModelProto"], "onnx.ModelProto | None"]


def patched_model(
    source: Path, cache_dir: Path, tag: str, patch: Patch, version: int = 1
) -> Path | bytes:
    """The path of `source` patched by `patch` (made now if not cached), or the patched model
    as bytes if it cannot be cached. `patch` is pickled by name into the child process that
    applies it, so it must be a module-level function; a new `version` of a patch makes its
    copies again.

    Raises:
        ValueError: `patch` cannot be applied to this model (remembered in the cache, so that
            later loads do not parse the model again to find out).
        OSError: `source` cannot be read, or the child process failed.
    """
    stat = source.stat()
    identity = f"{source.resolve()}\0{stat.st_size}\0{stat.st_mtime_ns}\0{tag}"
    if version != 1:  # version 1's copies keep the keys they were made with
        identity += f"\0{version}"
    key = hashlib.sha256(identity.encode()).hexdigest()[:16]
    target = cache_dir / f"{source.stem}.{tag}.{key}.onnx"
    refused = target.with_suffix(".refused")
    if target.is_file():
        return target
    if refused.is_file():
        raise ValueError(refused.read_text(encoding="utf-8", errors="replace"))
    outcome = _run_child(pickle.dumps((source, target, patch)))
    if isinstance(outcome, ValueError):
        raise outcome
    return outcome


def _run_child(job: bytes) -> Path | bytes | ValueError:
    """Run `_patch` on a pickled (source, target, patch) in a child process."""
    child = f"from {__name__} import child_main; child_main()"
    # The child imports from where this process does (the patch is pickled by module name).
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(path for path in sys.path if path)}
    done = subprocess.run(
        [sys.executable, "-c", child], input=job, env=env, capture_output=True, check=False
    )
    if done.returncode != 0:
        reason = done.stderr.decode(errors="replace").strip().splitlines()[-1:] or ["no output"]
        raise OSError(f"patching the voice model failed (exit {done.returncode}): {reason[0]}")
    if said := done.stderr.decode(errors="replace").strip():  # e.g. the cache is read-only
        log.warning("patching the voice model: %s", said)
    outcome: Path | bytes | ValueError = pickle.loads(done.stdout)
    return outcome


def _patch(source: Path, target: Path, patch: Patch) -> Path | bytes | ValueError:
    """What `patched_model` returns (or the ValueError it raises) once `source` is patched."""
    # Imported only to patch: `onnx` adds ~20 MB to every process that imports it.
    import onnx  # noqa: PLC0415

    cache_dir = target.parent
    model = onnx.load(str(source))
    try:
        model = patch(model) or model
    except ValueError as exc:
        with contextlib.suppress(OSError):  # unremembered, it is only found out again
            cache_dir.mkdir(parents=True, exist_ok=True)
            target.with_suffix(".refused").write_text(str(exc), encoding="utf-8")
        return exc
    try:
        cache_dir.mkdir(parents=True, exist_ok=True)
        with atomic_write(target) as tmp:
            onnx.save(model, tmp)
    except OSError as exc:  # a read-only cache costs load time, never the job
        log.warning("cannot cache the patched model in %s (%s); patching in memory", cache_dir, exc)
        return bytes(model.SerializeToString())
    return target


def add_output(model: onnx.ModelProto, tensor: str, name: str | None = None) -> None:
    """Make `tensor` a graph output, under `name` (through an Identity node) if given."""
    import onnx  # noqa: PLC0415 - see _patch

    graph = model.graph
    if name and name != tensor:
        graph.node.append(onnx.helper.make_node("Identity", [tensor], [name]))
        tensor = name
    output = onnx.ValueInfoProto()
    output.name = tensor
    graph.output.append(output)


def child_main() -> None:
    """The child process of `_run_child`: a pickled job on stdin, its pickled outcome on stdout."""
    job = sys.stdin.buffer.read()
    # Nothing a library prints, from Python or C, may reach the pickled result.
    result = os.fdopen(os.dup(1), "wb")
    os.dup2(2, 1)
    sys.stdout = sys.stderr
    logging.basicConfig(level=logging.WARNING, format="%(message)s")
    outcome = _patch(*pickle.loads(job))
    result.write(pickle.dumps(outcome))
    result.close()
