"""The voice library against a real catalogue mirror on 127.0.0.1 (tests/voice_mirror.py):
listing, fetching with checks, resuming, refusing, adding and removing."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.voice_mirror import KOKORO_VOICES_PATH, TESTA, TESTA_MODEL, VoiceMirror
from videorender.errors import DiskSpaceError, InputError, VoiceFetchError
from videorender.pipeline.stage_config import TTSConfig
from videorender.pipeline.tts import choose_job_voice, create_engine, list_voices
from videorender.pipeline.tts.piper import bundled_voice
from videorender.voice_catalog import FetchProgress, LibraryConfig, VoiceLibrary
from videorender.voice_catalog.library import HASHES, STAGING


@pytest.fixture
def config(tmp_path: Path, mirror: VoiceMirror) -> LibraryConfig:
    tts = TTSConfig(voices_dir=tmp_path / "voices", cache_dir=tmp_path / "tts-cache")
    return LibraryConfig(tts=tts, catalog_url=mirror.url, timeout_s=5.0)


@pytest.fixture
def library(config: LibraryConfig) -> Iterator[VoiceLibrary]:
    with VoiceLibrary(config) as lib:
        yield lib


def _speakers(config: LibraryConfig) -> set[str]:
    return {v.speaker for v in list_voices(config.tts)}


def test_available_lists_the_mirrors_voices_that_are_not_installed(library: VoiceLibrary) -> None:
    available = {v.key: v for v in library.available()}
    assert set(available) == {
        "de_DE-testb-low",
        TESTA,
        "en_US-badsum-medium",
        "en_US-broken-medium",
        "en_US-huge-high",
        "kokoro-v1.0",
    }  # the bundled en_US-joe-medium is installed
    testa = available[TESTA]
    model_size = bundled_voice()[0].stat().st_size
    assert testa.language == "en-GB" and testa.quality == "medium"
    assert model_size < testa.size < model_size + 20_000
    assert testa.label == "Testa (medium)"
    assert testa.language_name == "English (Great Britain)"
    assert [v.key for v in library.available("de")] == ["de_DE-testb-low"]
    assert [v.key for v in library.available("en-GB")] == [TESTA]


def test_get_installs_a_voice_usable_at_once_by_name(
    library: VoiceLibrary, config: LibraryConfig
) -> None:
    seen: list[FetchProgress] = []
    installed = library.get(TESTA, seen.append)
    folder = config.voices_dir / TESTA
    assert installed.folder == folder and installed.recorded == ()
    assert sorted(p.name for p in folder.iterdir()) == [
        "MODEL_CARD",
        f"{TESTA}.onnx",
        f"{TESTA}.onnx.json",
    ]
    model = [p for p in seen if p.file == f"{TESTA}.onnx"]
    assert [p.done for p in model] == sorted(p.done for p in model)
    assert model[-1].done == model[-1].total == bundled_voice()[0].stat().st_size
    assert not list((config.voices_dir / STAGING).rglob("*.part"))

    choice = choose_job_voice(config.tts, speaker=TESTA)
    assert choice.engine == "piper" and choice.language.tag == "en-GB"
    speech = create_engine(config.tts, speaker=TESTA).speak("Hello from the mirror.")
    assert len(speech.samples) > 22050 // 2
    assert TESTA not in {v.key for v in library.available()}
    assert library.get(TESTA).already


def test_a_fetched_voice_speaks_its_own_language_by_default(
    library: VoiceLibrary, config: LibraryConfig
) -> None:
    library.get("de_DE-testb-low")
    assert choose_job_voice(config.tts, speaker="de_DE-testb-low").language.tag == "de-DE"


def test_a_wrong_md5_is_refused_and_leaves_nothing(
    library: VoiceLibrary, config: LibraryConfig
) -> None:
    before = _speakers(config)
    with pytest.raises(VoiceFetchError, match=r"en_US-badsum-medium\.onnx has MD5 \w+, the"):
        library.get("en_US-badsum-medium")
    assert not (config.voices_dir / "en_US-badsum-medium").exists()
    staged = config.voices_dir / STAGING / "en_US-badsum-medium"
    assert not any(p.name.endswith(".onnx") or p.suffix == ".part" for p in staged.rglob("*"))
    assert _speakers(config) == before


def test_a_voice_that_does_not_load_is_not_installed(
    library: VoiceLibrary, config: LibraryConfig
) -> None:
    with pytest.raises(VoiceFetchError, match=r"en_US-broken-medium\.onnx does not load"):
        library.get("en_US-broken-medium")
    assert not (config.voices_dir / "en_US-broken-medium").exists()
    assert not (config.voices_dir / STAGING / "en_US-broken-medium").exists()


def test_a_download_cut_in_the_middle_resumes(
    library: VoiceLibrary, config: LibraryConfig, mirror: VoiceMirror
) -> None:
    mirror.state.cut_after[TESTA_MODEL] = 10_000_000
    with pytest.raises(VoiceFetchError, match=rf"{TESTA}\.onnx: the download was cut after"):
        library.get(TESTA)
    part = config.voices_dir / STAGING / TESTA / f"{TESTA}.onnx.part"
    kept = part.stat().st_size
    assert 0 < kept <= 10_000_000
    assert TESTA not in _speakers(config)

    library.get(TESTA)
    model = [r for r in mirror.state.requests if r.path == TESTA_MODEL]
    assert [r.range for r in model] == [None, f"bytes={kept}-"]
    size = bundled_voice()[0].stat().st_size
    assert model[1].sent == size - kept
    assert (config.voices_dir / TESTA / f"{TESTA}.onnx").stat().st_size == size
    assert TESTA in _speakers(config)


def test_a_voice_larger_than_the_free_disk_is_refused_before_downloading(
    library: VoiceLibrary, config: LibraryConfig, mirror: VoiceMirror
) -> None:
    with pytest.raises(DiskSpaceError, match=r"en_US-huge-high needs \d+ MB, VOICES_DIR .* free"):
        library.get("en_US-huge-high")
    assert [r.path for r in mirror.state.requests] == ["voices.json"]
    assert "en_US-huge-high" not in _speakers(config)


def test_a_download_that_stalls_times_out_and_resumes(
    config: LibraryConfig, mirror: VoiceMirror
) -> None:
    mirror.state.stall_after[TESTA_MODEL] = 5_000_000
    quick = LibraryConfig(config.tts, config.catalog_url, timeout_s=0.5)
    with VoiceLibrary(quick) as library:
        with pytest.raises(VoiceFetchError, match=r"stopped answering after \d+ bytes"):
            library.get(TESTA)
        part = config.voices_dir / STAGING / TESTA / f"{TESTA}.onnx.part"
        assert 0 < part.stat().st_size <= 5_000_000
        library.get(TESTA)
    ranges = [r.range for r in mirror.state.requests if r.path == TESTA_MODEL]
    assert ranges[0] is None and ranges[1] is not None and ranges[1].startswith("bytes=")
    assert TESTA in _speakers(config)


def test_an_unknown_name_suggests_close_ones(library: VoiceLibrary) -> None:
    with pytest.raises(InputError, match=r"no voice 'en_GB-testa-mediun' \(did you mean "):
        library.get("en_GB-testa-mediun")


def test_a_catalogue_that_does_not_answer_times_out(
    config: LibraryConfig, mirror: VoiceMirror
) -> None:
    mirror.state.stall = threading.Event()
    slow = LibraryConfig(config.tts, config.catalog_url, timeout_s=0.3)
    with VoiceLibrary(slow) as library, pytest.raises(VoiceFetchError, match="did not answer"):
        library.available()


def test_a_catalogue_that_cannot_be_reached_is_one_error(config: LibraryConfig) -> None:
    closed = LibraryConfig(config.tts, "http://127.0.0.1:9/", timeout_s=2.0)
    with VoiceLibrary(closed) as library, pytest.raises(VoiceFetchError, match="cannot be reached"):
        library.available()


def test_kokoro_files_without_digests_are_recorded_then_checked(
    library: VoiceLibrary, config: LibraryConfig, mirror_root: Path
) -> None:
    installed = library.get("kokoro-v1.0")
    assert installed.recorded == ("voices-v1.0.bin",)
    assert {"jf_alpha", "jm_kumo"} <= {
        v.speaker for v in list_voices(config.tts) if v.source == installed.files[0].path
    }
    assert "voices-v1.0.bin" in (config.voices_dir / HASHES).read_text()
    library.remove("kokoro-v1.0")

    original = (mirror_root / KOKORO_VOICES_PATH).read_bytes()
    try:
        (mirror_root / KOKORO_VOICES_PATH).write_bytes(original[:-1] + b"x")
        with pytest.raises(VoiceFetchError, match=r"voices-v1\.0\.bin has SHA-256"):
            library.get("kokoro-v1.0")
    finally:
        (mirror_root / KOKORO_VOICES_PATH).write_bytes(original)
    assert not (config.voices_dir / "kokoro-v1.0").exists()


def test_remove_takes_a_voice_out_and_leaves_bundled_ones(
    library: VoiceLibrary, config: LibraryConfig
) -> None:
    library.get("de_DE-testb-low")
    assert library.remove("de_DE-testb-low") == config.voices_dir / "de_DE-testb-low"
    assert "de_DE-testb-low" not in _speakers(config)
    with pytest.raises(InputError, match="no voice 'en_US-joe-medium' in VOICES_DIR"):
        library.remove("en_US-joe-medium")

    model, config_file = bundled_voice()  # a voice put there by hand, any layout
    by_hand = config.voices_dir / "mine" / "en_US-mine-low.onnx"
    by_hand.parent.mkdir()
    by_hand.symlink_to(model)
    Path(f"{by_hand}.json").symlink_to(config_file)
    assert "en_US-mine-low" in _speakers(config)
    assert library.remove("en_US-mine-low") == by_hand
    assert not by_hand.exists() and model.exists()
    assert "en_US-mine-low" not in _speakers(config)


def test_add_a_local_pair_and_a_url(
    library: VoiceLibrary, config: LibraryConfig, mirror: VoiceMirror, mirror_root: Path
) -> None:
    model = mirror_root / "de/de_DE/testb/low/de_DE-testb-low.onnx"
    added = library.add(str(model))
    assert added.name == "de_DE-testb-low" and added.recorded == ()
    assert choose_job_voice(config.tts, speaker="de_DE-testb-low").language.tag == "de-DE"

    added = library.add(f"{mirror.url}{TESTA_MODEL}")
    assert added.recorded == (f"{TESTA}.onnx", f"{TESTA}.onnx.json")
    assert TESTA in _speakers(config)
    with pytest.raises(InputError, match="is not a voice file"):
        library.add(str(mirror_root / "voices.json"))


def test_a_kokoro_model_beside_its_voices_file_speaks_its_voices(
    library: VoiceLibrary, config: LibraryConfig
) -> None:
    installed = library.get("kokoro-v1.0")
    model = installed.folder / "kokoro-v1.0.int8.onnx"
    model.write_bytes(b"stands in for the official model: only chosen here, not loaded")
    choice = choose_job_voice(config.tts, speaker="jm_kumo")
    assert choice.engine == "kokoro" and choice.model == model
    assert choice.kokoro_voices == installed.folder / "voices-v1.0.bin"
    assert choice.language.tag == "ja"
