"""What a benchmark run recorded, saved as JSON after every measurement so that a run cut short
still leaves its numbers, and the report can be rewritten from them (`--report-only`)."""

from __future__ import annotations

import json
import os
import platform
import statistics
import subprocess
import time
from dataclasses import asdict, dataclass, field
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class Record:
    """One measured run of one contender on one job."""

    job: str
    contender: str
    rep: int
    wall_s: float
    cpu_s: float
    peak_mb: float
    video_s: float  # length of the video it made
    output_mb: float
    stages: dict[str, float] = field(default_factory=dict)
    variant: str = "defaults"  # settings variant (the sweep); "defaults" in the main run


@dataclass(frozen=True)
class TTSRecord:
    """One fresh-process measurement of Piper alone (see `bench.tts_probe`)."""

    rep: int
    audio_s: float
    load_s: float
    cold_rtf: float
    warm_rtf: float
    cached_rtf: float
    peak_mb: float


@dataclass
class Results:
    meta: dict[str, Any] = field(default_factory=dict)
    records: list[Record] = field(default_factory=list)
    tts: list[TTSRecord] = field(default_factory=list)

    def save(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        data = {
            "meta": self.meta,
            "records": [asdict(r) for r in self.records],
            "tts": [asdict(t) for t in self.tts],
        }
        partial = path.with_name(f"partial-{path.name}")
        partial.write_text(json.dumps(data, indent=1) + "\n", encoding="utf-8")
        partial.replace(path)

    @classmethod
    def load(cls, path: Path) -> Results:
        data = json.loads(path.read_text(encoding="utf-8"))
        return cls(
            meta=data["meta"],
            records=[Record(**r) for r in data["records"]],
            tts=[TTSRecord(**t) for t in data["tts"]],
        )

    def runs(self, job: str, contender: str, variant: str = "defaults") -> list[Record]:
        return [
            r
            for r in self.records
            if r.job == job and r.contender == contender and r.variant == variant
        ]


def median(values: list[float]) -> float:
    return statistics.median(values) if values else float("nan")


def machine_info() -> dict[str, Any]:
    """CPU, cores, memory, versions, and the load on the machine when the run started."""
    return {
        "cpu": _cpu_model(),
        "cores": os.cpu_count(),
        "memory_gb": round(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 1024**3, 1),
        "os": platform.platform(),
        "python": platform.python_version(),
        "ffmpeg": _first_line(["ffmpeg", "-hide_banner", "-version"]),
        "packages": _versions("piper-tts", "onnxruntime", "moviepy", "numpy"),
        "started": time.strftime("%Y-%m-%d %H:%M:%S %Z"),
        "load_before": [round(x, 2) for x in os.getloadavg()],
        "git": _first_line(["git", "describe", "--always", "--dirty"]),
    }


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def _first_line(argv: list[str]) -> str:
    try:
        result = subprocess.run(argv, capture_output=True, text=True, timeout=30, check=False)
    except (OSError, subprocess.TimeoutExpired):
        return "unknown"
    return (result.stdout.strip().splitlines() or ["unknown"])[0]


def _versions(*names: str) -> dict[str, str]:
    found = {}
    for name in names:
        try:
            found[name] = version(name)
        except PackageNotFoundError:
            found[name] = "not installed"
    return found
