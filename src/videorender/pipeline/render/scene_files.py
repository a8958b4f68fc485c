"""Scenes from local files, for the faces that run as the local user (the CLI): a script's
marker lines naming files beside the script, or a script spread over a folder of images and
clips (its sentences in runs of similar length, one run a file, in name order).

The suffixes accepted are the media module's, the same lists as uploads'.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from videorender.errors import InputError
from videorender.pipeline.render import ffmpeg
from videorender.pipeline.render.media import IMAGE_SUFFIXES, VIDEO_SUFFIXES
from videorender.pipeline.text.scenes import (
    Scene,
    SceneOptions,
    group_sentences,
    has_markers,
    parse_scenes,
)
from videorender.pipeline.text.script import process_script

MEDIA_SUFFIXES = IMAGE_SUFFIXES | VIDEO_SUFFIXES
ACCEPTED_MEDIA = "JPEG, PNG or WebP images or MP4, MOV, M4V, MKV, WebM or AVI clips"


@dataclass(frozen=True)
class LocalScenes:
    """The scenes found, and the names of a media folder's files that were skipped (not an
    image or a clip)."""

    scenes: tuple[Scene, ...]
    skipped: tuple[str, ...] = ()


def local_scenes(
    script: str, script_folder: Path, media_dir: Path | None, *, clip_audio: bool = False
) -> LocalScenes:
    """The scenes of the script: from its marker lines (paths relative to `script_folder`),
    or its sentences spread over the images and clips of `media_dir` (with `clip_audio`, each
    clip that has sound plays it). No markers and no `media_dir`: no scenes.

    Raises:
        InputError: a bad marker or option, a missing file, markers with `--media-dir`, or
            `--clip-audio` without it.
    """
    if clip_audio and media_dir is None:
        message = "--clip-audio is for --media-dir (in a script, write {clip_audio=true})"
        raise InputError(message, "clip_audio")
    if has_markers(script):
        if media_dir is not None:
            raise InputError("--media-dir is for a script without scene markers", "media_dir")
        return LocalScenes(
            tuple(
                Scene(spec.text, _scene_file(spec.media, script_folder, n), spec.options)
                for n, spec in enumerate(parse_scenes(script))
            )
        )
    if media_dir is None:
        return LocalScenes(())
    return _folder_scenes(script, media_dir, clip_audio=clip_audio)


def _folder_scenes(script: str, media_dir: Path, *, clip_audio: bool) -> LocalScenes:
    if not media_dir.is_dir():
        raise InputError(f"media folder {str(media_dir)!r} does not exist", "media_dir")
    found = sorted(p for p in media_dir.iterdir() if p.is_file() and not p.name.startswith("."))
    files = [p for p in found if p.suffix.lower() in MEDIA_SUFFIXES]
    skipped = tuple(p.name for p in found if p not in files)
    if not files:
        raise InputError(f"media folder {str(media_dir)!r} has no images or clips", "media_dir")
    runs = group_sentences(process_script(script), len(files))
    sound = SceneOptions(clip_audio=True)
    scenes = tuple(
        Scene(
            " ".join(s.text for s in run),
            path,
            sound if clip_audio and _sounding_clip(path) else SceneOptions(),
        )
        for run, path in zip(runs, files, strict=False)
    )
    return LocalScenes(scenes, skipped)


def _sounding_clip(path: Path) -> bool:
    return path.suffix.lower() not in IMAGE_SUFFIXES and ffmpeg.has_audio_stream(path)


def _scene_file(media: str | None, folder: Path, number: int) -> Path | None:
    if media is None:
        return None
    where = f"scenes[{number}].media_url"
    if "://" in media:
        raise InputError(f"{where}: the command line takes local files, not {media!r}", where)
    path = folder / media
    if not path.is_file():
        raise InputError(f"{where}: {str(path)!r} does not exist", where)
    return path
