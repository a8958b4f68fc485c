"""API key check: `Authorization: Bearer KEY` or `X-API-Key: KEY`, compared in constant time;
or the web studio's session cookie. With no API_KEY set, every request is let through. The
MCP endpoint (`/mcp`) takes the key alone.

The studio's session is a signed cookie, `NONCE.EXPIRES.SIGNATURE`, the signature an HMAC
of the first two parts keyed with API_KEY, so changing the key ends every session; and a row
in the job store (`jobs.sessions`), so signing out ends it in every process. Wrong keys are
counted per client address (`web.keys`): too many in a minute get 429 with Retry-After.
Its CSRF token is another HMAC of the nonce. The cookie is HttpOnly, SameSite=Strict
and Secure over HTTPS; the key itself is never put in a cookie, a page or a URL. A request
that carries the cookie instead of the key is accepted only:

- for GET and HEAD (the player's video, the progress stream) when the browser does not say
  it comes from another site (`Sec-Fetch-Site`), and
- for any other method with the header `X-CSRF-Token` holding the session's token and, if
  the browser sends `Origin`, this service's own origin.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time
from collections.abc import Mapping
from dataclasses import dataclass

from fastapi import HTTPException, Request
from pydantic import SecretStr

from videorender.web.keys import TooManyWrongKeysError, check_key

UNAUTHORIZED_DETAIL = "missing or wrong API key (Authorization: Bearer ... or X-API-Key)"
SESSION_COOKIE = "vr_session"
CSRF_HEADER = "x-csrf-token"
SESSION_SECONDS = 12 * 3600
SAFE_METHODS = frozenset({"GET", "HEAD"})


@dataclass(frozen=True)
class Session:
    """A studio session: the cookie's value and the CSRF token that goes with it."""

    cookie: str
    csrf_token: str
    expires_at: int

    @property
    def nonce(self) -> str:
        """Its id in the job store's sessions (`jobs.sessions`), which sign-out ends."""
        return self.cookie.partition(".")[0]


def _sign(key: SecretStr, message: str) -> str:
    return hmac.new(key.get_secret_value().encode(), message.encode(), hashlib.sha256).hexdigest()


def new_session(key: SecretStr, now: float | None = None) -> Session:
    """A fresh session for someone who has just given the right key."""
    nonce = secrets.token_urlsafe(18)
    expires = int(now if now is not None else time.time()) + SESSION_SECONDS
    cookie = f"{nonce}.{expires}.{_sign(key, f'session.{nonce}.{expires}')}"
    return Session(cookie, _sign(key, f"csrf.{nonce}"), expires)


def read_session(key: SecretStr, cookie: str | None) -> Session | None:
    """The session the cookie holds, if it is genuine and unexpired."""
    nonce, _, rest = (cookie or "").partition(".")
    expires, _, signature = rest.partition(".")
    if not (nonce and expires.isdigit() and signature):
        return None
    expected = _sign(key, f"session.{nonce}.{expires}")
    if not hmac.compare_digest(signature.encode(), expected.encode()):
        return None
    if int(expires) < time.time():
        return None
    return Session(cookie or "", _sign(key, f"csrf.{nonce}"), int(expires))


def live_session(request: Request, key: SecretStr) -> Session | None:
    """The request's session, if its cookie is genuine, unexpired and not signed out of (in
    any process: issue 32)."""
    session = read_session(key, request.cookies.get(SESSION_COOKIE))
    if session is None or not request.app.state.service.sessions.alive(session.nonce):
        return None
    return session


def same_origin(request: Request) -> bool:
    """Whether the browser says the request comes from this service's own pages."""
    site = request.headers.get("sec-fetch-site")
    if site is not None and site not in ("same-origin", "none"):
        return False
    origin = request.headers.get("origin")
    if origin is None:
        return True
    host = request.headers.get("host", "")
    return origin in (f"http://{host}", f"https://{host}")


def given_key(headers: Mapping[str, str]) -> str:
    """The key a request carries (lower-case header names), or ""."""
    scheme, _, token = headers.get("authorization", "").partition(" ")
    if scheme.lower() == "bearer" and token.strip():
        return token.strip()
    return headers.get("x-api-key", "")


def require_api_key(request: Request) -> None:
    """FastAPI dependency.

    Raises:
        HTTPException: 401 when API_KEY is set and the request carries neither the key nor
            a studio session good for this request (403: a session without its CSRF token).
    """
    key: SecretStr | None = request.app.state.service.settings.api_key
    if key is None:
        return
    given = given_key(request.headers)
    if not given:
        session = live_session(request, key)
        if session is not None:
            _check_session_request(request, session)
            return
    try:
        right = bool(given) and check_key(request.app.state.service, request, key, given)
    except TooManyWrongKeysError as exc:
        raise HTTPException(
            status_code=429, detail=str(exc), headers={"Retry-After": str(exc.retry_after)}
        ) from exc
    if not right:
        raise HTTPException(
            status_code=401, detail=UNAUTHORIZED_DETAIL, headers={"WWW-Authenticate": "Bearer"}
        )


def _check_session_request(request: Request, session: Session) -> None:
    if not same_origin(request):
        raise HTTPException(status_code=403, detail="the studio's session is for its own pages")
    if request.method in SAFE_METHODS:
        return
    token = request.headers.get(CSRF_HEADER, "")
    if not hmac.compare_digest(token.encode(), session.csrf_token.encode()):
        raise HTTPException(
            status_code=403, detail=f"missing or wrong CSRF token ({CSRF_HEADER} header)"
        )
