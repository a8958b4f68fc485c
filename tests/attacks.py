"""Files an attacker sends (issue 32): media-looking files that make FFmpeg open others."""

from __future__ import annotations

import subprocess
from pathlib import Path


def secret_media(folder: Path) -> Path:
    """A real MPEG-TS clip (with sound) outside any upload: what a playlist tries to read."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "secret.ts"
    subprocess.run(
        ["ffmpeg", "-v", "error", "-y", "-f", "lavfi", "-i", "testsrc2=s=64x64:r=10:d=2",
         "-f", "lavfi", "-i", "sine=d=2", "-c:v", "libx264", "-preset", "ultrafast",
         "-c:a", "aac", "-shortest", str(path)],
        check=True, timeout=120,
    )  # fmt: skip
    return path


def playlist(path: Path, segment: Path) -> Path:
    """The issue's repro: an HLS playlist naming a local `segment`, under any name."""
    path.write_text(
        f"#EXTM3U\n#EXT-X-TARGETDURATION:4\n#EXTINF:2.0,\nfile://{segment}\n#EXT-X-ENDLIST\n"
    )
    return path


def concat_list(path: Path, segment: Path) -> Path:
    """FFmpeg's own concat script naming a local `segment`."""
    path.write_text(f"ffconcat version 1.0\nfile '{segment}'\n")
    return path
