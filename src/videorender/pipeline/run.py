"""The pipeline, stage by stage. The CLI and the job workers both call `render` / `narrate`.

Each job works in a temporary folder of its own, removed whether the job succeeds or fails;
finished files are moved to the output folder only once everything has succeeded.
"""

from __future__ import annotations

import contextlib
import logging
import shutil
import tempfile
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from videorender.errors import StageError
from videorender.pipeline.align import AlignmentResult, check_voiceover, timings_for_voiceover
from videorender.pipeline.captions import get_style
from videorender.pipeline.captions.fonts import installed_family, prepare_fonts_dir
from videorender.pipeline.captions.subtitles import (
    Captions,
    build_captions,
    write_sidecars,
    write_subtitles,
)
from videorender.pipeline.models import (
    Progress,
    RenderOptions,
    RenderPlan,
    RenderResult,
    SentenceTiming,
    Size,
    Stage,
    VoiceTrack,
)
from videorender.pipeline.render import ffmpeg
from videorender.pipeline.render.encode import (
    output_size,
    plan_render,
    render_scenes,
    render_video,
    scene_segments,
)
from videorender.pipeline.render.media import MediaInputs, check_inputs, check_scene_visuals
from videorender.pipeline.render.parts import (
    MIN_WORDS,
    CaptionMaker,
    PartRenderer,
    can_render_in_parts,
)
from videorender.pipeline.render.scene_plan import scene_timings
from videorender.pipeline.render.thumbnail import finish_thumbnail
from videorender.pipeline.runtime.clock import StageClock
from videorender.pipeline.runtime.heap import return_freed_memory
from videorender.pipeline.stage_config import PipelineConfig, TTSConfig
from videorender.pipeline.text.languages import ENGLISH, Language, get_language
from videorender.pipeline.text.scenes import Scene, scene_sentences, spoken_text
from videorender.pipeline.text.script import Sentence, process_script
from videorender.pipeline.text.word_split import split_words
from videorender.pipeline.transcribe import Transcript, transcribe
from videorender.pipeline.tts import VoiceChoice, choose_job_voice, load_engine, unload_engines
from videorender.pipeline.tts.cache import SpeechCache
from videorender.pipeline.tts.speech import synthesize_voice, write_word_timings

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
    # A folder for the intermediate files, which its owner removes (the job worker's own);
    # None: a private temporary folder, removed afterwards.
    work_dir: Path | None = None
    # A video of scenes (pipeline/text/scenes.py): then `script` is unused, the scenes' text is
    # spoken, and each scene's visual is on screen while its text is.
    scenes: tuple[Scene, ...] = ()

    def sentences(self, language: Language = ENGLISH) -> tuple[list[Sentence], list[int]]:
        """What is spoken (cut by the sentence rules of `language`), and the index of each
        scene's first sentence ([0] without scenes).

        Raises:
            ScriptError: the script (or a scene's text) is unusable.
        """
        if self.scenes:
            return scene_sentences(self.scenes, language)
        return process_script(self.script, language), [0]

    @property
    def spoken_text(self) -> str:
        return spoken_text(self.scenes) if self.scenes else self.script

    @property
    def transcribes(self) -> bool:
        """A voiceover without a script: the recording is transcribed and becomes the script."""
        return self.voiceover is not None and not self.scenes and not self.script.strip()


@contextlib.contextmanager
def job_workdir(given: Path | None = None) -> Iterator[Path]:
    """`given` as it is, or a private temporary folder that is always removed afterwards."""
    if given is not None:
        yield given
        return
    path = Path(tempfile.mkdtemp(prefix="videorender-"))
    try:
        yield path
    finally:
        shutil.rmtree(path, ignore_errors=True)


VoiceCallback = Callable[[VoiceTrack], None]


def render(
    job: RenderJob,
    config: PipelineConfig,
    *,
    clock: StageClock | None = None,
    on_voice: VoiceCallback | None = None,
) -> RenderResult:
    """Make the narrated video in output_dir: final.mp4, voice.wav, subs.ass with its
    subs.srt and subs.vtt sidecars, words.json (word timings) and thumbnail.jpg.

    `on_voice` is called with the finished narration (a WAV in the work folder, valid only
    during the call) before the video is rendered, e.g. to publish it early. Unlike progress
    callbacks, an exception it raises fails the render. `clock` times the stages and carries
    progress and the cancel flag (a caller's, to time its own stages on the same clock).

    Raises:
        VideoRenderError: a subclass naming the stage or input at fault.
        JobCancelledError: the clock's `cancel` was set.
    """
    clock = clock or StageClock()
    with job_workdir(job.work_dir) as work, contextlib.ExitStack() as stack:
        with clock.stage(Stage.SCRIPT):
            source, language = _voice_source(job, config.tts)
            sentences, scene_firsts = ([], [0]) if job.transcribes else job.sentences(language)
            check_options(job.options)
        with clock.stage(Stage.INPUTS):
            inputs = check_inputs(job.base_video, job.music, config.media)
            visuals = check_scene_visuals(job.scenes, inputs, config.media)
            if job.voiceover is not None:
                check_voiceover(job.voiceover, config.media)
            size = output_size(job.options.size, inputs, config.render.max_long_side)
        transcript, language, sentences = _script_of_voiceover(
            job, work, config, clock, spoken=(language, sentences)
        )
        font = prepare_fonts_dir(
            (transcript.text if transcript else job.spoken_text) or "captions",
            work / "fonts",
            job.options.captions.font,
        )
        captions_for = _caption_maker(job.options, size, font, language)
        template = _plan(job, config, inputs, size, work, voice_ms=0)
        parts = _part_renderer(job, config, template, sentences, captions=captions_for, work=work)
        if parts is not None:  # the video's first parts encode while the voice is spoken
            stack.enter_context(parts)
        if isinstance(source, VoiceChoice):
            alignment = None
            with clock.stage(Stage.TTS):
                voice = _speak(
                    sentences, work / VOICE_NAME, config.tts, source, clock,
                    on_sentence=parts.spoken if parts else None,
                )  # fmt: skip
        else:
            with clock.stage(Stage.ALIGN):
                voice, alignment = _provided_voice(
                    source, sentences, work, config, clock=clock, language=language,
                    transcript=transcript,
                )  # fmt: skip
        if on_voice is not None:
            on_voice(voice)
        with clock.stage(Stage.SUBTITLES):
            end_ms = voice.duration_ms + config.render.tail_ms
            captions = captions_for(voice.sentences, end_ms)
            write_subtitles(captions.ass, work / SUBTITLES_NAME)
            write_sidecars(captions.cues, work / SRT_NAME, work / VTT_NAME)
            scenes = scene_timings(scene_firsts, voice.sentences, end_ms) if job.scenes else ()
            write_word_timings(voice, work / WORDS_NAME, scenes)
        with clock.stage(Stage.RENDER):
            plan = _plan(
                job, config, inputs, size, work,
                voice_ms=voice.duration_ms, thumbnail=parts is not None,
            )  # fmt: skip
            timeout_s = config.render.ffmpeg_timeout_s
            if job.scenes:
                segments = scene_segments(plan, scenes, visuals)
                render_scenes(
                    plan, segments, visuals, timeout_s=timeout_s, on_progress=clock.report
                )
            else:
                _render_video(plan, parts, captions, clock, timeout_s=timeout_s)
        with clock.stage(Stage.THUMBNAIL):
            thumbnail = finish_thumbnail(
                plan.output,
                plan.duration_ms,
                work / THUMBNAIL_NAME,
                fraction=config.render.thumbnail_fraction,
            )
        files = [VIDEO_NAME, VOICE_NAME, SUBTITLES_NAME, SRT_NAME, VTT_NAME, WORDS_NAME]
        out = deliver(work, files + ([THUMBNAIL_NAME] if thumbnail else []), job.output_dir)
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
        alignment_confidence=alignment.confidence if alignment and not transcript else None,
    )


def _render_video(
    plan: RenderPlan,
    parts: PartRenderer | None,
    captions: Captions,
    clock: StageClock,
    *,
    timeout_s: float,
) -> None:
    """The video without scenes: its last parts and the join, or the one FFmpeg run."""
    if parts is not None:
        parts.finish(plan, captions, lambda f: clock.report(Progress(Stage.RENDER, f)))
    else:
        render_video(plan, timeout_s=timeout_s, on_progress=clock.report)


def _caption_maker(
    options: RenderOptions, size: Size, font: str, language: Language
) -> CaptionMaker:
    """The job's captions for the sentences spoken so far (`end_limit_ms`: None until the
    voice is finished)."""

    def captions(timings: Sequence[SentenceTiming], end_limit_ms: int | None) -> Captions:
        return build_captions(
            timings,
            size,
            font,
            style=options.subtitle_style,
            options=options.captions,
            end_limit_ms=end_limit_ms,
            rules=language.captions,
        )

    return captions


def _plan(
    job: RenderJob, config: PipelineConfig, inputs: MediaInputs, size: Size, work: Path,
    *, voice_ms: int, thumbnail: bool = True,
) -> RenderPlan:  # fmt: skip
    """The render's plan; `thumbnail`: the encode also writes the thumbnail. Parts do (from
    the part that holds its frame); one FFmpeg run does not, and the thumbnail is decoded
    afterwards (~1 s): as a second output of the encode it costs ~11 MB more at 1080p, past
    J1's 400 MB (docs/benchmarks.md)."""
    return plan_render(
        inputs=inputs,
        voice=work / VOICE_NAME,
        voice_ms=voice_ms,
        subtitles=work / SUBTITLES_NAME,
        fonts_dir=work / "fonts",
        output=work / VIDEO_NAME,
        size=size,
        config=config.render,
        music_volume=job.options.music_volume,
        thumbnail=work / THUMBNAIL_NAME if thumbnail else None,
    )


def _part_renderer(
    job: RenderJob,
    config: PipelineConfig,
    template: RenderPlan,
    sentences: list[Sentence],
    *,
    captions: CaptionMaker,
    work: Path,
) -> PartRenderer | None:
    """A renderer of parts where overlapping speech and the encode pays and is allowed."""
    words = sum(len(split_words(sentence.text)) for sentence in sentences)
    if job.voiceover is not None or job.scenes or words < MIN_WORDS:
        return None
    if not can_render_in_parts(template) or not config.render.in_parts:
        return None
    return PartRenderer(
        template, captions, work / "parts", timeout_s=config.render.ffmpeg_timeout_s
    )


def narrate(
    script: str,
    output: Path,
    config: PipelineConfig,
    *,
    options: RenderOptions | None = None,
    clock: StageClock | None = None,
    work_dir: Path | None = None,
) -> VoiceTrack:
    """Only the narration: speak the script into the WAV file `output`.

    Raises:
        VideoRenderError: the script is unusable or the engine failed.
        JobCancelledError: the clock's `cancel` was set (checked after each sentence).
    """
    clock = clock or StageClock()
    with job_workdir(work_dir) as work:
        options = options or RenderOptions()
        with clock.stage(Stage.SCRIPT):
            choice = _voice(options, config.tts)
            sentences = process_script(script, choice.language)
        with clock.stage(Stage.TTS):
            voice = _speak(sentences, work / VOICE_NAME, config.tts, choice, clock)
        output.parent.mkdir(parents=True, exist_ok=True)
        shutil.move(voice.path, output)
    return VoiceTrack(output, voice.sample_rate, voice.duration_ms, voice.sentences, voice.engine)


def _voice_source(job: RenderJob, tts: TTSConfig) -> tuple[VoiceChoice | Path, Language]:
    """Where the job's voice comes from, and its language: a voice chosen once (`_voice`),
    or the caller's recording (then the language is only text: the one asked for, else
    English).

    Raises:
        InputError: a bad tag, or an unknown voice.
        LanguageUnavailableError: the language cannot be spoken here.
    """
    if job.voiceover is not None:
        language = job.options.language
        return job.voiceover, get_language(language) if language else ENGLISH
    choice = _voice(job.options, tts)
    return choice, choice.language


def _voice(options: RenderOptions, tts: TTSConfig) -> VoiceChoice:
    """The narrated job's voice and language (the one it asked for, else its voice's),
    chosen once, before any work, and handed to the TTS stage: a voice of another language
    or an extra that is not installed fails here.

    Raises:
        InputError: a bad tag, or an unknown voice.
        LanguageUnavailableError: the language cannot be spoken here.
    """
    return choose_job_voice(
        tts,
        options.voice_model,
        provider=options.tts_provider,
        speaker=options.speaker,
        language=options.language,
    )


def _speak(
    sentences: list[Sentence],
    path: Path,
    tts: TTSConfig,
    choice: VoiceChoice,
    clock: StageClock,
    *,
    on_sentence: Callable[[SentenceTiming], None] | None = None,
) -> VoiceTrack:
    cache = SpeechCache(tts.cache_dir, tts.cache_max_mb * 1024 * 1024)
    try:
        return synthesize_voice(
            load_engine(tts, choice),
            sentences,
            path,
            pause_ms=tts.sentence_pause_ms,
            cache=cache,
            on_progress=clock.report,
            on_sentence=on_sentence,
        )
    finally:
        if not tts.keep_loaded:  # unset (the CLI's one job) unloads too
            unload_engines()
        return_freed_memory()  # ~150 MB that synthesis freed


def check_options(options: RenderOptions) -> None:
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
    *,
    clock: StageClock,
    language: Language,
    transcript: Transcript | None = None,
) -> tuple[VoiceTrack, AlignmentResult]:
    """The caller's recording as the voice track, with sentence and word times aligned to it
    (English by an acoustic model; for other languages the TTS speaks a reference that is
    never heard); a `transcript` of it comes with its own times."""
    if transcript is not None:
        alignment = AlignmentResult(
            transcript.timings, 1.0, transcript.method, transcript.warnings,
            transcript.duration_ms,
        )  # fmt: skip
    else:
        alignment = timings_for_voiceover(
            sentences,
            recording,
            config.tts,
            workdir=work,
            timeout_s=config.render.ffmpeg_timeout_s,
            on_progress=clock.report,
            language=language.tag,
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


def _script_of_voiceover(
    job: RenderJob,
    work: Path,
    config: PipelineConfig,
    clock: StageClock,
    *,
    spoken: tuple[Language, list[Sentence]],
) -> tuple[Transcript | None, Language, list[Sentence]]:
    """For a voiceover without a script, its transcript, language and sentences (what the
    recording says becomes the script); else no transcript and `spoken` as it is.

    Raises:
        TranscriptionError: Whisper is not installed or failed.
    """
    if not job.transcribes or job.voiceover is None:
        return None, *spoken
    with clock.stage(Stage.TRANSCRIBE):
        transcript = transcribe(
            job.voiceover, config.transcribe, workdir=work,
            timeout_s=config.render.ffmpeg_timeout_s, language=job.options.language,
            on_progress=clock.report, what="voiceover",
        )  # fmt: skip
    return transcript, get_language(transcript.language), list(transcript.sentences)


def deliver(work: Path, names: list[str], output_dir: Path) -> Path:
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
