"""Scenes: the script cut into runs of sentences, each on screen over one visual while it is
spoken.

- Markup: a line holding only `![](PATH-or-URL)` (options may follow in braces,
  `![](harbour.jpg){motion=zoom-out transition=fade}`) starts a new scene; the line is never
  spoken. Text before the first marker is a scene on the base video (or background colour).
  `\\![` writes a literal `![`. A script without markers has no scenes (rendered as before).
- `SceneSpec` is a scene as the caller wrote it (media: a path or URL, as text); `Scene` is one
  whose media is a local file, what the pipeline renders.
- Each scene's text is cut into sentences on its own, so no sentence spans two scenes, and a
  scene is on screen from its first sentence's start (the first at 0) until the next begins.
- `plan_segments` cuts the video's frames into segments of one visual (or a transition between
  two): each is made by its own short FFmpeg run, in turn, so memory never grows with the
  number of scenes.
"""

from __future__ import annotations

import itertools
import math
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, fields
from fractions import Fraction
from pathlib import Path

from videorender.errors import InputError, ScriptError
from videorender.pipeline.languages import ENGLISH, Language
from videorender.pipeline.models import SentenceTiming, Size
from videorender.pipeline.script import MAX_SCRIPT_CHARS, Sentence, clean_script, process_script

MAX_SCENES = 200
MOTIONS = ("zoom-in", "zoom-out", "pan-left", "pan-right", "none")
TRANSITIONS = ("cut", "fade", "slide-left", "wipe")
FITS = ("cover", "contain")
DEFAULT_TRANSITION_MS = 400
MAX_TRANSITION_MS = 3000

_MARKER = re.compile(
    r"!\[(?P<label>[^\]\n]*)\]\((?P<target>[^)\s]+)\)(?:\{(?P<options>[^}\n]*)\})?"
)
_ESCAPED = "\\!["


@dataclass(frozen=True)
class SceneOptions:
    """How a scene's visual is shown. `transition` is the one into this scene (the first
    scene's is ignored); `transition_s` its length, centred on the cut."""

    motion: str = "zoom-in"
    transition: str = "cut"
    transition_s: float = DEFAULT_TRANSITION_MS / 1000
    fit: str = "cover"
    loop: bool = True
    clip_audio: bool = False  # the clip's own sound, mixed under the voice and ducked

    @property
    def transition_ms(self) -> int:
        return 0 if self.transition == "cut" else round(self.transition_s * 1000)

    @classmethod
    def from_mapping(cls, values: Mapping[str, object], where: str = "scene") -> SceneOptions:
        """From plain values by option name (`where` prefixes the field named in errors).

        Raises:
            InputError: an unknown option or a value out of range, naming `where.option`.
        """
        known = {f.name for f in fields(cls)}
        parsed: dict[str, object] = {}
        for name, value in values.items():
            if value is None:
                continue
            if name not in known:
                raise InputError(f"{where}: unknown scene option {name!r}", f"{where}.{name}")
            parsed[name] = _option_value(name, value, f"{where}.{name}")
        return cls(**parsed)  # type: ignore[arg-type]

    def to_mapping(self) -> dict[str, str | float | bool]:
        """The options that differ from the defaults: the inverse of `from_mapping`."""
        default = SceneOptions()
        return {
            f.name: getattr(self, f.name)
            for f in fields(self)
            if getattr(self, f.name) != getattr(default, f.name)
        }


def _option_value(name: str, value: object, where: str) -> object:
    choices = {"motion": MOTIONS, "transition": TRANSITIONS, "fit": FITS}.get(name)
    if choices is not None:
        text = str(value).strip().lower()
        if text not in choices:
            raise InputError(f"{where}: {value!r} is not one of {', '.join(choices)}", where)
        return text
    if name in ("loop", "clip_audio"):
        return _boolean(value, where)
    try:  # transition_s
        seconds = float(str(value))
    except ValueError:
        raise InputError(f"{where}: {value!r} is not a number of seconds", where) from None
    if not 0 < seconds <= MAX_TRANSITION_MS / 1000:
        raise InputError(f"{where}: must be more than 0 and at most 3 seconds", where)
    return seconds


def _boolean(value: object, where: str) -> bool:
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in ("true", "yes", "1", "on"):
        return True
    if text in ("false", "no", "0", "off"):
        return False
    raise InputError(f"{where}: {value!r} is not true or false", where)


@dataclass(frozen=True)
class SceneSpec:
    """A scene as the caller wrote it: `media` is a path or URL as given, None for the base
    video (or background colour)."""

    text: str
    media: str | None = None
    options: SceneOptions = field(default_factory=SceneOptions)
    # What the marker's brackets hold, `![harbour.jpg](...)`: the file's own name, for people.
    label: str = ""


@dataclass(frozen=True)
class Scene:
    """A scene to render: its text and a local visual (None: the base video or colour)."""

    text: str
    media: Path | None = None
    options: SceneOptions = field(default_factory=SceneOptions)


@dataclass(frozen=True)
class Visual:
    """A scene's visual, probed: `kind` is "image", "clip" or "color" (no media and no base
    video). `size` is as displayed (rotation and EXIF orientation applied); `image_format`
    and `orientation` (EXIF, 1: as stored) are an image's."""

    kind: str
    options: SceneOptions
    path: Path | None = None
    size: Size | None = None
    image_format: str = ""
    orientation: int = 1
    has_sound: bool = False  # a clip with an audio stream (what clip_audio takes)
    # An image decoded, turned and fitted once before the render: one raw yuv420p frame of
    # the size its motion works on (see render.prepare_stills); None: not yet.
    prepared: Path | None = None


def has_markers(script: str) -> bool:
    """Whether the script holds a scene marker line (then it is made of scenes)."""
    return any(_marker(line) is not None for line in script.split("\n"))


def parse_scenes(script: str) -> list[SceneSpec]:
    """The scenes of a script with marker lines (see the module's docstring).

    Raises:
        InputError: an unknown option, or a scene without text, naming `scenes[i].field`.
        ScriptError: more than MAX_SCENES scenes, or too much text.
    """
    scenes: list[SceneSpec] = []
    media: str | None = None
    label = ""
    options = SceneOptions()
    lines: list[str] = []

    def close() -> None:
        text = "\n".join(lines).strip()
        if media is not None or text:  # text-less leading part: not a scene
            scenes.append(SceneSpec(text, media, options, label=label))

    for line in script.split("\n"):
        match = _marker(line)
        if match is None:
            lines.append(line.replace(_ESCAPED, "!["))
            continue
        close()
        where = f"scenes[{len(scenes)}]"
        media, lines, label = match.group("target"), [], match.group("label").strip()
        options = SceneOptions.from_mapping(
            _option_pairs(match.group("options") or "", where), where
        )
    close()
    check_scenes(scenes)
    return scenes


def map_marker_targets(script: str, change: Callable[[str, int], str]) -> str:
    """`script` with the visual of each marker line replaced by `change(target, number)`
    (number: the scene's, from 0, as `parse_scenes` counts them); everything else as it was.

    Raises:
        whatever `change` raises.
    """
    lines = script.split("\n")
    number = 0 if _leading_text(lines) else -1
    for index, line in enumerate(lines):
        match = _marker(line)
        if match is None:
            continue
        number += 1
        start, end = match.span("target")
        offset = len(line) - len(line.lstrip())
        target = change(match.group("target"), number)
        lines[index] = line[: offset + start] + target + line[offset + end :]
    return "\n".join(lines)


def _leading_text(lines: list[str]) -> bool:
    """Whether text comes before the first marker (then it is scene 0, over the base video)."""
    for line in lines:
        if _marker(line) is not None:
            return False
        if line.replace(_ESCAPED, "![").strip():
            return True
    return False


def _marker(line: str) -> re.Match[str] | None:
    return _MARKER.fullmatch(line.strip())


def _option_pairs(text: str, where: str) -> dict[str, str]:
    pairs: dict[str, str] = {}
    for item in text.split():
        name, sep, value = item.partition("=")
        if not sep or not name:
            raise InputError(f"{where}: option {item!r} is not name=value", where)
        pairs[name.strip().lower()] = value.strip()
    return pairs


def check_scenes(scenes: Sequence[SceneSpec | Scene]) -> None:
    """Raises:
    InputError: no scenes, too many, one without text (naming it), or too much text."""
    if not scenes:
        raise ScriptError("the script has no scenes", "scenes")
    if len(scenes) > MAX_SCENES:
        raise ScriptError(f"{len(scenes)} scenes; the limit is {MAX_SCENES}", "scenes")
    for number, scene in enumerate(scenes):
        if not any(ch.isalnum() for ch in scene.text):
            where = f"scenes[{number}].text"
            raise InputError(f"{where}: a scene needs text to speak", where)
    total = sum(len(scene.text.strip()) for scene in scenes)
    if total > MAX_SCRIPT_CHARS:
        raise ScriptError(
            f"the scenes' text is {total:,} characters long; the limit is {MAX_SCRIPT_CHARS:,}",
            "scenes",
        )


def scene_sentences(
    scenes: Sequence[Scene], language: Language = ENGLISH
) -> tuple[list[Sentence], list[int]]:
    """All the sentences to speak, in order (by the sentence rules of `language`), and the
    index of each scene's first one.

    Raises:
        InputError: a scene without text, too many scenes, or too much text.
    """
    check_scenes(scenes)
    sentences: list[Sentence] = []
    firsts: list[int] = []
    for number, scene in enumerate(scenes):
        firsts.append(len(sentences))
        try:
            clean_script(scene.text)
        except ScriptError as exc:
            raise ScriptError(f"scenes[{number}].text: {exc}", f"scenes[{number}].text") from exc
        for sentence in process_script(scene.text, language):
            sentences.append(Sentence(index=len(sentences), text=sentence.text))
    return sentences, firsts


def spoken_text(scenes: Sequence[Scene]) -> str:
    """The scenes' text as one script (for choosing caption fonts)."""
    return "\n\n".join(scene.text for scene in scenes)


@dataclass(frozen=True)
class SceneTiming:
    """When a scene is on screen (ms), and which sentences it speaks."""

    index: int
    start_ms: int
    end_ms: int
    first_sentence: int
    sentence_count: int


def scene_timings(
    firsts: Sequence[int], sentences: Sequence[SentenceTiming], end_ms: int
) -> tuple[SceneTiming, ...]:
    """Each scene from its first sentence's start (the first scene from 0) to the next
    scene's start (the last to `end_ms`, the video's end)."""
    starts = [0] + [sentences[first].start_ms for first in firsts[1:]]
    ends = [*starts[1:], end_ms]
    counts = [b - a for a, b in zip(firsts, [*firsts[1:], len(sentences)], strict=True)]
    return tuple(
        SceneTiming(number, start, max(start, end), first, count)
        for number, (start, end, first, count) in enumerate(
            zip(starts, ends, firsts, counts, strict=True)
        )
    )


# --- frames ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Shot:
    """One scene's visual within a segment: from its own frame `first` (0: the first frame it
    is on screen), out of the `length` frames it is on screen in all (motion runs over those)."""

    scene: int
    first: int
    length: int


@dataclass(frozen=True)
class Segment:
    """A run of output frames showing one shot, or a transition from `shot` to `into`."""

    start_frame: int
    frames: int
    shot: Shot
    into: Shot | None = None
    transition: str = "cut"


def frame_count(ms: int, rate: Fraction) -> int:
    """Frames that an output of `ms` milliseconds at `rate` holds: FFmpeg's `-t` keeps the
    nearest whole number of frames, a half rounded up (measured: 17.41 s at 30 fps is 522
    frames, 17.42 s is 523, 17.35 s is 521)."""
    return math.floor(Fraction(ms, 1000) * rate + Fraction(1, 2))


def plan_segments(
    timings: Sequence[SceneTiming],
    options: Sequence[SceneOptions],
    rate: Fraction,
    total_frames: int,
) -> list[Segment]:
    """The video's frames as segments, in order, covering frames 0..total_frames exactly.

    Scene i is cut in at frame round(start_ms * rate); a transition into it lasts 2h frames
    centred on that cut, h no more than half of either neighbouring scene allows.
    """
    cuts = [0] + [min(total_frames, round(Fraction(t.start_ms, 1000) * rate)) for t in timings[1:]]
    cuts.append(total_frames)
    lengths = [b - a for a, b in itertools.pairwise(cuts)]
    halves = [0]  # frames of the transition into scene i on each side of its cut
    for i in range(1, len(timings)):
        wanted = round(Fraction(options[i].transition_ms, 2000) * rate)
        halves.append(max(0, min(wanted, lengths[i - 1] // 2, lengths[i] // 2)))
    halves.append(0)
    shown_from = [cuts[i] - halves[i] for i in range(len(timings))]
    shown = [cuts[i + 1] + halves[i + 1] - shown_from[i] for i in range(len(timings))]
    segments: list[Segment] = []
    for i in range(len(timings)):
        if halves[i]:
            start = cuts[i] - halves[i]
            segments.append(
                Segment(
                    start,
                    2 * halves[i],
                    Shot(i - 1, start - shown_from[i - 1], shown[i - 1]),
                    Shot(i, 0, shown[i]),
                    options[i].transition,
                )
            )
        start, end = cuts[i] + halves[i], cuts[i + 1] - halves[i + 1]
        if end > start:
            segments.append(Segment(start, end - start, Shot(i, start - shown_from[i], shown[i])))
    return segments


def group_sentences(sentences: Sequence[Sentence], groups: int) -> list[list[Sentence]]:
    """Sentences in `groups` consecutive runs of similar length (characters, as a proxy for
    speaking time); fewer when there are fewer sentences."""
    groups = max(1, min(groups, len(sentences)))
    total = sum(len(s.text) for s in sentences)
    runs: list[list[Sentence]] = [[] for _ in range(groups)]
    done = 0
    for number, sentence in enumerate(sentences):
        group = min(groups - 1, done * groups // max(1, total))
        # Never leave a later group empty: keep enough sentences for the rest.
        group = max(group, groups - (len(sentences) - number))
        runs[group].append(sentence)
        done += len(sentence.text)
    return [run for run in runs if run]
