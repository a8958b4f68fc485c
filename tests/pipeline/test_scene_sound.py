"""A clip's own sound (`clip_audio=true`): a real render of three scenes whose middle clip
carries a steady tone, its sound asked for; the tone is heard during that scene only. A clip
without sound (or a still) asking for it is refused, naming the scene."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import numpy as np
import numpy.typing as npt
import pytest

from videorender.cli import main
from videorender.config import load_settings
from videorender.errors import InputError, MediaError
from videorender.pipeline.render.media import MediaInputs, MediaLimits, check_scene_visuals
from videorender.pipeline.render.scene_files import local_scenes
from videorender.pipeline.text.scenes import Scene, SceneOptions, parse_scenes

TONE_HZ = 2500
RATE = 48_000

SCRIPT = """![](red.jpg)
A red picture opens the story while I say a few calm words about it.

![](tone.mp4){clip_audio=true transition=fade}
Now a short clip that hums plays under my voice, again and again.

![](blue.png)
And a blue picture closes the story with some quiet last words.
"""


def _ffmpeg(*args: str) -> None:
    subprocess.run(["ffmpeg", "-v", "error", "-y", *args], check=True)


@pytest.fixture(scope="module")
def media(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("scene-sound")
    _ffmpeg("-f", "lavfi", "-i", "color=c=red:s=320x180", "-frames:v", "1", str(root / "red.jpg"))
    _ffmpeg("-f", "lavfi", "-i", "color=c=blue:s=320x180", "-frames:v", "1", str(root / "blue.png"))
    # 1.3 s of green with a tone: shorter than its scene, so picture and sound loop.
    _ffmpeg("-f", "lavfi", "-i", "color=c=lime:s=160x90:r=25:d=1.3",
            "-f", "lavfi", "-i", f"sine=f={TONE_HZ}:d=1.3:sample_rate=44100",
            "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p", "-c:a", "aac",
            "-shortest", str(root / "tone.mp4"))  # fmt: skip
    _ffmpeg("-f", "lavfi", "-i", "color=c=lime:s=160x90:r=25:d=1.3", "-c:v", "libx264",
            "-preset", "ultrafast", str(root / "mute.mp4"))  # fmt: skip
    return root


def _tone_share(samples: npt.NDArray[np.float64]) -> float:
    """The tone's share of the window's energy (0..1): near 1 for the tone alone, near 0
    for speech or silence."""
    spectrum = np.abs(np.fft.rfft(samples * np.hanning(len(samples)))) ** 2
    freqs = np.fft.rfftfreq(len(samples), 1 / RATE)
    band = (freqs > TONE_HZ - 30) & (freqs < TONE_HZ + 30)
    return float(spectrum[band].sum() / max(spectrum.sum(), 1e-12))


def test_a_clips_sound_plays_during_its_scene_only(media: Path) -> None:
    (media / "story.md").write_text(SCRIPT)
    with pytest.MonkeyPatch.context() as patch:
        patch.chdir(media)
        load_settings(tts_cache_dir=media / "tts", data_dir=media / "data",
                      video_preset="ultrafast")  # fmt: skip
        assert main(["render", str(media / "story.md"), "-o", str(media / "out"),
                     "--size", "320x180"]) == 0  # fmt: skip
    pcm = subprocess.run(
        ["ffmpeg", "-v", "error", "-i", str(media / "out" / "final.mp4"), "-ac", "1",
         "-ar", str(RATE), "-f", "s16le", "-"], capture_output=True, check=True,
    ).stdout  # fmt: skip
    audio = np.frombuffer(pcm, dtype=np.int16).astype(np.float64)
    scenes = json.loads((media / "out" / "words.json").read_text())["scenes"]
    shares = []
    for scene in scenes:
        # The middle half of the scene, clear of the fade around its cuts.
        quarter = (scene["end_ms"] - scene["start_ms"]) // 4
        first = (scene["start_ms"] + quarter) * RATE // 1000
        last = (scene["end_ms"] - quarter) * RATE // 1000
        shares.append(_tone_share(audio[first:last]))
    assert shares[1] > 0.05, shares  # heard under the voice, ducked
    assert shares[0] < 0.002 and shares[2] < 0.002, shares  # and nowhere else
    assert shares[1] > 30 * max(shares[0], shares[2]), shares


def test_clip_audio_is_an_option_of_the_marker_and_the_api() -> None:
    spec = parse_scenes("Words.\n![](a.mp4){clip_audio=true}\nMore words.\n")[1]
    assert spec.options.clip_audio is True
    assert SceneOptions.from_mapping({"clip_audio": "no"}).clip_audio is False
    with pytest.raises(InputError, match=r"scenes\[1\]\.clip_audio"):
        parse_scenes("Words.\n![](a.mp4){clip_audio=maybe}\nMore words.\n")


@pytest.mark.parametrize(("name", "message"), [("mute.mp4", "has no sound"),
                                               ("red.jpg", "still image")])  # fmt: skip
def test_clip_audio_without_sound_is_refused_naming_the_scene(
    media: Path, name: str, message: str
) -> None:
    asking = SceneOptions(clip_audio=True)
    scenes = [Scene("Fine.", media / "tone.mp4", asking), Scene("Bad.", media / name, asking)]
    with pytest.raises(MediaError) as caught:
        check_scene_visuals(scenes, MediaInputs(), MediaLimits())
    assert caught.value.field == "scenes[1].clip_audio"
    assert message in str(caught.value)


def test_the_cli_gives_media_dir_clips_their_sound(
    media: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = tmp_path / "media"
    folder.mkdir()
    for name in ("red.jpg", "tone.mp4", "mute.mp4"):
        (folder / name).write_bytes((media / name).read_bytes())
    (folder / "party.gif").write_bytes(b"GIF89a")
    (folder / ".DS_Store").write_bytes(b"")
    script = "One sentence here. Another one there. A third one now. And a fourth. Then a fifth. The end."
    found = local_scenes(script, Path.cwd(), folder, clip_audio=True)
    sound = {scene.media.name: scene.options.clip_audio for scene in found.scenes if scene.media}
    assert sound == {"mute.mp4": False, "red.jpg": False, "tone.mp4": True}
    # A file left out is named (for the CLI's warning); a hidden one is not worth a word.
    assert found.skipped == ("party.gif",)
    (tmp_path / "s.txt").write_text(script)
    assert main(["render", str(tmp_path / "s.txt"), "--clip-audio", "-o", str(tmp_path)]) == 2
    assert "--clip-audio is for --media-dir" in capsys.readouterr().err
