"""The scenes' FFmpeg arguments: one segment (a visual or a transition between two) at a time,
stills prepared once, a clip's sound."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from videorender.pipeline.models import Size
from videorender.pipeline.render.ffmpeg import motion as motion_filter
from videorender.pipeline.render.ffmpeg.inputs import media_input
from videorender.pipeline.render.ffmpeg.motion import MOTION_ZOOM
from videorender.pipeline.render.ffmpeg.render_args import AUDIO_RATE, cover_crop, frame_rate_text
from videorender.pipeline.render.ffmpeg.runner import FFMPEG
from videorender.pipeline.render.scene_plan import FrameFormat, Segment, Shot, Visual

_XFADE = {"fade": "fade", "slide-left": "slideleft", "wipe": "wipeleft"}
_ORIENT = {2: "hflip", 3: "hflip,vflip", 4: "vflip", 5: "transpose=0", 6: "transpose=1",
           7: "transpose=3", 8: "transpose=2"}  # fmt: skip


def build_segment_argv(
    segment: Segment, visuals: Sequence[Visual], frame: FrameFormat
) -> list[str]:
    """One segment of a scene video: exactly `segment.frames` raw yuv420p frames on stdout,
    of its shot, or of a transition from `segment.shot` to `segment.into` (xfade)."""
    shots = [segment.shot] + ([segment.into] if segment.into else [])
    inputs: list[str] = []
    chains: list[str] = []
    for number, shot in enumerate(shots):
        visual = visuals[shot.scene]
        inputs += _visual_input(visual, frame)
        chains.append(_visual_chain(visual, shot, number, frame.size, frame.fps))
    if segment.into is None:
        graph = chains[0] + ";[s0]null[v]"
    else:
        seconds = f"{segment.frames / frame.fps:.6f}"
        transition = _XFADE.get(segment.transition, "fade")
        chains.append(
            f"[s0][s1]xfade=transition={transition}:duration={seconds}:offset=0,format=yuv420p[v]"
        )
        graph = ";".join(chains)
    return [
        FFMPEG, "-hide_banner", "-nostdin", "-loglevel", "error",
        *inputs,
        "-filter_complex", graph, "-filter_complex_threads", "1",
        "-map", "[v]", "-frames:v", str(segment.frames), "-fps_mode", "passthrough",
        "-f", "rawvideo", "-pix_fmt", "yuv420p", "pipe:1",
    ]  # fmt: skip


def build_joined_argv(
    body: Segment, transition: Segment, visuals: Sequence[Visual], frame: FrameFormat
) -> list[str]:
    """A scene's `body` segment and the `transition` out of it, made by one FFmpeg: the
    scene's frames run on into the transition, so they are decoded once, not decoded again
    from the clip's start up to the transition (and one start-up is saved).

    The frames are exactly those of the two segments' `build_segment_argv`, in order.
    """
    assert transition.into is not None and transition.shot.scene == body.shot.scene
    outgoing, incoming = visuals[body.shot.scene], visuals[transition.into.scene]
    inputs = [*_visual_input(outgoing, frame), *_visual_input(incoming, frame)]
    seconds = f"{transition.frames / frame.fps:.6f}"
    kind = _XFADE.get(transition.transition, "fade")
    graph = ";".join(
        [
            _visual_chain(outgoing, body.shot, 0, frame.size, frame.fps),
            _visual_chain(incoming, transition.into, 1, frame.size, frame.fps),
            "[s0]split[body][tail]",
            f"[body]trim=end_frame={body.frames}[b]",
            f"[tail]trim=start_frame={body.frames},setpts=PTS-STARTPTS[t]",
            f"[t][s1]xfade=transition={kind}:duration={seconds}:offset=0[x]",
            "[b][x]concat=n=2:v=1:a=0,format=yuv420p[v]",
        ]
    )
    return [
        FFMPEG, "-hide_banner", "-nostdin", "-loglevel", "error",
        *inputs,
        "-filter_complex", graph, "-filter_complex_threads", "1",
        "-map", "[v]", "-frames:v", str(body.frames + transition.frames),
        "-fps_mode", "passthrough", "-f", "rawvideo", "-pix_fmt", "yuv420p", "pipe:1",
    ]  # fmt: skip


def _visual_input(visual: Visual, frame: FrameFormat) -> list[str]:
    if visual.kind == "color" or visual.path is None:
        return [
            "-f",
            "lavfi",
            "-i",
            f"color=c={frame.background_color}:s={frame.size}:r={frame_rate_text(frame.fps)}",
        ]
    if visual.kind == "image" and visual.prepared is not None:
        canvas = still_canvas(visual, frame.size)
        return ["-f", "rawvideo", "-pix_fmt", "yuv420p", "-s", str(canvas),
                "-i", str(visual.prepared)]  # fmt: skip
    if visual.kind == "image":
        return media_input(visual.path, image_format=visual.image_format)
    loop = ["-stream_loop", "-1"] if visual.options.loop else []
    return ["-threads", str(frame.threads), *loop, *media_input(visual.path)]


def _visual_chain(visual: Visual, shot: Shot, number: int, size: Size, fps: float) -> str:
    """The filter chain from input `number` to the label `[s{number}]`: frames at `fps` and
    `size`, starting at the shot's own frame `shot.first`."""
    rate = frame_rate_text(fps)
    finish = f"fps={rate},setsar=1,format=yuv420p[s{number}]"
    if visual.kind == "color" or visual.path is None or visual.size is None:
        return f"[{number}:v]{finish}"
    if visual.kind == "clip":
        hold = "" if visual.options.loop else ",tpad=stop_mode=clone:stop=-1"
        head = f"[{number}:v]setpts=PTS-STARTPTS,fps={rate}{hold}"
        head += f",trim=start_frame={shot.first},setpts=PTS-STARTPTS"
        return head + _fit(visual.options.fit, visual.size, size, f"c{number}") + "," + finish
    motion = visual.options.motion
    if visual.prepared is not None:  # already turned and fitted (`build_still_argv`)
        still = f"[{number}:v]setsar=1"
    else:
        still = _still_fitted(visual, number, still_canvas(visual, size))
    # The still is decoded and fitted once; only the cheap motion runs on every frame.
    # settb first: in the input's 1/25 s time base, 30 fps timestamps round onto each other
    # and `fps` then drops one frame in six and repeats another.
    still += f",format=yuv420p,loop=loop=-1:size=1,settb=AVTB,setpts=N/({rate}*TB)"
    canvas = still_canvas(visual, size)
    return still + motion_filter.still_motion(motion, shot, size, canvas, number) + "," + finish


def still_canvas(visual: Visual, size: Size) -> Size:
    """The size a still is fitted to: the frame's, or MOTION_ZOOM times it for its motion."""
    room = 1.0 if visual.options.motion == "none" else MOTION_ZOOM
    return Size(_even(size.width * room), _even(size.height * room))


def _still_fitted(visual: Visual, number: int, canvas: Size) -> str:
    assert visual.size is not None
    orient = _ORIENT.get(visual.orientation)
    head = f"[{number}:v]" + (f"{orient}," if orient else "") + "setsar=1"
    return head + _fit(visual.options.fit, visual.size, canvas, f"c{number}")


def build_still_argv(visual: Visual, size: Size, output: Path) -> list[str]:
    """A still image decoded, turned and fitted once, for every segment it appears in: one
    raw yuv420p frame of `still_canvas(visual, size)` into `output`."""
    assert visual.path is not None
    graph = _still_fitted(visual, 0, still_canvas(visual, size)) + ",format=yuv420p[v]"
    return [
        FFMPEG, "-hide_banner", "-nostdin", "-y", "-loglevel", "error",
        *_visual_input(visual, FrameFormat(size, 30.0, "black")),
        "-filter_complex", graph, "-filter_complex_threads", "1",
        "-map", "[v]", "-frames:v", "1", "-f", "rawvideo", "-pix_fmt", "yuv420p", str(output),
    ]  # fmt: skip


def _fit(fit: str, source: Size, target: Size, label: str) -> str:
    """`,`-joined steps (may branch inside) from a frame of `source` to one of `target`:
    cover (centre-cropped, never stretched), or contain (whole, over a blurred, darkened
    copy of itself that fills the frame)."""
    crop = cover_crop(source, target)
    cover = [] if crop == source else [f"crop={crop.width}:{crop.height}"]
    cover.append(f"scale={target.width}:{target.height}:flags=bicubic")
    if fit != "contain":
        return "," + ",".join(cover)
    scale = min(target.width / source.width, target.height / source.height)
    inner = Size(_even(source.width * scale), _even(source.height * scale))
    small = Size(_even(target.width / 8), _even(target.height / 8))
    backdrop = [
        *cover[:-1],
        f"scale={small.width}:{small.height}",
        "gblur=sigma=3",
        "eq=brightness=-0.18",
        f"scale={target.width}:{target.height}",
    ]
    return (
        f",split[{label}f][{label}b];[{label}b]{','.join(backdrop)}[{label}bg];"
        f"[{label}f]scale={inner.width}:{inner.height}:flags=bicubic[{label}fg];"
        f"[{label}bg][{label}fg]overlay=(W-w)/2:(H-h)/2"
    )


def _even(value: float) -> int:
    return max(2, int(value) // 2 * 2)


def build_clip_sound_argv(clip: Path, *, loop: bool, start_s: float, samples: int) -> list[str]:
    """Exactly `samples` of a clip's sound from `start_s` into it (looped like its picture,
    or silence once it ends), as raw s16le stereo at the mix rate on stdout."""
    loop_args = ["-stream_loop", "-1"] if loop else []
    chain = (
        f"atrim=start={start_s:.6f},asetpts=PTS-STARTPTS,aresample={AUDIO_RATE},"
        f"aformat=sample_fmts=s16:sample_rates={AUDIO_RATE}:channel_layouts=stereo,"
        f"apad=whole_len={samples},atrim=end_sample={samples}"
    )
    return [
        FFMPEG, "-hide_banner", "-nostdin", "-loglevel", "error",
        *loop_args, "-vn", *media_input(clip), "-map", "0:a:0", "-af", chain,
        "-f", "s16le", "-ac", "2", "-ar", str(AUDIO_RATE), "pipe:1",
    ]  # fmt: skip
