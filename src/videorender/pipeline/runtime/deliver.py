"""Finished files into the output folder whole, or not at all.

Each file is first moved in under a temporary name (`.final.mp4.partial`: a copy when the
work folder is on another disk, which is where a full disk shows), and only when every one is
there are they renamed to their names, which is atomic on one file system. If any move fails,
the temporary files are removed, so a folder never holds a truncated `final.mp4` that passes
for a video; files of an earlier render there are left as they were, and the error says so.
(One file alone is `videorender.atomic.atomic_write`'s; this moves a render's files together.)
"""

from __future__ import annotations

import errno
import os
import shutil
from collections.abc import Mapping
from pathlib import Path

from videorender.errors import DiskSpaceError, StageError

PARTIAL = ".partial"
STAGE = "deliver"


def deliver(files: Mapping[str, Path], output_dir: Path) -> Path:
    """Move each `files[name]` to `output_dir / name`, all or none.

    Raises:
        DiskSpaceError: the output's disk filled up (nothing of this render is left there).
        StageError: the output folder cannot be made or written (the same).
    """
    staged: list[Path] = []
    try:
        output_dir.mkdir(parents=True, exist_ok=True)
        for name, source in files.items():
            partial = output_dir / f".{name}{PARTIAL}"
            staged.append(partial)
            shutil.move(source, partial)
        for (name, _), partial in zip(files.items(), staged, strict=True):
            os.replace(partial, output_dir / name)
    except OSError as exc:
        for partial in staged:
            partial.unlink(missing_ok=True)
        message = f"cannot write {output_dir}: {exc.strerror or exc}; {_kept(files, output_dir)}"
        if exc.errno == errno.ENOSPC:
            raise DiskSpaceError(STAGE, message) from exc
        raise StageError(STAGE, message) from exc
    return output_dir


def _kept(files: Mapping[str, Path], output_dir: Path) -> str:
    earlier = [name for name in files if (output_dir / name).exists()]
    if not earlier:
        return "nothing of this render was written there"
    return (
        "removed what this render wrote; kept, from before it: "
        + ", ".join(earlier)
        + " (not this render's)"
    )
