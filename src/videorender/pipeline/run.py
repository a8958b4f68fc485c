"""The pipeline, stage by stage. The CLI and the job workers both call `render` / `voiceover`.

Each job works in a temporary folder of its own, removed whether the job succeeds or fails;
finished files are moved to the output folder only once everything has succeeded.
"""

from __future__ import annotations

import contextlib
import logging
import shutil
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from videorender.config import Settings
from videorender.pipeline.fonts import prepare_fonts_dir
from videorender.pipeline.models import (
    Progress,
    ProgressCallback,
    RenderOptions,
    RenderResult,
    Stage,
    VoiceTrack,
)
from videorender.pipeline.render import (
    MediaLimits,
    check_inputs,
    check_voiceover,
    output_size,
    plan_render,
    render_video,
)
from videorender.pipeline.script import Sentence, process_script
from videorender.pipeline.subtitles import build_subtitles, write_subtitles
from videorender.pipeline.thumbnail import make_thumbnail
from videorender.pipeline.tts import create_engine
from videorender.pipeline.tts.cache import SpeechCache
from videorender.pipeline.voice import adopt_voice, synthesize_voice

log = logging.getLogger(__name__)

VIDEO_NAME = "final.mp4"
VOICE_NAME = "voice.wav"
SUBTITLES_NAME = "subs.ass"
THUMBNAIL_NAME = "thumbnail.jpg"


@dataclass(frozen=True)
class RenderJob:
    """One video to make: the script, optional media, and where the results go."""

    script: str
    output_dir: Path
    base_video: Path | None = None
    music: Path | None = None
    options: RenderOptions = field(default_factory=RenderOptions)
    # A recording of the script to use instead of our own speech. Its subtitle timings are
    # estimated from our engine's pacing of the script (see `adopt_voice`).
    voiceover: Path | None = None
    # Where the job's temporary folder is made (default: the system's temp dir).
    temp_dir: Path | None = None


class StageClock:
    """Times each stage and forwards progress; a failing callback never fails the job."""

    def __init__(self, callback: ProgressCallback | None) -> None:
        self._callback = callback
        self.seconds: dict[str, float] = {}

    def report(self, progress: Progress) -> None:
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
    settings: Settings,
    *,
    on_progress: ProgressCallback | None = None,
    on_voice: VoiceCallback | None = None,
) -> RenderResult:
    """Make the narrated video: final.mp4, voice.wav, subs.ass, thumbnail.jpg in output_dir.

    `on_voice` is called with the finished narration (a WAV in the work folder, valid only
    during the call) before the video is rendered, e.g. to publish it early. Unlike progress
    callbacks, an exception it raises fails the render.

    Raises:
        VideoRenderError: a subclass naming the stage or input at fault.
    """
    clock = StageClock(on_progress)
    with job_workdir(job.temp_dir) as work:
        with clock.stage(Stage.SCRIPT):
            sentences = process_script(job.script)
        with clock.stage(Stage.INPUTS):
            limits = MediaLimits.of(settings)
            inputs = check_inputs(job.base_video, job.music, limits)
            if job.voiceover is not None:
                check_voiceover(job.voiceover, limits)
            size = output_size(job.options.size, inputs, settings.max_long_side)
        with clock.stage(Stage.TTS):
            voice = _narrate(job, sentences, work, settings, clock)
        if on_voice is not None:
            on_voice(voice)
        with clock.stage(Stage.SUBTITLES):
            font = prepare_fonts_dir(job.script, work / "fonts")
            write_subtitles(build_subtitles(voice.sentences, size, font), work / SUBTITLES_NAME)
        with clock.stage(Stage.RENDER):
            plan = plan_render(
                inputs=inputs,
                voice=voice.path,
                voice_ms=voice.duration_ms,
                subtitles=work / SUBTITLES_NAME,
                fonts_dir=work / "fonts",
                output=work / VIDEO_NAME,
                size=size,
                settings=settings,
            )
            render_video(plan, timeout_s=settings.ffmpeg_timeout_seconds, on_progress=clock.report)
        with clock.stage(Stage.THUMBNAIL):
            thumbnail = make_thumbnail(
                plan.output,
                plan.duration_ms,
                work / THUMBNAIL_NAME,
                fraction=settings.thumbnail_fraction,
            )
        files = [VIDEO_NAME, VOICE_NAME, SUBTITLES_NAME] + ([THUMBNAIL_NAME] if thumbnail else [])
        out = _deliver(work, files, job.output_dir)
    return RenderResult(
        video=out / VIDEO_NAME,
        voice=out / VOICE_NAME,
        subtitles=out / SUBTITLES_NAME,
        thumbnail=out / THUMBNAIL_NAME if thumbnail else None,
        duration_ms=plan.duration_ms,
        size=size,
        stage_seconds=clock.seconds,
    )


def voiceover(
    script: str,
    output: Path,
    settings: Settings,
    *,
    options: RenderOptions | None = None,
    on_progress: ProgressCallback | None = None,
    temp_dir: Path | None = None,
) -> VoiceTrack:
    """Only the narration: speak the script into the WAV file `output`.

    Raises:
        VideoRenderError: the script is unusable or the engine failed.
    """
    clock = StageClock(on_progress)
    with job_workdir(temp_dir) as work:
        with clock.stage(Stage.SCRIPT):
            sentences = process_script(script)
        with clock.stage(Stage.TTS):
            options = options or RenderOptions()
            voice = _speak(sentences, work / VOICE_NAME, settings, options, clock)
        output.parent.mkdir(parents=True, exist_ok=True)
        shutil.move(voice.path, output)
    return VoiceTrack(output, voice.sample_rate, voice.duration_ms, voice.sentences)


def _narrate(
    job: RenderJob, sentences: list[Sentence], work: Path, settings: Settings, clock: StageClock
) -> VoiceTrack:
    if job.voiceover is None:
        return _speak(sentences, work / VOICE_NAME, settings, job.options, clock)
    paced = _speak(sentences, work / "paced.wav", settings, job.options, clock)
    return adopt_voice(
        job.voiceover, paced, work / VOICE_NAME, timeout_s=settings.ffmpeg_timeout_seconds
    )


def _speak(
    sentences: list[Sentence],
    path: Path,
    settings: Settings,
    options: RenderOptions,
    clock: StageClock,
) -> VoiceTrack:
    engine = create_engine(settings, options.voice_model)
    cache = SpeechCache(settings.tts_cache_dir, settings.tts_cache_max_mb * 1024 * 1024)
    return synthesize_voice(
        engine,
        sentences,
        path,
        pause_ms=settings.sentence_pause_ms,
        cache=cache,
        on_progress=clock.report,
    )


def _deliver(work: Path, names: list[str], output_dir: Path) -> Path:
    output_dir.mkdir(parents=True, exist_ok=True)
    for name in names:
        shutil.move(work / name, output_dir / name)
    return output_dir
