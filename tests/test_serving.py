"""`dossier serve --workers N`: one socket per worker, a dead worker replaced, a clean stop."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx2 as httpx
from _pytest.monkeypatch import MonkeyPatch
from typer.testing import CliRunner

from app import serving
from app.cli import cli
from app.db import read_sqlite_file
from app.serving import ServerOptions, listening_socket
from app.settings import PROJECT_ROOT
from tests.test_deployment import free_port, wait_ready


def _options(port: int) -> ServerOptions:
    return ServerOptions(
        host="127.0.0.1", port=port, log_level="warning", limit_concurrency=64, timeout_keep_alive=5
    )


def test_worker_sockets_share_the_port_and_send_small_writes_at_once() -> None:
    port = free_port()
    first, second = listening_socket(_options(port)), listening_socket(_options(port))
    try:
        for sock in (first, second):
            assert sock.getsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT) == 1
            assert sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY) == 1
            assert sock.getsockname() == ("127.0.0.1", port)
    finally:
        first.close()
        second.close()


def _workers(pid: int) -> set[int]:
    """The API workers among the children of ``pid`` (not multiprocessing's helper)."""
    children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    return {
        int(child)
        for child in children
        if "run_worker" in Path(f"/proc/{child}/cmdline").read_bytes().decode(errors="replace")
        or "spawn_main" in Path(f"/proc/{child}/cmdline").read_bytes().decode(errors="replace")
    }


def test_workers_answer_a_dead_one_is_replaced_and_a_stop_ends_them_all(database_url: str) -> None:
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    process = subprocess.Popen(
        [sys.executable, "-m", "app.cli", "serve", "--port", str(port), "--workers", "2"],
        cwd=PROJECT_ROOT,
        env={**os.environ, "DOSSIER_DATABASE_URL": database_url, "DOSSIER_LOG_LEVEL": "warning"},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        wait_ready(process, base)
        deadline = time.monotonic() + 30
        while len(workers := _workers(process.pid)) < 2 and time.monotonic() < deadline:
            time.sleep(0.2)
        assert len(workers) == 2
        for _ in range(20):
            with httpx.Client(base_url=base) as client:
                assert client.get("/v1/events", params={"limit": 1}).status_code == 200

        victim = min(workers)
        os.kill(victim, signal.SIGKILL)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            replaced = _workers(process.pid)
            if victim not in replaced and len(replaced) == 2:
                break
            time.sleep(0.2)
        assert victim not in replaced
        assert len(replaced) == 2
        wait_ready(process, base)

        process.send_signal(signal.SIGTERM)
        process.communicate(timeout=30)
        assert process.returncode == 0
        for worker in replaced:
            assert not Path(f"/proc/{worker}").exists() or _is_zombie(worker)
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate()


def _is_zombie(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] == "Z"
    except FileNotFoundError:
        return True


def test_reading_a_sqlite_file_reads_it_and_its_wal_whole(tmp_path: Path) -> None:
    path = tmp_path / "dossier.db"
    path.write_bytes(b"d" * 1000)
    Path(f"{path}-wal").write_bytes(b"w" * 24)
    assert read_sqlite_file(f"sqlite:///{path}") == 1024
    for elsewhere in ("sqlite://", "sqlite:///:memory:", "postgresql+psycopg://db/dossier"):
        assert read_sqlite_file(elsewhere) == 0


def test_serve_reads_the_database_file_first_when_asked(
    database_url: str, monkeypatch: MonkeyPatch
) -> None:
    served: list[tuple[ServerOptions, int]] = []
    monkeypatch.setattr(
        serving, "serve", lambda options, workers: served.append((options, workers))
    )
    monkeypatch.setenv("DOSSIER_DATABASE_URL", database_url)
    for preload in ("false", "true"):
        monkeypatch.setenv("DOSSIER_SQLITE_PRELOAD", preload)
        result = CliRunner().invoke(cli, ["serve", "--port", "9"])
        assert result.exit_code == 0, result.output
        said = "of the database into the page cache" in result.output
        assert said == (preload == "true"), result.output
    assert [(options.port, workers) for options, workers in served] == [(9, 1), (9, 1)]
    if database_url.startswith("sqlite"):
        size = read_sqlite_file(database_url)
        assert size > 0
        assert f"read {size / 2**20:,.0f} MB" in result.output
