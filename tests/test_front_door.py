"""`videorender.render()`, the core's front door: the README's example runs as printed, and
the function takes the command's options by their flag names."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.decode import streams
from videorender.errors import InputError
from videorender.front_door import LocalRender

README = Path(__file__).resolve().parents[1] / "README.md"


def _readme_example() -> str:
    text = README.read_text(encoding="utf-8")
    section = text.split("\n## Use it from Python\n", 1)[1].split("\n## ", 1)[0]
    match = re.search(r"```python\n(.*?)```", section, re.DOTALL)
    assert match is not None, "the README's section has no Python example"
    return match.group(1)


def test_the_readme_example_runs_as_printed(tmp_path: Path) -> None:
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join(p for p in sys.path if p),
        "TTS_CACHE_DIR": str(tmp_path / "cache"),
        "VIDEO_PRESET": "ultrafast",
    }
    done = subprocess.run(
        [sys.executable, "-c", _readme_example()],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    printed = done.stdout.split()  # the paths as given: relative to where it ran
    names = ["final.mp4", "subs.ass", "words.json", "thumbnail.jpg"]
    assert printed == [str(Path("out", "hello", name)) for name in names]
    assert all(Path(tmp_path, name).stat().st_size > 0 for name in printed)
    video = streams(tmp_path / printed[0])["video"]
    assert (video["width"], video["height"]) == (320, 180)


def test_the_options_are_the_commands_flags() -> None:
    from videorender.cli.main import _parser  # noqa: PLC0415

    flags = set(vars(_parser().parse_args(["render", "script.txt"])))
    assert set(LocalRender.option_names()) <= flags
    own = {"verbose", "command", "handler", "script", "output", "json_summary"}
    assert flags - set(LocalRender.option_names()) == own


def test_an_unknown_option_or_a_bad_value_is_refused_before_any_work(tmp_path: Path) -> None:
    from videorender import render  # noqa: PLC0415

    with pytest.raises(TypeError, match="subtitle_colour"):
        render("Hello there.", tmp_path / "out", subtitle_colour="#fff")
    with pytest.raises(InputError) as bad_size:
        render("Hello there.", tmp_path / "out", size="huge")
    assert bad_size.value.field == "size"
    with pytest.raises(InputError) as bad_color:
        render("Hello there.", tmp_path / "out", text_color="red")
    assert bad_color.value.field == "text_color"
    with pytest.raises(InputError) as missing:
        render("Hello there.", tmp_path / "out", music=tmp_path / "nothing.mp3")
    assert missing.value.field == "music"
