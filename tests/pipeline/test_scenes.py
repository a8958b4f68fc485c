"""Scenes: markup, timing and segment planning (pure), then one real render of four scenes
(background, image with zoom and fade, short portrait clip looped in `fit=contain`, image
panning) checked frame by frame, and every bad visual refused before any work."""

from __future__ import annotations

import itertools
import json
import struct
import subprocess
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

import numpy as np
import numpy.typing as npt
import pytest

from videorender.cli import main
from videorender.config import load_settings
from videorender.errors import InputError, MediaError
from videorender.pipeline.models import RenderOptions, SentenceTiming, Size
from videorender.pipeline.render.media import MediaInputs, MediaLimits, check_scene_visuals
from videorender.pipeline.render.scene_plan import SceneTiming, plan_segments, scene_timings
from videorender.pipeline.run import RenderJob, render
from videorender.pipeline.text.scenes import Scene, SceneOptions, parse_scenes
from videorender.requests import RenderRequest

W, H, FPS = 320, 180, 30


# --- markup and planning ------------------------------------------------------------------


def test_markers_make_scenes_and_are_never_spoken() -> None:
    script = (
        "Before any marker.\n"
        "![](harbour.jpg){motion=zoom-out transition=fade}\n"
        "The harbour at dawn. A literal \\![ stays.\n"
        "\n"
        "  ![caption](https://example.com/clip.mp4)  \n"
        "Boats come in.\n"
    )
    scenes = parse_scenes(script)
    assert [(s.text, s.media) for s in scenes] == [
        ("Before any marker.", None),
        ("The harbour at dawn. A literal ![ stays.", "harbour.jpg"),
        ("Boats come in.", "https://example.com/clip.mp4"),
    ]
    assert scenes[1].options == SceneOptions(motion="zoom-out", transition="fade")
    assert parse_scenes("![](a.png)\nOnly one scene here.")[0].media == "a.png"


@pytest.mark.parametrize(
    ("script", "field"),
    [
        ("Intro.\n![](a.jpg){motion=spin}\nText.", "scenes[1].motion"),
        ("Intro.\n![](a.jpg){colour=red}\nText.", "scenes[1].colour"),
        ("Intro.\n![](a.jpg){transition_s=9}\nText.", "scenes[1].transition_s"),
        ("Intro.\n![](a.jpg){loop=maybe}\nText.", "scenes[1].loop"),
        ("Intro.\n![](a.jpg)\n![](b.jpg)\nText.", "scenes[1].text"),
        ("".join(f"![](a{n}.jpg)\nWords {n}.\n" for n in range(201)), "scenes"),
    ],
)
def test_bad_markup_names_the_scene_and_field(script: str, field: str) -> None:
    with pytest.raises(InputError) as caught:
        parse_scenes(script)
    assert caught.value.field == field


def test_scene_spans_follow_sentence_starts() -> None:
    sentences = [SentenceTiming(i, "x", 1000 * i + 100, 1000 * i + 900) for i in range(5)]
    spans = scene_timings([0, 2, 3], sentences, end_ms=6000)
    assert [(s.start_ms, s.end_ms, s.sentence_count) for s in spans] == [
        (0, 2100, 2),
        (2100, 3100, 1),
        (3100, 6000, 2),
    ]


def test_segments_cover_every_frame_once_with_transitions_centred_and_capped() -> None:
    timings = [SceneTiming(i, start, 0, 0, 1) for i, start in enumerate([0, 1000, 1100, 3000])]
    options = [SceneOptions(), SceneOptions(transition="fade"), SceneOptions(transition="wipe"),
               SceneOptions(transition="fade", transition_s=2.0)]  # fmt: skip
    segments = plan_segments(timings, options, Fraction(30), total_frames=150)
    assert segments[0].start_frame == 0
    for a, b in itertools.pairwise(segments):
        assert a.start_frame + a.frames == b.start_frame
    assert segments[-1].start_frame + segments[-1].frames == 150
    fades = [s for s in segments if s.into is not None]
    # Centred on the cuts (frames 30, 33, 90); scene 1 lasts 3 frames, so both transitions
    # touching it are cut to 1 frame a side; 2 s (60 frames) wanted into the last scene,
    # capped by scene 2 (57 frames: 28 a side).
    assert [(f.start_frame, f.frames) for f in fades] == [(29, 2), (32, 2), (62, 56)]
    fade_free = plan_segments(timings, [SceneOptions()] * 4, Fraction(30), total_frames=150)
    assert [s.start_frame for s in fade_free] == [0, 30, 33, 90]


def test_api_scenes_and_markers_make_the_same_request() -> None:
    marked = RenderRequest.model_validate(
        {
            "script": "Opening words here.\n![](https://example.com/a.jpg){motion=pan-left "
            "transition=fade}\nThe second scene speaks."
        }
    )
    listed = RenderRequest.model_validate(
        {
            "scenes": [
                {"text": "Opening words here."},
                {
                    "text": "The second scene speaks.",
                    "media_url": "https://example.com/a.jpg",
                    "motion": "pan-left",
                    "transition": "fade",
                },
            ]
        }
    )
    a, b = marked.job_request("http://h/"), listed.job_request("http://h/")
    assert a == b and a.scenes[1].options.motion == "pan-left"
    assert type(a).from_json(a.to_json()) == a


# --- a real render --------------------------------------------------------------------------


def _ffmpeg(*args: str) -> None:
    subprocess.run(["ffmpeg", "-v", "error", "-y", *args], check=True, timeout=60)


@dataclass(frozen=True)
class Rendered:
    frames: npt.NDArray[np.uint8]  # (n, H, W, 3)
    scenes: list[dict[str, int]]
    folder: Path


SCRIPT = """Our story begins on a quiet background colour, calm and plain.

![](red.jpg){transition=fade}
A red picture with one white bar slowly zooms in while I speak about it.

![](clip.mp4){fit=contain}
Then a short portrait clip, shown whole, loops again and again behind my words.

![](blue.png){motion=pan-left}
Finally a blue picture with a yellow bar pans along until the very end.
"""


@pytest.fixture(scope="module")
def rendered(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Rendered]:
    root = tmp_path_factory.mktemp("scenes")
    _ffmpeg("-f", "lavfi", "-i", "color=c=red:s=640x480,drawbox=x=150:y=0:w=20:h=480:color=white:t=fill",
            "-frames:v", "1", str(root / "red.jpg"))  # fmt: skip
    _ffmpeg("-f", "lavfi", "-i", "color=c=blue:s=900x300,drawbox=x=440:y=0:w=20:h=300:color=yellow:t=fill",
            "-frames:v", "1", str(root / "blue.png"))  # fmt: skip
    _ffmpeg("-f", "lavfi", "-i", "color=c=lime:s=180x320:r=24:d=0.6", "-f", "lavfi", "-i",
            "color=c=magenta:s=180x320:r=24:d=0.6", "-filter_complex", "[0][1]concat",
            "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p", str(root / "clip.mp4"))  # fmt: skip
    (root / "story.md").write_text(SCRIPT)
    with pytest.MonkeyPatch.context() as patch:
        patch.chdir(root)
        settings = load_settings(tts_cache_dir=root / "tts", data_dir=root / "data",
                                 video_preset="ultrafast")  # fmt: skip
        code = main(["render", str(root / "story.md"), "-o", str(root / "out"), "--size",
                     f"{W}x{H}"])  # fmt: skip
        assert code == 0
    del settings
    raw = subprocess.run(
        ["ffmpeg", "-v", "error", "-i", str(root / "out" / "final.mp4"), "-f", "rawvideo",
         "-pix_fmt", "rgb24", "-"], capture_output=True, check=True,
    ).stdout  # fmt: skip
    frames = np.frombuffer(raw, dtype=np.uint8).reshape(-1, H, W, 3)
    scenes = json.loads((root / "out" / "words.json").read_text())["scenes"]
    yield Rendered(frames, scenes, root)


def _kind(frame: npt.NDArray[np.uint8]) -> str:
    """What a frame shows, from the mean colour of its upper middle (above the captions)."""
    r, g, b = frame[20:100, 120:200].reshape(-1, 3).mean(axis=0)
    if r > 150 and g < 120 and b < 120:
        return "red"
    if b > 150 and r < 100 and g < 100:
        return "blue"
    if g > 150 and r < 120 and b < 120:
        return "lime"
    if r > 150 and b > 150 and g < 120:
        return "magenta"
    if r < 40 and g < 50 and 40 < b < 90:
        return "background"
    return "mixed"


def _frame_at(ms: int) -> int:
    return ms * FPS // 1000


def test_each_scene_shows_its_visual_and_cuts_land_on_sentence_starts(rendered: Rendered) -> None:
    kinds = [_kind(f) for f in rendered.frames]
    expected = ["background", "red", "lime|magenta", "blue"]
    for scene, wanted in zip(rendered.scenes, expected, strict=True):
        middle = _frame_at((scene["start_ms"] + scene["end_ms"]) // 2)
        assert kinds[middle] in wanted.split("|"), (scene, kinds[middle])
    # Cuts (into scenes 2 and 3): the first frame of the new visual within one frame.
    for number, first_kinds in ((2, ("lime", "magenta")), (3, ("blue",))):
        cut = rendered.scenes[number]["start_ms"] * FPS / 1000
        first = next(i for i, k in enumerate(kinds) if k in first_kinds)
        assert abs(first - cut) <= 1, (number, first, cut)
    # The fade into scene 1: all background before its span, all red after it.
    cut = rendered.scenes[1]["start_ms"] * FPS / 1000
    assert kinds[int(cut) - 7] == "background" and kinds[int(cut) + 8] == "red"
    # FFmpeg's -t keeps the nearest whole number of frames (a half rounded up).
    assert len(rendered.frames) == (rendered.scenes[-1]["end_ms"] * FPS + 500) // 1000


def _yellow_bar_x(frame: npt.NDArray[np.uint8]) -> float:
    """Where the yellow bar of the blue picture is (centroid of green over blue), above the
    captions."""
    band = frame[10:90, :, 1].astype(float) - frame[10:90, :, 2].astype(float)
    weights = np.clip(band.mean(axis=0), 0, None)
    return float((weights * np.arange(W)).sum() / weights.sum())


def _white_bar_x(frame: npt.NDArray[np.uint8]) -> float:
    green = frame[10:90, :, 1].astype(float).mean(axis=0)  # the red picture: white is green
    weights = np.clip(green - 60, 0, None)
    return float((weights * np.arange(W)).sum() / weights.sum())


def _positions(rendered: Rendered, scene: int, where: object) -> list[float]:
    span = rendered.scenes[scene]
    # Away from the transitions at either end.
    first, last = _frame_at(span["start_ms"]) + 8, _frame_at(span["end_ms"]) - 8
    return [where(rendered.frames[i]) for i in range(first, last)]  # type: ignore[operator]


def test_a_still_moves_smoothly(rendered: Rendered) -> None:
    zoom = _positions(rendered, 1, _white_bar_x)  # zoom-in: the bar left of centre drifts left
    assert zoom[0] - zoom[-1] > 3
    assert abs(zoom[FPS] - zoom[0]) > 0.5  # frames 1 s apart differ
    assert all(b <= a + 0.25 for a, b in itertools.pairwise(zoom)), zoom
    pan = _positions(rendered, 3, _yellow_bar_x)  # pan-left: the picture moves right
    assert pan[-1] - pan[0] > 3
    assert all(b >= a - 0.25 for a, b in itertools.pairwise(pan)), pan


def test_a_short_portrait_clip_loops_inside_a_blurred_copy(rendered: Rendered) -> None:
    span = rendered.scenes[2]
    frames = rendered.frames[_frame_at(span["start_ms"]) + 2 : _frame_at(span["end_ms"]) - 2]
    centre = ["lime" if f[60:100, 150:170, 1].mean() > 150 else "magenta" for f in frames]
    changes = sum(a != b for a, b in itertools.pairwise(centre))
    assert changes >= 3  # 1.2 s clip over a scene of several seconds: lime, magenta, lime...
    frame = frames[len(frames) // 2]
    side = frame[20:100, 5:40].reshape(-1, 3).mean(axis=0)
    middle = frame[20:100, 140:180].reshape(-1, 3).mean(axis=0)
    assert middle.max() > 180  # the clip itself, whole and bright
    assert 15 < side.max() < middle.max() - 40  # its blurred, darkened copy, not black bars


def test_words_json_has_scene_spans(rendered: Rendered) -> None:
    starts = [s["start_ms"] for s in rendered.scenes]
    assert starts[0] == 0 and starts == sorted(starts) and len(starts) == 4
    words = json.loads((rendered.folder / "out" / "words.json").read_text())
    for scene in rendered.scenes[1:]:
        assert words["sentences"][scene["first_sentence"]]["start_ms"] == scene["start_ms"]


# --- bad visuals ----------------------------------------------------------------------------


def _png_header(width: int, height: int) -> bytes:
    """A PNG that announces a frame size and holds no pixels at all."""
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    chunk = b"IHDR" + ihdr
    data = b"IDAT" + zlib.compress(b"\x00" * 16)
    return (b"\x89PNG\r\n\x1a\n" + struct.pack(">I", len(ihdr)) + chunk
            + struct.pack(">I", zlib.crc32(chunk)) + struct.pack(">I", len(data) - 4) + data
            + struct.pack(">I", zlib.crc32(data)))  # fmt: skip


@pytest.fixture(scope="module")
def bad_files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("bad-visuals")
    files = {name: root / name for name in
             ("notes.txt", "sound.m4a", "cut.mp4", "cut.jpg", "huge.png", "wide.png", "anim.gif",
              "ok.jpg")}  # fmt: skip
    files["notes.txt"].write_text("not a picture\n" * 20)
    _ffmpeg("-f", "lavfi", "-i", "sine=d=1", "-c:a", "aac", str(files["sound.m4a"]))
    _ffmpeg("-f", "lavfi", "-i", "testsrc2=s=160x90:d=4", "-c:v", "libx264", "-preset",
            "ultrafast", "-movflags", "+faststart", str(root / "whole.mp4"))  # fmt: skip
    files["cut.mp4"].write_bytes((root / "whole.mp4").read_bytes()[:6000])
    _ffmpeg("-f", "lavfi", "-i", "testsrc2=s=640x480", "-frames:v", "1", str(files["ok.jpg"]))
    files["cut.jpg"].write_bytes(files["ok.jpg"].read_bytes()[:3000])
    files["huge.png"].write_bytes(_png_header(20_000, 20_000))
    files["wide.png"].write_bytes(_png_header(5000, 100))
    _ffmpeg("-f", "lavfi", "-i", "testsrc2=s=64x64:d=0.3", str(files["anim.gif"]))
    return files


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("notes.txt", "is not an image or a video"),
        ("sound.m4a", "has no video stream"),
        ("cut.mp4", "truncated"),
        ("cut.jpg", "cut short"),
        ("huge.png", "pixels"),
        ("wide.png", "pixels a side"),
        ("anim.gif", "use JPEG, PNG or WebP"),
    ],
)
def test_bad_visuals_are_refused_naming_the_scene(
    bad_files: dict[str, Path], name: str, message: str
) -> None:
    scenes = [Scene("Fine.", bad_files["ok.jpg"]), Scene("Bad.", bad_files[name])]
    with pytest.raises(MediaError) as caught:
        check_scene_visuals(scenes, MediaInputs(), MediaLimits())
    assert caught.value.field == "scenes[1].media_url"
    assert str(caught.value).startswith("scenes[1].media_url: ") and message in str(caught.value)


def test_the_cli_refuses_a_bad_scene_with_exit_2(
    bad_files: dict[str, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    script = tmp_path / "s.md"
    script.write_text(f"Intro words.\n![]({bad_files['notes.txt']})\nMore words.\n")
    assert main(["render", str(script), "-o", str(tmp_path / "out")]) == 2
    assert "scenes[1].media_url" in capsys.readouterr().err
    script.write_text("Intro words.\n![](missing.jpg){fit=stretch}\nMore words.\n")
    assert main(["render", str(script), "-o", str(tmp_path / "out")]) == 2


def test_a_job_with_scenes_fails_before_speaking_on_a_bad_visual(
    bad_files: dict[str, Path], tmp_path: Path
) -> None:
    job = RenderJob(script="", output_dir=tmp_path / "out", options=RenderOptions(size=Size(W, H)),
                    scenes=(Scene("Some words.", bad_files["huge.png"]),))  # fmt: skip
    settings = load_settings(tts_cache_dir=tmp_path / "tts", data_dir=tmp_path / "data")
    with pytest.raises(MediaError, match=r"scenes\[0\]\.media_url"):
        render(job, settings.pipeline_config())
    assert not (tmp_path / "out" / "final.mp4").exists()
