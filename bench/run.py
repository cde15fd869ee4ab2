"""Dossier's benchmark: start the real server, drive it with wrk from another process, print a table.

    .venv/bin/python bench/run.py --events 10000                 # synthesise, then measure
    .venv/bin/python bench/run.py --database-url sqlite:///big.db  # measure an existing database

The server is `dossier serve` (1 and 2 workers) on a database made by `dossier synth` (the same
schema, indexes and search index as the real data). wrk is installed from Debian's packages when
it is missing. Each query is measured twice: "warm" repeats one URL; "cold" cycles through
thousands of distinct URLs (a wrk Lua script), so no cache can answer. For each the table gives
requests per second, p50 and p99 latency, the server's CPU milliseconds per request (user + system
time of the server processes from /proc, divided by requests served) and the largest worker's
resident memory. A bare FastAPI route returning a fixed 30 KB body, measured in the same run, is
the ceiling of the machine. This is not a test; a fast test only checks that it runs.
"""

from __future__ import annotations

import argparse
import os
import random
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import httpx

from app.synth import VOCABULARY

ROOT = Path(__file__).resolve().parent.parent
DISTINCT_URLS = 2000


def queries(events: int) -> dict[str, tuple[str, Callable[[random.Random], str]]]:
    """name -> (warm URL, maker of cold URLs), for a database made by `dossier synth`."""
    actors, places = max(10, events // 10), max(20, events // 20)

    def event_id(rng: random.Random) -> str:
        return f"event-{rng.randrange(events):07d}"

    def year(rng: random.Random) -> int:
        return rng.randrange(2000, 2026)

    types = ["statement", "meeting", "withdrawal", "agreement", "announcement"]

    def type_and_years(rng: random.Random) -> str:
        first = year(rng)
        return f"/v1/events?type={rng.choice(types)}&date_from={first}&date_to={first + 1}"

    def one_year_timeline(rng: random.Random) -> str:
        chosen = year(rng)
        return f"/v1/timeline?bucket=month&date_from={chosen}&date_to={chosen}"

    # Words of the synthetic vocabulary that match about 0.5-2% of the quotes each.
    words = VOCABULARY[20:400]
    return {
        "first page of events": (
            "/v1/events",
            lambda r: f"/v1/events?date_from={year(r)}-{r.randrange(1, 13):02d}",
        ),
        "type + date range": (
            "/v1/events?type=withdrawal&date_from=2010&date_to=2012",
            lambda r: type_and_years(r),
        ),
        "events of one actor": (
            "/v1/actors/actor-0000001/events",
            lambda r: f"/v1/actors/actor-{r.randrange(actors):07d}/events",
        ),
        "events within a location": (
            "/v1/events?location=place-000001",
            lambda r: f"/v1/events?location=place-{r.randrange(places):06d}",
        ),
        "quote search": (
            f"/v1/quotes?q={VOCABULARY[100]}",
            lambda r: f"/v1/quotes?q={r.choice(words)}&date_from={year(r)}",
        ),
        "search": (
            f"/v1/search?q={VOCABULARY[60]}",
            lambda r: f"/v1/search?q={r.choice(words)}",
        ),
        "one event in detail": ("/v1/events/event-0000001", lambda r: f"/v1/events/{event_id(r)}"),
        "timeline": (
            "/v1/timeline?bucket=month&date_from=2020&date_to=2020",
            lambda r: one_year_timeline(r),
        ),
        "GeoJSON of events": (
            "/v1/events?format=geojson",
            lambda r: f"/v1/events?format=geojson&date_from={year(r)}-{r.randrange(1, 13):02d}",
        ),
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
    rss_mb: float = 0.0
    private_mb: float = 0.0


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


def worker_rss_mb(pid: int, field: str = "VmRSS") -> float:
    """Resident memory of the largest process in the server's tree, in MB.

    ``VmRSS`` counts the database pages a worker has memory-mapped (shared page cache);
    ``RssAnon`` is the worker's own memory.
    """
    pids = [pid]
    children_file = Path(f"/proc/{pid}/task/{pid}/children")
    if children_file.exists():
        pids += [int(p) for p in children_file.read_text().split()]
    largest = 0
    for each in pids:
        try:
            for line in Path(f"/proc/{each}/status").read_text().splitlines():
                if line.startswith(f"{field}:"):
                    largest = max(largest, int(line.split()[1]))
        except FileNotFoundError:
            continue
    return largest / 1024


def cold_script(workdir: Path, paths: list[str]) -> Path:
    """A wrk Lua script that sends each request to the next of many distinct paths."""
    script = workdir / f"cold-{abs(hash(tuple(paths)))}.lua"
    listing = ",\n".join('"' + p.replace('"', "") + '"' for p in paths)
    script.write_text(
        "local paths = {\n" + listing + "\n}\n"
        "local i = math.random(#paths)\n"
        "request = function()\n"
        "  i = (i % #paths) + 1\n"
        '  return wrk.format("GET", paths[i])\n'
        "end\n"
    )
    return script


def _found(pattern: str, output: str) -> str:
    """The first group of ``pattern`` in wrk's output (one line at a time)."""
    match = re.search(pattern, output, re.MULTILINE)
    if match is None:
        raise ValueError(f"wrk printed no {pattern!r}:\n{output}")
    return match.group(1)


def run_wrk(
    wrk: str, url: str, *, duration: int, connections: int, pid: int, script: Path | None = None
) -> Result:
    before = process_tree_cpu_seconds(pid)
    output = subprocess.run(
        [
            wrk,
            "-t2",
            f"-c{connections}",
            f"-d{duration}s",
            "--latency",
            *(["-s", str(script)] if script else []),
            url,
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    cpu = process_tree_cpu_seconds(pid) - before
    requests = int(_found(r"(\d+) requests in", output))
    errors = 0
    if match := re.search(r"Non-2xx or 3xx responses: (\d+)", output):
        errors += int(match.group(1))
    if match := re.search(
        r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output
    ):
        errors += sum(int(g) for g in match.groups())
    return Result(
        name="",
        requests_per_second=float(_found(r"Requests/sec:\s+([\d.]+)", output)),
        p50_ms=to_ms(_found(r"^\s*50%\s+(\S+)", output)),
        p99_ms=to_ms(_found(r"^\s*99%\s+(\S+)", output)),
        cpu_ms_per_request=1000 * cpu / max(requests, 1),
        errors=errors,
        rss_mb=worker_rss_mb(pid),
        private_mb=worker_rss_mb(pid, "RssAnon"),
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


def measure(
    args: argparse.Namespace, workers: int, wrk: str, workdir: Path, database_url: str
) -> list[Result]:
    results = []
    rng = random.Random(7)
    plan = {
        name: (warm, [make_cold(rng) for _ in range(DISTINCT_URLS)])
        for name, (warm, make_cold) in queries(args.events).items()
        if not args.only or any(word in name for word in args.only)
    }
    # "warm" runs with the response cache, as deployed; "cold" runs with it off, which is what
    # thousands of distinct URLs do to any cache.
    for mode, cache_size in (("warm", "2048"), ("cold", "0")):
        port = free_port()
        env = {
            **os.environ,
            "DOSSIER_DATABASE_URL": database_url,
            "DOSSIER_LOG_LEVEL": "warning",
            "DOSSIER_RESPONSE_CACHE_SIZE": cache_size,
        }
        base = f"http://127.0.0.1:{port}"
        server = start(
            [
                sys.executable,
                "-m",
                "app.cli",
                "serve",
                "--port",
                str(port),
                "--workers",
                str(workers),
            ],
            env,
            f"{base}/ready",
        )
        try:
            for name, (warm, cold) in plan.items():
                for path in (warm, *cold[:3]):
                    httpx.get(base + path, timeout=60).raise_for_status()
                script = cold_script(workdir, cold) if mode == "cold" else None
                result = run_wrk(
                    wrk,
                    base + warm,
                    duration=args.duration,
                    connections=args.connections,
                    pid=server.pid,
                    script=script,
                )
                result.name = f"{name}, {mode} ({workers}w)"
                results.append(result)
        finally:
            stop(server)
    results.sort(key=lambda r: list(plan).index(r.name.split(",")[0]))

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
        f"Measured {datetime.now(UTC):%Y-%m-%d} on {os.cpu_count()} cores, {args.events:,} "
        f"synthetic events (SQLite), wrk -t2 -c{args.connections} -d{args.duration}s over loopback.",
        "",
        "| query | req/s | p50 ms | p99 ms | server CPU ms/req | max worker RSS MB "
        "| of it private MB | errors |",
        "|---|--:|--:|--:|--:|--:|--:|--:|",
    ]
    lines += [
        f"| {r.name} | {r.requests_per_second:,.0f} | {r.p50_ms:.2f} | {r.p99_ms:.2f} | "
        f"{r.cpu_ms_per_request:.2f} | {r.rss_mb:.0f} | {r.private_mb:.0f} | {r.errors} |"
        for r in results
    ]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    parser.add_argument("--events", type=int, default=10_000, help="size of the synthetic data")
    parser.add_argument("--database-url", default=None, help="measure this synthesised database")
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--duration", type=int, default=10, help="seconds per measurement")
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--only", nargs="*", default=None, help="measure queries naming a word")
    parser.add_argument("--output", type=Path, default=None, help="also write the table here")
    args = parser.parse_args()
    wrk = ensure_wrk()
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        database_url = args.database_url
        if database_url is None:
            database_url = f"sqlite:///{workdir / 'bench.db'}"
            subprocess.run(
                [sys.executable, "-m", "app.cli", "synth", "--events", str(args.events)],
                cwd=ROOT,
                env={**os.environ, "DOSSIER_DATABASE_URL": database_url},
                check=True,
                stdout=subprocess.DEVNULL,
            )
        results = [
            r
            for workers in args.workers
            for r in measure(args, workers, wrk, workdir, database_url)
        ]
    output = table(results, args)
    print(output)
    if args.output:
        args.output.parent.mkdir(parents=True, exist_ok=True)
        args.output.write_text(output + "\n")


if __name__ == "__main__":
    main()
