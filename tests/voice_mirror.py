"""A voice catalogue mirror for tests: a real HTTP server on 127.0.0.1 serving a folder laid
out like Piper's voices repository (`voices.json`, files under their catalogue paths), with
the bundled voice's files under other names and the bundled Kokoro voices as Kokoro's
release.

It answers Range requests (206 with Content-Range) as Hugging Face does, records every
request, can cut a file's next download after some bytes (announcing the whole length, then
closing the connection), and can stall: accept a request and never answer.
"""

from __future__ import annotations

import hashlib
import json
import re
import shutil
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from videorender.pipeline.tts.kokoro_files import bundled_voices
from videorender.pipeline.tts.piper import bundled_voice

TESTA = "en_GB-testa-medium"  # speaks slower than the bundled voice: length_scale 1.5
TESTA_MODEL = f"en/en_GB/testa/medium/{TESTA}.onnx"
_RANGE = re.compile(r"bytes=(\d+)-$")


@dataclass
class Request:
    path: str
    range: str | None
    sent: int = 0  # body bytes written


@dataclass
class MirrorState:
    root: Path
    requests: list[Request] = field(default_factory=list)
    cut_after: dict[str, int] = field(default_factory=dict)  # path -> bytes, next GET only
    # path -> bytes, next GET only: then silence until the mirror stops
    stall_after: dict[str, int] = field(default_factory=dict)
    released: threading.Event = field(default_factory=threading.Event)
    stall: threading.Event | None = None  # set: every request hangs until it is cleared


class _Handler(BaseHTTPRequestHandler):
    server: _Server

    def log_message(self, format: str, *args: object) -> None:
        pass

    def do_GET(self) -> None:
        state = self.server.state
        path = self.path.split("?", 1)[0].lstrip("/")
        request = Request(path, self.headers.get("Range"))
        state.requests.append(request)
        if state.stall is not None:
            state.stall.wait()
            return
        file = state.root / path
        if not file.is_file():
            self.send_error(404)
            return
        stall = state.stall_after.pop(path, None)
        self._send(file, request, state.cut_after.pop(path, stall))
        if stall is not None:
            state.released.wait()

    def _send(self, file: Path, request: Request, cut: int | None) -> None:
        size = file.stat().st_size
        match = _RANGE.match(request.range or "")
        start = int(match.group(1)) if match else 0
        if start >= size and match:
            self.send_response(416)
            self.send_header("Content-Range", f"bytes */{size}")
            self.end_headers()
            return
        self.send_response(206 if match else 200)
        if match:
            self.send_header("Content-Range", f"bytes {start}-{size - 1}/{size}")
        self.send_header("Content-Length", str(size - start))
        self.send_header("Accept-Ranges", "bytes")
        self.end_headers()
        stop = size if cut is None else min(size, start + cut)
        with file.open("rb") as source:
            source.seek(start)
            while (left := stop - start - request.sent) > 0:
                chunk = source.read(min(left, 256 * 1024))
                self.wfile.write(chunk)
                request.sent += len(chunk)
        self.wfile.flush()
        if cut is not None:
            self.close_connection = True


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, state: MirrorState) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.state = state


class VoiceMirror:
    """The server; `url` is the catalogue's base (VOICES_CATALOG_URL)."""

    def __init__(self, root: Path) -> None:
        self.state = MirrorState(root)
        self._server = _Server(self.state)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}/"

    def start(self) -> VoiceMirror:
        self._thread.start()
        return self

    def stop(self) -> None:
        self.state.released.set()
        if self.state.stall is not None:
            self.state.stall.set()
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=10)


@dataclass(frozen=True)
class MirrorVoice:
    key: str
    language: dict[str, str]
    espeak: str
    quality: str = "medium"
    length_scale: float = 1.0
    md5_override: str | None = None  # a wrong digest in voices.json
    garbage_model: bool = False  # a model ONNX Runtime cannot open (with correct digests)
    claimed_size: int | None = None  # the model's size_bytes in voices.json, if not its own


MIRROR_VOICES = (
    MirrorVoice(
        TESTA,
        {"code": "en_GB", "family": "en", "region": "GB", "name_english": "English",
         "country_english": "Great Britain"},
        "en",
        length_scale=1.5,
    ),
    MirrorVoice(
        "de_DE-testb-low",
        {"code": "de_DE", "family": "de", "region": "DE", "name_english": "German",
         "country_english": "Germany"},
        "de",
        quality="low",
    ),
    MirrorVoice(
        "en_US-joe-medium",
        {"code": "en_US", "family": "en", "region": "US", "name_english": "English",
         "country_english": "United States"},
        "en-us",
    ),
    MirrorVoice(
        "en_US-badsum-medium",
        {"code": "en_US", "family": "en", "region": "US", "name_english": "English",
         "country_english": "United States"},
        "en-us",
        md5_override="0" * 32,
    ),
    MirrorVoice(
        "en_US-broken-medium",
        {"code": "en_US", "family": "en", "region": "US", "name_english": "English",
         "country_english": "United States"},
        "en-us",
        garbage_model=True,
    ),
    MirrorVoice(
        "en_US-huge-high",
        {"code": "en_US", "family": "en", "region": "US", "name_english": "English",
         "country_english": "United States"},
        "en-us",
        quality="high",
        claimed_size=10**18,  # more than any disk
    ),
)  # fmt: skip
KOKORO_VOICES_PATH = "kokoro/model-files-v1.0/voices-v1.0.bin"


def build_mirror(root: Path) -> Path:
    """Lay out the mirror in `root`: MIRROR_VOICES (the bundled Piper model under other
    names, linked not copied) and `kokoro-v1.0` (the bundled Kokoro voices, no digests)."""
    model, config = bundled_voice()
    values = json.loads(config.read_text(encoding="utf-8"))
    catalog: dict[str, object] = {}
    model_md5 = _md5(model)
    for voice in MIRROR_VOICES:
        lang = voice.language
        folder = f"{lang['family']}/{lang['code']}/{voice.key.split('-')[1]}/{voice.quality}"
        (root / folder).mkdir(parents=True, exist_ok=True)
        onnx = root / folder / f"{voice.key}.onnx"
        if voice.garbage_model:
            onnx.write_bytes(b"not an onnx model" * 1000)
        else:
            onnx.symlink_to(model)
        voice_config = {
            **values,
            "language": lang,
            "espeak": {"voice": voice.espeak},
            "inference": {**values["inference"], "length_scale": voice.length_scale},
        }
        (root / folder / f"{voice.key}.onnx.json").write_text(json.dumps(voice_config), "utf-8")
        (root / folder / "MODEL_CARD").write_text(f"# {voice.key}\n", "utf-8")
        files = {}
        for name in (f"{voice.key}.onnx", f"{voice.key}.onnx.json", "MODEL_CARD"):
            path = root / folder / name
            digest = model_md5 if path == onnx and not voice.garbage_model else _md5(path)
            if path == onnx and voice.md5_override:
                digest = voice.md5_override
            size = (
                voice.claimed_size if path == onnx and voice.claimed_size else path.stat().st_size
            )
            files[f"{folder}/{name}"] = {"size_bytes": size, "md5_digest": digest}
        catalog[voice.key] = {
            "key": voice.key, "name": voice.key.split("-")[1], "language": lang,
            "quality": voice.quality, "num_speakers": 1, "speaker_id_map": {},
            "files": files, "aliases": [],
        }  # fmt: skip
    kokoro = root / KOKORO_VOICES_PATH
    kokoro.parent.mkdir(parents=True)
    shutil.copyfile(bundled_voices(), kokoro)
    catalog["kokoro-v1.0"] = {
        "engine": "kokoro",
        "language": {"code": "ja", "family": "ja", "name_english": "Japanese"},
        "quality": "v1.0",
        "num_speakers": 5,
        "files": {KOKORO_VOICES_PATH: {}},
    }
    (root / "voices.json").write_text(json.dumps(catalog, indent=1), "utf-8")
    return root


def _md5(path: Path) -> str:
    return hashlib.md5(path.read_bytes(), usedforsecurity=False).hexdigest()
