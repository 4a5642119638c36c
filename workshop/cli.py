"""The talkoot command: serve, themes, demo."""

from __future__ import annotations

import argparse
import contextlib
import gc
import signal
import socket
import sqlite3
import sys
from collections.abc import Sequence
from pathlib import Path
from types import FrameType
from typing import NoReturn

import uvicorn

from workshop.app import create_app
from workshop.models import LANGUAGES
from workshop.settings import Settings, SettingsError
from workshop.wire import TurnWritingWebSocketProtocol

DEMO_DB = Path("talkoot-demo.db")
EXIT_INTERRUPTED = 130  # the shell convention for a program stopped by Ctrl+C
# Collect the young generation every 20,000 new objects (default 700) and the oldest
# after 20 * 100 young collections (default 10 * 10); see calm_garbage_collector.
GC_THRESHOLDS = (20_000, 20, 100)


class OneLineErrors(argparse.ArgumentParser):
    """A bad flag is reported in one line on stderr, with exit status 2 (docs/api.md), not
    after argparse's usage block; subcommands' parsers are of this class too."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: {message} (see {self.prog} --help)\n")


def build_parser() -> argparse.ArgumentParser:
    parser = OneLineErrors(prog="talkoot", description="Realtime co-creation workshops.")
    commands = parser.add_subparsers(dest="command", required=True)
    serve = commands.add_parser("serve", help="start the web app")
    add_server_options(serve)
    serve.set_defaults(func=run_serve)
    demo = commands.add_parser("demo", help="serve a workshop pre-filled with sample notes")
    add_server_options(demo)
    demo.add_argument("--language", choices=LANGUAGES, default="fi")
    demo.set_defaults(func=run_demo)
    from workshop import cli_themes

    cli_themes.add_parser(commands)
    return parser


def add_server_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on")
    parser.add_argument("--port", type=port_number, default=8000, help="port to listen on")
    parser.add_argument(
        "--db",
        type=Path,
        default=None,
        help="SQLite file (default ./talkoot.db; ./talkoot-demo.db for demo)",
    )


def port_number(raw: str) -> int:
    try:
        port = int(raw)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a port number: {raw!r}") from None
    if not 0 <= port <= 65535:
        raise argparse.ArgumentTypeError(f"port must be 0-65535, not {port}")
    return port


def settings_for(args: argparse.Namespace, default_db: Path | None = None) -> Settings:
    db = args.db or default_db
    settings = Settings.from_env(**({"db_path": db} if db is not None else {}))
    check_database(settings.db_path)
    return settings


def check_database(path: Path) -> None:
    """A one-line error now for a database that cannot be opened (a missing folder, a
    directory, a file that is not SQLite), instead of a traceback at start-up. Creates
    nothing: a new database is made when the server starts."""
    if path.is_dir():
        raise SettingsError(f"the database {path} is a folder, not a file")
    if not path.exists():
        if not path.parent.is_dir():
            raise SettingsError(f"cannot create the database {path}: no folder {path.parent}")
        return
    try:
        with contextlib.closing(
            sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
        ) as conn:
            conn.execute("select count(*) from sqlite_master").fetchone()
    except sqlite3.Error as exc:
        raise SettingsError(f"cannot open the database {path}: {exc}") from None


def listening_socket(host: str, port: int) -> socket.socket:
    """Bind before saying the server runs, so a taken port is a one-line error."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    try:
        return socket.create_server((host, port), family=family)
    except OSError as exc:
        raise SettingsError(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from None


def server_config(settings: Settings, host: str, port: int) -> uvicorn.Config:
    """How uvicorn serves Talkoot; the tests' servers use the same."""
    return uvicorn.Config(
        create_app(settings),
        host=host,
        port=port,
        access_log=False,  # dashboard links carry their token in the query string
        ws_max_size=settings.ws_max_frame_bytes,
        ws_per_message_deflate=settings.ws_deflate,
        ws=TurnWritingWebSocketProtocol,
        log_level="warning",
    )


def calm_garbage_collector() -> None:
    """Keep full garbage collections rare and short: they stop every connection at once.

    A full collection walks every live object. With a thousand connections open it
    took 40-270 ms and ran every few seconds under load, which was the realtime
    benchmark's tail latency (docs/performance.md). Objects made at start-up
    (modules, templates, routes) are frozen out of the walk, and the thresholds
    are raised; unreachable cycles are still collected, only later.
    """
    gc.collect()
    gc.freeze()
    gc.set_threshold(*GC_THRESHOLDS)


class _Server(uvicorn.Server):
    """uvicorn's server, remembering a Ctrl+C. uvicorn shuts down in order and then raises
    the signal again for the caller, but that second SIGINT reaches asyncio's runner, which
    once in a CI run let it pass: the server exited 0 without a word."""

    interrupted = False

    def handle_exit(self, sig: int, frame: FrameType | None) -> None:
        self.interrupted = self.interrupted or sig == signal.SIGINT
        super().handle_exit(sig, frame)


def serve(settings: Settings, host: str, port: int, on_ready: str = "") -> int:
    sock = listening_socket(host, port)
    server = _Server(server_config(settings, host, port))
    calm_garbage_collector()
    shown_host = f"[{host}]" if ":" in host else host
    print(f"Talkoot is running at http://{shown_host}:{port}/  (Ctrl+C stops it)", flush=True)
    if on_ready:
        print(on_ready, flush=True)
    try:
        server.run(sockets=[sock])
    except KeyboardInterrupt:  # uvicorn has shut down in order, then passes Ctrl+C on
        server.interrupted = True
    if server.interrupted:
        print("Talkoot stopped.", flush=True)
        return EXIT_INTERRUPTED
    return 0


def run_serve(args: argparse.Namespace) -> int:
    return serve(settings_for(args), args.host, args.port)


def run_demo(args: argparse.Namespace) -> int:
    from workshop.demo import prepare_demo

    settings = settings_for(args, default_db=DEMO_DB)
    links = prepare_demo(settings, f"http://{args.host}:{args.port}", args.language)
    return serve(settings, args.host, args.port, on_ready=links)


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return int(args.func(args))
    except SettingsError as problem:
        print(f"talkoot: {problem}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
