"""A throwaway PostgreSQL cluster for tests and benchmarks: `initdb` in a temporary folder,
listening on 127.0.0.1 on a free port, its unix socket in that folder too. Nothing of the
machine's own PostgreSQL (its clusters, its config) is used or touched.

Debian's `postgresql` package provides the binaries (`make setup` installs it); they are
found through PG_BINDIR, /usr/lib/postgresql/<newest>/bin, or PATH. PostgreSQL refuses to run
as root, so as root the cluster runs as the `postgres` user the package creates.
"""

from __future__ import annotations

import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import uuid
from pathlib import Path

import psycopg

START_TIMEOUT_S = 60


def find_bindir() -> Path | None:
    """Where `initdb` and `pg_ctl` are, or None when PostgreSQL is not installed."""
    if os.environ.get("PG_BINDIR"):
        return Path(os.environ["PG_BINDIR"])
    versions = sorted(
        Path("/usr/lib/postgresql").glob("*/bin/initdb"),
        key=lambda p: int(p.parent.parent.name) if p.parent.parent.name.isdigit() else 0,
    )
    if versions:
        return versions[-1].parent
    found = shutil.which("initdb")
    return Path(found).resolve().parent if found else None


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class PostgresCluster:
    """Start with `start()`, make databases with `create_database()`, end with `stop()`."""

    def __init__(self, bindir: Path, *, durable: bool = False) -> None:
        self.bindir = bindir
        self.durable = durable  # fsync on (for benchmarks); tests run without it
        self.root = Path(tempfile.mkdtemp(prefix="videorender-pg-"))
        self.data = self.root / "data"
        self.port = _free_port()
        self._run_as = "postgres" if os.geteuid() == 0 else None

    def _run(self, *argv: str) -> None:
        prefix = ["runuser", "-u", self._run_as, "--"] if self._run_as else []
        subprocess.run(
            [*prefix, *argv],
            check=True,
            capture_output=True,
            timeout=START_TIMEOUT_S,
            cwd=self.root,
        )

    def start(self) -> PostgresCluster:
        if self._run_as:
            user = pwd.getpwnam(self._run_as)
            os.chown(self.root, user.pw_uid, user.pw_gid)
        self._run(str(self.bindir / "initdb"), "-D", str(self.data), "-U", "postgres",
                  "--auth=trust", "-E", "UTF8", "--no-instructions")  # fmt: skip
        options = [
            "-c", "listen_addresses=127.0.0.1",
            "-c", f"port={self.port}",
            "-c", f"unix_socket_directories={self.root}",
            "-c", "max_connections=300",
            "-c", "shared_buffers=64MB",
        ]  # fmt: skip
        if not self.durable:
            options += ["-c", "fsync=off", "-c", "synchronous_commit=off",
                        "-c", "full_page_writes=off"]  # fmt: skip
        self._run(str(self.bindir / "pg_ctl"), "-D", str(self.data), "-w",
                  "-t", str(START_TIMEOUT_S), "-l", str(self.root / "server.log"),
                  "-o", " ".join(options), "start")  # fmt: skip
        return self

    def url(self, database: str = "postgres") -> str:
        """The SQLAlchemy URL of `database` (the service's DATABASE_URL)."""
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/{database}"

    def create_database(self, name: str | None = None) -> str:
        """A new empty database; returns its URL."""
        name = name or f"t_{uuid.uuid4().hex[:12]}"
        conninfo = f"host=127.0.0.1 port={self.port} user=postgres dbname=postgres"
        with psycopg.connect(conninfo, autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        return self.url(name)

    def stop(self) -> None:
        try:
            self._run(str(self.bindir / "pg_ctl"), "-D", str(self.data), "-m", "immediate",
                      "-w", "stop")  # fmt: skip
        finally:
            shutil.rmtree(self.root, ignore_errors=True)
