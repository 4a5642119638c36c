"""The talkoot command as a user runs it: a real process."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time

import httpx
import psutil
import pytest

from tests.conftest import free_port
from tests.helpers import theme_workers

TALKOOT = [sys.executable, "-m", "workshop.cli"]


def run_until_url(args: list[str], cwd, pattern: str, env: dict[str, str] | None = None):
    """Start talkoot, wait for a line matching pattern; return (process, match)."""
    process = subprocess.Popen(
        TALKOOT + args,
        cwd=cwd,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env=env,
    )
    deadline = time.monotonic() + 30
    seen = []
    assert process.stdout is not None
    while time.monotonic() < deadline:
        line = process.stdout.readline()
        seen.append(line)
        if found := re.search(pattern, line):
            return process, found
        if not line and process.poll() is not None:
            break
    process.kill()
    process.communicate()
    raise AssertionError(f"no line matching {pattern!r} in {seen!r}")


def wait_healthy(url: str) -> None:
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        try:
            httpx.get(f"{url}/healthz", timeout=1)
            return
        except httpx.TransportError:
            time.sleep(0.1)
    raise AssertionError("server never answered")


def stop(process: subprocess.Popen) -> None:
    process.terminate()
    process.communicate(timeout=10)


@pytest.mark.slow
def test_serve_prints_its_url_and_creates_the_database(tmp_path):
    port = free_port()
    db = tmp_path / "my.db"
    process, found = run_until_url(
        ["serve", "--port", str(port), "--db", str(db)], tmp_path, r"(http://127\.0\.0\.1:\d+/)"
    )
    try:
        assert found.group(1) == f"http://127.0.0.1:{port}/"
        wait_healthy(found.group(1).rstrip("/"))
        assert db.exists()
    finally:
        stop(process)


@pytest.mark.slow
def test_ctrl_c_stops_the_server_quietly_even_while_its_theme_worker_starts(tmp_path):
    """Ctrl+C reaches the whole process group, the theme worker included, at any moment."""
    env = {**os.environ, "TALKOOT_THEME_BACKEND": "semantic"}
    process = subprocess.Popen(
        [*TALKOOT, "serve", "--port", str(free_port()), "--db", str(tmp_path / "c.db")],
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env=env,
        start_new_session=True,  # its own process group, as in a terminal
    )
    server = psutil.Process(process.pid)
    deadline = time.monotonic() + 30
    while not (workers := theme_workers(server)) and time.monotonic() < deadline:
        time.sleep(0.01)
    children = server.children()  # the worker and multiprocessing's resource tracker
    time.sleep(0.1)  # the server has started the worker; the worker is importing its libraries
    os.killpg(process.pid, signal.SIGINT)
    output, _ = process.communicate(timeout=60)
    assert workers, f"no theme worker started: {output}"
    assert process.returncode == 130, output
    assert "Traceback" not in output and "KeyboardInterrupt" not in output, output
    assert output.rstrip().endswith("Talkoot stopped.")
    _, alive = psutil.wait_procs(children, timeout=10)
    assert not alive, "a child outlived the server"


@pytest.mark.slow
def test_demo_serves_a_filled_workshop(tmp_path):
    port = free_port()
    process, found = run_until_url(
        ["demo", "--port", str(port), "--language", "sv"],
        tmp_path,
        r"dashboard: (\S+)/d/(\w+)\?token=(\S+)",
    )
    try:
        root, workshop_id, token = found.groups()
        wait_healthy(root)
        notes = httpx.get(
            f"{root}/api/workshops/{workshop_id}/notes",
            headers={"Authorization": f"Bearer {token}"},
        ).json()["notes"]
        assert len(notes) >= 30
        assert any("välfärdsområdet" in n["text"] for n in notes)
        assert len({n["group_id"] for n in notes}) == 4
        assert (tmp_path / "talkoot-demo.db").exists()
    finally:
        stop(process)


@pytest.mark.parametrize(
    ("args", "env", "message"),
    [
        (["serve", "--port", "99999"], {}, "port must be 0-65535"),
        (["serve", "--port", "x"], {}, "not a port number"),
        (["serve"], {"TALKOOT_NOTES_PER_MINUTE": "many"}, "TALKOOT_NOTES_PER_MINUTE"),
        (["serve"], {"TALKOOT_NOTES_PER_MINUTE": "²"}, "TALKOOT_NOTES_PER_MINUTE"),
        (["serve", "--db", "missing/talkoot.db"], {}, "no folder missing"),
        (["serve", "--db", "."], {}, "is a folder"),
        (["serve"], {"TALKOOT_SYNCHRONOUS": "off"}, "TALKOOT_SYNCHRONOUS"),
        (["serve"], {"TALKOOT_RETENTION_DAYS": "0"}, "TALKOOT_RETENTION_DAYS"),
        (["serve"], {"TALKOOT_RETENTION_DAYS": "1000000"}, "from 1 to 36500"),
        (["serve"], {"TALKOOT_PUBLIC_URL": "talkoot.example.fi"}, "TALKOOT_PUBLIC_URL must be"),
        (["explode"], {}, "invalid choice"),
    ],
)
def test_bad_flags_and_settings_exit_2_with_a_reason(tmp_path, args, env, message):
    done = subprocess.run(
        TALKOOT + args,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        env={**os.environ, **env},
        timeout=30,
    )
    assert done.returncode == 2
    assert message in done.stderr
    assert "Traceback" not in done.stderr


def test_a_database_or_port_that_cannot_be_used_exits_2_and_creates_nothing(tmp_path):
    (tmp_path / "old.db").write_text("not a database")
    with socket.create_server(("127.0.0.1", 0)) as taken:
        port = str(taken.getsockname()[1])
        for args, message in [
            (["--db", "old.db"], "file is not a database"),
            (["--db", "new.db", "--port", port], f"cannot listen on 127.0.0.1:{port}"),
        ]:
            done = subprocess.run(
                [*TALKOOT, "serve", *args], cwd=tmp_path, capture_output=True, text=True, timeout=30
            )
            assert done.returncode == 2
            assert message in done.stderr
            assert "Traceback" not in done.stderr
            assert "is running" not in done.stdout
    assert not (tmp_path / "new.db").exists()
    assert (tmp_path / "old.db").read_text() == "not a database"


def test_serve_keeps_full_garbage_collections_rare():
    """The serving process freezes start-up objects and raises the thresholds (cli.serve)."""
    script = (
        "import gc; from workshop.cli import calm_garbage_collector, GC_THRESHOLDS;"
        "calm_garbage_collector();"
        "print(gc.get_threshold() == GC_THRESHOLDS, gc.get_freeze_count() > 10_000)"
    )
    shown = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    assert shown.stdout.split() == ["True", "True"], shown.stderr
