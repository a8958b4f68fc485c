"""A job's title, for lists and pages: the caller's own `title`, else the first words of the
narration, else the first scene's file name (or the file name of the video to caption)."""

from __future__ import annotations

from pathlib import PurePosixPath

from videorender.jobs.models import JobRequest

TITLE_WORDS = 10
TITLE_CHARS = 80


def job_title(request: JobRequest) -> str:
    """A short, readable name for the job ("" only for a job with nothing to name it by)."""
    if request.title:
        return _shorten(request.title)
    narration = " ".join([request.script, *(scene.text for scene in request.scenes)]).split()
    if narration:
        words = narration[:TITLE_WORDS]
        more = "…" if len(narration) > TITLE_WORDS else ""
        return _shorten(" ".join(words)) + more
    for scene in request.scenes:
        if scene.label or scene.media:
            return _shorten(scene.label or file_name(scene.media or ""))
    if request.video_url:  # a video to caption, before its words are known
        return _shorten(file_name(request.video_url))
    return ""


def file_name(location: str) -> str:
    return PurePosixPath(location.split("?", 1)[0].rstrip("/")).name or location


def _shorten(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= TITLE_CHARS else text[: TITLE_CHARS - 1].rstrip() + "…"
