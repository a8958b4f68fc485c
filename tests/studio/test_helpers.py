"""The studio's helpers without a browser: scenes spread over the sentences, messages in the
form's words, job titles, render-time estimates, and marker targets rewritten in place."""

from __future__ import annotations

from textwrap import dedent

import pytest

from videorender.jobs.models import Artifacts, Job, JobKind, JobRequest, JobStatus
from videorender.jobs.titles import job_title
from videorender.pipeline.models import RenderOptions, Size
from videorender.pipeline.text.scenes import SceneSpec, map_marker_targets, parse_scenes
from videorender.studio.estimates import frame_cost, measured_speed
from videorender.studio.media import spread_markers
from videorender.studio.messages import readable

RED = "![red.png](upload://0123456789abcdef0123456789abcdef.png)"
CLIP = "![my clip.mp4](upload://fedcba9876543210fedcba9876543210.mp4){transition=fade}"


def test_new_scenes_are_spread_over_the_sentences() -> None:
    script = "One short. Two is a bit longer. Three. Four is the last sentence here."
    assert spread_markers(script, [RED, CLIP]) == dedent(f"""\
        {RED}
        One short. Two is a bit longer. Three.
        {CLIP}
        Four is the last sentence here.""")
    # Scenes already there keep their place, first; every scene gets its share again.
    again = spread_markers(spread_markers(script, [RED]), [CLIP])
    assert again == spread_markers(script, [RED, CLIP])
    # More scenes than sentences: the last wait for words; an empty script gives markers only.
    assert spread_markers("Only one.", [RED, CLIP]) == f"{RED}\nOnly one.\n{CLIP}"
    assert spread_markers("", [RED]) == RED
    # The names survive the round trip through the saved request.
    assert [scene.label for scene in parse_scenes(spread_markers(script, [RED, CLIP]))] == [
        "red.png", "my clip.mp4",
    ]  # fmt: skip


def test_marker_targets_are_rewritten_in_place() -> None:
    script = "Over the base video.\n  ![a](one.png){motion=none}\nFirst.\n![](two.mp4)\nSecond."
    seen: list[tuple[str, int]] = []

    def change(target: str, number: int) -> str:
        seen.append((target, number))
        return f"file:///media/{target}"

    rewritten = map_marker_targets(script, change)
    assert seen == [("one.png", 1), ("two.mp4", 2)]  # scene 0: the text before the first
    assert rewritten == (
        "Over the base video.\n  ![a](file:///media/one.png){motion=none}\nFirst.\n"
        "![](file:///media/two.mp4)\nSecond."
    )
    assert map_marker_targets("![](x.png)\nHi.", lambda t, n: f"{n}") == "![](0)\nHi."


def _request(**values: object) -> JobRequest:
    values.setdefault("script", "")
    return JobRequest(kind=JobKind.RENDER, **values)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("message", "field", "readable_message"),
    [
        ("inputs: base video 'base-video' is not a readable media file (Invalid data)",
         "base_video_url", "Base video: the file is not a readable media file (Invalid data)"),
        ("inputs: bgm_url: download refused: 10.0.0.1 is a private address",
         "bgm_url", "Music: download refused: 10.0.0.1 is a private address"),
        ("inputs: scenes[1].media_url 'scene-001' is not a readable media file (x)",
         "scenes[1].media_url", "Scene 2 (my clip.mp4): the file is not a readable media file (x)"),
        ("scenes[0].motion: 'spin' is not one of zoom-in", "scenes[0].motion",
         "Scene 1 (red.png): 'spin' is not one of zoom-in"),
        ("render failed: FFmpeg exited with 1", None, "render failed: FFmpeg exited with 1"),
    ],
)  # fmt: skip
def test_messages_use_the_forms_words(
    message: str, field: str | None, readable_message: str
) -> None:
    request = _request(
        scenes=(
            SceneSpec("A.", "upload://0123456789abcdef0123456789abcdef.png", label="red.png"),
            SceneSpec("B.", "https://example.com/media/my%20clip.mp4?x=1", label="my clip.mp4"),
        )
    )
    problem = readable(message, request)
    assert (problem.field, problem.message) == (field, readable_message)


def test_titles_name_jobs_for_people() -> None:
    assert job_title(_request(script="Hello there. " * 10)) == "Hello there. " * 4 + "Hello there.…"
    assert job_title(_request(title="  My   short ")) == "My short"
    scenes = (SceneSpec("", "https://example.com/a/harbour.jpg?size=big"),)
    assert job_title(_request(scenes=scenes)) == "harbour.jpg"
    assert job_title(_request(scenes=(SceneSpec("", "x", label="sea.png"),))) == "sea.png"
    # The title and the scenes' names are kept in the stored request document.
    stored = _request(title="Mine", scenes=(SceneSpec("Hi.", "x", label="sea.png"),))
    assert JobRequest.from_json(stored.to_json()) == stored
    assert (
        JobRequest.from_json('{"kind":"render","script":"Old row.","base_url":"x"}').title is None
    )


def _finished(seconds: float, video_ms: int, size: Size | None) -> Job:
    request = JobRequest(JobKind.RENDER, "x", options=RenderOptions(size=size))
    return Job("id", request, JobStatus.COMPLETED, 1, Artifacts(), created_at=1.0,
               started_at=10.0, finished_at=10.0 + seconds, duration_ms=video_ms)  # fmt: skip


def test_render_time_is_estimated_from_the_machines_own_renders() -> None:
    assert measured_speed([]) is None
    jobs = [
        _finished(10.0, 10_000, Size(1280, 720)),  # 1 s of work a second of 720p video
        _finished(300.0, 10_000, Size(1280, 720)),  # a stalled one: the median ignores it
        _finished(4.0, 10_000, Size(1280, 720)),
        _finished(8.0, 10_000, Size(1280, 720)),
    ]
    speed = measured_speed(jobs)
    assert speed is not None and speed.samples == 4
    assert speed.seconds(10.0, Size(1280, 720)) == pytest.approx(9.0)  # median of 0.4-30
    assert frame_cost(Size(360, 640)) < frame_cost(Size(1920, 1080))
    assert speed.seconds(10.0, Size(320, 180)) < speed.seconds(10.0, Size(1920, 1080))
