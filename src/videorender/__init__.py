"""videorender: turn a text script into a narrated video with synced subtitles.

From Python, `videorender.render(script, output_dir, **options)` makes one video as the
`videorender render` command does (`front_door.py`; the README's "Use it from Python").
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from videorender.front_door import StrPath
    from videorender.pipeline.models import RenderResult

__version__ = "1.0.0"


def render(script: str, output_dir: StrPath, **options: Any) -> RenderResult:
    """Make the video of `script` in `output_dir` with the command's defaults; see
    `videorender.front_door.render` for the options and what it raises."""
    # Imported here, so that importing any part of the package does not load the pipeline.
    from videorender.front_door import render as render_here  # noqa: PLC0415

    return render_here(script, output_dir, **options)


__all__ = ["__version__", "render"]
