"""Every shell and Python block of README.md and docs/*.md is run as printed by the test
suite (mktestdocs), or says in its info string why it is not (`bash (not run: needs
systemd)`), which mktestdocs honours: it runs only the blocks whose info string is exactly
the language it is asked for.

- `bash` blocks run in a fresh folder holding `examples/`, with the installed `videorender`
  on PATH and their own DATA_DIR and speech cache; a render they make must be there after.
- `console` blocks are sessions against a real service (`transcript.py`), started with the
  settings the doc states beside the block (`` `VAR=value videorender serve --port N` ``;
  none stated: a default service), on a free port that stands for the doc's; one service
  per set of settings is shared by the blocks that state it. The doc's base video at
  127.0.0.1:8766 is served by a file server of ours.
- `python` blocks run in a fresh module namespace.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from mktestdocs import check_md_file, register_executor

from tests.decode import streams
from tests.docs.markdown import DOCS, REPO, blocks, doc_id
from tests.docs.transcript import Session, parse
from tests.service.servers import FileServer, Service

RUN = ("bash", "console", "python")
NOT_RUN = re.compile(r"(bash|console|python) \(not run: [^)]+.*\)")
SHELL_OR_PYTHON = {"bash", "sh", "shell", "zsh", "console", "shell-session", "python", "py"}
# What a block's doc calls its base video's server (docs/api.md).
DOC_FILE_SERVER = "http://127.0.0.1:8766"
STATED = re.compile(r"`((?:[A-Z][A-Z0-9_]*=\S+ )*)videorender serve([^`]*)`")
ServiceFor = Callable[[str], Service]


def _infos(text: str) -> list[str]:
    infos, inside = [], False
    for line in text.splitlines():
        if line.startswith("```"):
            if not inside:
                infos.append(line[3:].strip())
            inside = not inside
    return infos


@pytest.mark.parametrize("path", DOCS, ids=doc_id)
def test_every_block_is_run_or_says_why_not(path: Path) -> None:
    for info in _infos(path.read_text(encoding="utf-8")):
        assert info, f"{doc_id(path)}: a block without a language (`text` for a listing)"
        if info.split()[0] in SHELL_OR_PYTHON:
            assert info in RUN or NOT_RUN.fullmatch(info), f"{doc_id(path)}: {info}"


def _with(lang: str) -> list[Path]:
    return [path for path in DOCS if blocks(path, lang)]


@pytest.fixture(scope="module")
def speech_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("docs-tts-cache")


@pytest.mark.timeout(900)
@pytest.mark.parametrize("path", _with("bash"), ids=doc_id)
def test_bash_blocks_run_as_printed(
    path: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    speech_cache: Path,
    kokoro_model_dir: Path,
) -> None:
    (tmp_path / "examples").symlink_to(REPO / "examples")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("PATH", f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}")
    monkeypatch.setenv("TTS_CACHE_DIR", str(speech_cache))
    monkeypatch.setenv("DATA_DIR", str(tmp_path / "data"))
    check_md_file(path, lang="bash")
    for block in blocks(path, "bash"):
        for folder in re.findall(r"videorender render .*?-o (\S+)", block.replace("\\\n", " ")):
            assert "video" in streams(tmp_path / folder / "final.mp4")


def test_python_blocks_run_as_printed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, speech_cache: Path
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("TTS_CACHE_DIR", str(speech_cache))
    monkeypatch.setenv("DATA_DIR", str(tmp_path / "data"))
    for path in DOCS:
        check_md_file(path, lang="python")


@pytest.fixture(scope="module")
def doc_files(tmp_path_factory: pytest.TempPathFactory) -> Iterator[FileServer]:
    """The docs' base video (640x360, 3 s), served over HTTP on 127.0.0.1."""
    root = tmp_path_factory.mktemp("doc-files")
    subprocess.run(
        ["ffmpeg", "-v", "error", "-y", "-f", "lavfi", "-i", "testsrc2=s=640x360:r=25:d=3",
         "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p", str(root / "base.mp4")],
        check=True, timeout=120,
    )  # fmt: skip
    server = FileServer(root)
    yield server
    server.close()


@pytest.fixture(scope="module")
def service_for(
    tmp_path_factory: pytest.TempPathFactory, speech_cache: Path
) -> Iterator[ServiceFor]:
    """A real service (`videorender serve`) per stated command, shared by the blocks that
    state the same one: a default service, plus the settings stated."""
    services: dict[str, Service] = {}

    def start(stated: str) -> Service:
        if stated not in services:
            env = dict(
                re.findall(r"([A-Z][A-Z0-9_]*)=(\S+)", stated.split("videorender", maxsplit=1)[0])
            )
            args = re.sub(r"--port \d+", "", stated.split("videorender serve", 1)[-1]).split()
            defaults = {"API_KEY": "", "WEBHOOK_URL": "", "WEBHOOK_SECRET": "", "PUBLIC_URL": ""}
            env = {
                **defaults,
                "ALLOW_PRIVATE_INPUTS": "false",
                "TTS_CACHE_DIR": str(speech_cache),
                **env,
            }
            data = tmp_path_factory.mktemp("doc-service") / "data"
            services[stated] = Service(data, env, cli=True, args=tuple(args)).start()
        return services[stated]

    yield start
    for service in services.values():
        service.stop()


def _stated(text: str, block: str) -> str:
    """The `videorender serve` command stated in the prose just before `block`, or ''."""
    opening = text[: text.index(block)].rstrip("\n").rsplit("\n", 1)[0]  # less its fence
    before = opening[-1500:].rsplit("```", 1)[-1]
    found = STATED.findall(before)
    return f"{found[-1][0]}videorender serve{found[-1][1]}" if found else ""


@pytest.mark.timeout(900)
@pytest.mark.parametrize("path", _with("console"), ids=doc_id)
def test_console_sessions_run_as_printed(
    path: Path, tmp_path: Path, service_for: ServiceFor, doc_files: FileServer
) -> None:
    text = path.read_text(encoding="utf-8")
    ran: list[str] = []

    def run_session(block: str) -> None:
        service = service_for(_stated(text, block))
        port = re.search(r"--port (\d+)", _stated(text, block))
        doc_url = f"http://127.0.0.1:{port.group(1) if port else 8000}"
        folder = tmp_path / f"session-{len(ran)}"
        folder.mkdir()
        env = {**os.environ, "API": service.url}
        replace = {
            "localhost:8000": service.url.removeprefix("http://"),
            doc_url: service.url,
            DOC_FILE_SERVER: doc_files.url,
        }
        steps = parse(block)
        assert steps, f"{doc_id(path)}: a console block without `$ ` commands (or mark it not run)"
        Session(folder, env, replace).run(steps)
        ran.append(block)

    register_executor("console", run_session)
    check_md_file(path, lang="console")
    assert ran, "no session ran"
