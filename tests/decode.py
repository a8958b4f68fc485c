"""Checks on rendered files by decoding them, the way a viewer would."""

from __future__ import annotations

import json
import re
import subprocess
import wave
from pathlib import Path

import numpy as np
import numpy.typing as npt


def streams(path: Path) -> dict[str, dict[str, object]]:
    """First stream of each type, keyed by codec_type, plus the container under 'format'."""
    out = subprocess.run(
        ["ffprobe", "-v", "error", "-print_format", "json", "-show_streams", "-show_format",
         str(path)],
        capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    data = json.loads(out)
    found: dict[str, dict[str, object]] = {"format": data["format"]}
    for stream in data["streams"]:
        found.setdefault(stream["codec_type"], stream)
    return found


def duration_s(path: Path) -> float:
    return float(str(streams(path)["format"]["duration"]))


def integrated_loudness(path: Path) -> float:
    result = subprocess.run(
        ["ffmpeg", "-hide_banner", "-nostats", "-i", str(path), "-af", "ebur128", "-f", "null", "-"],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    summary = result.stderr.rpartition("Summary:")[2]
    match = re.search(r"I:\s+(-?[\d.]+) LUFS", summary)
    assert match, summary
    return float(match.group(1))


def gray_frame(path: Path, at_ms: int, width: int, height: int) -> npt.NDArray[np.uint8]:
    """The frame at `at_ms` as 8-bit gray; `at_ms=0` also reads a still image (JPEG, PNG),
    which gives no frame at all when asked to seek."""
    seek = ["-ss", f"{at_ms / 1000:.3f}"] if at_ms else []
    raw = subprocess.run(
        ["ffmpeg", "-v", "error", *seek, "-i", str(path),
         "-frames:v", "1", "-f", "rawvideo", "-pix_fmt", "gray", "-"],
        capture_output=True, check=True,
    ).stdout  # fmt: skip
    return np.frombuffer(raw, dtype=np.uint8).reshape(height, width)


def speech_onsets_ms(wav_path: Path, after_ms: list[int], threshold: int = 650) -> list[int]:
    """For each time in `after_ms`, when speech (10 ms RMS over `threshold`) next begins."""
    with wave.open(str(wav_path), "rb") as wav:
        rate = wav.getframerate()
        samples = np.frombuffer(wav.readframes(wav.getnframes()), dtype=np.int16)
    hop = rate // 100
    frames = samples[: len(samples) // hop * hop].astype(np.float64).reshape(-1, hop)
    loud = np.sqrt((frames**2).mean(axis=1)) > threshold
    onsets = []
    for start in after_ms:
        index = start // 10 + int(np.argmax(loud[start // 10 :]))
        onsets.append(index * 10)
    return onsets
