"""Request hashing: one canonical JSON of a validated request, hashed with SHA-256.

- `idempotency_digest`: what an `Idempotency-Key` is bound to (the API). It covers the
  endpoint and the validated body, so equivalent bodies (a field left out or sent as null,
  keys in another order) count as the same request.
- `request_hash`: whether a batch job's folder already holds this request's outputs. It also
  covers the local input files' sizes and modification times, so an edited line or a
  replaced input file is rendered again.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from pydantic import BaseModel

from videorender.inputs import local_path
from videorender.jobs.models import JobKind
from videorender.requests.bodies import RenderRequest, RenderVideoRequest

LOCAL_INPUTS = ("base_video_url", "bgm_url", "voiceover_url")


def _digest(document: dict[str, Any], *, compact: bool) -> str:
    separators = (",", ":") if compact else None
    canonical = json.dumps(document, sort_keys=True, separators=separators)
    return hashlib.sha256(canonical.encode()).hexdigest()


def idempotency_digest(kind: JobKind, body: BaseModel) -> str:
    """The digest an Idempotency-Key is stored with."""
    return _digest({"kind": kind.value, "body": body.model_dump(mode="json")}, compact=True)


def request_hash(request: RenderRequest | RenderVideoRequest) -> str:
    """A hash of the validated request and of its local input files (size and modification
    time), the scenes' visuals included."""
    body = request.model_dump(mode="json")
    inputs = {name: body.get(name) for name in LOCAL_INPUTS}
    for number, scene in enumerate(request.scene_specs()):
        inputs[f"scenes[{number}]"] = scene.media
    files = {}
    for name, url in inputs.items():
        path = local_path(url or "")
        if path is not None and path.is_file():
            stat = path.stat()
            files[name] = [stat.st_size, stat.st_mtime_ns]
    return _digest({"request": body, "files": files}, compact=False)
