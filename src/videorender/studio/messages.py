"""Error messages in the words of the form a person filled in: "Scene 2 (harbour.jpg): ..."
instead of `scenes[1].media_url: ...`, "Base video: ..." instead of `base_video_url: ...`.
Each keeps the field it names, so "Edit and retry" can mark that control."""

from __future__ import annotations

import re
from dataclasses import dataclass

from videorender.jobs.models import JobRequest
from videorender.jobs.titles import file_name
from videorender.pipeline.models import Stage

# The request field a message starts with, as the core writes it ("field: message").
_PREFIX = re.compile(
    r"^(?P<field>[a-z_]+(?:\[(?P<scene>\d+)\])?(?:\.[a-z_]+)*): (?P<rest>.+)$", re.S
)
# A failed job's error starts with its stage ("inputs: ...", "render failed: ...").
_STAGE = re.compile(
    rf"^(?:{'|'.join(stage.value for stage in Stage)})(?: failed)?: (?P<rest>.+)$", re.S
)
# A media check names the input and the work file it was saved as: "base video 'base-video' ...".
_MEDIA = re.compile(
    r"^(?P<what>base video|background music|music|voiceover"
    r"|scenes\[(?P<scene>\d+)\]\.media_url) '[^']*' (?P<rest>.+)$",
    re.S,
)
_MEDIA_FIELDS = {
    "base video": "base_video_url",
    "background music": "bgm_url",
    "music": "bgm_url",
    "voiceover": "voiceover_url",
}
FIELD_LABELS = {
    "script": "Script",
    "base_video_url": "Base video",
    "bgm_url": "Music",
    "voiceover_url": "Voiceover",
    "music_volume": "Music volume",
    "size": "Size",
    "subtitle_style": "Caption style",
    "captions": "Caption style",
    "tts_provider": "Voice",
    "speaker": "Voice",
    "language": "Voice",
}


@dataclass(frozen=True)
class Problem:
    """A message for a person, and the request field it is about (None: the whole job)."""

    field: str | None
    message: str


def readable(message: str, request: JobRequest | None = None) -> Problem:
    """`message` with its stage left out and its leading field name (or the media input it
    names) turned into the form's words."""
    text = message.strip()
    if staged := _STAGE.match(text):
        text = staged.group("rest")
    if media := _MEDIA.match(text):
        field = media.group("what")
        if media.group("scene") is None:
            field = _MEDIA_FIELDS[field]
        text = f"{field}: the file {media.group('rest')}"
    match = _PREFIX.match(text)
    if match is None:
        return Problem(None, message)
    field, rest = match.group("field"), match.group("rest")
    if match.group("scene") is not None:
        number = int(match.group("scene"))
        return Problem(field, f"{scene_name(number, request)}: {rest}")
    label = FIELD_LABELS.get(field.split(".")[0])
    return Problem(field, f"{label}: {rest}" if label else message)


def scene_name(number: int, request: JobRequest | None) -> str:
    """ "Scene 2 (harbour.jpg)" for `scenes[1]`, counting from one as people do."""
    scenes = request.scenes if request is not None else ()
    if number < len(scenes):
        scene = scenes[number]
        name = scene.label or (file_name(scene.media) if scene.media else "")
        if name:
            return f"Scene {number + 1} ({name})"
    return f"Scene {number + 1}"
