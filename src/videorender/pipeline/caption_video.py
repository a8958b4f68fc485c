"""Captions for a video the caller already has: transcribe it, time the captions, burn them in.

The stages: check the video, transcribe its sound (`transcribe/`: Whisper, then the aligner),
lay out the captions by the job's style and the language's caption rules (`captions/`, as for
a render), then the video: its own picture with the captions burnt in and its own sound
(re-encoded: H.264 + AAC), or, without burning, its own streams copied into MP4 untouched.
The outputs are a render's, less the voice: final.mp4, subs.ass, subs.srt, subs.vtt,
words.json, thumbnail.jpg. A video with no speech completes with a warning and empty captions.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path

from videorender.errors import FFmpegError, MediaError
from videorender.pipeline.captions.fonts import prepare_fonts_dir
from videorender.pipeline.captions.subtitles import (
    Captions,
    build_captions,
    write_sidecars,
    write_subtitles,
)
from videorender.pipeline.models import (
    MediaInfo,
    Progress,
    RenderOptions,
    Size,
    Stage,
    VoiceTrack,
)
from videorender.pipeline.render import ffmpeg
from videorender.pipeline.render.encode import output_size
from videorender.pipeline.render.media import MediaInputs, checked_media
from videorender.pipeline.render.thumbnail import make_thumbnail
from videorender.pipeline.run import (
    SRT_NAME,
    SUBTITLES_NAME,
    THUMBNAIL_NAME,
    VIDEO_NAME,
    VTT_NAME,
    WORDS_NAME,
    check_options,
    deliver,
    job_workdir,
)
from videorender.pipeline.runtime.clock import StageClock
from videorender.pipeline.stage_config import PipelineConfig
from videorender.pipeline.text.languages import get_language
from videorender.pipeline.transcribe import Transcript, transcribe
from videorender.pipeline.tts.speech import write_word_timings

log = logging.getLogger(__name__)

ENGINE = "transcript"  # words.json's `engine`: the times come from the video's own speech


@dataclass(frozen=True)
class CaptionJob:
    """One video to caption. `options`: the caption style and look, the language (None:
    detected), the output size (None: the video's own, capped); the rest is unused."""

    video: Path
    output_dir: Path
    options: RenderOptions = field(default_factory=RenderOptions)
    burn: bool = True  # False: final.mp4 is the video's own streams, copied
    work_dir: Path | None = None  # None: a private temporary folder, removed afterwards


@dataclass(frozen=True)
class CaptionResult:
    """What captioning produced, inside the output folder. `video` is None where the video
    was not burnt and its streams have no place in MP4 (a warning says so)."""

    video: Path | None
    subtitles: Path
    subtitles_srt: Path
    subtitles_vtt: Path
    words: Path
    thumbnail: Path | None
    duration_ms: int
    size: Size
    language: str
    sentences: int
    burned: bool
    stage_seconds: dict[str, float] = field(default_factory=dict)
    warnings: tuple[str, ...] = ()


def caption_video(
    job: CaptionJob, config: PipelineConfig, *, clock: StageClock | None = None
) -> CaptionResult:
    """Caption `job.video` into `job.output_dir` (see the module's docstring).

    Raises:
        MediaError: the video is not media, has no picture or no sound, or is over a limit.
        InputError: a bad caption option, size or language.
        TranscriptionError: Whisper is not installed or failed.
        FFmpegError: the encode failed.
        JobCancelledError: the clock's `cancel` was set.
    """
    clock = clock or StageClock()
    with job_workdir(job.work_dir) as work:
        with clock.stage(Stage.INPUTS):
            check_options(job.options)
            info = _checked_video(job.video, config)
            source = info.size or Size(16, 16)
            inputs = MediaInputs(job.video, info)
            size = output_size(job.options.size, inputs, config.render.max_long_side)
        with clock.stage(Stage.TRANSCRIBE):
            transcript = transcribe(
                job.video, config.transcribe, workdir=work,
                timeout_s=config.render.ffmpeg_timeout_s, language=job.options.language,
                on_progress=clock.report,
            )  # fmt: skip
        with clock.stage(Stage.SUBTITLES):
            captions = _write_captions(transcript, job.options, size, work)
        burn = job.burn and bool(captions.cues)
        warnings = list(transcript.warnings)
        with clock.stage(Stage.RENDER):
            made = _video(job.video, info, work, size=size, config=config, burn=burn, clock=clock)
            if not made:
                warnings.append(
                    f"the video {job.video.name!r} cannot be copied into MP4 as it is: no "
                    "final.mp4 (caption it with burning on to re-encode it)"
                )
        with clock.stage(Stage.THUMBNAIL):
            thumbnail = make_thumbnail(
                work / VIDEO_NAME if made else job.video, info.duration_ms,
                work / THUMBNAIL_NAME, fraction=config.render.thumbnail_fraction,
            )  # fmt: skip
        files = [SUBTITLES_NAME, SRT_NAME, VTT_NAME, WORDS_NAME]
        files += [VIDEO_NAME] if made else []
        out = deliver(work, files + ([THUMBNAIL_NAME] if thumbnail else []), job.output_dir)
        for stale in ([] if made else [VIDEO_NAME]) + ([] if thumbnail else [THUMBNAIL_NAME]):
            (out / stale).unlink(missing_ok=True)  # an earlier run's would pass for this one's
    return CaptionResult(
        video=out / VIDEO_NAME if made else None,
        subtitles=out / SUBTITLES_NAME,
        subtitles_srt=out / SRT_NAME,
        subtitles_vtt=out / VTT_NAME,
        words=out / WORDS_NAME,
        thumbnail=out / THUMBNAIL_NAME if thumbnail else None,
        duration_ms=info.duration_ms,
        size=size if burn else source,
        language=transcript.language,
        sentences=len(transcript.sentences),
        burned=burn,
        stage_seconds=clock.seconds,
        warnings=tuple(warnings),
    )


def _checked_video(video: Path, config: PipelineConfig) -> MediaInfo:
    limits = config.media
    info = checked_media(video, "video", min(limits.max_seconds, config.transcribe.max_seconds))
    if not info.has_video:
        raise MediaError(f"video {video.name!r} has no picture to caption", "video")
    if not info.has_audio:
        raise MediaError(f"video {video.name!r} has no audio stream: no speech to caption", "video")
    size = info.size
    if size is not None and max(size.width, size.height) > limits.max_side:
        raise MediaError(
            f"video {video.name!r} is {size}; the limit is {limits.max_side} pixels a side", "video"
        )
    return info


def _write_captions(
    transcript: Transcript, options: RenderOptions, size: Size, work: Path
) -> Captions:
    language = get_language(transcript.language)
    font = prepare_fonts_dir(transcript.text or "captions", work / "fonts", options.captions.font)
    captions = build_captions(
        transcript.timings, size, font, style=options.subtitle_style, options=options.captions,
        end_limit_ms=transcript.duration_ms, rules=language.captions,
    )  # fmt: skip
    write_subtitles(captions.ass, work / SUBTITLES_NAME)
    write_sidecars(captions.cues, work / SRT_NAME, work / VTT_NAME)
    track = VoiceTrack(
        work / VIDEO_NAME, ffmpeg.AUDIO_RATE, transcript.duration_ms, transcript.timings, ENGINE
    )
    write_word_timings(track, work / WORDS_NAME)
    return captions


def _video(
    video: Path,
    info: MediaInfo,
    work: Path,
    *,
    size: Size,
    config: PipelineConfig,
    burn: bool,
    clock: StageClock,
) -> bool:
    """final.mp4 in `work`: burnt, or the streams copied. False where copying is impossible."""
    timeout_s = config.render.ffmpeg_timeout_s
    if not burn:
        try:
            ffmpeg.run_ffmpeg(
                ffmpeg.build_stream_copy_argv(video, work / VIDEO_NAME),
                stage="render (copying the video)", timeout_s=timeout_s,
            )  # fmt: skip
        except FFmpegError as exc:
            log.warning("video %s not copied into MP4: %s", video.name, exc)
            (work / VIDEO_NAME).unlink(missing_ok=True)
            return False
        return True
    argv = ffmpeg.build_caption_burn_argv(
        video, info.size or size, size, subtitles=work / SUBTITLES_NAME, fonts_dir=work / "fonts",
        output=work / VIDEO_NAME, encoder=config.render.encoder, audio=info.has_audio,
    )  # fmt: skip
    ffmpeg.run_ffmpeg(
        argv, stage="render", timeout_s=timeout_s, duration_ms=info.duration_ms,
        on_progress=lambda f: clock.report(Progress(Stage.RENDER, f)),
    )  # fmt: skip
    return True
