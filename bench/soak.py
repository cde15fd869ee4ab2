"""Load, soak and slow-client check: the server keeps answering, without errors, in flat memory.

    .venv/bin/python -m bench.soak [--events 10000] [--seconds 60] [--connections 64]

Starts `dossier serve --workers 2` on a synthetic database, then at the same time:

* drives ``--connections`` connections with wrk for ``--seconds`` over thousands of distinct
  URLs (cache off, so every request reaches the database);
* holds 50 slow clients that send their request headers one byte every few seconds;
* asks ``/health`` every half second and records how long it takes;
* samples the workers' resident memory every five seconds.

It prints a report and exits non-zero if any request failed, ``/health`` ever took a second or
more, or memory grew by more than 20% between the first and the last quarter of the run. Only
loopback addresses are used. Not part of the test suite.
"""

from __future__ import annotations

import argparse
import os
import random
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import httpx

from bench.run import (
    ROOT,
    cold_script,
    ensure_wrk,
    free_port,
    queries,
    run_wrk,
    start,
    stop,
    worker_rss_mb,
)

SLOW_CLIENTS = 50


def slow_client(port: int, stop_at: float) -> None:
    """Send a request's headers one byte at a time, never finishing, until ``stop_at``."""
    request = b"GET /v1/events HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: " + b"a" * 4096
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=5) as sock:
            for byte in request:
                if time.monotonic() > stop_at:
                    return
                sock.sendall(bytes([byte]))
                time.sleep(2)
    except OSError:
        return  # the server may close a connection that is too slow: that is fine


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    parser.add_argument("--events", type=int, default=10_000)
    parser.add_argument("--seconds", type=int, default=60)
    parser.add_argument("--connections", type=int, default=64)
    args = parser.parse_args()
    wrk = ensure_wrk()
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        url = f"sqlite:///{workdir / 'soak.db'}"
        subprocess.run(
            [sys.executable, "-m", "app.cli", "synth", "--events", str(args.events)],
            cwd=ROOT,
            env={**os.environ, "DOSSIER_DATABASE_URL": url},
            check=True,
            stdout=subprocess.DEVNULL,
        )
        port = free_port()
        base = f"http://127.0.0.1:{port}"
        env = {
            **os.environ,
            "DOSSIER_DATABASE_URL": url,
            "DOSSIER_LOG_LEVEL": "warning",
            "DOSSIER_RESPONSE_CACHE_SIZE": "0",
        }
        server = start(
            [sys.executable, "-m", "app.cli", "serve", "--port", str(port), "--workers", "2"],
            env,
            f"{base}/ready",
        )
        rng = random.Random(11)
        paths = [make(rng) for _, make in queries(args.events).values() for _ in range(300)]
        rng.shuffle(paths)
        stop_at = time.monotonic() + args.seconds
        health: list[float] = []
        memory: list[float] = []

        def watch() -> None:
            while time.monotonic() < stop_at:
                started = time.monotonic()
                try:
                    httpx.get(f"{base}/health", timeout=5).raise_for_status()
                    health.append(time.monotonic() - started)
                except httpx.HTTPError:
                    health.append(float("inf"))
                if len(health) % 10 == 0:
                    memory.append(worker_rss_mb(server.pid))
                time.sleep(0.5)

        threads = [threading.Thread(target=watch)] + [
            threading.Thread(target=slow_client, args=(port, stop_at)) for _ in range(SLOW_CLIENTS)
        ]
        try:
            for thread in threads:
                thread.start()
            result = run_wrk(
                wrk,
                base + "/v1/events",
                duration=args.seconds,
                connections=args.connections,
                pid=server.pid,
                script=cold_script(workdir, paths),
            )
            for thread in threads:
                thread.join()
        finally:
            stop(server)
    quarter = max(1, len(memory) // 4)
    early, late = max(memory[:quarter]), max(memory[-quarter:])
    worst_health = max(health)
    print(
        f"load: {result.requests_per_second:,.0f} req/s for {args.seconds} s at "
        f"{args.connections} connections, p99 {result.p99_ms:.1f} ms, errors {result.errors}"
    )
    print(
        f"/health while {SLOW_CLIENTS} slow clients trickle headers: {len(health)} checks, "
        f"worst {worst_health * 1000:.0f} ms"
    )
    print(f"largest worker memory: {early:.0f} MB early, {late:.0f} MB late")
    failed = result.errors > 0 or worst_health >= 1.0 or late > early * 1.2
    print("FAILED" if failed else "OK")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
