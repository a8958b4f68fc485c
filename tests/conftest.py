"""Shared fixtures: tiny real media generated with FFmpeg once per session, and settings that
keep every test's caches and data in its own temporary folders."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from tests.pgcluster import PostgresCluster, find_bindir
from tests.voice_mirror import VoiceMirror, build_mirror
from videorender.config import Settings, load_settings
from videorender.pipeline.stage_config import TranscribeConfig

if TYPE_CHECKING:
    from tests.recordings import Recording


@dataclass(frozen=True)
class Media:
    """Generated inputs: small frames keep the suite fast; the code paths are the real ones."""

    base_short: Path  # 2 s, 320x180, 25 fps, with an audio track: shorter than any narration
    base_long: Path  # 30 s, 320x180, 30 fps, no audio: longer than the test narrations
    base_portrait: Path  # 3 s, 180x320
    music: Path  # 4 s stereo MP3 tone, looped under longer narrations
    audio_only: Path  # an M4A with no video stream
    silent_video: Path  # a video with no audio stream (as "music": refused)
    not_media: Path  # text with a .mp4 name
    truncated: Path  # the first 3 KB of a real MP4
    empty: Path  # zero bytes


def _ffmpeg(*args: str) -> None:
    subprocess.run(["ffmpeg", "-v", "error", "-y", *args], check=True, timeout=120)


@pytest.fixture(scope="session")
def media(tmp_path_factory: pytest.TempPathFactory) -> Media:
    root = tmp_path_factory.mktemp("media")
    m = Media(
        base_short=root / "base_short.mp4",
        base_long=root / "base_long.mp4",
        base_portrait=root / "base_portrait.mp4",
        music=root / "music.mp3",
        audio_only=root / "audio_only.m4a",
        silent_video=root / "silent_video.mp4",
        not_media=root / "not_media.mp4",
        truncated=root / "truncated.mp4",
        empty=root / "empty.mp4",
    )
    _ffmpeg(
        "-f", "lavfi", "-i", "testsrc2=s=320x180:r=25:d=2",
        "-f", "lavfi", "-i", "sine=f=330:d=2",
        "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p", "-c:a", "aac",
        str(m.base_short),
    )  # fmt: skip
    _ffmpeg(
        "-f", "lavfi", "-i", "testsrc2=s=320x180:r=30:d=30",
        "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p", str(m.base_long),
    )  # fmt: skip
    _ffmpeg(
        "-f", "lavfi", "-i", "testsrc2=s=180x320:r=30:d=3",
        "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p", str(m.base_portrait),
    )  # fmt: skip
    _ffmpeg(
        "-f", "lavfi", "-i", "sine=f=220:d=4", "-f", "lavfi", "-i", "sine=f=277:d=4",
        "-filter_complex", "[0][1]amerge=inputs=2", "-c:a", "libmp3lame", str(m.music),
    )  # fmt: skip
    _ffmpeg("-f", "lavfi", "-i", "sine=f=440:d=3", "-c:a", "aac", str(m.audio_only))
    _ffmpeg(
        "-f", "lavfi", "-i", "testsrc2=s=160x90:r=10:d=2", "-c:v", "libx264",
        "-preset", "ultrafast", "-pix_fmt", "yuv420p", str(m.silent_video),
    )  # fmt: skip
    m.not_media.write_text("this is not a video\n" * 50)
    m.truncated.write_bytes(m.base_long.read_bytes()[:3000])
    m.empty.write_bytes(b"")
    return m


@pytest.fixture(scope="session")
def whisper_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Where Whisper base is rebuilt for this session (once, on first use), instead of the
    user's ~/.cache."""
    return tmp_path_factory.mktemp("whisper")


@pytest.fixture(scope="session")
def whisper_config(whisper_cache: Path) -> TranscribeConfig:
    return TranscribeConfig(cache_dir=whisper_cache, threads=2)


@pytest.fixture(scope="session")
def talking_video(tmp_path_factory: pytest.TempPathFactory) -> Recording:
    """A short talking video (MP4: a test picture, four sentences in two voices over room
    tone) with its true sentence starts, for the faces' captioning tests."""
    from tests.corpus import SHORT_TALKING, talking_video  # noqa: PLC0415 (Piper: only if used)

    root = tmp_path_factory.mktemp("talking")
    return talking_video(SHORT_TALKING.make(root, root / "models"), ".mp4")


@pytest.fixture(scope="session")
def speechless_video(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A video whose sound is music only: nothing to caption."""
    from tests.corpus import music_alone  # noqa: PLC0415 (Piper: only if used)

    root = tmp_path_factory.mktemp("speechless")
    music = music_alone(root / "music.wav", seconds=8)
    video = root / "music.mp4"
    _ffmpeg("-f", "lavfi", "-i", "testsrc2=size=320x180:rate=10", "-i", str(music),
            "-map", "0:v", "-map", "1:a", "-shortest", "-c:v", "libx264", "-preset",
            "ultrafast", "-pix_fmt", "yuv420p", "-c:a", "aac", str(video))  # fmt: skip
    return video


@pytest.fixture
def settings(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, whisper_cache: Path
) -> Iterator[Settings]:
    """Default settings, isolated: own TTS cache, data, voices and Whisper dirs, no .env from
    the checkout."""
    monkeypatch.chdir(tmp_path)
    yield load_settings(
        tts_cache_dir=tmp_path / "tts-cache",
        data_dir=tmp_path / "data",
        voices_dir=tmp_path / "voices",
        video_preset="ultrafast",
        whisper_cache_dir=whisper_cache,
    )


@pytest.fixture(scope="session")
def kokoro_model_dir(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """Where the bundled Kokoro model is reassembled for this session (`KOKORO_JA_CACHE`),
    instead of the user's ~/.cache."""
    root = tmp_path_factory.mktemp("kokoro-model")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("KOKORO_JA_CACHE", str(root))
        yield root


@pytest.fixture(scope="session")
def postgres() -> Iterator[PostgresCluster]:
    """A real PostgreSQL cluster for the session (see tests/pgcluster.py). Without the
    binaries the tests that need it are skipped, except where VIDEORENDER_REQUIRE_POSTGRES is
    set (`make test`, CI): there a missing PostgreSQL fails them."""
    bindir = find_bindir()
    if bindir is None:
        reason = "PostgreSQL is not installed (apt-get install postgresql; `make setup` does)"
        if os.environ.get("VIDEORENDER_REQUIRE_POSTGRES"):
            pytest.fail(reason)
        pytest.skip(reason)
    cluster = PostgresCluster(bindir).start()
    yield cluster
    cluster.stop()


@pytest.fixture
def pg_url(postgres: PostgresCluster) -> str:
    """The URL of a fresh, empty database in the session's cluster."""
    return postgres.create_database()


@pytest.fixture(scope="session")
def mirror_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A voice catalogue laid out like Piper's (tests/voice_mirror.py), built once."""
    return build_mirror(tmp_path_factory.mktemp("mirror"))


@pytest.fixture
def mirror(mirror_root: Path) -> Iterator[VoiceMirror]:
    """The catalogue served on 127.0.0.1, fresh (no recorded requests) for each test."""
    server = VoiceMirror(mirror_root).start()
    yield server
    server.stop()
