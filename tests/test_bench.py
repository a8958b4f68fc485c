"""The benchmark runner on tiny media, so that `bench/` cannot silently rot. No timing is
asserted: only that every piece runs and the report is written from what it measured."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

from bench.inputs import InputSpec, prepare_inputs, shorten
from bench.jobs import Contender, Job, Run, floor_argv
from bench.report import PLACEHOLDER, write_report
from bench.results import Record, Results
from bench.run import Plan, run_jobs
from videorender.config import load_settings
from videorender.pipeline.models import Size
from videorender.pipeline.render import ffmpeg

TINY = InputSpec(size=Size(320, 180), base_seconds=3, music_seconds=3, short_words=12)


@pytest.fixture(autouse=True)
def fast_encoder(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    # The runner's children inherit the environment, like the settings of a real run.
    monkeypatch.setenv("VIDEO_PRESET", "ultrafast")
    monkeypatch.chdir(tmp_path)


def test_shorten_keeps_whole_sentences() -> None:
    text = "One two three. Four five six seven.\nEight nine. Ten."
    assert shorten(text, 5) == "One two three."
    assert shorten(text, 8) == "One two three. Four five six seven."
    assert shorten("A single long sentence here.", 2) == "A single long sentence here."


def test_floor_uses_the_products_encoder_settings(tmp_path: Path) -> None:
    inputs = prepare_inputs(tmp_path / "inputs", TINY)
    run = Run(Job("J2", "vertical", Size(180, 320)), inputs, tmp_path / "out", 4500)
    settings = load_settings(video_preset="faster", video_crf=26, ffmpeg_lookahead=7)
    argv = floor_argv(run, ffmpeg.probe(inputs.base, what="base"), settings)
    joined = " ".join(argv)
    assert "-preset faster -crf 26" in joined and "-rc-lookahead 7" in joined
    assert "-stream_loop -1" in joined and "-t 4.500" in joined  # 3 s base, 4.5 s video
    assert "crop=100:180,scale=180:320" in joined


def test_tiny_job_end_to_end(tmp_path: Path) -> None:
    inputs = prepare_inputs(tmp_path / "inputs", TINY)
    contenders = [Contender.OURS, Contender.FLOOR]
    if importlib.util.find_spec("moviepy") is not None:  # only in the `bench` extra
        contenders.append(Contender.MOVIEPY)
    plan = Plan(
        jobs=(Job("J1", "tiny", Size(180, 320)),),
        contenders=tuple(contenders),
        reps=1,
        long_moviepy_reps=1,
    )
    records: list[Record] = []
    run_jobs(plan, inputs, tmp_path / "runs", on_record=records.append)

    assert [r.contender for r in records] == [c.value for c in contenders]
    for record in records:
        assert record.wall_s > 0 and record.cpu_s > 0 and record.peak_mb > 0
        assert record.output_mb > 0 and record.video_s > 1
    ours, floor = records[0], records[1]
    assert floor.video_s == ours.video_s
    assert {"tts", "render", "thumbnail"} <= set(ours.stages)

    results = Results(meta={"mode": "quick", "command": "pytest"}, records=records)
    report = write_report(results, None, tmp_path / "docs").read_text()
    assert "| J1 short script, 1920x1080 | ours (n=1) |" in report
    assert "| J1 short script, 1920x1080 | floor (n=1) |" in report
    assert "Quick mode" in report
    # The hand-written analysis quotes this run's figures: none of its placeholders is left.
    assert "## Analysis" in report and not PLACEHOLDER.search(report)
