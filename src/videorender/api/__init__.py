"""The HTTP API: a thin FastAPI layer over `videorender.jobs`."""

from videorender.api.app import create_app

__all__ = ["create_app"]
