"""Dossier's benchmark: start the real server, drive it with wrk from another process, print a table.

    .venv/bin/python bench/run.py [--workers 1 2] [--duration 10] [--connections 32]

The server is `dossier serve` on a fresh SQLite database seeded with the curated data (or on
``--database-url``). wrk is installed from Debian's packages when it is missing. For each query the
table gives requests per second, p50 and p99 latency, and the server's CPU milliseconds per
request (user + system time of the server processes, from /proc, divided by requests served).
A minimal route returning fixed bytes from a bare FastAPI app, measured in the same run, gives the
ceiling of the machine. This is not a test: it is never run by the test suite.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
QUERIES = {
    "first page of events": "/v1/events",
    "type + date range": "/v1/events?type=withdrawal&type=statement&date_from=2025-08&date_to=2026",
    "events of one actor": "/v1/actors/hussein-allawi/events",
    "events within a location": "/v1/events?location=iraq",
    "quote search": "/v1/quotes?q=coalition",
    "one event in detail": "/v1/events/2025-08-18-us-embassy-statement",
    "one actor in detail": "/v1/actors/hussein-allawi",
}
CEILING_APP = """
from fastapi import FastAPI
from fastapi.responses import Response

app = FastAPI()
BODY = b"x" * 30_000


@app.get("/fixed")
def fixed() -> Response:
    return Response(BODY, media_type="application/json")
"""


@dataclass
class Result:
    name: str
    requests_per_second: float
    p50_ms: float
    p99_ms: float
    cpu_ms_per_request: float
    errors: int


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def ensure_wrk() -> str:
    found = shutil.which("wrk")
    if found:
        return found
    print("installing wrk from Debian's packages", file=sys.stderr)
    subprocess.run(["apt-get", "update", "-qq"], check=True)
    subprocess.run(["apt-get", "install", "-y", "-qq", "wrk"], check=True)
    return shutil.which("wrk") or "wrk"


def process_tree_cpu_seconds(pid: int) -> float:
    """User + system CPU seconds of a process and its children (uvicorn workers)."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0.0
    pids = [pid]
    children_file = Path(f"/proc/{pid}/task/{pid}/children")
    if children_file.exists():
        pids += [int(p) for p in children_file.read_text().split()]
    for each in pids:
        try:
            fields = Path(f"/proc/{each}/stat").read_text().rsplit(")", 1)[1].split()
        except FileNotFoundError:
            continue
        total += (int(fields[11]) + int(fields[12])) / ticks
    return total


def to_ms(value: str) -> float:
    match = re.fullmatch(r"([\d.]+)(us|ms|s|m)", value)
    if match is None:
        raise ValueError(f"unexpected wrk latency {value!r}")
    number, unit = match.groups()
    return float(number) * {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0}[unit]


def run_wrk(wrk: str, url: str, *, duration: int, connections: int, pid: int) -> Result:
    before = process_tree_cpu_seconds(pid)
    output = subprocess.run(
        [wrk, "-t2", f"-c{connections}", f"-d{duration}s", "--latency", url],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    cpu = process_tree_cpu_seconds(pid) - before
    requests = int(re.search(r"(\d+) requests in", output).group(1))  # type: ignore[union-attr]
    errors = 0
    if match := re.search(r"Non-2xx or 3xx responses: (\d+)", output):
        errors += int(match.group(1))
    if match := re.search(
        r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output
    ):
        errors += sum(int(g) for g in match.groups())
    return Result(
        name="",
        requests_per_second=float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1)),  # type: ignore[union-attr]
        p50_ms=to_ms(re.search(r"^\s*50%\s+(\S+)", output, re.MULTILINE).group(1)),  # type: ignore[union-attr]
        p99_ms=to_ms(re.search(r"^\s*99%\s+(\S+)", output, re.MULTILINE).group(1)),  # type: ignore[union-attr]
        cpu_ms_per_request=1000 * cpu / max(requests, 1),
        errors=errors,
    )


def wait_ready(url: str, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"server exited with {process.returncode}")
        try:
            if httpx.get(url, timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    raise SystemExit(f"{url} not ready")


def start(command: list[str], env: dict[str, str], ready_url: str) -> subprocess.Popen[bytes]:
    process = subprocess.Popen(
        command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    wait_ready(ready_url, process)
    return process


def stop(process: subprocess.Popen[bytes]) -> None:
    process.terminate()
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        process.kill()


def measure(args: argparse.Namespace, workers: int, wrk: str, workdir: Path) -> list[Result]:
    results = []
    port = free_port()
    env = {
        **os.environ,
        "DOSSIER_DATABASE_URL": args.database_url or f"sqlite:///{workdir / 'bench.db'}",
        "DOSSIER_LOG_LEVEL": "warning",
    }
    base = f"http://127.0.0.1:{port}"
    server = start(
        [sys.executable, "-m", "app.cli", "serve", "--port", str(port), "--workers", str(workers)],
        env,
        f"{base}/ready",
    )
    try:
        for name, path in QUERIES.items():
            httpx.get(base + path).raise_for_status()
            result = run_wrk(
                wrk,
                base + path,
                duration=args.duration,
                connections=args.connections,
                pid=server.pid,
            )
            result.name = f"{name} ({workers}w)"
            results.append(result)
    finally:
        stop(server)

    (workdir / "ceiling.py").write_text(CEILING_APP)
    port = free_port()
    ceiling = start(
        [
            sys.executable,
            "-m",
            "uvicorn",
            "ceiling:app",
            "--port",
            str(port),
            "--workers",
            str(workers),
            "--log-level",
            "warning",
            "--app-dir",
            str(workdir),
        ],
        dict(os.environ),
        f"http://127.0.0.1:{port}/fixed",
    )
    try:
        result = run_wrk(
            wrk,
            f"http://127.0.0.1:{port}/fixed",
            duration=args.duration,
            connections=args.connections,
            pid=ceiling.pid,
        )
        result.name = f"ceiling: fixed 30 KB from bare FastAPI ({workers}w)"
        results.append(result)
    finally:
        stop(ceiling)
    return results


def table(results: list[Result], args: argparse.Namespace) -> str:
    lines = [
        f"Measured {datetime.now(UTC):%Y-%m-%d} on {os.cpu_count()} cores, wrk -t2 "
        f"-c{args.connections} -d{args.duration}s over loopback, SQLite seed data.",
        "",
        "| query | req/s | p50 ms | p99 ms | server CPU ms/req | errors |",
        "|---|--:|--:|--:|--:|--:|",
    ]
    lines += [
        f"| {r.name} | {r.requests_per_second:,.0f} | {r.p50_ms:.2f} | {r.p99_ms:.2f} | "
        f"{r.cpu_ms_per_request:.2f} | {r.errors} |"
        for r in results
    ]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--duration", type=int, default=10, help="seconds per query")
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--database-url", default=None, help="serve this database instead")
    parser.add_argument("--output", type=Path, default=None, help="also write the table here")
    args = parser.parse_args()
    wrk = ensure_wrk()
    with tempfile.TemporaryDirectory() as tmp:
        results = [r for workers in args.workers for r in measure(args, workers, wrk, Path(tmp))]
    output = table(results, args)
    print(output)
    if args.output:
        args.output.write_text(output + "\n")


if __name__ == "__main__":
    main()
