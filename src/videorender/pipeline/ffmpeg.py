"""The only module that spells FFmpeg and ffprobe arguments.

Builders are pure functions returning argument lists; `run_ffmpeg` executes one with a timeout,
reports progress from `-progress`, and turns a failure into `FFmpegError` quoting the end of
FFmpeg's stderr. Nothing here goes through a shell.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import subprocess
import threading
from collections import deque
from collections.abc import Callable, Sequence
from pathlib import Path

from videorender.errors import DiskSpaceError, FFmpegError, MediaError
from videorender.pipeline import deadline
from videorender.pipeline.models import Loudness, MediaInfo, RenderPlan, Size
from videorender.pipeline.scenes import Segment, Shot, Visual

FFMPEG = "ffmpeg"
FFPROBE = "ffprobe"
STDERR_TAIL_LINES = 12
AUDIO_RATE = 48_000
NO_SPACE = "No space left on device"  # strerror(ENOSPC), as FFmpeg prints it


# --- running ----------------------------------------------------------------------------------


def run_ffmpeg(
    argv: list[str],
    *,
    stage: str,
    timeout_s: float,
    duration_ms: int | None = None,
    on_progress: Callable[[float], None] | None = None,
    niceness: int = 0,
    stdin: int | None = None,
) -> str:
    """Run FFmpeg; return the last lines of its stderr (where filters print reports).

    With `duration_ms` and `on_progress`, calls `on_progress(fraction)` as the output grows.
    `stdin` is a file descriptor FFmpeg reads (e.g. the read end of a pipe): it is closed
    here once FFmpeg has it, so a writer sees a broken pipe as soon as FFmpeg stops.

    The job's time limit (`deadline`), when one is set, shortens `timeout_s`.

    Raises:
        FFmpegError: FFmpeg exited non-zero or ran past `timeout_s` (it is killed).
        JobTimeoutError: it was killed because the job ran past its time limit.
        DiskSpaceError: the disk filled up under it (ENOSPC).
    """
    deadline.check(stage)
    timeout_s = deadline.bounded(timeout_s)
    stderr_tail: deque[str] = deque(maxlen=200)
    try:
        proc = subprocess.Popen(
            argv,
            stdin=subprocess.DEVNULL if stdin is None else stdin,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            errors="replace",
        )
    finally:
        if stdin is not None:
            os.close(stdin)
    with proc:
        if niceness:
            _lower_priority(proc.pid, niceness)
        stderr_reader = threading.Thread(
            target=stderr_tail.extend, args=(proc.stderr,), daemon=True
        )
        stderr_reader.start()
        timer = threading.Timer(timeout_s, proc.kill)
        timer.start()
        try:
            assert proc.stdout is not None
            for line in proc.stdout:
                if on_progress and duration_ms and line.startswith("out_time_us="):
                    _report(line, duration_ms, on_progress)
            returncode = proc.wait()
        finally:
            timed_out = not timer.is_alive()
            timer.cancel()
            if proc.poll() is None:
                proc.kill()
                proc.wait()
            stderr_reader.join(timeout=5)
    _raise_for_failure(argv, stage, None if timed_out else returncode, list(stderr_tail))
    return "".join(stderr_tail)


def run_ffmpeg_into(
    argv: list[str],
    fd: int,
    *,
    stage: str,
    timeout_s: float,
    niceness: int = 0,
    on_start: Callable[[subprocess.Popen[bytes]], None] | None = None,
) -> None:
    """Run FFmpeg with its stdout on the file descriptor `fd` (e.g. a pipe to another
    FFmpeg). `on_start` receives the process, e.g. to kill it from another thread.

    Raises:
        FFmpegError: FFmpeg exited non-zero or ran past `timeout_s` (it is killed).
    """
    deadline.check(stage)
    timeout_s = deadline.bounded(timeout_s)
    with subprocess.Popen(
        argv, stdin=subprocess.DEVNULL, stdout=fd, stderr=subprocess.PIPE
    ) as proc:
        if niceness:
            _lower_priority(proc.pid, niceness)
        if on_start:
            on_start(proc)
        try:
            _, stderr = proc.communicate(timeout=timeout_s)
            returncode: int | None = proc.returncode
        except subprocess.TimeoutExpired:
            proc.kill()
            _, stderr = proc.communicate()
            returncode = None
    lines = stderr.decode(errors="replace").splitlines(keepends=True)
    _raise_for_failure(argv, stage, returncode, lines[-200:])


def _raise_for_failure(
    argv: list[str], stage: str, returncode: int | None, stderr_lines: list[str]
) -> None:
    full = next((line.strip() for line in stderr_lines if NO_SPACE in line), None)
    if full is not None:  # FFmpeg 5.1 can exit 0 after failing to write its output
        raise DiskSpaceError(stage, f"the disk is full ({full})")
    if returncode is None:
        deadline.check(stage)  # the job's time limit, rather than this run's own timeout
    if returncode != 0:
        tail = "".join(stderr_lines[-STDERR_TAIL_LINES:])
        raise FFmpegError(stage, argv, returncode, tail)


def _lower_priority(pid: int, niceness: int) -> None:
    with contextlib.suppress(OSError):  # the process may already have exited
        os.setpriority(os.PRIO_PROCESS, pid, niceness)


def _report(line: str, duration_ms: int, on_progress: Callable[[float], None]) -> None:
    try:
        done_ms = int(line.split("=", 1)[1]) // 1000
    except ValueError:
        return  # FFmpeg prints "N/A" before the first frame
    on_progress(max(0.0, min(1.0, done_ms / duration_ms)))


# --- probing ----------------------------------------------------------------------------------


def probe(path: Path, *, what: str, timeout_s: float = 60) -> MediaInfo:
    """Duration, frame size and frame rate of a media file.

    Args:
        what: the input's name for error messages, e.g. "base video".

    Raises:
        MediaError: the file is missing, empty, not media, or has no duration.
    """
    if not path.is_file() or path.stat().st_size == 0:
        raise MediaError(f"{what} {path.name!r} is missing or empty", what)
    argv = [FFPROBE, "-v", "error", "-print_format", "json", "-show_format", "-show_streams"]
    try:
        result = subprocess.run(
            [*argv, str(path)], capture_output=True, text=True, timeout=timeout_s, check=False
        )
    except subprocess.TimeoutExpired as exc:
        raise MediaError(f"{what} {path.name!r} could not be read in time", what) from exc
    try:
        data = json.loads(result.stdout or "{}")
    except json.JSONDecodeError:
        data = {}
    if result.returncode != 0 or not data.get("streams"):
        reason = (result.stderr.strip().splitlines() or ["no audio or video streams"])[-1]
        reason = reason.removeprefix(f"{path}: ")  # the name is already in the message
        raise MediaError(f"{what} {path.name!r} is not a readable media file ({reason})", what)
    return _media_info(data, path, what)


def _media_info(data: dict[str, object], path: Path, what: str) -> MediaInfo:
    streams = data.get("streams") or []
    assert isinstance(streams, list)
    video = next(
        (
            s
            for s in streams
            if s.get("codec_type") == "video" and not s.get("disposition", {}).get("attached_pic")
        ),
        None,
    )
    fmt = data.get("format") or {}
    assert isinstance(fmt, dict)
    seconds = _number(fmt.get("duration")) or max(
        (_number(s.get("duration")) or 0.0 for s in streams), default=0.0
    )
    if seconds <= 0:
        raise MediaError(f"{what} {path.name!r} has no duration (truncated or empty?)", what)
    has_audio = any(s.get("codec_type") == "audio" for s in streams)
    if video is None:
        return MediaInfo(duration_ms=round(seconds * 1000), has_audio=has_audio)
    width, height = int(video.get("width") or 0), int(video.get("height") or 0)
    if _rotation(video) in (90, 270):
        width, height = height, width
    average, nominal = str(video.get("avg_frame_rate") or ""), str(video.get("r_frame_rate") or "")
    return MediaInfo(
        duration_ms=round(seconds * 1000),
        width=width or None,
        height=height or None,
        fps=_frame_rate(average or nominal),
        constant_rate=bool(average) and _frame_rate(average) == _frame_rate(nominal),
        has_audio=has_audio,
        frames=int(str(video.get("nb_frames"))) if str(video.get("nb_frames")).isdigit() else None,
    )


def has_audio_stream(path: Path, timeout_s: float = 60) -> bool:
    """Whether ffprobe finds at least one audio stream in `path`."""
    result = subprocess.run(
        [FFPROBE, "-v", "error", "-select_streams", "a", "-show_entries", "stream=index",
         "-of", "csv=p=0", str(path)],
        capture_output=True, text=True, timeout=timeout_s, check=False,
    )  # fmt: skip
    return result.returncode == 0 and bool(result.stdout.strip())


def last_packet_seconds(path: Path, from_s: float, timeout_s: float = 60) -> float | None:
    """The latest packet time found reading (demuxing only, no decoding) from `from_s` to the
    end: a file cut short ends before its header's duration. None: no packet at all."""
    result = subprocess.run(
        [FFPROBE, "-v", "quiet", "-read_intervals", f"{max(0.0, from_s):.3f}%",
         "-show_entries", "packet=pts_time,dts_time", "-of", "csv=p=0", str(path)],
        capture_output=True, text=True, timeout=timeout_s, check=False,
    )  # fmt: skip
    times = [
        value
        for line in result.stdout.splitlines()
        for value in (_number(part) for part in line.split(","))
        if value is not None
    ]
    return max(times, default=None)


def _rotation(stream: dict[str, object]) -> int:
    tags = stream.get("tags") or {}
    assert isinstance(tags, dict)
    rotation = _number(tags.get("rotate"))
    for side in stream.get("side_data_list") or []:  # type: ignore[attr-defined]
        if isinstance(side, dict) and "rotation" in side:
            rotation = _number(side["rotation"])
    return int(rotation or 0) % 360


def _number(value: object) -> float | None:
    try:
        return float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None


def _frame_rate(text: str) -> float | None:
    match = re.fullmatch(r"(\d+)/(\d+)", text)
    if not match or int(match.group(2)) == 0:
        return None
    rate = int(match.group(1)) / int(match.group(2))
    return rate if 1 <= rate <= 240 else None


# --- building ---------------------------------------------------------------------------------


def build_render_argv(plan: RenderPlan) -> list[str]:
    """One FFmpeg run: base video (or a background), subtitles burned in, voice mixed with
    ducked music, loudness normalised, H.264 + AAC in a fast-start MP4 of exact duration."""
    video_input, video_filter = _video_source(plan)
    video_filter, thumbnail = _thumbnail_branch(video_filter, plan.thumbnail, plan.thumbnail_frame)
    graph = ";".join([video_filter, _audio_graph(plan, music_input=2, final=True)])
    return [
        FFMPEG, "-hide_banner", "-nostdin", "-y", "-loglevel", "error",
        *video_input,
        "-i", str(plan.voice),
        *(_looped(plan.music) if plan.music else []),
        *(_raw_sound(plan.clip_sound) if plan.clip_sound else []),
        "-filter_complex", graph,
        "-map", "[v]", "-map", "[a]",
        *_encoder_args(plan),
        # -shortest never ends with a looped input and a filtered audio output (FFmpeg 5.1):
        # the duration is always explicit.
        "-t", _seconds(plan.duration_ms),
        "-movflags", "+faststart",
        "-progress", "pipe:1", "-nostats",
        str(plan.output),
        *thumbnail,
    ]  # fmt: skip


def _thumbnail_branch(chain: str, thumbnail: Path | None, frame: int) -> tuple[str, list[str]]:
    """The video chain (ending in `[v]`) split so that its frame number `frame` also goes
    to a JPEG: the thumbnail made from the frames being encoded, with no second decode. The
    filter chain and the output's arguments; unchanged and none without a thumbnail."""
    if thumbnail is None:
        return chain, []
    split = f",split=2[v][thumbsrc];[thumbsrc]trim=start_frame={frame}:end_frame={frame + 1}[thumb]"
    output = ["-map", "[thumb]", "-frames:v", "1", "-q:v", "3", "-update", "1", str(thumbnail)]
    return chain.removesuffix("[v]") + split, output


def build_loudness_scan_argv(plan: RenderPlan) -> list[str]:
    """An audio-only pass over the same mix and gain, printing its loudness."""
    return [
        FFMPEG, "-hide_banner", "-nostdin", "-loglevel", "info",
        "-i", str(plan.voice),
        *(_looped(plan.music) if plan.music else []),
        *(_raw_sound(plan.clip_sound) if plan.clip_sound else []),
        "-filter_complex", _audio_graph(plan, music_input=1, final=False),
        "-map", "[a]", "-t", _seconds(plan.duration_ms),
        "-progress", "pipe:1", "-nostats",
        "-f", "null", "-",
    ]  # fmt: skip


def parse_loudness_scan(stderr: str) -> float | None:
    """Integrated loudness (LUFS) from the ebur128 summary; None when silent or absent."""
    summary = stderr.rpartition("Summary:")[2]
    match = re.search(r"I:\s+(-?[\d.]+|-inf)\s+LUFS", summary)
    value = _number(match.group(1)) if match else None
    return value if value is not None and -70.0 < value < 10.0 else None


def build_thumbnail_argv(video: Path, at_ms: int, output: Path) -> list[str]:
    """One JPEG frame at `at_ms`; `-ss` before `-i` seeks fast (FIELD-NOTES)."""
    return [
        FFMPEG, "-hide_banner", "-nostdin", "-y", "-loglevel", "error",
        "-ss", _seconds(at_ms), "-i", str(video),
        "-frames:v", "1", "-q:v", "3", "-update", "1",
        str(output),
    ]  # fmt: skip


def build_frame_argv(video: Path, at_ms: int, output: Path) -> list[str]:
    """One frame as PNG, for checks and previews."""
    return [
        FFMPEG, "-hide_banner", "-nostdin", "-y", "-loglevel", "error",
        "-ss", _seconds(at_ms), "-i", str(video), "-frames:v", "1", "-update", "1", str(output),
    ]  # fmt: skip


def build_caption_still_argv(
    size: Size, background: str, at_ms: int, *, subtitles: Path, fonts_dir: Path, output: Path
) -> list[str]:
    """One PNG frame at `at_ms`: the ASS `subtitles` burnt over a plain `background` colour
    (0xRRGGBB), for the studio's caption preview."""
    source = f"color=c={background}:s={size.width}x{size.height}:r=25:d={_seconds(at_ms + 500)}"
    burn = f"ass={_filter_value(str(subtitles))}:fontsdir={_filter_value(str(fonts_dir))}"
    return [
        FFMPEG, "-hide_banner", "-nostdin", "-y", "-loglevel", "error",
        "-f", "lavfi", "-i", source, "-vf", burn,
        "-ss", _seconds(at_ms), "-frames:v", "1", "-update", "1", str(output),
    ]  # fmt: skip


def build_poster_argv(source: Path, output: Path, *, max_side: int) -> list[str]:
    """The first frame of an image or a clip as a JPEG at most `max_side` pixels a side (the
    studio's scene cards and the picture under its caption preview)."""
    fit = f"scale=w={max_side}:h={max_side}:force_original_aspect_ratio=decrease"
    return [
        FFMPEG, "-hide_banner", "-nostdin", "-y", "-loglevel", "error",
        "-i", str(source), "-frames:v", "1", "-vf", fit, "-q:v", "3", "-update", "1",
        str(output),
    ]  # fmt: skip


def build_caption_over_picture_argv(
    size: Size, picture: Path, at_ms: int, *, subtitles: Path, fonts_dir: Path, output: Path
) -> list[str]:
    """One PNG frame at `at_ms`: the ASS `subtitles` burnt over the still `picture`, which
    fills the frame (scaled to cover it, centre-cropped), for the studio's caption preview."""
    cover = (
        f"scale={size.width}:{size.height}:force_original_aspect_ratio=increase,"
        f"crop={size.width}:{size.height},setsar=1"
    )
    burn = f"ass={_filter_value(str(subtitles))}:fontsdir={_filter_value(str(fonts_dir))}"
    return [
        FFMPEG, "-hide_banner", "-nostdin", "-y", "-loglevel", "error",
        "-loop", "1", "-framerate", "25", "-t", _seconds(at_ms + 500), "-i", str(picture),
        "-vf", f"{cover},{burn}",
        "-ss", _seconds(at_ms), "-frames:v", "1", "-update", "1", str(output),
    ]  # fmt: skip


def build_decode_pcm_argv(source: Path, output: Path, rate: int) -> list[str]:
    """The first audio stream of `source`, as raw mono 16-bit little-endian PCM at `rate` Hz
    (for analysis: alignment reads it back with numpy)."""
    return [
        FFMPEG, "-hide_banner", "-nostdin", "-y", "-loglevel", "error",
        "-i", str(source), "-map", "0:a:0", "-vn", "-sn", "-dn",
        "-ac", "1", "-ar", str(rate), "-c:a", "pcm_s16le", "-f", "s16le",
        str(output),
    ]  # fmt: skip


def build_voice_wav_argv(source: Path, output: Path) -> list[str]:
    """A provided voiceover as the job's voice track: mono 16-bit WAV at the mix rate."""
    return [
        FFMPEG, "-hide_banner", "-nostdin", "-y", "-loglevel", "error",
        "-i", str(source), "-map", "0:a:0", "-vn", "-sn", "-dn",
        "-ac", "1", "-ar", str(AUDIO_RATE), "-c:a", "pcm_s16le",
        str(output),
    ]  # fmt: skip


def _video_source(plan: RenderPlan) -> tuple[list[str], str]:
    subtitles = _burn(plan.subtitles, plan.fonts_dir)
    if plan.video_feed:  # scenes: finished raw frames arrive on stdin
        return build_feed_input(plan.size, plan.fps), f"[0:v]{subtitles}[v]"
    if plan.base_video is None or plan.base_info is None or plan.base_info.size is None:
        return _background(plan), f"[0:v]format=yuv420p,{subtitles}[v]"
    loop = plan.base_info.duration_ms < plan.duration_ms
    video_input = (["-stream_loop", "-1"] if loop else []) + ["-i", str(plan.base_video)]
    return video_input, "[0:v]" + ",".join([*_base_steps(plan), subtitles]) + "[v]"


def _burn(subtitles: Path, fonts_dir: Path) -> str:
    return f"ass={_filter_value(str(subtitles))}:fontsdir={_filter_value(str(fonts_dir))}"


def _background(plan: RenderPlan) -> list[str]:
    source = f"color=c={plan.background_color}:s={plan.size}:r={_rate(plan.fps)}"
    return ["-f", "lavfi", "-i", source]


def _base_steps(plan: RenderPlan) -> list[str]:
    """The base video's frames to the output's size, shape and rate."""
    assert plan.base_info is not None and plan.base_info.size is not None
    size = plan.size
    crop = cover_crop(plan.base_info.size, size)
    steps = [] if crop == plan.base_info.size else [f"crop={crop.width}:{crop.height}"]
    if crop != size:
        steps.append(f"scale={size.width}:{size.height}:flags=bicubic")
    return [*steps, "setsar=1", f"fps={_rate(plan.fps)}", "format=yuv420p"]


def build_video_part_argv(
    plan: RenderPlan,
    *,
    first: int,
    frames: int,
    subtitles: Path,
    output: Path,
    thumbnail_frame: int | None = None,
) -> list[str]:
    """Frames `first` to `first + frames - 1` of the render's video, captions from
    `subtitles` drawn at their times in the whole video, encoded on their own with the
    render's x264 settings into `output` (MP4, video only). Parts made one after another
    and joined by `build_join_argv` hold the one-pass render's frames. The caller keeps a
    part inside one pass of a base that loops (`render.part_breaks`): it seeks, never loops.
    `thumbnail_frame` (counted in the whole video) is also written to `plan.thumbnail`."""
    if plan.base_video is None or plan.base_info is None or plan.base_info.size is None:
        video_input, head = _background(plan), "format=yuv420p"
    else:
        start = first % base_frames(plan)
        # A quarter of a frame early: the seek keeps the frame at `start` whatever the
        # rounding, and `fps` still maps every frame to its own slot.
        seek = ["-ss", f"{(start - 0.25) / plan.fps:.6f}"] if start else []
        video_input = [*seek, "-i", str(plan.base_video)]
        head = ",".join(_base_steps(plan))
    # After `fps` (or the colour source) a frame's PTS counts frames: the captions see the
    # frame's time in the whole video, the encoder a part that starts at zero.
    burn = _burn(subtitles, plan.fonts_dir)
    chain = f"[0:v]{head},setpts=PTS-STARTPTS+{first},{burn},setpts=PTS-STARTPTS[v]"
    thumbnail = plan.thumbnail if thumbnail_frame is not None else None
    chain, thumb = _thumbnail_branch(chain, thumbnail, (thumbnail_frame or first) - first)
    return [
        FFMPEG, "-hide_banner", "-nostdin", "-y", "-loglevel", "error",
        *video_input,
        "-filter_complex", chain,
        "-map", "[v]", "-frames:v", str(frames),
        *_x264_args(plan), "-an",
        "-progress", "pipe:1", "-nostats",
        str(output),
        *thumb,
    ]  # fmt: skip


def base_frames(plan: RenderPlan) -> int:
    """Frames in one pass of the base video at the output's rate."""
    assert plan.base_info is not None
    if plan.base_info.frames:
        return plan.base_info.frames
    return max(1, round(plan.base_info.duration_ms * plan.fps / 1000))


def concat_list(parts: Sequence[Path]) -> str:
    """The concat demuxer's list of `parts`, in order."""
    return "".join(f"file {_concat_quote(str(part))}\n" for part in parts)


def _concat_quote(path: str) -> str:
    return "'" + path.replace("'", "'\\''") + "'"


def build_join_argv(plan: RenderPlan, parts_list: Path) -> list[str]:
    """The final MP4: the video parts listed in `parts_list` joined by stream copy (no
    frame encoded again), with the render's audio (voice, ducked music, loudness) encoded
    once beside them; the same duration and fast start as `build_render_argv`."""
    return [
        FFMPEG, "-hide_banner", "-nostdin", "-y", "-loglevel", "error",
        "-f", "concat", "-safe", "0", "-i", str(parts_list),
        "-i", str(plan.voice),
        *(_looped(plan.music) if plan.music else []),
        "-filter_complex", _audio_graph(plan, music_input=2, final=True),
        "-map", "0:v", "-map", "[a]",
        "-c:v", "copy", *_aac_args(plan),
        "-t", _seconds(plan.duration_ms),
        "-movflags", "+faststart",
        "-progress", "pipe:1", "-nostats",
        str(plan.output),
    ]  # fmt: skip


def cover_crop(source: Size, target: Size) -> Size:
    """The centred crop of `source` with the aspect ratio of `target` (crop first, then scale:
    cheaper than scaling first, and never stretches)."""
    if source.width * target.height > target.width * source.height:
        width = source.height * target.width // target.height
        return Size(max(2, width - width % 2), source.height - source.height % 2)
    height = source.width * target.height // target.width
    return Size(source.width - source.width % 2, max(2, height - height % 2))


def _audio_graph(plan: RenderPlan, *, music_input: int, final: bool) -> str:
    voice_input = music_input - 1
    stereo = f"aformat=sample_fmts=fltp:sample_rates={AUDIO_RATE}:channel_layouts=stereo"
    finish = f"{_normalise(plan.loudness, final)},aresample={AUDIO_RATE},{stereo}[a]"
    beds = _beds(plan, music_input, stereo)
    if not beds:
        return f"[{voice_input}:a]{stereo},apad[mix];[mix]{finish}"
    if len(beds) > 1:  # music and the clips' sound, under the voice together
        beds.append(
            f"{''.join(_labels(beds))}amix=inputs={len(beds)}:duration=first:normalize=0[bed]"
        )
    return ";".join(
        [
            f"[{voice_input}:a]{stereo},apad,asplit=2[voice][key]",
            *beds,
            # Duck the music (and the clips' sound) further while the voice speaks.
            f"{_labels(beds)[-1]}[key]"
            "sidechaincompress=threshold=0.03:ratio=4:attack=15:release=350[ducked]",
            "[voice][ducked]amix=inputs=2:duration=first:normalize=0[mix]",
            f"[mix]{finish}",
        ]
    )


CLIP_SOUND_VOLUME = 0.5  # a clip's own sound under the voice, before ducking


def _beds(plan: RenderPlan, music_input: int, stereo: str) -> list[str]:
    """The chains of what plays under the voice: the music, the clips' sound (inputs after
    the voice, in that order), each ending in its label."""
    beds = []
    if plan.music is not None:
        fade_start = max(0, plan.duration_ms - plan.music_fade_out_ms)
        beds.append(
            f"[{music_input}:a]{stereo},volume={plan.music_volume:.3f}"
            f",afade=t=out:st={_seconds(fade_start)}:d={_seconds(plan.music_fade_out_ms)}[music]"
        )
    if plan.clip_sound is not None:
        clips_input = music_input + (1 if plan.music is not None else 0)
        beds.append(f"[{clips_input}:a]{stereo},volume={CLIP_SOUND_VOLUME},apad[clips]")
    return beds


def _labels(chains: list[str]) -> list[str]:
    return [chain[chain.rindex("[") :] for chain in chains]


def _normalise(loudness: Loudness, final: bool) -> str:
    """The gain that reaches the target, then a limiter holding the true peak; in the scan,
    followed by a loudness meter. (Single-pass loudnorm lands over 1 LU off on short narration,
    and linear loudnorm gives up when speech peaks are high, as Piper's are.)"""
    ceiling = 10 ** (loudness.true_peak_db / 20)
    chain = (
        f"volume={loudness.gain_db:.2f}dB,"
        f"alimiter=limit={ceiling:.4f}:attack=5:release=50:level=false"
    )
    # framelog=verbose keeps per-frame lines out of the info-level log; the summary stays.
    return chain if final else f"{chain},ebur128=framelog=verbose"


def _encoder_args(plan: RenderPlan) -> list[str]:
    return [*_x264_args(plan), *_aac_args(plan)]


def _x264_args(plan: RenderPlan) -> list[str]:
    enc = plan.encoder
    return [
        "-c:v", "libx264", "-preset", enc.preset, "-crf", str(enc.crf),
        "-pix_fmt", "yuv420p", "-threads", str(enc.threads), "-rc-lookahead", str(enc.lookahead),
    ]  # fmt: skip


def _aac_args(plan: RenderPlan) -> list[str]:
    return ["-c:a", "aac", "-b:a", plan.encoder.audio_bitrate, "-ar", str(AUDIO_RATE), "-ac", "2"]


def _raw_sound(path: Path) -> list[str]:
    """A raw track as `build_clip_sound_argv` writes it."""
    return ["-f", "s16le", "-ar", str(AUDIO_RATE), "-ac", "2", "-i", str(path)]


def _looped(path: Path) -> list[str]:
    return ["-stream_loop", "-1", "-i", str(path)]


def _seconds(ms: int) -> str:
    return f"{ms / 1000:.3f}"


def frame_rate_text(fps: float) -> str:
    """The frame rate as FFmpeg's arguments spell it (e.g. "30", "29.97")."""
    return _rate(fps)


def _rate(fps: float) -> str:
    return f"{fps:.3f}".rstrip("0").rstrip(".")


def _filter_value(value: str) -> str:
    """Escape a value for a filter option inside a filtergraph (two levels of escaping)."""
    option_level = re.sub(r"([\\':])", r"\\\1", value)
    return re.sub(r"([\\'\[\],;])", r"\\\1", option_level)


# --- scenes -----------------------------------------------------------------------------------

MOTION_ZOOM = 1.15  # how far a still's motion zooms or pans: 15 % of the frame
_XFADE = {"fade": "fade", "slide-left": "slideleft", "wipe": "wipeleft"}
_ORIENT = {2: "hflip", 3: "hflip,vflip", 4: "vflip", 5: "transpose=0", 6: "transpose=1",
           7: "transpose=3", 8: "transpose=2"}  # fmt: skip


def build_feed_input(size: Size, fps: float) -> list[str]:
    """The render's video input when scenes are fed to it as raw frames on its stdin."""
    # A queue of 2 raw frames, not FFmpeg's 8 (25 MB at 1080x1920): the feed keeps up anyway.
    return ["-f", "rawvideo", "-pix_fmt", "yuv420p", "-s", str(size),
            "-framerate", _rate(fps), "-thread_queue_size", "2", "-i", "pipe:0"]  # fmt: skip


def build_segment_argv(
    segment: Segment,
    visuals: Sequence[Visual],
    *,
    size: Size,
    fps: float,
    background_color: str,
    threads: int,
) -> list[str]:
    """One segment of a scene video: exactly `segment.frames` raw yuv420p frames on stdout,
    of its shot, or of a transition from `segment.shot` to `segment.into` (xfade)."""
    shots = [segment.shot] + ([segment.into] if segment.into else [])
    inputs: list[str] = []
    chains: list[str] = []
    for number, shot in enumerate(shots):
        visual = visuals[shot.scene]
        inputs += _visual_input(visual, size, fps, background_color, threads)
        chains.append(_visual_chain(visual, shot, number, size, fps))
    if segment.into is None:
        graph = chains[0] + ";[s0]null[v]"
    else:
        seconds = f"{segment.frames / fps:.6f}"
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
    body: Segment,
    transition: Segment,
    visuals: Sequence[Visual],
    *,
    size: Size,
    fps: float,
    background_color: str,
    threads: int,
) -> list[str]:
    """A scene's `body` segment and the `transition` out of it, made by one FFmpeg: the
    scene's frames run on into the transition, so they are decoded once, not decoded again
    from the clip's start up to the transition (and one start-up is saved).

    The frames are exactly those of the two segments' `build_segment_argv`, in order.
    """
    assert transition.into is not None and transition.shot.scene == body.shot.scene
    outgoing, incoming = visuals[body.shot.scene], visuals[transition.into.scene]
    inputs = [
        *_visual_input(outgoing, size, fps, background_color, threads),
        *_visual_input(incoming, size, fps, background_color, threads),
    ]
    seconds = f"{transition.frames / fps:.6f}"
    kind = _XFADE.get(transition.transition, "fade")
    graph = ";".join(
        [
            _visual_chain(outgoing, body.shot, 0, size, fps),
            _visual_chain(incoming, transition.into, 1, size, fps),
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


def _visual_input(
    visual: Visual, size: Size, fps: float, background_color: str, threads: int
) -> list[str]:
    if visual.kind == "color" or visual.path is None:
        return ["-f", "lavfi", "-i", f"color=c={background_color}:s={size}:r={_rate(fps)}"]
    if visual.kind == "image" and visual.prepared is not None:
        canvas = still_canvas(visual, size)
        return ["-f", "rawvideo", "-pix_fmt", "yuv420p", "-s", str(canvas),
                "-i", str(visual.prepared)]  # fmt: skip
    if visual.kind == "image":
        # FFmpeg 5.1 turns a JPEG by its EXIF orientation itself, older ones do not: ours
        # (`_ORIENT`) is the only turn, whatever the version.
        return ["-autorotate", "0", "-f", f"{visual.image_format}_pipe", "-i", str(visual.path)]
    loop = ["-stream_loop", "-1"] if visual.options.loop else []
    return ["-threads", str(threads), *loop, "-i", str(visual.path)]


def _visual_chain(visual: Visual, shot: Shot, number: int, size: Size, fps: float) -> str:
    """The filter chain from input `number` to the label `[s{number}]`: frames at `fps` and
    `size`, starting at the shot's own frame `shot.first`."""
    rate = _rate(fps)
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
    still += f",format=yuv420p,loop=loop=-1:size=1,setpts=N/({rate}*TB)"
    return still + _motion(motion, shot, size) + "," + finish


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
        *_visual_input(visual, size, 30.0, "black", 1),
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


def _motion(motion: str, shot: Shot, size: Size) -> str:
    """Per-frame motion over a still fitted to MOTION_ZOOM times the frame. Sizes and offsets
    are monotonic in the frame number (even sizes, so a centred crop moves by whole pixels):
    the motion never steps back."""
    if motion == "none":
        return ""
    w, h, extra = size.width, size.height, MOTION_ZOOM - 1
    if motion in ("zoom-in", "zoom-out"):
        # Frame 0 is a sacrificial one at the largest size (dropped by `trim`): the crop is
        # configured from the first frame's size, and clamps its offsets to it.
        progress = f"min(1,(n-1+{shot.first})/{max(1, shot.length - 1)})"
        zoom = (
            f"(1+{extra:.4f}*{progress})"
            if motion == "zoom-in"
            else (f"({MOTION_ZOOM:.4f}-{extra:.4f}*{progress})")
        )
        zoom = f"if(eq(n,0),{MOTION_ZOOM:.4f},{zoom})"
        width, height = f"2*trunc({w}*{zoom}/2)", f"2*trunc({h}*{zoom}/2)"
        return (
            f",scale=w='{width}':h='{height}':eval=frame:flags=bilinear"
            f",crop={w}:{h}:x='({width}-{w})/2':y='({height}-{h})/2':exact=1"
            ",trim=start_frame=1,setpts=PTS-STARTPTS"
        )
    progress = f"min(1,(n+{shot.first})/{max(1, shot.length - 1)})"
    along = f"(1-{progress})" if motion == "pan-left" else progress
    return f",crop={w}:{h}:x='(in_w-{w})*{along}':y='(in_h-{h})/2':exact=1"


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
        *loop_args, "-vn", "-i", str(clip), "-map", "0:a:0", "-af", chain,
        "-f", "s16le", "-ac", "2", "-ar", str(AUDIO_RATE), "pipe:1",
    ]  # fmt: skip
