"""The pipeline, stage by stage. The CLI and the job workers both call `render` / `voiceover`.

Each job works in a temporary folder of its own, removed whether the job succeeds or fails;
finished files are moved to the output folder only once everything has succeeded.
"""

from __future__ import annotations

import contextlib
import ctypes
import gc
import logging
import shutil
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from videorender.errors import JobCancelledError, StageError
from videorender.pipeline import ffmpeg
from videorender.pipeline.align import AlignmentResult, check_voiceover, timings_for_voiceover
from videorender.pipeline.captions import get_style
from videorender.pipeline.captions.fonts import installed_family, prepare_fonts_dir
from videorender.pipeline.captions.subtitles import build_captions, write_sidecars, write_subtitles
from videorender.pipeline.media import check_inputs
from videorender.pipeline.models import (
    Progress,
    ProgressCallback,
    RenderOptions,
    RenderResult,
    Stage,
    VoiceTrack,
)
from videorender.pipeline.render import output_size, plan_render, render_video
from videorender.pipeline.script import Sentence, process_script
from videorender.pipeline.stage_config import PipelineConfig, TTSConfig
from videorender.pipeline.thumbnail import make_thumbnail
from videorender.pipeline.tts import create_engine, unload_engines
from videorender.pipeline.tts.cache import SpeechCache
from videorender.pipeline.voice import synthesize_voice, write_word_timings

log = logging.getLogger(__name__)

VIDEO_NAME = "final.mp4"
VOICE_NAME = "voice.wav"
SUBTITLES_NAME = "subs.ass"
SRT_NAME = "subs.srt"
VTT_NAME = "subs.vtt"
WORDS_NAME = "words.json"
THUMBNAIL_NAME = "thumbnail.jpg"


@dataclass(frozen=True)
class RenderJob:
    """One video to make: the script, optional media, and where the results go."""

    script: str
    output_dir: Path
    base_video: Path | None = None
    music: Path | None = None
    options: RenderOptions = field(default_factory=RenderOptions)
    # A caller's own narration: it becomes the voice track, and the subtitles are aligned to it.
    voiceover: Path | None = None
    # Where the job's temporary folder is made (default: the system's temp dir).
    temp_dir: Path | None = None


class StageClock:
    """Times each stage and forwards progress; a failing callback never fails the job.

    Every report is also a cancellation point: once `cancel` is set, the next report raises
    `JobCancelledError`, which unwinds the stage (an FFmpeg run reporting progress is killed)
    and removes the work folder on the way out."""

    def __init__(
        self, callback: ProgressCallback | None, cancel: threading.Event | None = None
    ) -> None:
        self._callback = callback
        self._cancel = cancel
        self.seconds: dict[str, float] = {}

    def report(self, progress: Progress) -> None:
        if self._cancel is not None and self._cancel.is_set():
            raise JobCancelledError(f"cancelled during {progress.stage.value}")
        if self._callback is None:
            return
        try:
            self._callback(progress)
        except Exception:
            log.exception("progress callback failed (ignored)")

    @contextlib.contextmanager
    def stage(self, stage: Stage) -> Iterator[None]:
        self.report(Progress(stage, 0.0))
        started = time.perf_counter()
        yield
        self.seconds[stage.value] = round(time.perf_counter() - started, 3)
        self.report(Progress(stage, 1.0))


@contextlib.contextmanager
def job_workdir(parent: Path | None = None) -> Iterator[Path]:
    """A private temporary folder (in `parent`, or the system's temp dir), always removed
    afterwards."""
    path = Path(tempfile.mkdtemp(prefix="videorender-", dir=parent))
    try:
        yield path
    finally:
        shutil.rmtree(path, ignore_errors=True)


VoiceCallback = Callable[[VoiceTrack], None]


def render(
    job: RenderJob,
    config: PipelineConfig,
    *,
    on_progress: ProgressCallback | None = None,
    on_voice: VoiceCallback | None = None,
    cancel: threading.Event | None = None,
) -> RenderResult:
    """Make the narrated video in output_dir: final.mp4, voice.wav, subs.ass with its
    subs.srt and subs.vtt sidecars, words.json (word timings) and thumbnail.jpg.

    `on_voice` is called with the finished narration (a WAV in the work folder, valid only
    during the call) before the video is rendered, e.g. to publish it early. Unlike progress
    callbacks, an exception it raises fails the render. Setting `cancel` stops the render at
    its next progress report.

    Raises:
        VideoRenderError: a subclass naming the stage or input at fault.
        JobCancelledError: `cancel` was set.
    """
    clock = StageClock(on_progress, cancel)
    with job_workdir(job.temp_dir) as work:
        with clock.stage(Stage.SCRIPT):
            sentences = process_script(job.script)
            _check_options(job.options)
        with clock.stage(Stage.INPUTS):
            inputs = check_inputs(job.base_video, job.music, config.media)
            if job.voiceover is not None:
                check_voiceover(job.voiceover, config.media)
            size = output_size(job.options.size, inputs, config.render.max_long_side)
        if job.voiceover is None:
            alignment = None
            with clock.stage(Stage.TTS):
                voice = _speak(sentences, work / VOICE_NAME, config.tts, job.options, clock)
        else:
            with clock.stage(Stage.ALIGN):
                voice, alignment = _provided_voice(job.voiceover, sentences, work, config, clock)
        if on_voice is not None:
            on_voice(voice)
        with clock.stage(Stage.SUBTITLES):
            font = prepare_fonts_dir(job.script, work / "fonts", job.options.captions.font)
            captions = build_captions(
                voice.sentences,
                size,
                font,
                style=job.options.subtitle_style,
                options=job.options.captions,
                end_limit_ms=voice.duration_ms + config.render.tail_ms,
            )
            write_subtitles(captions.ass, work / SUBTITLES_NAME)
            write_sidecars(captions.cues, work / SRT_NAME, work / VTT_NAME)
            write_word_timings(voice, work / WORDS_NAME)
        with clock.stage(Stage.RENDER):
            plan = plan_render(
                inputs=inputs,
                voice=voice.path,
                voice_ms=voice.duration_ms,
                subtitles=work / SUBTITLES_NAME,
                fonts_dir=work / "fonts",
                output=work / VIDEO_NAME,
                size=size,
                config=config.render,
            )
            render_video(plan, timeout_s=config.render.ffmpeg_timeout_s, on_progress=clock.report)
        with clock.stage(Stage.THUMBNAIL):
            thumbnail = make_thumbnail(
                plan.output,
                plan.duration_ms,
                work / THUMBNAIL_NAME,
                fraction=config.render.thumbnail_fraction,
            )
        files = [VIDEO_NAME, VOICE_NAME, SUBTITLES_NAME, SRT_NAME, VTT_NAME, WORDS_NAME]
        out = _deliver(work, files + ([THUMBNAIL_NAME] if thumbnail else []), job.output_dir)
        if not thumbnail:  # an earlier render's thumbnail would pass for this one's
            (out / THUMBNAIL_NAME).unlink(missing_ok=True)
    return RenderResult(
        video=out / VIDEO_NAME,
        voice=out / VOICE_NAME,
        subtitles=out / SUBTITLES_NAME,
        thumbnail=out / THUMBNAIL_NAME if thumbnail else None,
        duration_ms=plan.duration_ms,
        size=size,
        stage_seconds=clock.seconds,
        subtitles_srt=out / SRT_NAME,
        subtitles_vtt=out / VTT_NAME,
        words=out / WORDS_NAME,
        warnings=alignment.warnings if alignment else (),
        alignment_confidence=alignment.confidence if alignment else None,
    )


def voiceover(
    script: str,
    output: Path,
    config: PipelineConfig,
    *,
    options: RenderOptions | None = None,
    on_progress: ProgressCallback | None = None,
    temp_dir: Path | None = None,
    cancel: threading.Event | None = None,
) -> VoiceTrack:
    """Only the narration: speak the script into the WAV file `output`.

    Raises:
        VideoRenderError: the script is unusable or the engine failed.
        JobCancelledError: `cancel` was set (checked after each sentence).
    """
    clock = StageClock(on_progress, cancel)
    with job_workdir(temp_dir) as work:
        with clock.stage(Stage.SCRIPT):
            sentences = process_script(script)
        with clock.stage(Stage.TTS):
            options = options or RenderOptions()
            voice = _speak(sentences, work / VOICE_NAME, config.tts, options, clock)
        output.parent.mkdir(parents=True, exist_ok=True)
        shutil.move(voice.path, output)
    return VoiceTrack(output, voice.sample_rate, voice.duration_ms, voice.sentences, voice.engine)


def _speak(
    sentences: list[Sentence],
    path: Path,
    tts: TTSConfig,
    options: RenderOptions,
    clock: StageClock,
) -> VoiceTrack:
    cache = SpeechCache(tts.cache_dir, tts.cache_max_mb * 1024 * 1024)
    try:
        return synthesize_voice(
            create_engine(
                tts,
                options.voice_model,
                provider=options.tts_provider,
                speaker=options.speaker,
            ),
            sentences,
            path,
            pause_ms=tts.sentence_pause_ms,
            cache=cache,
            on_progress=clock.report,
        )
    finally:
        if not tts.keep_loaded:  # unset (the CLI's one job) unloads too
            unload_engines()
        _return_freed_memory()


def _return_freed_memory() -> None:
    """Hand the heap that synthesis freed back to the OS before FFmpeg starts: glibc keeps it
    otherwise, and it would count against the job through the whole render (~150 MB)."""
    gc.collect()
    with contextlib.suppress(OSError, AttributeError):  # not glibc: nothing to do
        ctypes.CDLL(None).malloc_trim(0)


def _check_options(options: RenderOptions) -> None:
    """Refuse bad caption options before any work is spent on the job."""
    get_style(options.subtitle_style)
    options.captions.validate()
    if options.captions.font is not None:
        installed_family(options.captions.font)


def _provided_voice(
    recording: Path,
    sentences: list[Sentence],
    work: Path,
    config: PipelineConfig,
    clock: StageClock,
) -> tuple[VoiceTrack, AlignmentResult]:
    """The caller's recording as the voice track, with sentence and word times aligned to it
    (English by an acoustic model; for other languages the TTS speaks a reference that is
    never heard)."""
    alignment = timings_for_voiceover(
        sentences,
        recording,
        config.tts,
        workdir=work,
        timeout_s=config.render.ffmpeg_timeout_s,
        on_progress=clock.report,
    )
    ffmpeg.run_ffmpeg(
        ffmpeg.build_voice_wav_argv(recording, work / VOICE_NAME),
        stage="align (voice track)",
        timeout_s=config.render.ffmpeg_timeout_s,
    )
    voice = VoiceTrack(
        path=work / VOICE_NAME,
        sample_rate=ffmpeg.AUDIO_RATE,
        duration_ms=alignment.duration_ms,
        sentences=alignment.sentences,
        engine="voiceover",
    )
    return voice, alignment


def _deliver(work: Path, names: list[str], output_dir: Path) -> Path:
    """Move the finished files into `output_dir`.

    Raises:
        StageError: the output folder cannot be made or written.
    """
    try:
        output_dir.mkdir(parents=True, exist_ok=True)
        for name in names:
            shutil.move(work / name, output_dir / name)
    except OSError as exc:
        raise StageError("deliver", f"cannot write {output_dir}: {exc.strerror or exc}") from exc
    return output_dir
