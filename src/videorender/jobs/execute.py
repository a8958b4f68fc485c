"""One job, start to finish: fetch its inputs, run the pipeline, store the artifacts.

A plain function over a claimed job. It writes only through the store (guarded by the claim's
lease) and the storage backend; all files it makes live in a work folder keyed by job id,
removed afterwards, and artifacts are stored under keys made from the job id, so a retried
job replaces what an earlier attempt left instead of adding to it.
"""

from __future__ import annotations

import contextlib
import errno
import shutil
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from videorender import inputs
from videorender.config import Settings
from videorender.errors import DiskSpaceError, StorageError, VideoRenderError
from videorender.jobs import events
from videorender.jobs.metrics import TransferCounters
from videorender.jobs.models import Artifacts, Claim, Job, JobKind, JobRequest, JobStatus
from videorender.jobs.store import JobStore
from videorender.netguard import NetGuard
from videorender.pipeline.caption_video import CaptionJob, CaptionResult, caption_video
from videorender.pipeline.models import (
    Progress,
    RenderResult,
    Stage,
    VoiceTrack,
)
from videorender.pipeline.run import RenderJob, narrate, render
from videorender.pipeline.runtime import deadline
from videorender.pipeline.runtime.clock import StageClock
from videorender.pipeline.text.scenes import Scene
from videorender.storage import Artifact, Storage, artifact_key
from videorender.webhooks import Event

MB = 1024 * 1024
PROGRESS_WRITE_INTERVAL_S = 0.5
MAX_RUNNING_PERCENT = 99  # 100 means completed
VOICEOVER_TTS_START = 3
# A caption job's bar: each stage's span of it (its own weights, as Whisper is most of it and
# there is no speech synthesis; measured shares on a 20 s talking video).
CAPTION_SPANS = {
    Stage.INPUTS: (0, 5),
    Stage.TRANSCRIBE: (5, 55),
    Stage.ALIGN: (55, 65),
    Stage.SUBTITLES: (65, 67),
    Stage.RENDER: (67, 95),
    Stage.THUMBNAIL: (95, 97),
}


@dataclass(frozen=True)
class JobContext:
    """What every job needs besides its own request."""

    settings: Settings
    store: JobStore
    storage: Storage
    # Whether jobs may read the caller's local files (file:// inputs): only where the caller
    # runs as this user (`videorender mcp` over stdio), never for the HTTP API.
    local_files: bool = False
    transfers: TransferCounters = field(default_factory=TransferCounters)  # for /metrics


@dataclass(frozen=True)
class Outcome:
    artifacts: Artifacts
    events: tuple[Event, ...]
    duration_ms: int | None = None  # of the produced media
    warnings: tuple[str, ...] = ()


@dataclass(frozen=True)
class FetchedInputs:
    base_video: Path | None
    music: Path | None
    voiceover: Path | None
    scenes: tuple[Scene, ...] = ()
    video: Path | None = None  # the video to caption


class ProgressSaver:
    """Stores a job's stage and percent, at most every PROGRESS_WRITE_INTERVAL_S (and on every
    change of stage), so progress never costs the database more than a trickle.

    The percent stored never goes down (the upload of the voice comes mid-job) and stays below
    100 until the job is completed. When a write finds the job no longer ours (cancelled,
    perhaps from another process, or its lease lost), `cancel` is set and the job stops at its
    next report to the clock.
    """

    def __init__(self, store: JobStore, claim: Claim, cancel: threading.Event) -> None:
        self._store = store
        self._claim = claim
        self._cancel = cancel
        self._written: tuple[str, int] | None = None
        self._written_at = 0.0
        self._percent = 0

    def __call__(self, progress: Progress) -> None:
        percent = progress.percent
        if self._claim.job.request.kind.speaks_only and progress.stage is Stage.TTS:
            # Speech is nearly all of a narration-only job: spread it over the whole bar.
            percent = VOICEOVER_TTS_START + int(progress.fraction * (95 - VOICEOVER_TTS_START))
        elif self._claim.job.request.kind is JobKind.CAPTION_VIDEO:
            low, high = CAPTION_SPANS.get(progress.stage, (percent, percent))
            percent = low + int(min(1.0, max(0.0, progress.fraction)) * (high - low))
        if progress.stage is not Stage.UPLOAD:  # uploads move the stage, not the bar
            self._percent = max(self._percent, min(MAX_RUNNING_PERCENT, percent))
        self._write(progress.stage.value)

    def _write(self, stage: str) -> None:
        current = (stage, self._percent)
        now = time.monotonic()
        stage_changed = self._written is None or self._written[0] != stage
        if current == self._written or not (
            stage_changed or now - self._written_at >= PROGRESS_WRITE_INTERVAL_S
        ):
            return
        if not self._store.progress(self._claim, *current):
            self._cancel.set()
        self._written, self._written_at = current, now


def job_clock(ctx: JobContext, claim: Claim, cancel: threading.Event) -> StageClock:
    """The clock a job runs on: it times every stage, saves progress, and stops the job
    once `cancel` is set (by the worker, or by a progress write that found it cancelled)."""
    return StageClock(ProgressSaver(ctx.store, claim, cancel), cancel)


def execute(ctx: JobContext, claim: Claim, clock: StageClock) -> Outcome:
    """Do the job's work.

    Raises:
        VideoRenderError: a subclass naming the input or stage at fault.
        JobCancelledError: the job was cancelled (its work folder is removed all the same).
    """
    job = claim.job
    check_free_disk(ctx.settings)
    try:
        with _workdir(work_root(ctx.settings) / job.id) as work:
            with clock.stage(Stage.INPUTS):
                fetched = fetch_inputs(
                    ctx.settings,
                    ctx.storage,
                    job.request,
                    work,
                    local_files=ctx.local_files,
                    transfers=ctx.transfers,
                )
            if job.request.kind.speaks_only:
                return _narration(ctx, claim, work, clock)
            if job.request.kind is JobKind.CAPTION_VIDEO:
                return _captioned(ctx, claim, fetched, work, clock)
            return _render(ctx, claim, fetched, work, clock)
    except OSError as exc:
        if exc.errno != errno.ENOSPC:
            raise
        # The work folder is gone by now, and with it what filled the disk.
        stage = clock.current or Stage.INPUTS
        raise DiskSpaceError(stage.value, f"the disk filled up: {exc}") from exc


def work_root(settings: Settings) -> Path:
    """Where jobs keep their temporary files: one folder per job id."""
    return settings.data_dir / "work"


def check_free_disk(settings: Settings) -> None:
    """Raises:
    DiskSpaceError: DATA_DIR has less than MIN_FREE_DISK_MB free."""
    root = settings.data_dir
    free_mb = shutil.disk_usage(root if root.exists() else Path.cwd()).free // MB
    if free_mb < settings.min_free_disk_mb:
        raise DiskSpaceError(
            Stage.INPUTS.value,
            f"only {free_mb:,} MB free in DATA_DIR; a job needs MIN_FREE_DISK_MB "
            f"({settings.min_free_disk_mb:,} MB) to start",
        )


def remove_stale_work(settings: Settings, store: JobStore) -> list[str]:
    """Remove work folders that no running job owns (left by a crash); returns their names.
    Run at start-up, after jobs with expired leases were taken back. A folder whose job is
    still `processing` (in another process sharing DATA_DIR) is kept; if that job was in fact
    abandoned, its retry clears the folder, or the next start-up does."""
    root = work_root(settings)
    if not root.is_dir():
        return []
    removed = []
    for path in sorted(root.iterdir()):
        job = store.get(path.name)
        if job is None or job.status is not JobStatus.PROCESSING:
            if path.is_dir():
                shutil.rmtree(path, ignore_errors=True)
            else:
                path.unlink(missing_ok=True)
            removed.append(path.name)
    return removed


def _narration(ctx: JobContext, claim: Claim, work: Path, clock: StageClock) -> Outcome:
    job = claim.job
    track = narrate(
        job.request.script,
        work / "voice.wav",
        ctx.settings.pipeline_config(),
        options=job.request.options,
        clock=clock,
        work_dir=work,
    )
    with clock.stage(Stage.UPLOAD):
        voice_url = _put(ctx, job, track.path, Artifact.VOICE)
    event = events.voiceover_uploaded(job, voice_url)
    return Outcome(Artifacts(voice_url=voice_url), (event,), track.duration_ms)


def _render(
    ctx: JobContext, claim: Claim, fetched: FetchedInputs, work: Path, clock: StageClock
) -> Outcome:
    job = claim.job
    request = job.request

    def publish_voice(track: VoiceTrack) -> None:
        with clock.stage(Stage.UPLOAD):
            url = _put(ctx, job, track.path, Artifact.VOICE)
            ctx.store.publish_voice(claim, url, events.voiceover_uploaded(job, url))

    result = render(
        render_job(request, fetched, output_dir=work / "out", work_dir=work),
        ctx.settings.pipeline_config(),
        clock=clock,
        on_voice=publish_voice,
    )

    voice_url = ctx.storage.url(artifact_key(Artifact.VOICE, job.id), base_url=request.base_url)
    return _completed(ctx, job, result, clock, voice_url=voice_url)


def _captioned(
    ctx: JobContext, claim: Claim, fetched: FetchedInputs, work: Path, clock: StageClock
) -> Outcome:
    job = claim.job
    assert fetched.video is not None  # a caption job's request always names its video
    result = caption_video(
        CaptionJob(
            fetched.video, work / "out", job.request.options, burn=job.request.burn, work_dir=work
        ),
        ctx.settings.pipeline_config(),
        clock=clock,
    )

    return _completed(ctx, job, result, clock)


def _completed(
    ctx: JobContext,
    job: Job,
    result: RenderResult | CaptionResult,
    clock: StageClock,
    *,
    voice_url: str | None = None,
) -> Outcome:
    """Store a finished job's files, with a cancellation point before each, and say so."""

    def put(path: Path | None, artifact: Artifact) -> str | None:
        if path is None:
            return None
        clock.report(Progress(Stage.UPLOAD, 0.5))  # a cancellation point before each one
        return _put(ctx, job, path, artifact)

    with clock.stage(Stage.UPLOAD):
        artifacts = Artifacts(
            voice_url=voice_url,
            subtitles_url=put(result.subtitles, Artifact.SUBTITLES),
            video_url=put(result.video, Artifact.VIDEO),
            thumbnail_url=put(result.thumbnail, Artifact.THUMBNAIL),
            subtitles_srt_url=put(result.subtitles_srt, Artifact.SUBTITLES_SRT),
            subtitles_vtt_url=put(result.subtitles_vtt, Artifact.SUBTITLES_VTT),
            words_url=put(result.words, Artifact.WORDS),
        )
    event = events.video_completed(job, artifacts, result.warnings)
    return Outcome(artifacts, (event,), result.duration_ms, result.warnings)


def render_job(
    request: JobRequest, fetched: FetchedInputs, *, output_dir: Path, work_dir: Path
) -> RenderJob:
    """The pipeline's job for a stored request whose media are fetched (`fetch_inputs`):
    the one translation of a `JobRequest` into a `RenderJob`, for the worker and the batch."""
    return RenderJob(
        script=request.script,
        output_dir=output_dir,
        base_video=fetched.base_video,
        music=fetched.music,
        voiceover=fetched.voiceover,
        options=request.options,
        work_dir=work_dir,
        scenes=fetched.scenes,
    )


def fetch_inputs(
    settings: Settings,
    storage: Storage,
    request: JobRequest,
    work: Path,
    *,
    local_files: bool,
    transfers: TransferCounters | None = None,
) -> FetchedInputs:
    """The request's media in `work` (a `file://` input, with `local_files`, where it is).

    Raises:
        InputError: an input is unusable, unreachable, too big or too slow (names its field).
    """
    transfers = transfers or TransferCounters()

    def limits(max_mb: int) -> inputs.DownloadLimits:
        return inputs.DownloadLimits(
            max_bytes=max_mb * MB,
            timeout_s=settings.download_timeout_seconds,
            deadline_s=deadline.bounded(settings.download_max_seconds),
            guard=NetGuard(allow_private=settings.allow_private_inputs),
        )

    def get(url: str | None, name: str, field: str, max_mb: int) -> Path | None:
        if url is None:
            return None
        try:
            path = inputs.fetch(
                url,
                work / name,
                limits=limits(max_mb),
                storage=storage,
                field=field,
                local_files=local_files,
            )
        except VideoRenderError:
            transfers.add("download_failures")
            raise
        transfers.add("download_bytes", path.stat().st_size)
        return path

    return FetchedInputs(
        base_video=get(
            request.base_video_url, "base-video", "base_video_url", settings.max_video_mb
        ),
        music=get(request.bgm_url, "music", "bgm_url", settings.max_audio_mb),
        voiceover=get(request.voiceover_url, "voiceover", "voiceover_url", settings.max_audio_mb),
        video=get(request.video_url, "video", "video_url", settings.max_video_mb),
        scenes=tuple(
            Scene(
                scene.text,
                get(scene.media, f"scene-{n:03d}", f"scenes[{n}].media_url", settings.max_video_mb),
                scene.options,
            )
            for n, scene in enumerate(request.scenes)
        ),
    )


def _put(ctx: JobContext, job: Job, path: Path, artifact: Artifact) -> str:
    key = artifact_key(artifact, job.id)
    try:
        ctx.storage.put(path, key)
    except StorageError:
        ctx.transfers.add("upload_failures")
        raise
    ctx.transfers.add("upload_bytes", path.stat().st_size)
    return ctx.storage.url(key, base_url=job.request.base_url)


def remove_artifacts(storage: Storage, job_id: str) -> None:
    """Remove whatever a job may have stored (its keys are known from its id): a cancelled
    job leaves no artifact behind.

    Raises:
        StorageError: one could not be removed (the rest are still tried first).
    """
    failure: StorageError | None = None
    for artifact in Artifact:
        try:
            storage.delete(artifact_key(artifact, job_id))
        except StorageError as exc:
            failure = failure or exc
    if failure is not None:
        raise failure


@contextlib.contextmanager
def _workdir(path: Path) -> Iterator[Path]:
    shutil.rmtree(path, ignore_errors=True)  # what a crashed earlier attempt left behind
    path.mkdir(parents=True)
    try:
        yield path
    finally:
        shutil.rmtree(path, ignore_errors=True)
