"""How smoothly a picture moves: phase correlation between consecutive frames.

For each pair of consecutive frames of a video (decoded as gray by FFmpeg), the shift of the
second against the first, to a tenth of a pixel or better (phase correlation, refined by a
parabola through the peak). A pan at constant speed gives equal steps; a whole-pixel pan at
0.73 px a frame gives steps of 0 and 1 ("standing frames", then a jump), and an encoder that
skips blocks gives the same pattern.

    python -m bench.motion VIDEO [--region X:Y:W:H]

prints the steps, the standing frames (steps under STANDING_PX while the motion's own speed
is over it) and how uneven the steps are (the largest ratio between a step and the mean of
its neighbours).
"""

from __future__ import annotations

import argparse
import itertools
import subprocess
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt

STANDING_PX = 0.15

Frame = npt.NDArray[np.float64]


def gray_frames(video: Path, width: int, height: int) -> list[Frame]:
    """Every frame of `video` as gray float arrays."""
    raw = subprocess.run(
        ["ffmpeg", "-v", "error", "-i", str(video), "-f", "rawvideo", "-pix_fmt", "gray", "-"],
        capture_output=True, check=True, timeout=600,
    ).stdout  # fmt: skip
    count = len(raw) // (width * height)
    frames = np.frombuffer(raw[: count * width * height], dtype=np.uint8)
    return [f.astype(np.float64) for f in frames.reshape(count, height, width)]


def shift(a: Frame, b: Frame) -> tuple[float, float]:
    """How far `b`'s content lies from `a`'s, (dx, dy) in pixels, sub-pixel."""
    window = np.outer(np.hanning(a.shape[0]), np.hanning(a.shape[1]))
    fa, fb = np.fft.fft2((a - a.mean()) * window), np.fft.fft2((b - b.mean()) * window)
    cross = fb * np.conj(fa)
    surface = np.fft.ifft2(cross / np.maximum(np.abs(cross), 1e-9)).real
    peak_y, peak_x = np.unravel_index(int(np.argmax(surface)), surface.shape)
    dy = _refine(surface[:, peak_x], int(peak_y))
    dx = _refine(surface[peak_y, :], int(peak_x))
    return _wrapped(dx, a.shape[1]), _wrapped(dy, a.shape[0])


def _refine(line: npt.NDArray[np.float64], peak: int) -> float:
    left, centre, right = line[peak - 1], line[peak], line[(peak + 1) % len(line)]
    bend = left - 2 * centre + right
    return peak + (0.5 * (left - right) / bend if bend else 0.0)


def _wrapped(offset: float, length: int) -> float:
    return offset - length if offset > length / 2 else offset


@dataclass(frozen=True)
class Smoothness:
    steps: tuple[float, ...]  # the motion between consecutive frames, in pixels (length)
    standing: int  # frames that did not move while the motion around them did
    unevenness: float  # the largest |step - neighbours' mean| / the mean step

    def __str__(self) -> str:
        shown = " ".join(f"{s:.2f}" for s in self.steps)
        return (
            f"steps {shown}\nstanding frames {self.standing} of {len(self.steps)}, "
            f"unevenness {self.unevenness:.2f}"
        )


def smoothness(frames: Sequence[Frame]) -> Smoothness:
    """Steps between consecutive frames and how they break a smooth motion."""
    steps = tuple(float(np.hypot(*shift(a, b))) for a, b in itertools.pairwise(frames))
    mean = float(np.mean(steps)) if steps else 0.0
    standing = sum(1 for s in steps if s < STANDING_PX) if mean > 2 * STANDING_PX else 0
    uneven = 0.0
    for index in range(1, len(steps) - 1):
        around = (steps[index - 1] + steps[index + 1]) / 2
        uneven = max(uneven, abs(steps[index] - around) / max(mean, 1e-9))
    return Smoothness(steps, standing, uneven)


def region(frames: Sequence[Frame], box: tuple[int, int, int, int] | None) -> list[Frame]:
    if box is None:
        return list(frames)
    x, y, w, h = box
    return [f[y : y + h, x : x + w] for f in frames]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("video", type=Path)
    parser.add_argument("--size", required=True, help="WIDTHxHEIGHT of the video")
    parser.add_argument("--region", help="X:Y:W:H, the part of the frame to follow")
    args = parser.parse_args()
    width, height = (int(v) for v in args.size.split("x"))
    box = tuple(int(v) for v in args.region.split(":")) if args.region else None
    frames = region(gray_frames(args.video, width, height), box)  # type: ignore[arg-type]
    print(smoothness(frames))


if __name__ == "__main__":
    main()
