"""The render's FFmpeg arguments: the encode, its parts and join, the loudness scan,
thumbnails, frames and the studio's stills, the audio graph (voice, ducked music, normalisation)."""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path

from videorender.pipeline.models import Encoder, Loudness, RenderPlan, Size
from videorender.pipeline.render.ffmpeg.inputs import MEDIA_PROTOCOLS, media_input
from videorender.pipeline.render.ffmpeg.probe import number_or_none
from videorender.pipeline.render.ffmpeg.runner import FFMPEG

AUDIO_RATE = 48_000


def build_render_argv(plan: RenderPlan) -> list[str]:
    """One FFmpeg run: base video (or a background), subtitles burned in, voice mixed with
    ducked music, loudness normalised, H.264 + AAC in a fast-start MP4 of exact duration."""
    video_input, video_filter = _video_source(plan)
    video_filter, thumbnail = _thumbnail_branch(video_filter, plan.thumbnail, plan.thumbnail_frame)
    graph = ";".join([video_filter, _audio_graph(plan, music_input=2, final=True)])
    return [
        FFMPEG, "-hide_banner", "-nostdin", "-y", "-loglevel", "error",
        *video_input,
        *media_input(plan.voice),
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
        *media_input(plan.voice),
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
    value = number_or_none(match.group(1)) if match else None
    return value if value is not None and -70.0 < value < 10.0 else None


def build_thumbnail_argv(video: Path, at_ms: int, output: Path) -> list[str]:
    """One JPEG frame at `at_ms`; `-ss` before `-i` seeks fast (FIELD-NOTES)."""
    return [
        FFMPEG, "-hide_banner", "-nostdin", "-y", "-loglevel", "error",
        "-ss", _seconds(at_ms), *media_input(video),
        "-frames:v", "1", "-q:v", "3", "-update", "1",
        str(output),
    ]  # fmt: skip


def build_frame_argv(video: Path, at_ms: int, output: Path) -> list[str]:
    """One frame as PNG, for checks and previews."""
    return [
        FFMPEG, "-hide_banner", "-nostdin", "-y", "-loglevel", "error",
        "-ss", _seconds(at_ms), *media_input(video),
        "-frames:v", "1", "-update", "1", str(output),
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


def build_caption_clip_argv(
    size: Size, background: str, duration_ms: int, *, subtitles: Path, fonts_dir: Path,
    output: Path,
) -> list[str]:  # fmt: skip
    """A short silent MP4 (H.264, 25 fps, starts playing before it has all loaded): the ASS
    `subtitles` burnt over a plain `background` colour, for the studio's moving preview."""
    source = f"color=c={background}:s={size.width}x{size.height}:r=25:d={_seconds(duration_ms)}"
    burn = f"ass={_filter_value(str(subtitles))}:fontsdir={_filter_value(str(fonts_dir))}"
    return [
        FFMPEG, "-hide_banner", "-nostdin", "-y", "-loglevel", "error",
        "-f", "lavfi", "-i", source, "-vf", burn,
        "-c:v", "libx264", "-preset", "veryfast", "-crf", "26", "-pix_fmt", "yuv420p",
        "-threads", "1", "-movflags", "+faststart", "-an", str(output),
    ]  # fmt: skip


def build_decode_pcm_argv(source: Path, output: Path, rate: int) -> list[str]:
    """The first audio stream of `source`, as raw mono 16-bit little-endian PCM at `rate` Hz
    (for analysis: alignment reads it back with numpy)."""
    return [
        FFMPEG, "-hide_banner", "-nostdin", "-y", "-loglevel", "error",
        *media_input(source), "-map", "0:a:0", "-vn", "-sn", "-dn",
        "-ac", "1", "-ar", str(rate), "-c:a", "pcm_s16le", "-f", "s16le",
        str(output),
    ]  # fmt: skip


def build_voice_wav_argv(source: Path, output: Path) -> list[str]:
    """A provided voiceover as the job's voice track: mono 16-bit WAV at the mix rate."""
    return [
        FFMPEG, "-hide_banner", "-nostdin", "-y", "-loglevel", "error",
        *media_input(source), "-map", "0:a:0", "-vn", "-sn", "-dn",
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
    video_input = (["-stream_loop", "-1"] if loop else []) + media_input(plan.base_video)
    return video_input, "[0:v]" + ",".join([*_base_steps(plan), subtitles]) + "[v]"


def burn_filter(subtitles: Path, fonts_dir: Path) -> str:
    """The filter that draws the ASS `subtitles` with the fonts in `fonts_dir`."""
    return _burn(subtitles, fonts_dir)


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
        video_input = [*seek, *media_input(plan.base_video)]
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
        # Our own list of our own parts: the one input read with `concat`, files only.
        "-f", "concat", "-safe", "0", "-protocol_whitelist", MEDIA_PROTOCOLS,
        "-i", str(parts_list),
        *media_input(plan.voice),
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
    return x264_args(plan.encoder)


def x264_args(enc: Encoder) -> list[str]:
    """H.264 with the service's encoder settings (ENCODE_* / VIDEO_*)."""
    return [
        "-c:v", "libx264", "-preset", enc.preset, "-crf", str(enc.crf),
        "-pix_fmt", "yuv420p", "-threads", str(enc.threads), "-rc-lookahead", str(enc.lookahead),
    ]  # fmt: skip


def _aac_args(plan: RenderPlan) -> list[str]:
    return aac_args(plan.encoder)


def aac_args(enc: Encoder) -> list[str]:
    """AAC stereo at AUDIO_RATE, at the encoder's bit rate."""
    return ["-c:a", "aac", "-b:a", enc.audio_bitrate, "-ar", str(AUDIO_RATE), "-ac", "2"]


def _raw_sound(path: Path) -> list[str]:
    """A raw track as `build_clip_sound_argv` writes it."""
    return ["-f", "s16le", "-ar", str(AUDIO_RATE), "-ac", "2", "-i", str(path)]


def _looped(path: Path) -> list[str]:
    return ["-stream_loop", "-1", *media_input(path)]


def _seconds(ms: int) -> str:
    return f"{ms / 1000:.3f}"


def build_feed_input(size: Size, fps: float) -> list[str]:
    """The render's video input when scenes are fed to it as raw frames on its stdin."""
    # A queue of 2 raw frames, not FFmpeg's 8 (25 MB at 1080x1920): the feed keeps up anyway.
    return ["-f", "rawvideo", "-pix_fmt", "yuv420p", "-s", str(size),
            "-framerate", _rate(fps), "-thread_queue_size", "2", "-i", "pipe:0"]  # fmt: skip


def frame_rate_text(fps: float) -> str:
    """The frame rate as FFmpeg's arguments spell it (e.g. "30", "29.97")."""
    return _rate(fps)


def _rate(fps: float) -> str:
    return f"{fps:.3f}".rstrip("0").rstrip(".")


def _filter_value(value: str) -> str:
    """Escape a value for a filter option inside a filtergraph (two levels of escaping)."""
    option_level = re.sub(r"([\\':])", r"\\\1", value)
    return re.sub(r"([\\'\[\],;])", r"\\\1", option_level)
