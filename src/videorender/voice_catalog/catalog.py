"""A Piper-style voice catalogue: `voices.json` at the root of a voices repository.

Piper's catalogue (https://huggingface.co/rhasspy/piper-voices) maps each voice key
(`en_US-lessac-medium`) to its `language` (`code`, `family`, `region`, `name_english`,
`country_english`), `quality`, `num_speakers` and `files`: paths under the repository's root
(`en/en_US/lessac/medium/en_US-lessac-medium.onnx`, its `.onnx.json`, `MODEL_CARD`), each with
`size_bytes` and `md5_digest`. A company mirror or an air-gapped file server laid out the
same way works the same: `VOICES_CATALOG_URL` is the base every path is joined to.

Two additions a mirror may use (Piper's own catalogue has neither): an entry's `engine`
(`kokoro`; default `piper`) and a file's `sha256_digest`. Kokoro's official English v1.0
files are known here as `kokoro-v1.0` (`KOKORO_V1`); a catalogue entry of that name wins.
"""

from __future__ import annotations

import json
import logging
import re
from dataclasses import dataclass
from urllib.parse import urljoin

import httpx

from videorender.errors import InputError, VoiceFetchError
from videorender.pipeline.text.languages import get_language

log = logging.getLogger(__name__)

DEFAULT_CATALOG_URL = "https://huggingface.co/rhasspy/piper-voices/resolve/main/"
CATALOG_FILE = "voices.json"
# A voice's name is a folder name in VOICES_DIR: no separators, no leading dot.
VOICE_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,127}")
KOKORO_RELEASE = "https://github.com/thewh1teagle/kokoro-onnx/releases/download/model-files-v1.0/"


@dataclass(frozen=True)
class CatalogFile:
    """One file of a voice: `path` under the catalogue's base (or an absolute URL), its size
    and digests where the catalogue gives them (None: recorded at the first download)."""

    path: str
    size: int | None = None
    md5: str | None = None
    sha256: str | None = None

    @property
    def name(self) -> str:
        """The file's name, as installed."""
        return self.path.rstrip("/").rsplit("/", 1)[-1]

    def url(self, base: str) -> str:
        """Where to fetch it from, `base` being the catalogue's root."""
        return urljoin(base if base.endswith("/") else f"{base}/", self.path)


@dataclass(frozen=True)
class CatalogVoice:
    """One voice (or, for Kokoro, one voices file with its model) of the catalogue."""

    key: str
    language: str  # BCP 47, e.g. "en-US"
    language_name: str  # "English (United States)"
    files: tuple[CatalogFile, ...]
    engine: str = "piper"
    quality: str = ""
    num_speakers: int = 1

    @property
    def size(self) -> int:
        """Bytes to download (the files whose size is known)."""
        return sum(f.size or 0 for f in self.files)

    @property
    def label(self) -> str:
        """A readable name: "Lessac (medium)"."""
        return voice_label(self.key, self.quality)


def voice_label(key: str, detail: str = "") -> str:
    """A voice's readable name from its key (Piper's `en_US-lessac-medium` -> "Lessac"), with
    a detail (its quality) in brackets."""
    parts = key.split("-")
    name = parts[1].replace("_", " ").title() if len(parts) == 3 else key  # LANG-NAME-QUALITY
    return f"{name} ({detail})" if detail else name


KOKORO_V1 = CatalogVoice(
    key="kokoro-v1.0",
    engine="kokoro",
    language="en-US",
    language_name="English and 8 other languages, 54 voices",
    quality="v1.0 int8",
    num_speakers=54,
    # kokoro-onnx publishes no digests: the first download records its SHA-256.
    files=(
        CatalogFile(f"{KOKORO_RELEASE}voices-v1.0.bin"),
        CatalogFile(f"{KOKORO_RELEASE}kokoro-v1.0.int8.onnx"),
    ),
)
BUILT_IN = {KOKORO_V1.key: KOKORO_V1}


def parse_catalog(document: object) -> dict[str, CatalogVoice]:
    """The voices of a `voices.json` document, by key. An entry that cannot be read is left
    out and logged, never an error.

    Raises:
        VoiceFetchError: the document is not a catalogue (not a JSON object).
    """
    if not isinstance(document, dict):
        raise VoiceFetchError(f"{CATALOG_FILE} is not a voice catalogue (not a JSON object)")
    voices: dict[str, CatalogVoice] = {}
    for key, entry in document.items():
        try:
            voices[str(key)] = _voice(str(key), entry)
        except (KeyError, TypeError, ValueError, AttributeError, InputError) as exc:
            log.warning("catalogue entry %r left out: %s", key, exc)
    return voices


def _object(value: object, what: str) -> dict[str, object]:
    if not isinstance(value, dict):
        raise TypeError(f"{what} is not a JSON object")
    return value


def _voice(key: str, entry: object) -> CatalogVoice:
    if not VOICE_NAME.fullmatch(key):
        raise ValueError("not a voice name (letters, digits, _ . - only)")
    entry = _object(entry, "the entry")
    language = _object(entry.get("language") or {}, "language")
    code = str(language.get("code") or key.split("-", maxsplit=1)[0])
    tag = get_language(code).tag
    english = str(language.get("name_english") or get_language(code).name)
    country = language.get("country_english")
    files = _object(entry["files"], "files")
    return CatalogVoice(
        key=key,
        language=tag,
        language_name=f"{english} ({country})" if country else english,
        files=tuple(_file(path, _object(facts, path)) for path, facts in files.items()),
        engine=str(entry.get("engine") or "piper"),
        quality=str(entry.get("quality") or ""),
        num_speakers=int(str(entry.get("num_speakers") or 1)),
    )


def _file(path: str, facts: dict[str, object]) -> CatalogFile:
    size = facts.get("size_bytes")
    md5 = facts.get("md5_digest")
    sha256 = facts.get("sha256_digest")
    return CatalogFile(
        path=path,
        size=int(str(size)) if size is not None else None,
        md5=str(md5).lower() if md5 else None,
        sha256=str(sha256).lower() if sha256 else None,
    )


def read_catalog(client: httpx.Client, base_url: str) -> dict[str, CatalogVoice]:
    """The catalogue at `base_url` (its `voices.json`), with the built-in entries it lacks.

    Raises:
        VoiceFetchError: it cannot be reached within the client's timeout, or is no catalogue.
    """
    url = CatalogFile(CATALOG_FILE).url(base_url)
    try:
        response = client.get(url)
        response.raise_for_status()
        document = json.loads(response.content)
    except httpx.TimeoutException as exc:
        raise VoiceFetchError(f"the voice catalogue {url} did not answer in time") from exc
    except httpx.HTTPError as exc:
        raise VoiceFetchError(f"the voice catalogue {url} cannot be reached: {exc}") from exc
    except ValueError as exc:
        raise VoiceFetchError(f"the voice catalogue {url} is not valid JSON: {exc}") from exc
    return {**BUILT_IN, **parse_catalog(document)}
