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
- When scenes are on screen and how their frames are cut into segments is the render's part:
  `pipeline/render/scene_plan.py`.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Literal, get_args

from videorender.errors import InputError, ScriptError
from videorender.pipeline.text.languages import ENGLISH, Language
from videorender.pipeline.text.script import (
    MAX_SCRIPT_CHARS,
    Sentence,
    clean_script,
    process_script,
)

MAX_SCENES = 200
Motion = Literal["zoom-in", "zoom-out", "pan-left", "pan-right", "none"]
Transition = Literal["cut", "fade", "slide-left", "wipe"]
Fit = Literal["cover", "contain"]
MOTIONS: tuple[Motion, ...] = get_args(Motion)
TRANSITIONS: tuple[Transition, ...] = get_args(Transition)
FITS: tuple[Fit, ...] = get_args(Fit)
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
