"""API key check: `Authorization: Bearer KEY` or `X-API-Key: KEY`, compared in constant time.
With no API_KEY set, every request is let through. The HTTP API and the MCP endpoint
(`/mcp`) use the same check."""

from __future__ import annotations

import hmac
from collections.abc import Mapping

from fastapi import HTTPException, Request
from pydantic import SecretStr

UNAUTHORIZED_DETAIL = "missing or wrong API key (Authorization: Bearer ... or X-API-Key)"


def key_accepted(expected: SecretStr | None, headers: Mapping[str, str]) -> bool:
    """Whether `headers` (lower-case names) carry the API key; True when none is set."""
    if expected is None:
        return True
    given = headers.get("x-api-key", "")
    scheme, _, token = headers.get("authorization", "").partition(" ")
    if scheme.lower() == "bearer" and token.strip():
        given = token.strip()
    return hmac.compare_digest(given.encode(), expected.get_secret_value().encode())


def require_api_key(request: Request) -> None:
    """FastAPI dependency.

    Raises:
        HTTPException: 401 when API_KEY is set and the request does not carry it.
    """
    if not key_accepted(request.app.state.service.settings.api_key, request.headers):
        raise HTTPException(
            status_code=401, detail=UNAUTHORIZED_DETAIL, headers={"WWW-Authenticate": "Bearer"}
        )
