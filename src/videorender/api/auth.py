"""API key check: `Authorization: Bearer KEY` or `X-API-Key: KEY`, compared in constant time.
With no API_KEY set, every request is let through."""

from __future__ import annotations

import hmac

from fastapi import HTTPException, Request


def require_api_key(request: Request) -> None:
    """FastAPI dependency.

    Raises:
        HTTPException: 401 when API_KEY is set and the request does not carry it.
    """
    key = request.app.state.service.settings.api_key
    if key is None:
        return
    given = request.headers.get("x-api-key", "")
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() == "bearer" and token.strip():
        given = token.strip()
    expected = key.get_secret_value().encode()
    if not hmac.compare_digest(given.encode(), expected):
        raise HTTPException(
            status_code=401,
            detail="missing or wrong API key (Authorization: Bearer ... or X-API-Key)",
            headers={"WWW-Authenticate": "Bearer"},
        )
