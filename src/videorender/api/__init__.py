"""The HTTP API: a thin FastAPI face over `videorender.jobs`, speaking `videorender.requests`.

It imports no other face; the composition root (`videorender.app`) mounts it beside the studio
and the MCP endpoint. `from videorender.api import create_app`, the path before the root moved
out, still works: it is forwarded there.
"""

from __future__ import annotations

from typing import Any


def __getattr__(name: str) -> Any:
    if name == "create_app":
        from videorender.app import create_app  # noqa: PLC0415 - the root imports this package

        return create_app
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
