"""`videorender serve`, `worker`, `mcp` and `migrate`: running the service, or parts of it,
from the command line. Each imports what it runs only when it runs (a render need not load a
web server)."""

from __future__ import annotations

import argparse
import signal
import threading

from videorender.cli.progress import console
from videorender.config import load_settings


def studio_address(host: str, port: int) -> str:
    """The address to open in a browser: a wildcard bind is reached at 127.0.0.1 here."""
    shown = "127.0.0.1" if host in ("0.0.0.0", "::", "") else host
    shown = f"[{shown}]" if ":" in shown else shown
    return f"http://{shown}:{port}/"


def serve_command(args: argparse.Namespace) -> int:
    import uvicorn  # noqa: PLC0415 - only this command needs the server

    from videorender.app import create_app  # noqa: PLC0415
    from videorender.jobs.service import check_worker_role  # noqa: PLC0415

    settings = load_settings()  # fail here, with exit code 2, on bad configuration
    workers = not args.no_workers
    if workers:
        check_worker_role(settings)
    app = create_app(settings, workers=workers)
    console.print(f"[bold]Video studio:[/] {studio_address(args.host, args.port)}", highlight=False)
    uvicorn.run(app, host=args.host, port=args.port, log_config=None)
    return 0


def worker_command(_args: argparse.Namespace) -> int:
    from videorender.jobs.service import JobService  # noqa: PLC0415
    from videorender.logs import configure_logging  # noqa: PLC0415

    settings = load_settings()
    configure_logging(settings)
    service = JobService(settings, workers=True)
    stopping = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stopping.set())
    service.start()
    try:
        while not stopping.wait(1.0):
            pass
    finally:
        service.stop()
    return 0


def mcp_command(_args: argparse.Namespace) -> int:
    """MCP over stdio: standard output carries the protocol only; logs go to stderr."""
    from videorender.jobs.service import JobService  # noqa: PLC0415
    from videorender.logs import configure_logging  # noqa: PLC0415
    from videorender.mcp_server import build_server  # noqa: PLC0415

    settings = load_settings()
    configure_logging(settings)
    # Jobs run here, on this process's workers, against DATA_DIR/DATABASE_URL; they may
    # read the user's local files. With local storage, artifact URLs are file:// paths.
    service = JobService(settings, workers=True, local_files=True)
    artifacts_base = settings.data_dir.resolve().as_uri() + "/"
    server = build_server(service, local_files=True, base_url=lambda _ctx: artifacts_base)
    service.start()
    try:
        server.run("stdio")
    finally:
        service.stop()
    return 0


def migrate_command(args: argparse.Namespace) -> int:
    from videorender.jobs.db import current_revision, open_database  # noqa: PLC0415

    settings = load_settings()
    engine = open_database(settings.database, migrations="check" if args.check else "apply")
    try:
        console.print(f"job store at revision {current_revision(engine)} (up to date)")
    finally:
        engine.dispose()
    return 0
