"""The voices of `VOICES_DIR`: what the catalogue offers, fetching, adding and removing.

Layout: each voice fetched or added here lives in its own folder, `VOICES_DIR/<name>/`
(`en_US-lessac-medium/en_US-lessac-medium.onnx` + `.onnx.json` + `MODEL_CARD`;
`kokoro-v1.0/voices-v1.0.bin` + `kokoro-v1.0.int8.onnx`). The voice list
(`pipeline/tts/voices.py`) scans the folder on every call, so a fetched voice is usable at
once by name, with no restart.

Nothing half-written is ever loadable: files download into `VOICES_DIR/.partial/<name>/`
(a hidden folder the voice list skips), are checked there (size, digest, then whether the
voice loads), and the whole folder is renamed into place in one step. An interrupted
download leaves its `.part` file there, and the same command resumes it. Files the catalogue
gives no digest for (Kokoro's release, `add URL`) have their SHA-256 recorded at the first
download, in `VOICES_DIR/.hashes.json`, and later downloads of the same URL are checked
against it.
"""

from __future__ import annotations

import difflib
import json
import logging
import os
import shutil
from dataclasses import dataclass, replace
from pathlib import Path
from urllib.parse import unquote, urlsplit

import httpx

from videorender.atomic import atomic_write
from videorender.errors import DiskSpaceError, InputError, VoiceFetchError
from videorender.pipeline.stage_config import TTSConfig
from videorender.pipeline.tts.voices import VoiceInfo, list_voices
from videorender.voice_catalog.catalog import (
    DEFAULT_CATALOG_URL,
    VOICE_NAME,
    CatalogFile,
    CatalogVoice,
    read_catalog,
)
from videorender.voice_catalog.checks import check_loads
from videorender.voice_catalog.download import (
    Fetched,
    FetchProgress,
    ProgressCallback,
    check_file,
    fetch_file,
)

log = logging.getLogger(__name__)

STAGING = ".partial"
HASHES = ".hashes.json"
_ADDABLE = (".onnx", ".onnx.json", ".bin", ".npz", ".npy")


@dataclass(frozen=True)
class LibraryConfig:
    """Where voices live (`tts.voices_dir`, VOICES_DIR), the catalogue's base URL
    (VOICES_CATALOG_URL) and the connect/read timeout of its downloads."""

    tts: TTSConfig
    catalog_url: str = DEFAULT_CATALOG_URL
    timeout_s: float = 30.0

    @property
    def voices_dir(self) -> Path:
        """VOICES_DIR.

        Raises:
            InputError: none is configured."""
        if self.tts.voices_dir is None:
            raise InputError("VOICES_DIR is not set: there is no folder to keep voices in")
        return self.tts.voices_dir


@dataclass(frozen=True)
class Installed:
    """A voice now in `folder`; `recorded`: the files whose SHA-256 was recorded by this
    download because nobody publishes one."""

    name: str
    folder: Path
    files: tuple[Fetched, ...]
    recorded: tuple[str, ...] = ()
    already: bool = False  # it was installed before: nothing was fetched


class VoiceLibrary:
    """Fetch, add and remove voices in VOICES_DIR (module docstring: layout and guarantees).
    Only these explicit calls download anything."""

    def __init__(self, config: LibraryConfig, client: httpx.Client | None = None) -> None:
        self.config = config
        self._client = client or httpx.Client(
            timeout=httpx.Timeout(config.timeout_s), follow_redirects=True
        )
        self._catalog: dict[str, CatalogVoice] | None = None

    def close(self) -> None:
        """Close the HTTP client."""
        self._client.close()

    def __enter__(self) -> VoiceLibrary:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def catalog(self) -> dict[str, CatalogVoice]:
        """Every voice of the catalogue, by name (read once per library).

        Raises:
            VoiceFetchError: the catalogue cannot be reached or read.
        """
        if self._catalog is None:
            self._catalog = read_catalog(self._client, self.config.catalog_url)
        return self._catalog

    def installed(self) -> list[VoiceInfo]:
        """Every voice jobs can use now (bundled, configured and VOICES_DIR's)."""
        return list_voices(self.config.tts)

    def available(self, language: str | None = None) -> list[CatalogVoice]:
        """The catalogue's voices that are not installed, by language then name; with
        `language` (`de`, `en-GB`), only those whose tag starts with it.

        Raises:
            VoiceFetchError: the catalogue cannot be reached or read.
        """
        have = {v.speaker for v in self.installed()} | set(self._folders())
        wanted = (language or "").lower().replace("_", "-")
        voices = [
            v for v in self.catalog().values() if v.key not in have and _matches(v.language, wanted)
        ]
        return sorted(voices, key=lambda v: (v.language, v.key))

    def get(self, name: str, progress: ProgressCallback | None = None) -> Installed:
        """Fetch the catalogue's voice `name` into VOICES_DIR/<name>/, checked, resuming an
        earlier interrupted try.

        Raises:
            InputError: the catalogue has no such voice (the message suggests close names).
            VoiceFetchError: unreachable, cut off (run again to resume), a failed check or a
                voice that does not load; nothing is installed and nothing installed changes.
            DiskSpaceError: not enough free disk in VOICES_DIR.
        """
        voice = self._lookup(name)
        if voice.key in self._folders():
            return Installed(voice.key, self.config.voices_dir / voice.key, (), already=True)
        self._check_space(voice)
        fetched = [self._fetch(voice, f, progress) for f in voice.files]
        return self._install(voice.key, fetched)

    def add(self, source: str, progress: ProgressCallback | None = None) -> Installed:
        """Install a voice the user has: a Piper `.onnx` (with its `.onnx.json` beside it,
        or at URL + `.json`), or a Kokoro voices file (`.bin`, `.npz`) or voice (`.npy`),
        as a path or an http(s) URL. Its name is the file's name without the suffix.

        Raises:
            InputError: not a voice file, or a missing file.
            VoiceFetchError: cannot be downloaded, or does not load.
        """
        if urlsplit(source).scheme in ("http", "https"):
            return self._add_url(source, progress)
        return self._add_path(Path(source).expanduser())

    def remove(self, name: str) -> Path:
        """Remove a voice of VOICES_DIR (its folder, or its files); returns what was removed.

        Raises:
            InputError: no such voice in VOICES_DIR (bundled and configured voices are not
                removable), or a voice that is one of many in a Kokoro voices file.
        """
        root = self.config.voices_dir
        folder = root / name
        if name in self._folders():
            _discard(folder, root)
            return folder
        voice = next((v for v in self.installed() if v.speaker == name), None)
        source = voice.source if voice else None
        if voice is None or source is None or not source.is_relative_to(root):
            raise InputError(f"no voice {name!r} in VOICES_DIR ({root}) to remove", "name")
        if voice.engine == "kokoro" and source.suffix != ".npy":
            raise InputError(
                f"{name!r} is one of the voices of {source.name}: remove that file's voice "
                f"({source.parent.name}) instead",
                "name",
            )
        for path in (source, Path(f"{source}.json")):
            path.unlink(missing_ok=True)
        return source

    # --- steps ---------------------------------------------------------------------------

    def _lookup(self, name: str) -> CatalogVoice:
        catalog = self.catalog()
        if name in catalog:
            return catalog[name]
        close = difflib.get_close_matches(name, list(catalog), n=3)
        hint = f" (did you mean {', '.join(close)}?)" if close else ""
        raise InputError(
            f"the voice catalogue has no voice {name!r}{hint}; `videorender voices list "
            "--available` lists them",
            "name",
        )

    def _fetch(
        self, voice: CatalogVoice, file: CatalogFile, progress: ProgressCallback | None
    ) -> Fetched:
        staging = self._staging(voice.key)
        url = file.url(self.config.catalog_url)
        expected = self._recorded(url, file)
        done = staging / file.name
        if done.exists():  # a file an earlier try fetched and checked
            try:
                return check_file(done, expected)
            except VoiceFetchError:
                log.info("%s changed since it was fetched: fetching it again", done)

        def report(got: int, total: int | None, resumed: int) -> None:
            _tell(progress, FetchProgress(voice.key, file.name, got, total, resumed))

        part = staging / f"{file.name}.part"
        fetched = fetch_file(self._client, url, expected, part, report)
        part.replace(done)
        if not fetched.checked:
            self._record(url, fetched)
        return replace(fetched, path=done)

    def _install(self, name: str, fetched: list[Fetched], downloaded: bool = True) -> Installed:
        """Check that the staged voice loads, then rename its folder into place.
        `downloaded`: its unchecked files had their hash recorded (not for local files)."""
        staging = self._staging(name)
        try:
            check_loads([f.path for f in fetched])
        except VoiceFetchError:
            shutil.rmtree(staging, ignore_errors=True)
            raise
        root = self.config.voices_dir
        target = root / name
        if target.exists():
            _discard(target, root)
        os.replace(staging, target)
        files = tuple(replace(f, path=target / f.path.name) for f in fetched)
        recorded = tuple(f.path.name for f in files if downloaded and not f.checked)
        return Installed(name, target, files, recorded)

    def _add_url(self, url: str, progress: ProgressCallback | None) -> Installed:
        path = unquote(urlsplit(url).path)
        name = _voice_name(path)
        urls = [url, f"{url}.json"] if path.endswith(".onnx") else [url]
        voice = CatalogVoice(name, "und", "", tuple(CatalogFile(u) for u in urls))
        fetched = [self._fetch(voice, f, progress) for f in voice.files]
        return self._install(name, fetched)

    def _add_path(self, path: Path) -> Installed:
        if path.name.endswith(".onnx.json"):
            path = path.with_name(path.name.removesuffix(".json"))
        name = _voice_name(path.name)
        sources = [path, Path(f"{path}.json")] if path.suffix == ".onnx" else [path]
        missing = [str(p) for p in sources if not p.is_file()]
        if missing:
            raise InputError(f"{', '.join(missing)}: no such file", "path")
        staging = self._staging(name)
        fetched = []
        for source in sources:
            copy = staging / source.name
            shutil.copyfile(source, copy)
            fetched.append(check_file(copy, CatalogFile(source.name)))
        return self._install(name, fetched, downloaded=False)

    def _staging(self, name: str) -> Path:
        folder = self.config.voices_dir / STAGING / name
        folder.mkdir(parents=True, exist_ok=True)
        return folder

    def _folders(self) -> list[str]:
        root = self.config.tts.voices_dir
        if root is None or not root.is_dir():
            return []
        return [p.name for p in root.iterdir() if p.is_dir() and not p.name.startswith(".")]

    def _check_space(self, voice: CatalogVoice) -> None:
        root = self.config.voices_dir
        root.mkdir(parents=True, exist_ok=True)
        free = shutil.disk_usage(root).free
        if voice.size > free:
            raise DiskSpaceError(
                "voices",
                f"{voice.key} needs {voice.size // 1_000_000} MB, VOICES_DIR ({root}) has "
                f"{free // 1_000_000} MB free",
            )

    def _hashes(self) -> dict[str, dict[str, object]]:
        try:
            values = json.loads((self.config.voices_dir / HASHES).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return {}
        return values if isinstance(values, dict) else {}

    def _recorded(self, url: str, file: CatalogFile) -> CatalogFile:
        """`file` with the digest recorded at its first download, if it has none."""
        record = self._hashes().get(url)
        if file.md5 or file.sha256 or not isinstance(record, dict):
            return file
        size = record.get("size")
        return replace(
            file,
            size=file.size or (size if isinstance(size, int) else None),
            sha256=str(record.get("sha256")),
        )

    def _record(self, url: str, fetched: Fetched) -> None:
        hashes = self._hashes()
        hashes[url] = {"sha256": fetched.sha256, "size": fetched.size}
        with atomic_write(self.config.voices_dir / HASHES) as temporary:
            temporary.write_text(json.dumps(hashes, indent=2, sort_keys=True), encoding="utf-8")


def _matches(tag: str, wanted: str) -> bool:
    return not wanted or tag.lower() == wanted or tag.lower().startswith(f"{wanted}-")


def _voice_name(path: str) -> str:
    base = path.rstrip("/").rsplit("/", 1)[-1]
    for suffix in _ADDABLE:
        name = base.removesuffix(suffix)
        if base.endswith(suffix) and VOICE_NAME.fullmatch(name):
            return name
    raise InputError(
        f"{base!r} is not a voice file: a Piper .onnx (with its .onnx.json) or a Kokoro "
        ".bin, .npz or .npy, named with letters, digits, _ . -",
        "path",
    )


def _discard(folder: Path, root: Path) -> None:
    """Remove `folder` in one step for its readers: renamed out of sight, then deleted."""
    trash = root / STAGING / f".removed-{folder.name}"
    shutil.rmtree(trash, ignore_errors=True)
    trash.parent.mkdir(parents=True, exist_ok=True)
    os.replace(folder, trash)
    shutil.rmtree(trash, ignore_errors=True)


def _tell(progress: ProgressCallback | None, value: FetchProgress) -> None:
    """Hand `value` to the callback; a failing callback never fails the download."""
    if progress is None:
        return
    try:
        progress(value)
    except Exception:  # a display's fault must not stop the download
        log.exception("voice download progress callback failed")
