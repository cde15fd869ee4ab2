"""Several `dossier serve` instances over one database: safe start-up, identical answers."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator

import httpx2 as httpx
import pytest
from sqlalchemy import create_engine, func, select
from sqlmodel import col

from app import models
from app.settings import PROJECT_ROOT

START_TIMEOUT = 60.0


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@pytest.fixture
def start_instances() -> Iterator[Callable[[str, int], list[tuple[subprocess.Popen[str], str]]]]:
    processes: list[subprocess.Popen[str]] = []

    def start(database_url: str, count: int) -> list[tuple[subprocess.Popen[str], str]]:
        started = []
        for _ in range(count):
            port = free_port()
            env = {
                **os.environ,
                "DOSSIER_DATABASE_URL": database_url,
                "DOSSIER_LOG_LEVEL": "warning",
            }
            process = subprocess.Popen(
                [sys.executable, "-m", "app.cli", "serve", "--port", str(port)],
                cwd=PROJECT_ROOT,
                env=env,
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                text=True,
            )
            processes.append(process)
            started.append((process, f"http://127.0.0.1:{port}"))
        return started

    yield start
    for process in processes:
        process.terminate()
    for process in processes:
        try:
            process.communicate(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.communicate()


def wait_ready(process: subprocess.Popen[str], base_url: str) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        assert process.poll() is None, process.communicate()[0]
        try:
            if httpx.get(f"{base_url}/ready", timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.1)
    raise AssertionError(f"{base_url} did not become ready")


def test_two_instances_starting_together_over_an_empty_database(
    new_database: Callable[[], str],
    start_instances: Callable[[str, int], list[tuple[subprocess.Popen[str], str]]],
) -> None:
    url = new_database()
    instances = start_instances(url, 2)
    for process, base_url in instances:
        wait_ready(process, base_url)

    # No double seed: one dataset, and as many events as the seed holds.
    engine = create_engine(url)
    with engine.connect() as connection:
        keys = connection.execute(select(col(models.DatasetInfo.key))).scalars().all()
        assert sorted(keys) == [
            "dataset_version",
            "event_span_classes",
            "longest_event_span_days",
            "search_documents_in_id_order",
            "search_documents_in_rank_order",
        ] + (["search_terms_listed"] if url.startswith("sqlite") else [])
        events = connection.execute(select(func.count()).select_from(models.Event)).scalar()
    engine.dispose()
    first_url, second_url = (base_url for _, base_url in instances)
    meta = httpx.get(f"{first_url}/v1/meta").json()
    assert meta["counts"]["events"] == events

    # Identical answers from both, including ETags (the same bytes).
    for path in ["/v1/meta", "/v1/events?limit=500", "/v1/actors/hussein-allawi", "/v1/quotes"]:
        a, b = httpx.get(first_url + path), httpx.get(second_url + path)
        assert a.status_code == b.status_code == 200
        assert a.content == b.content
        assert a.headers["etag"] == b.headers["etag"]

    for process, _ in instances:
        process.terminate()
    outputs = [process.communicate(timeout=10)[0] for process, _ in instances]
    assert sum(output.count("seeded dataset version") for output in outputs) == 1
    assert not any("Traceback" in output for output in outputs)
