"""The core from Python: `videorender.render(script, output_dir, **options)` makes one video
the way `videorender render` does, with its defaults, and returns what it made.

The options are the command's flags, named as Python names (`--subtitle-style` is
`subtitle_style`): the fields of `LocalRender`. Media are local files; sizes and colours may be
given as the command takes them (`"1080x1920"`, `"#ffcc00"`). The configuration is the
command's too: the environment and `.env` (`load_settings()`), unless `settings` is given.

The CLI's `render` is this same function under a progress bar, so the two cannot drift apart.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

from videorender.config import Settings, load_settings
from videorender.errors import InputError
from videorender.pipeline import run
from videorender.pipeline.captions import DEFAULT_STYLE
from videorender.pipeline.models import (
    CaptionOptions,
    Color,
    ProgressCallback,
    RenderOptions,
    RenderResult,
    Size,
)
from videorender.pipeline.render.scene_files import ACCEPTED_MEDIA, local_scenes
from videorender.pipeline.runtime.clock import StageClock

log = logging.getLogger(__name__)

StrPath = str | os.PathLike[str]
Warn = Callable[[str], None]
_NOT_FLAGS = ("script", "output_dir", "script_folder")


@dataclass(frozen=True)
class LocalRender:
    """One video from local files: the script, where the files go, and the options of
    `videorender render` (every one optional; the same names as its flags). `script_folder`
    is where a script's scene markers name their files (default: the current folder)."""

    script: str
    output_dir: StrPath
    video: StrPath | None = None
    music: StrPath | None = None
    voiceover: StrPath | None = None
    media_dir: StrPath | None = None
    clip_audio: bool = False
    script_folder: StrPath | None = None
    size: Size | str | None = None
    engine: str | None = None
    voice: StrPath | None = None
    speaker: str | None = None
    language: str | None = None
    music_volume: float | None = None
    subtitle_style: str = DEFAULT_STYLE
    font: str | None = None
    font_size: int | None = None
    text_color: Color | str | None = None
    highlight_color: Color | str | None = None
    outline_color: Color | str | None = None
    outline: float | None = None
    position: str | None = None
    max_line_chars: int | None = None
    uppercase: bool | None = None
    words_per_caption: int | None = None

    @classmethod
    def option_names(cls) -> tuple[str, ...]:
        """The options: the fields that are the command's flags (all but the script, the
        output folder and the script's folder)."""
        return tuple(f.name for f in fields(cls) if f.name not in _NOT_FLAGS)

    def job(self, warn: Warn | None = None) -> run.RenderJob:
        """The pipeline's job, its files checked before any work; `warn` hears what the
        render goes on without (a media folder's files that are not media).

        Raises:
            InputError: a file that is not there, an output folder that cannot be written,
                a bad scene marker, size or colour, naming it.
        """
        for path, what in (
            (self.video, "base video"),
            (self.music, "music"),
            (self.voice, "voice model"),
            (self.voiceover, "voiceover"),
        ):
            check_file(_path(path), what)
        output_dir = Path(self.output_dir)
        check_output_dir(output_dir)
        folder = Path(self.script_folder) if self.script_folder is not None else Path.cwd()
        found = local_scenes(self.script, folder, _path(self.media_dir), clip_audio=self.clip_audio)
        if found.skipped:
            (warn or log.warning)(
                f"--media-dir skips {len(found.skipped)} file(s) that are not "
                f"{ACCEPTED_MEDIA}: {', '.join(found.skipped)}"
            )
        return run.RenderJob(
            script=self.script,
            output_dir=output_dir,
            base_video=_path(self.video),
            music=_path(self.music),
            options=self.options(),
            voiceover=_path(self.voiceover),
            scenes=found.scenes,
        )

    def options(self) -> RenderOptions:
        """Raises:
        InputError: a size or colour that does not parse."""
        size = Size.parse(self.size) if isinstance(self.size, str) else self.size
        return RenderOptions(
            size=size,
            voice_model=_path(self.voice),
            tts_provider=self.engine,
            speaker=self.speaker,
            language=self.language,
            music_volume=self.music_volume,
            subtitle_style=self.subtitle_style,
            captions=CaptionOptions(
                font=self.font,
                font_size=self.font_size,
                text_color=_color(self.text_color, "text_color"),
                highlight_color=_color(self.highlight_color, "highlight_color"),
                outline_color=_color(self.outline_color, "outline_color"),
                outline=self.outline,
                position=self.position,
                max_line_chars=self.max_line_chars,
                uppercase=self.uppercase,
                words_per_caption=self.words_per_caption,
            ),
        )


def render(
    script: str,
    output_dir: StrPath,
    *,
    settings: Settings | None = None,
    on_progress: ProgressCallback | None = None,
    warn: Warn | None = None,
    **options: Any,
) -> RenderResult:
    """Make the video of `script` in `output_dir`, as `videorender render` does: final.mp4,
    voice.wav, subs.ass, subs.srt, subs.vtt, words.json and thumbnail.jpg; the result names
    each file (`video`, `voice`, `subtitles`, `subtitles_srt`, `subtitles_vtt`, `words`,
    `thumbnail`), the video's length and size, and the seconds each stage took.

    `options` are `LocalRender`'s fields; `settings` default to the environment's;
    `on_progress` hears each stage's progress; `warn` (default: a logged warning) what the
    render goes on without.

    Raises:
        TypeError: an option that does not exist.
        InputError: bad input, naming it (`ConfigError`: bad settings).
        VideoRenderError: a subclass naming the stage that failed.
    """
    job = LocalRender(script, output_dir, **options).job(warn)
    config = (settings or load_settings()).pipeline_config()
    return run.render(job, config, clock=StageClock(on_progress))


def check_file(path: Path | None, what: str) -> None:
    """Raises:
    InputError: `path` is given and is not a file."""
    if path is not None and not path.is_file():
        raise InputError(f"{what} {str(path)!r} does not exist", what)


def check_output_dir(path: Path) -> None:
    """Refuse an output folder that cannot be written before any work, not after it.

    Raises:
        InputError: it cannot be made, or written."""
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        reason = "is a file" if isinstance(exc, FileExistsError) else exc.strerror
        raise InputError(f"output folder {str(path)!r} cannot be used: {reason}", "output") from exc
    if not os.access(path, os.W_OK | os.X_OK):
        raise InputError(f"output folder {str(path)!r} is not writable", "output")


def _path(value: StrPath | None) -> Path | None:
    return None if value is None else Path(value)


def _color(value: Color | str | None, what: str) -> Color | None:
    return Color.parse(value, what) if isinstance(value, str) else value
