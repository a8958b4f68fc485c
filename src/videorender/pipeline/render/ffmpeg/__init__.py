"""FFmpeg and ffprobe: the ONLY folder that spells their arguments.

Nothing outside `pipeline/render/ffmpeg/` writes an FFmpeg or ffprobe flag; other modules call
the builders here (pure functions returning argument lists) and hand the list to the runner.

- `inputs`: how every file is opened: only with media demuxers and the `file` protocol
  (`media_input`), so a playlist or concat script under a media name is refused (issue 32).
- `runner`: `run_ffmpeg` / `run_ffmpeg_into` execute one argument list with a timeout and the
  job's deadline, report progress from `-progress`, and raise `FFmpegError` quoting the end of
  FFmpeg's stderr (`DiskSpaceError` when the disk is full). Nothing goes through a shell.
- `probe`: ffprobe, read into `MediaInfo` (duration, displayed size, frame rate, sound).
- `render_args`: the encode (one run, or parts and a join), the loudness scan, thumbnails,
  frames, decoding audio, the audio graph.
- `caption_args`: captioning a caller's video: its picture with the captions burnt in, or its
  streams copied.
- `scene_args`: the scenes' segments (a visual, or a transition between two), stills prepared
  once, a clip's own sound.
- `motion`: a still's zoom or pan, smooth to a fraction of a pixel (`still_motion`).

Callers write `from videorender.pipeline.render import ffmpeg` and `ffmpeg.run_ffmpeg(...)`.
"""

from videorender.pipeline.render.ffmpeg.caption_args import (
    build_caption_burn_argv,
    build_stream_copy_argv,
)
from videorender.pipeline.render.ffmpeg.inputs import (
    IMAGE_DEMUXERS,
    MEDIA_DEMUXERS,
    MEDIA_PROTOCOLS,
    media_input,
)
from videorender.pipeline.render.ffmpeg.motion import MOTION_ZOOM
from videorender.pipeline.render.ffmpeg.probe import (
    has_audio_stream,
    last_packet_seconds,
    number_or_none,
    probe,
)
from videorender.pipeline.render.ffmpeg.render_args import (
    AUDIO_RATE,
    CLIP_SOUND_VOLUME,
    base_frames,
    build_caption_clip_argv,
    build_caption_over_picture_argv,
    build_caption_still_argv,
    build_decode_pcm_argv,
    build_feed_input,
    build_frame_argv,
    build_join_argv,
    build_loudness_scan_argv,
    build_poster_argv,
    build_render_argv,
    build_thumbnail_argv,
    build_video_part_argv,
    build_voice_wav_argv,
    concat_list,
    cover_crop,
    frame_rate_text,
    parse_loudness_scan,
)
from videorender.pipeline.render.ffmpeg.runner import (
    FFMPEG,
    FFPROBE,
    NO_SPACE,
    STDERR_TAIL_LINES,
    run_ffmpeg,
    run_ffmpeg_into,
)
from videorender.pipeline.render.ffmpeg.scene_args import (
    build_clip_sound_argv,
    build_joined_argv,
    build_segment_argv,
    build_still_argv,
    still_canvas,
)

__all__ = [
    "AUDIO_RATE",
    "CLIP_SOUND_VOLUME",
    "FFMPEG",
    "FFPROBE",
    "IMAGE_DEMUXERS",
    "MEDIA_DEMUXERS",
    "MEDIA_PROTOCOLS",
    "MOTION_ZOOM",
    "NO_SPACE",
    "STDERR_TAIL_LINES",
    "base_frames",
    "build_caption_burn_argv",
    "build_caption_clip_argv",
    "build_caption_over_picture_argv",
    "build_caption_still_argv",
    "build_clip_sound_argv",
    "build_decode_pcm_argv",
    "build_feed_input",
    "build_frame_argv",
    "build_join_argv",
    "build_joined_argv",
    "build_loudness_scan_argv",
    "build_poster_argv",
    "build_render_argv",
    "build_segment_argv",
    "build_still_argv",
    "build_stream_copy_argv",
    "build_thumbnail_argv",
    "build_video_part_argv",
    "build_voice_wav_argv",
    "concat_list",
    "cover_crop",
    "frame_rate_text",
    "has_audio_stream",
    "last_packet_seconds",
    "media_input",
    "number_or_none",
    "parse_loudness_scan",
    "probe",
    "run_ffmpeg",
    "run_ffmpeg_into",
    "still_canvas",
]
