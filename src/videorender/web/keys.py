"""Checking an API key with guessing slowed (issue 32): every wrong key is counted per client
address in the job store (`jobs.key_failures`), shared by every process; a client over
MAX_KEY_FAILURES in KEY_FAILURE_WINDOW_SECONDS is refused, right key or wrong, until
`retry_after` seconds have passed. Used by the API's key check, the studio's sign-in form and
the MCP endpoint."""

from __future__ import annotations

import hmac
import logging

from pydantic import SecretStr
from starlette.requests import HTTPConnection

from videorender.jobs.service import JobService
from videorender.web.clients import client_address

log = logging.getLogger(__name__)


class TooManyWrongKeysError(Exception):
    """The client sent too many wrong keys lately: it may try again in `retry_after` s."""

    def __init__(self, retry_after: int) -> None:
        super().__init__(f"too many wrong API keys; try again in {retry_after} s")
        self.retry_after = retry_after


def key_matches(key: SecretStr, given: str) -> bool:
    """Constant-time comparison."""
    return hmac.compare_digest(given.encode(), key.get_secret_value().encode())


def check_key(service: JobService, connection: HTTPConnection, key: SecretStr, given: str) -> bool:
    """Whether `given` is the key; a wrong one is counted against the client.

    Raises:
        TooManyWrongKeysError: the client must wait before any key is checked again.
    """
    failures = service.key_failures
    client = client_address(connection, trust_proxy=service.settings.trust_proxy)
    wait = failures.retry_after(client)
    if wait:
        raise TooManyWrongKeysError(wait)
    if key_matches(key, given):
        return True
    failures.record(client)
    wait = failures.retry_after(client)
    if wait:
        log.warning("wrong API key from %s: too many, refused for %d s", client, wait)
    else:
        log.warning("wrong API key from %s", client)
    return False
