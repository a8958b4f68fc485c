"""FFmpeg arguments for captioning a caller's video: its own picture with the captions burnt
in, or its own streams copied untouched."""

from __future__ import annotations

from pathlib import Path

from videorender.pipeline.models import Encoder, Size
from videorender.pipeline.render.ffmpeg.inputs import media_input
from videorender.pipeline.render.ffmpeg.render_args import (
    aac_args,
    burn_filter,
    cover_crop,
    x264_args,
)
from videorender.pipeline.render.ffmpeg.runner import FFMPEG


def build_caption_burn_argv(
    source: Path,
    source_size: Size,
    size: Size,
    *,
    subtitles: Path,
    fonts_dir: Path,
    output: Path,
    encoder: Encoder,
    audio: bool,
) -> list[str]:
    """The video's own picture (cropped and scaled to `size` where that differs), the ASS
    `subtitles` burnt in, H.264; its own sound as AAC (MP4 players play it everywhere)."""
    crop = cover_crop(source_size, size)
    steps = [] if crop == source_size else [f"crop={crop.width}:{crop.height}"]
    if crop != size:
        steps.append(f"scale={size.width}:{size.height}:flags=bicubic")
    chain = ",".join([*steps, "setsar=1", "format=yuv420p", burn_filter(subtitles, fonts_dir)])
    return [
        FFMPEG, "-hide_banner", "-nostdin", "-y", "-loglevel", "error",
        *media_input(source),
        "-map", "0:v:0", *(["-map", "0:a:0"] if audio else []),
        "-vf", chain,
        *x264_args(encoder),
        *(aac_args(encoder) if audio else []),
        "-movflags", "+faststart",
        "-progress", "pipe:1", "-nostats",
        str(output),
    ]  # fmt: skip


def build_stream_copy_argv(source: Path, output: Path) -> list[str]:
    """The video's first picture stream and its sound, copied into a fast-start MP4 with no
    re-encoding (fails where a codec has no place in MP4, e.g. VP8)."""
    return [
        FFMPEG, "-hide_banner", "-nostdin", "-y", "-loglevel", "error",
        *media_input(source),
        "-map", "0:v:0", "-map", "0:a?", "-c", "copy",
        "-movflags", "+faststart",
        str(output),
    ]  # fmt: skip
