"""podman and podman-compose, driven from the tests: commands that fail say why, containers
and compose projects that are always removed with their volumes."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

# podman 4.3 without systemd cannot start healthcheck timers and says so on every start;
# `podman healthcheck run` still runs the check.
_NOISE = ("unable to get systemd connection", "failed to connect to syslog")


def _quiet(text: str) -> str:
    return "\n".join(line for line in text.splitlines() if not any(n in line for n in _NOISE))


def podman(
    *args: str, timeout_s: float = 120, check: bool = True, stdin: str | None = None
) -> subprocess.CompletedProcess[str]:
    """Run `podman ARGS`; with `check`, a non-zero exit fails the test with podman's words."""
    result = subprocess.run(
        ["podman", *args], input=stdin, capture_output=True, text=True, timeout=timeout_s,
        check=False,
    )  # fmt: skip
    if check and result.returncode != 0:
        raise AssertionError(
            f"podman {' '.join(args)} exited with {result.returncode}:\n{_quiet(result.stderr)}"
        )
    return result


def output(*args: str, timeout_s: float = 120) -> str:
    return podman(*args, timeout_s=timeout_s).stdout.strip()


def inspect(name: str) -> dict[str, Any]:
    data: list[dict[str, Any]] = json.loads(output("container", "inspect", name))
    return data[0]


def logs(name: str) -> str:
    result = podman("logs", name, check=False)
    return _quiet(result.stdout + result.stderr)


def image_exists(image: str) -> bool:
    return podman("image", "exists", image, check=False).returncode == 0


@contextmanager
def volume(name: str) -> Iterator[str]:
    """A named volume, removed afterwards."""
    podman("volume", "create", name)
    try:
        yield name
    finally:
        podman("volume", "rm", "--force", name, check=False)


@contextmanager
def removed_afterwards(*names: str) -> Iterator[None]:
    """Containers created inside are removed afterwards, with their anonymous volumes."""
    try:
        yield
    finally:
        for name in names:
            podman("rm", "--force", "--volumes", "--time", "5", name, check=False)


def compose_binary() -> str:
    found = shutil.which("podman-compose", path=str(Path(sys.executable).parent))
    found = found or shutil.which("podman-compose")
    if found is None:
        raise AssertionError("podman-compose is missing: make test-container installs it")
    return found


@dataclass
class ComposeProject:
    """compose.yaml, copied alone into `workdir` (so that a developer's .env beside the real
    one cannot change the test), run by podman-compose as project `name`."""

    name: str
    workdir: Path
    env: Mapping[str, str]
    _volumes: set[str] = field(default_factory=set)

    @classmethod
    def copy_of(cls, compose_file: Path, workdir: Path, name: str, **env: str) -> ComposeProject:
        shutil.copy(compose_file, workdir / "compose.yaml")
        return cls(name, workdir, {**os.environ, **env})

    def run(self, *args: str, timeout_s: float = 300) -> str:
        argv = [compose_binary(), "-p", self.name, "-f", str(self.workdir / "compose.yaml"), *args]
        result = subprocess.run(
            argv, capture_output=True, text=True, timeout=timeout_s, env=dict(self.env),
            cwd=self.workdir, check=False,
        )  # fmt: skip
        if result.returncode != 0:
            raise AssertionError(
                f"podman-compose {' '.join(args)} exited with {result.returncode}:\n"
                f"{_quiet(result.stdout + result.stderr)[-4000:]}"
            )
        # podman-compose reports a container that failed to start but exits 0.
        assert "Error:" not in result.stderr, _quiet(result.stderr)[-4000:]
        return result.stdout

    def containers(self, service: str | None = None) -> list[str]:
        filters = ["--filter", f"label=io.podman.compose.project={self.name}"]
        if service:
            filters += ["--filter", f"label=io.podman.compose.service={service}"]
        names = output("ps", "--all", *filters, "--format", "{{.Names}}")
        return sorted(names.split()) if names else []

    def remember_volumes(self) -> None:
        """Note the volumes of the project's containers, anonymous ones included (compose
        down leaves those behind)."""
        for name in self.containers():
            mounts = inspect(name).get("Mounts") or []
            self._volumes.update(m["Name"] for m in mounts if m.get("Type") == "volume")

    def remove(self) -> None:
        """Containers, volumes and network of the project: gone, whatever state it is in."""
        self.remember_volumes()
        argv = [compose_binary(), "-p", self.name, "-f", str(self.workdir / "compose.yaml")]
        subprocess.run(
            [*argv, "--profile", "scale", "down", "--volumes", "--timeout", "10"],
            capture_output=True, timeout=300, env=dict(self.env), cwd=self.workdir, check=False,
        )  # fmt: skip
        for name in self.containers():
            podman("rm", "--force", "--volumes", name, check=False)
        for name in self._volumes:
            podman("volume", "rm", "--force", name, check=False)
        podman("network", "rm", "--force", f"{self.name}_default", check=False)
