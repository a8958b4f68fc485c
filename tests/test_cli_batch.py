"""`videorender batch`: a bad line and a failing input do not stop the others, the report says
what became of each line, a second run redoes nothing, and --force redoes the rest."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from PIL import Image

from tests.conftest import Media
from tests.decode import streams
from videorender.cli import EXIT_BAD_INPUT, EXIT_FAILED, main


@pytest.fixture(autouse=True)
def isolated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("TTS_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("VIDEO_PRESET", "ultrafast")


def _report(out: Path) -> dict[str, dict[str, object]]:
    lines = (out / "report.jsonl").read_text().splitlines()
    return {entry["name"]: entry for entry in map(json.loads, lines)}


def test_batch_resumes_and_reports(tmp_path: Path, media: Media) -> None:
    jobs = tmp_path / "jobs.jsonl"
    lines = [
        {"name": "first", "script": "The first video.", "size": "160x90",
         "base_video_url": str(media.base_short)},
        {"script": "The second video, named by its line.", "size": "160x90"},
        {"name": "bad", "script": "A bad line.", "size": "huge", "subtitle_style": "comic"},
        {"name": "broken", "script": "Its base video is not media.", "size": "160x90",
         "base_video_url": str(media.not_media)},
    ]  # fmt: skip
    jobs.write_text("".join(json.dumps(line) + "\n" for line in lines))
    out = tmp_path / "out"

    assert main(["batch", str(jobs), "-o", str(out), "--jobs", "2"]) == EXIT_FAILED
    report = _report(out)
    assert {name: e["status"] for name, e in report.items()} == {
        "first": "completed", "2": "completed", "bad": "invalid", "broken": "failed",
    }  # fmt: skip
    assert report["bad"]["field"] == "size"
    assert "size" in str(report["bad"]["error"]) and "subtitle_style" in str(report["bad"]["error"])
    assert report["broken"]["field"] == "base video" and "not a readable media" in str(
        report["broken"]["error"]
    )
    for name in ("first", "2"):
        video = streams(out / name / "final.mp4")["video"]
        assert (video["width"], video["height"]) == (160, 90)
        paths = report[name]["paths"]
        assert isinstance(paths, dict) and Path(paths["final.mp4"]) == out / name / "final.mp4"
    assert not (out / "bad").exists() and not (out / "broken" / "final.mp4").exists()
    made = {name: (out / name / "final.mp4").stat().st_mtime_ns for name in ("first", "2")}

    # Again: the two done are skipped (same request, outputs in place), the others fail again.
    assert main(["batch", str(jobs), "-o", str(out)]) == EXIT_FAILED
    again = _report(out)
    assert again["first"]["status"] == again["2"]["status"] == "skipped"
    assert again["broken"]["status"] == "failed"
    assert {n: (out / n / "final.mp4").stat().st_mtime_ns for n in made} == made

    # An edited line is a new request: only it is rendered again.
    lines[1]["script"] = "The second video, with new words."
    jobs.write_text("".join(json.dumps(line) + "\n" for line in lines[:2]))
    assert main(["batch", str(jobs), "-o", str(out)]) == 0
    edited = _report(out)
    assert (edited["first"]["status"], edited["2"]["status"]) == ("skipped", "completed")
    assert (out / "first" / "final.mp4").stat().st_mtime_ns == made["first"]

    # --force renders everything again.
    assert main(["batch", str(jobs), "-o", str(out), "--force"]) == 0
    assert {e["status"] for e in _report(out).values()} == {"completed"}
    assert (out / "first" / "final.mp4").stat().st_mtime_ns != made["first"]


def test_batch_from_csv(tmp_path: Path) -> None:
    jobs = tmp_path / "jobs.csv"
    jobs.write_text(
        "name,script,size,captions\n"
        'csv-one,"Hello from a spreadsheet.",160x90,"{""position"": ""top""}"\n'
        'csv-two,"Bad captions.",160x90,"{""position"": ""left""}"\n'
    )
    assert main(["batch", str(jobs), "-o", "out"]) == EXIT_FAILED
    report = _report(tmp_path / "out")
    assert report["csv-one"]["status"] == "completed"
    assert report["csv-two"]["status"] == "invalid"
    assert str(report["csv-two"]["field"]).startswith("captions")
    assert (tmp_path / "out" / "csv-one" / "final.mp4").is_file()


def test_batch_file_missing_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["batch", "nope.jsonl", "-o", "out"]) == EXIT_BAD_INPUT
    assert "does not exist" in capsys.readouterr().err
    assert not os.path.exists(tmp_path / "out" / "report.jsonl")


def test_batch_takes_local_scene_files(tmp_path: Path, media: Media) -> None:
    """Local files in scene markers and in scenes[].media_url, resolved like the base video's
    (relative to the current folder); a missing one names its scene."""
    pictures = tmp_path / "pictures"
    pictures.mkdir()
    Image.new("RGB", (64, 36), (200, 40, 40)).save(pictures / "red.png")
    jobs = tmp_path / "jobs.jsonl"
    lines = [
        {"name": "markers", "size": "160x90",
         "script": "![](pictures/red.png){motion=none}\nA red picture.\n"
                   f"![clip]({media.base_short})\nThen a clip."},
        {"name": "scenes", "size": "160x90",
         "scenes": [{"text": "A red picture.", "media_url": "pictures/red.png"},
                    {"text": "Then a clip.", "media_url": f"file://{media.base_short}"}]},
        {"name": "missing", "size": "160x90",
         "script": "![](pictures/blue.png)\nNo such picture."},
    ]  # fmt: skip
    jobs.write_text("".join(json.dumps(line) + "\n" for line in lines))
    out = tmp_path / "out"
    assert main(["batch", str(jobs), "-o", str(out)]) == EXIT_FAILED
    report = _report(out)
    assert {name: e["status"] for name, e in report.items()} == {
        "markers": "completed", "scenes": "completed", "missing": "invalid",
    }  # fmt: skip
    assert "scenes[0].media_url" in str(report["missing"]["error"])
    assert "blue.png" in str(report["missing"]["error"])
    for name in ("markers", "scenes"):
        words = json.loads((out / name / "words.json").read_text())
        assert len(words["scenes"]) == 2, words.get("scenes")
    # A changed scene file is a new request: rendered again, the other skipped.
    Image.new("RGB", (64, 36), (40, 40, 200)).save(pictures / "red.png")
    os.utime(pictures / "red.png", ns=(1, 1))
    assert main(["batch", str(jobs), "-o", str(out)]) == EXIT_FAILED
    again = _report(out)
    assert (again["markers"]["status"], again["scenes"]["status"]) == ("completed", "completed")
    assert main(["batch", str(jobs), "-o", str(out)]) == EXIT_FAILED
    assert {_report(out)[n]["status"] for n in ("markers", "scenes")} == {"skipped"}
