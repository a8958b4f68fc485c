"""The headers on every response (issue 32): a strict Content-Security-Policy, no sniffing,
no framing, no referrer to other sites; and the type and disposition of served files.

The studio's pages follow the policy: scripts and styles only from this origin's files
(`/studio/static/...`), no inline `<script>`, `<style>`, `style="..."` or `on...=` handlers,
no `eval`; data and progress by `fetch`/`EventSource` to this origin. Media and thumbnails may
also come from the S3 endpoint, whose presigned URLs the job page shows.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from videorender.config import Settings
from videorender.storage import content_disposition, content_type

AWS_ORIGINS = "https://*.amazonaws.com"


def storage_origins(settings: Settings) -> str:
    """Where presigned artifact URLs point: the S3 endpoint's origin ("" with local storage)."""
    if not settings.backblaze_bucket_name:
        return ""
    endpoint = urlsplit(settings.backblaze_endpoint_url or "")
    if endpoint.scheme and endpoint.netloc:
        return f"{endpoint.scheme}://{endpoint.netloc}"
    return AWS_ORIGINS


def content_security_policy(settings: Settings) -> str:
    media = " ".join(filter(None, ["'self'", "blob:", storage_origins(settings)]))
    return "; ".join(
        [
            "default-src 'self'",
            "script-src 'self'",
            "style-src 'self'",
            f"img-src {media} data:",
            f"media-src {media}",
            "connect-src 'self'",
            "font-src 'self'",
            "object-src 'none'",
            "base-uri 'none'",
            "form-action 'self'",
            "frame-ancestors 'none'",
        ]
    )


def security_headers(settings: Settings) -> list[tuple[bytes, bytes]]:
    """The headers added to every response (unless it sets its own)."""
    return [
        (b"content-security-policy", content_security_policy(settings).encode()),
        (b"x-content-type-options", b"nosniff"),
        (b"x-frame-options", b"DENY"),
        (b"referrer-policy", b"same-origin"),
        (b"cross-origin-opener-policy", b"same-origin"),
    ]


def file_headers(key: str) -> tuple[str, dict[str, str]]:
    """The content type of a served file, and its extra headers: `attachment` for anything a
    browser should not show inline (subtitles, JSON), so it never renders as a page."""
    disposition = content_disposition(key)
    return content_type(key), {"content-disposition": disposition} if disposition else {}
