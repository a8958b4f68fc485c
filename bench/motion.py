"""How smoothly a picture moves: phase correlation between consecutive frames.

For each pair of consecutive frames of a video (decoded as gray by FFmpeg), the shift of the
second against the first, to a tenth of a pixel or better (phase correlation, refined by a
parabola through the peak). A pan at constant speed gives equal steps; a whole-pixel pan at
0.73 px a frame gives steps of 0 and 1 ("standing frames", then a jump), and an encoder that
skips blocks gives the same pattern.

    python -m bench.motion VIDEO [--region X:Y:W:H]

prints the steps, the standing frames (steps under STANDING_SHARE of the median of the six
around them) and how uneven the steps are (the largest, and the 90th percentile, of the
difference between a step and the mean of its two neighbours, over the mean step).
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

STANDING_SHARE = 0.25  # a step under this share of the steps around it: a standing frame

Frame = npt.NDArray[np.float64]
Picture = npt.NDArray[np.uint8] | Frame  # a gray frame as decoded, or as floats


def gray_frames(video: Path, width: int, height: int) -> list[Picture]:
    """Every frame of `video` as gray arrays."""
    raw = subprocess.run(
        ["ffmpeg", "-v", "error", "-i", str(video), "-f", "rawvideo", "-pix_fmt", "gray", "-"],
        capture_output=True, check=True, timeout=600,
    ).stdout  # fmt: skip
    count = len(raw) // (width * height)
    frames = np.frombuffer(raw[: count * width * height], dtype=np.uint8)
    return list(frames.reshape(count, height, width))


def shift(first: Picture, second: Picture) -> tuple[float, float]:
    """How far `b`'s content lies from `a`'s, (dx, dy) in pixels, sub-pixel: the whole
    pixels from the peak of the phase correlation, the fraction by Lucas-Kanade (the
    least-squares shift of the brightness gradients, on slightly blurred frames), which
    weighs each detail by its contrast, as the eye does, rather than all frequencies alike."""
    a, b = first.astype(np.float64), second.astype(np.float64)
    window = np.outer(np.hanning(a.shape[0]), np.hanning(a.shape[1]))
    fa, fb = np.fft.fft2((a - a.mean()) * window), np.fft.fft2((b - b.mean()) * window)
    cross = fb * np.conj(fa)
    surface = np.fft.ifft2(cross / np.maximum(np.abs(cross), 1e-9)).real
    peak_y, peak_x = np.unravel_index(int(np.argmax(surface)), surface.shape)
    whole_x, whole_y = _wrapped(int(peak_x), a.shape[1]), _wrapped(int(peak_y), a.shape[0])
    moved = np.roll(_blurred(b), (-int(whole_y), -int(whole_x)), axis=(0, 1))
    fx, fy = _lucas_kanade(_blurred(a), moved, margin=int(max(abs(whole_x), abs(whole_y))) + 4)
    return whole_x + fx, whole_y + fy


def _blurred(frame: Frame, sigma: float = 1.0) -> Frame:
    fy = np.fft.fftfreq(frame.shape[0])[:, None]
    fx = np.fft.fftfreq(frame.shape[1])[None, :]
    gain = np.exp(-2 * (np.pi * sigma) ** 2 * (fx**2 + fy**2))
    return np.fft.ifft2(np.fft.fft2(frame) * gain).real


def _lucas_kanade(a: Frame, b: Frame, margin: int) -> tuple[float, float]:
    """The small (under a pixel) shift taking `a` to `b`, by least squares on gradients."""
    inner = (slice(margin, -margin), slice(margin, -margin))
    mean = (a + b) / 2
    gy, gx = (np.asarray(g, dtype=np.float64) for g in np.gradient(mean))
    gx, gy, gt = gx[inner], gy[inner], (b - a)[inner]
    matrix = np.array([[np.sum(gx * gx), np.sum(gx * gy)], [np.sum(gx * gy), np.sum(gy * gy)]])
    rhs = -np.array([np.sum(gx * gt), np.sum(gy * gt)])
    dx, dy = np.linalg.solve(matrix, rhs)
    return float(dx), float(dy)


def _wrapped(offset: int, length: int) -> int:
    return offset - length if offset > length / 2 else offset


@dataclass(frozen=True)
class Smoothness:
    steps: tuple[float, ...]  # the motion between consecutive frames, in pixels (length)
    standing: int  # frames that (nearly) did not move while the motion around them did
    unevenness: float  # the largest |step - neighbours' mean| / the mean step
    typical: float = 0.0  # the same, its 90th percentile over the frames

    def __str__(self) -> str:
        shown = " ".join(f"{s:.2f}" for s in self.steps)
        return (
            f"steps {shown}\nstanding frames {self.standing} of {len(self.steps)}, "
            f"unevenness {self.unevenness:.2f}"
        )


def smoothness(frames: Sequence[Picture]) -> Smoothness:
    """Steps between consecutive frames and how they break a smooth motion."""
    steps = tuple(float(np.hypot(*shift(a, b))) for a, b in itertools.pairwise(frames))
    mean = float(np.mean(steps)) if steps else 0.0
    standing = 0
    for index, step in enumerate(steps):
        around = steps[max(0, index - 3) : index] + steps[index + 1 : index + 4]
        standing += bool(around) and step < STANDING_SHARE * float(np.median(around))
    uneven = [
        abs(steps[i] - (steps[i - 1] + steps[i + 1]) / 2) / max(mean, 1e-9)
        for i in range(1, len(steps) - 1)
    ] or [0.0]
    return Smoothness(steps, standing, max(uneven), float(np.percentile(uneven, 90)))


def region(frames: Sequence[Picture], box: tuple[int, int, int, int] | None) -> list[Picture]:
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
