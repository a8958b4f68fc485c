"""A still's motion (zoom and pan, "Ken Burns") as an FFmpeg filter chain, smooth to a
fraction of a pixel a frame: `still_motion` is the one function to replace for another
motion (the bench's `bench.ken_burns` swaps it for the whole-pixel motion it replaced).
"""

from __future__ import annotations

from videorender.pipeline.models import Size
from videorender.pipeline.render.scene_plan import Shot

MOTION_ZOOM = 1.15  # how far a still's motion zooms or pans: 15 % of the frame


def still_motion(motion: str, shot: Shot, size: Size, canvas: Size, number: int) -> str:
    """Per-frame motion over a still fitted to `canvas` (MOTION_ZOOM times the frame), by
    fractions of a pixel a frame, eased in and out (`_eased`); it never steps back. Appended
    to the still's chain of input `number`; the chain's labels are `m{number}...`.

    Crops and scales only move by whole pixels (a centred zoom by two), which makes a slow
    motion stand still on some frames and jump on others. So each frame is a cross-fade of
    the two whole-pixel frames either side of the exact position, weighted by where the
    position lies between them (for a pan, exactly a linear interpolation of the shift):
    two crops (or scales), two `eq` weights and an add. This is the one function to replace
    for another motion."""
    if motion == "none":
        return ""
    w, h = size.width, size.height
    if motion in ("zoom-in", "zoom-out"):
        return _zoom(motion, shot, size, canvas, number)
    eased = _eased(f"(n+{shot.first})/{max(1, shot.length - 1)}")
    x = f"{canvas.width - w}*" + (f"(1-{eased})" if motion == "pan-left" else eased)

    def panned(step: int) -> str:
        left = f"min({canvas.width - w},floor({x})+{step})"
        return f"crop={w}:{h}:x='{left}':y='(in_h-{h})/2':exact=1"

    return _between(panned(0), panned(1), f"({x}-floor({x}))", number)


def _zoom(motion: str, shot: Shot, size: Size, canvas: Size, number: int) -> str:
    """A centred zoom: each frame a cross-fade of the canvas scaled to the even sizes either
    side of the exact one, weighted by where the exact size lies along the longer side."""
    w, h, extra = size.width, size.height, MOTION_ZOOM - 1
    long_side = max(w, h)

    # Frame 0 is a sacrificial one at the largest size (dropped by `trim`): the crop is
    # configured from the first frame's size, and clamps its offsets to it. `eq` comes after
    # the trim, so its frame n is the scale's n + 1.
    def half(side: int, n: str) -> str:  # half the zoomed side, in pixels, exact
        eased = _eased(f"({n}-1+{shot.first})/{max(1, shot.length - 1)}")
        zoom = (
            f"(1+{extra:.4f}*{eased})"
            if motion == "zoom-in"
            else f"({MOTION_ZOOM:.4f}-{extra:.4f}*{eased})"
        )
        return f"if(eq({n},0),{MOTION_ZOOM / 2:.4f}*{side},{side}*{zoom}/2)"

    def zoomed(step: int) -> str:
        # The longer side in 2-px steps, the shorter one following it (so both branches
        # change size together, when the weight wraps from 1 to 0, and nothing jumps).
        longer = f"2*(floor({half(long_side, 'n')})+{step})"
        shorter = f"2*floor({min(w, h)}*{longer}/{long_side}/2+0.5)"
        width, height = (longer, shorter) if w >= h else (shorter, longer)
        return (
            f"scale=w='{width}':h='{height}':eval=frame:flags=bilinear"
            # The crop keeps the first frame's in_w and in_h: the offsets are spelt out.
            f",crop={w}:{h}:x='({width}-{w})/2':y='({height}-{h})/2':exact=1"
            ",trim=start_frame=1,setpts=PTS-STARTPTS"
        )

    after = half(long_side, "(n+1)")
    return _between(zoomed(0), zoomed(1), f"({after}-floor({after}))", number)


# How much of the motion is eased: it starts and ends at 1 - EASE of its mean speed. A floor
# on the speed, for the encoder's sake: x264 (veryfast, crf 23) lets a pan slower than about
# a third of a pixel a frame stand still on some frames (bench.ken_burns; docs/benchmarks.md).
EASE = 0.3


def _eased(progress: str) -> str:
    """0 to 1 over `progress` (an expression of the frame number, clipped to 0..1): a blend
    of a straight line and a smoothstep, so the motion starts and ends at 1 - EASE of its
    mean speed (gently, but never standing still)."""
    p = f"clip({progress},0,1)"
    return f"({p}+{EASE}*({p}*{p}*(3-2*{p})-{p}))"


def _between(lower: str, upper: str, weight: str, number: int) -> str:
    """A cross-fade of two filter chains of one input, `upper` weighted by `weight` (an
    expression of the frame number `n`, 0..1): each chain is scaled by its weight (`eq`
    with exact rounding), then the two are added (chroma around its neutral 128)."""

    def scaled(share: str) -> str:
        # eq's fast path rounds brightness to 1/100 (a flicker of ~2.5 levels): a gamma off
        # 1 with no weight keeps it on its exact table, which stays linear.
        contrast = f"{share}*255/256"
        return (
            f"eq=contrast='{contrast}':brightness='0.5*{contrast}-0.5+0.5/256'"
            f":saturation='{share}':gamma=1.001:gamma_r=1.001:gamma_b=1.001:gamma_weight=0"
            ":eval=frame"
        )

    label = f"m{number}"
    return (
        f",split[{label}a][{label}b];"
        f"[{label}a]{lower},{scaled(f'(1-{weight})')}[{label}l];"
        f"[{label}b]{upper},{scaled(weight)}[{label}u];"
        f"[{label}l][{label}u]blend=c0_mode=addition:c1_mode=grainmerge:c2_mode=grainmerge"
    )
