"""The HTTP API: a thin FastAPI face over `videorender.jobs`, speaking `videorender.requests`.

It imports no other face; the composition root (`videorender.app`) mounts it beside the studio
and the MCP endpoint."""
