"""How every file FFmpeg or ffprobe reads is opened (issue 32): only with media demuxers and
the `file` protocol.

FFmpeg otherwise guesses a file's format from its content, and a "video" that is an HLS
playlist or a concat script opens the files it names (a local `file://` segment, whatever the
upload's name). The allow-list: MP4/MOV (and M4A), Matroska/WebM, AVI (it names no other
file, and uploads took it before), MP3, WAV, Ogg, FLAC, ADTS AAC, and the still images a scene
may show (always read with their `_pipe` demuxer).
"""

from __future__ import annotations

from pathlib import Path

MEDIA_DEMUXERS = "mov,matroska,avi,mp3,wav,ogg,flac,aac"
IMAGE_DEMUXERS = "jpeg_pipe,png_pipe,webp_pipe"
# A file's own references (a mov's data references, a playlist's segments) may only be local
# files, and the demuxers above open none anyway: no network, no pipes, no subfiles.
MEDIA_PROTOCOLS = "file"
MEDIA_READABLE = "MP4/MOV, Matroska/WebM, AVI, MP3, WAV, Ogg, FLAC, AAC"
NOT_ON_WHITELIST = "not on whitelist"  # FFmpeg's error for a refused demuxer or protocol


def media_input(path: Path, *, image_format: str = "") -> list[str]:
    """The arguments that open `path` as an input, limited to `MEDIA_DEMUXERS` (or, with
    `image_format`, that image's `_pipe` demuxer, forced) and to local files. Every input
    that is a file goes through here; input options such as `-ss` or `-stream_loop` go
    before it."""
    if image_format:
        # FFmpeg 5.1 turns a JPEG by its EXIF orientation itself, older ones do not: ours
        # (`scene_args._ORIENT`) is the only turn, whatever the version.
        demuxers = ["-autorotate", "0", "-format_whitelist", IMAGE_DEMUXERS,
                    "-f", f"{image_format}_pipe"]  # fmt: skip
    else:
        demuxers = ["-format_whitelist", MEDIA_DEMUXERS]
    return [*demuxers, "-protocol_whitelist", MEDIA_PROTOCOLS, "-i", str(path)]


def probe_guard() -> list[str]:
    """ffprobe's side of `media_input`: the same demuxers and protocols."""
    return ["-format_whitelist", MEDIA_DEMUXERS, "-protocol_whitelist", MEDIA_PROTOCOLS]


def refused_format(stderr: str) -> bool:
    """Whether FFmpeg refused a file for its format (or a protocol it asked for)."""
    return NOT_ON_WHITELIST in stderr
