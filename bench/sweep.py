"""Settings variants compared by `python -m bench --sweep`: ours only, on J1 (1080p) and J3
(720p), each variant a set of environment variables on top of the current defaults."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Variant:
    name: str
    env: dict[str, str] = field(default_factory=dict)


def _variant(**env: str) -> Variant:
    return Variant(" ".join(f"{k}={v}" for k, v in env.items()), env)


VARIANTS: tuple[Variant, ...] = (
    Variant("defaults"),
    _variant(PIPER_MEM_ARENA="false"),
    _variant(PIPER_THREADS="1"),
    _variant(PIPER_THREADS="2"),
    _variant(FFMPEG_THREADS="1"),
    _variant(FFMPEG_LOOKAHEAD="10"),
    _variant(FFMPEG_LOOKAHEAD="20"),
)
