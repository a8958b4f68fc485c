"""Dynamic time warping in time and memory linear in the length of the signals.

Full DTW of two half-hour feature sequences would fill a 90,000 x 90,000 matrix. We use the
multi-resolution scheme of FastDTW (Salvador & Chan, 2007): halve both sequences until a full
matrix is small, align that, then at each finer level only fill a window of `radius` frames
around the coarser path projected down. Each level costs O(n * radius), so the whole costs
O(n * radius) too.

Step pattern: the symmetric one, (1,1), (1,0) and (0,1), each paying the local cost of the cell
it enters. Long stretches where one signal waits for the other (a pause, a slower speaker) are
just vertical or horizontal runs.

Each row of the window is filled with numpy, not a Python loop over cells: the left-neighbour
dependency D[i, j] = min(t[j], c[j] + D[i, j-1]) is a running minimum of `t - cumsum(c)`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float32]
IntArray = npt.NDArray[np.int64]

DIAGONAL, VERTICAL, HORIZONTAL = 0, 1, 2
COST_CHUNK_CELLS = 1 << 18  # local costs are computed this many cells at a time (bounded memory)


@dataclass(frozen=True, eq=False)
class WarpingPath:
    """Matched frame pairs `(x[k], y[k])` from (0, 0) to the last frames, both nondecreasing;
    `cost[k]` is the local distance of pair k."""

    x: IntArray
    y: IntArray
    cost: FloatArray

    def __len__(self) -> int:
        return len(self.x)


def fast_dtw(
    x: FloatArray, y: FloatArray, *, radius: int = 24, max_full_cells: int = 1_000_000
) -> WarpingPath:
    """Align the frame sequences `x` (n, d) and `y` (m, d) by Euclidean distance.

    Raises:
        ValueError: either sequence is empty.
    """
    n, m = len(x), len(y)
    if n == 0 or m == 0:
        raise ValueError("cannot align an empty sequence")
    if n * m <= max_full_cells or min(n, m) <= 2 * radius + 2:
        lo = np.zeros(n, dtype=np.int64)
        hi = np.full(n, m, dtype=np.int64)
        return windowed_dtw(x, y, lo, hi)
    coarse = fast_dtw(_halve(x), _halve(y), radius=radius, max_full_cells=max_full_cells)
    lo, hi = _project(coarse, n, m, radius)
    return windowed_dtw(x, y, lo, hi)


def _halve(seq: FloatArray) -> FloatArray:
    """Average neighbouring frames: half the resolution (an odd last frame stays alone)."""
    pairs = len(seq) // 2
    half = (seq[0 : 2 * pairs : 2] + seq[1 : 2 * pairs : 2]) / 2
    if len(seq) % 2:
        half = np.concatenate([half, seq[-1:]])
    return half.astype(np.float32, copy=False)


def _project(coarse: WarpingPath, n: int, m: int, radius: int) -> tuple[IntArray, IntArray]:
    """Per row of the fine grid, the column window [lo, hi) covering the coarse path, widened
    by `radius` cells in every direction."""
    rows = np.flatnonzero(np.diff(coarse.x, prepend=-1))  # first path index of each coarse row
    first_col = coarse.y[rows]
    last_col = np.maximum.reduceat(coarse.y, rows)
    fine = np.arange(n) // 2
    lo, hi = 2 * first_col[fine], 2 * last_col[fine] + 2
    # Both bounds are nondecreasing along a monotone path, so the widest window within
    # `radius` rows is bounded by the row `radius` above (lo) and below (hi).
    lo = lo[np.maximum(0, np.arange(n) - radius)] - radius
    hi = hi[np.minimum(n - 1, np.arange(n) + radius)] + radius
    return np.clip(lo, 0, m), np.clip(hi, 1, m)


def windowed_dtw(x: FloatArray, y: FloatArray, lo: IntArray, hi: IntArray) -> WarpingPath:
    """DTW restricted to cells (i, j) with lo[i] <= j < hi[i].

    The window must be connected: lo[0] == 0, hi[-1] == len(y), and consecutive rows overlap
    or touch diagonally (lo[i] <= hi[i - 1]).
    """
    widths = hi - lo
    offsets = np.concatenate([[0], np.cumsum(widths)])
    cost = _local_costs(x, y, lo, widths, offsets)
    steps = np.empty(int(offsets[-1]), dtype=np.int8)
    prev = np.zeros(0)
    prev_lo = prev_hi = 0
    for i in range(len(x)):
        lo_i, hi_i = int(lo[i]), int(hi[i])
        c = cost[offsets[i] : offsets[i + 1]].astype(np.float64)
        if i == 0:
            best = np.full(len(c), np.inf)
            best[0] = 0.0
            came_vertical = np.zeros(len(c), dtype=bool)
        else:
            # Predecessor values for columns lo_i - 1 .. hi_i - 1 of the previous row.
            before = np.full(len(c) + 1, np.inf)
            a, b = max(lo_i - 1, prev_lo), min(hi_i, prev_hi)
            if b > a:
                before[a - lo_i + 1 : b - lo_i + 1] = prev[a - prev_lo : b - prev_lo]
            diagonal, vertical = before[:-1], before[1:]
            came_vertical = vertical < diagonal
            best = np.where(came_vertical, vertical, diagonal)
        through = c + best
        cumulative = np.cumsum(c)
        slack = through - cumulative
        running = np.minimum.accumulate(slack)
        row = cumulative + running
        step = came_vertical.astype(np.int8)
        step[slack > running] = HORIZONTAL  # the running minimum came from a cell to the left
        steps[offsets[i] : offsets[i + 1]] = step
        prev, prev_lo, prev_hi = row, lo_i, hi_i
    return _backtrack(steps, cost, lo, hi, offsets)


def _local_costs(
    x: FloatArray, y: FloatArray, lo: IntArray, widths: IntArray, offsets: IntArray
) -> FloatArray:
    """Euclidean distance of every window cell, a block of rows at a time."""
    cost = np.empty(int(offsets[-1]), dtype=np.float32)
    first = 0
    while first < len(x):
        last = int(np.searchsorted(offsets, offsets[first] + COST_CHUNK_CELLS, side="right")) - 1
        last = min(len(x), max(last, first + 1))
        rows = np.repeat(np.arange(first, last), widths[first:last])
        cells = np.arange(offsets[first], offsets[last])
        cols = lo[rows] + (cells - offsets[rows])
        diff = x[rows] - y[cols]
        cost[offsets[first] : offsets[last]] = np.sqrt(np.einsum("ij,ij->i", diff, diff))
        first = last
    return cost


def _backtrack(
    steps: npt.NDArray[np.int8], cost: FloatArray, lo: IntArray, hi: IntArray, offsets: IntArray
) -> WarpingPath:
    i, j = len(lo) - 1, int(hi[-1]) - 1
    xs: list[int] = []
    ys: list[int] = []
    lo_list, off_list = lo.tolist(), offsets.tolist()
    while True:
        xs.append(i)
        ys.append(j)
        if i == 0 and j == 0:
            break
        step = steps[off_list[i] + j - lo_list[i]]
        if step == DIAGONAL:
            i, j = i - 1, j - 1
        elif step == VERTICAL:
            i -= 1
        else:
            j -= 1
    px = np.array(xs[::-1], dtype=np.int64)
    py = np.array(ys[::-1], dtype=np.int64)
    cells = offsets[px] + py - lo[px]
    return WarpingPath(px, py, cost[cells])
