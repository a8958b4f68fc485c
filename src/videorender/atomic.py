"""Files that appear whole or not at all: the one way this code replaces a file in place.

`atomic_write(target)` hands out a temporary path in `target`'s own folder (so the final
rename never crosses a file system); once the block has written it, the file is flushed to
disk (`fsync`) and renamed over `target` (`os.replace`, atomic on POSIX). A reader, or a
process that crashes half-way, sees the old file or the new one, never half of one. Used by
local artifact storage, the speech cache, the patched voice models and the voice
catalogue's recorded hashes.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path


@contextlib.contextmanager
def atomic_write(target: Path) -> Iterator[Path]:
    """A temporary path beside `target` to write; on leaving the block, it replaces
    `target`. If the block raises, the temporary file is removed and `target` is untouched.

    Raises:
        OSError: the folder cannot be written, or the flush or the rename failed.
    """
    fd, name = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
    os.close(fd)
    tmp = Path(name)
    try:
        yield tmp
        with tmp.open("rb") as written:
            os.fsync(written.fileno())
        os.replace(tmp, target)
    finally:
        tmp.unlink(missing_ok=True)
