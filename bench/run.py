"""Dossier's benchmark: start the real server, drive it with wrk from another process, print a table.

    .venv/bin/python bench/run.py --events 10000                 # synthesise, then measure
    .venv/bin/python bench/run.py --database-url sqlite:///big.db  # measure an existing database
    .venv/bin/python bench/run.py --events 10000 --skew 1        # heavy-tailed actors and places

The server is `dossier serve` (1 and 2 workers) on a database made by `dossier synth` (the same
schema, indexes and search index as the real data). wrk is installed from Debian's packages when
it is missing. Each query is measured twice: "warm" repeats one URL; "cold" cycles through
thousands of distinct URLs (a wrk Lua script), so no cache can answer. For each the table gives
requests per second, p50 and p99 latency, the server's CPU milliseconds per request (user + system
time of the server processes from /proc, divided by requests served) and the largest worker's
resident memory. With ``--gzip`` (on by default) each query is also measured cold with
``Accept-Encoding: gzip``, as browsers and dashboards send it: the "cold, gzip" rows carry the
cost of compression, which plain wrk requests never ask for. A bare FastAPI route returning a fixed 30 KB body, measured in the same run, is
the ceiling of the machine. This is not a test; a fast test only checks that it runs.

Anchors (``--anchors``, on by default) answer five of the queries (first page of events, type +
date range, events of one actor, quote search, one event in detail) from the same database file
with the same warm and cold URL sets, measured in the same run:

- "plain FastAPI + SQLModel" (``bench/plain_app.py``, under uvicorn with as many workers as
  Dossier): what a competent developer writes without performance work. It speaks the same URLs
  and gives the same items in the same JSON shape.
- Datasette (read-only and tuned: ``--immutable``, a 1 s SQL time limit, no suggested facets,
  no counts), installed with pip into a throwaway virtualenv under the user's cache folder, never
  into the project's. It answers from its JSON API with the closest equivalent: table filters
  for the event lists, SQL through the link table for an actor's events, SQL over the full-text
  table for quote search, the row page for one event. Its rows are flat (no nested actors,
  places or quotes). Datasette is one process.

Before each anchor is measured, its answers to the warm URL and a few cold ones are checked
against Dossier's: the same item ids in the same order, or the run stops. Their rows follow
Dossier's in the table, and a second table, "Dossier vs anchors", gives per query and mode
Dossier's requests per second divided by each anchor's, and each anchor's server CPU time per
request divided by Dossier's (the steadier figure on a machine that other work shares).

    .venv/bin/python bench/run.py --events 10000 --workers 2 --duration 3   # with anchors
    .venv/bin/python bench/run.py --no-anchors                               # Dossier only
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
import venv
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, quote, urlencode, urlsplit

import httpx
from sqlalchemy.engine import make_url

from app.db import read_sqlite_file
from app.search import fold
from app.seeding import period_of
from app.synth import VOCABULARY

ROOT = Path(__file__).resolve().parent.parent
DISTINCT_URLS = 2000
# The queries the anchors answer too.
ANCHORED = (
    "first page of events",
    "type + date range",
    "events of one actor",
    "quote search",
    "one event in detail",
)
PLAIN = "plain FastAPI + SQLModel"
DATASETTE_VERSION = "0.65.5"
DATASETTE = f"Datasette {DATASETTE_VERSION} (tuned, read-only)"
CEILING = "ceiling: fixed 30 KB from bare FastAPI"
GZIP_MODE = "cold, gzip"


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
        # Last, so that the other queries keep their cold URLs. With --skew the most named
        # actors are in a large share of the events (the first in a sixth of them at --skew 1);
        # drawn uniformly, they are actors like any other.
        "events of the most named actors": (
            "/v1/actors/actor-0000000/events",
            lambda r: (
                f"/v1/actors/actor-{r.randrange(10):07d}/events"
                f"?date_from={year(r)}-{r.randrange(1, 13):02d}"
            ),
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
    requests_per_second: float
    p50_ms: float
    p99_ms: float
    cpu_ms_per_request: float
    errors: int
    rss_mb: float = 0.0
    private_mb: float = 0.0
    server: str = "Dossier"  # or "ceiling", PLAIN, DATASETTE
    query: str = ""
    mode: str = ""
    workers: int = 1

    @property
    def name(self) -> str:
        """The row's name in the table."""
        if self.server == "ceiling":
            return f"{CEILING} ({self.workers}w)"
        processes = "1 process" if self.server == DATASETTE else f"{self.workers}w"
        prefix = "" if self.server == "Dossier" else f"{self.server}: "
        return f"{prefix}{self.query}, {self.mode} ({processes})"


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
    wrk: str,
    url: str,
    *,
    duration: int,
    connections: int,
    pid: int,
    script: Path | None = None,
    headers: tuple[str, ...] = (),
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
            *(argument for header in headers for argument in ("-H", header)),
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


Plan = dict[str, tuple[str, list[str]]]


def make_plan(args: argparse.Namespace) -> Plan:
    """name -> (warm path, cold paths) of Dossier's queries chosen by ``--only``."""
    rng = random.Random(7)
    return {
        name: (warm, [make_cold(rng) for _ in range(DISTINCT_URLS)])
        for name, (warm, make_cold) in queries(args.events).items()
        if not args.only or any(word in name for word in args.only)
    }


# --- Datasette: the closest equivalent of each anchored query ---------------------------------

ACTOR_EVENTS_SQL = (
    "select e.id, e.title, e.summary, e.type, e.status, e.date_start, e.date_end, "
    "e.date_precision, e.date_text, e.date_basis from event e "
    "where e.id in (select event_id from event_actor where actor_id = :actor) "
    "order by e.sort_missing, e.sort_date, e.id limit 50"
)
QUOTE_COLUMNS = (
    "q.id, q.text, q.kind, q.speaker_id, q.speaker_text, q.reported_via_id, q.said_start, "
    "q.said_end, q.said_precision, q.said_text, q.said_basis, q.article_id"
)


def datasette_path(database: str, path: str) -> str:
    """The Datasette request closest to Dossier's ``path`` (one of the ANCHORED queries)."""
    parts = urlsplit(path)
    params = {key: values[0] for key, values in parse_qs(parts.query).items()}
    segments = parts.path.strip("/").split("/")
    base = "/" + quote(database)
    if segments[:2] == ["v1", "events"] and len(segments) == 3:
        return f"{base}/event/{quote(segments[2])}.json?_shape=array"
    if segments == ["v1", "events"]:
        # Undated events sort last in Dossier and never match a date filter; the sort index
        # (sort_missing, sort_date, id) serves this order.
        query = {"_shape": "array", "_size": "50", "_nocol": "card", "sort_missing": "0"}
        if "type" in params:
            query["type"] = params["type"]
        if "date_from" in params:
            query["date_end__gte"] = period_of(params["date_from"])[0].isoformat()
        if "date_to" in params:
            query["date_start__lte"] = period_of(params["date_to"])[1].isoformat()
        return f"{base}/event.json?{urlencode({**query, '_sort': 'sort_date'})}"
    if segments[:2] == ["v1", "actors"] and segments[3:] == ["events"]:
        query = {"sql": ACTOR_EVENTS_SQL, "actor": segments[2], "_shape": "array"}
        return f"{base}.json?{urlencode(query)}"
    if segments == ["v1", "quotes"]:
        # Each word matches the start of a word, as in Dossier; the match drives the query.
        query = {"q": " AND ".join(f'"{word}"*' for word in fold(params["q"]).split())}
        conditions = ["search_fts match :q", "d.type = 'quote'"]
        if "date_from" in params:
            conditions.append("q.said_end >= :date_from")
            query["date_from"] = period_of(params["date_from"])[0].isoformat()
        if "date_to" in params:
            conditions.append("q.said_start <= :date_to")
            query["date_to"] = period_of(params["date_to"])[1].isoformat()
        # Only constant fragments are joined here; the values are bound parameters.
        sql = (
            f"select {QUOTE_COLUMNS} from search_fts "  # noqa: S608
            "join search_document d on d.id = search_fts.rowid join quote q on q.id = d.target_id "
            f"where {' and '.join(conditions)} order by q.id limit 50"
        )
        return f"{base}.json?{urlencode({'sql': sql, **query, '_shape': 'array'})}"
    raise ValueError(f"no Datasette equivalent of {path}")


def ensure_datasette() -> Path | None:
    """Datasette's executable in a virtualenv of its own under the user's cache folder
    (installed with pip the first time); None, with the reason on stderr, when that fails."""
    cache = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    home = cache / "dossier-bench" / f"datasette-{DATASETTE_VERSION}"
    executable = home / "bin" / "datasette"
    if executable.exists():
        check = subprocess.run([executable, "--version"], capture_output=True, check=False)
        if check.returncode == 0:
            return executable
    print(f"installing Datasette {DATASETTE_VERSION} into {home}", file=sys.stderr)
    try:
        venv.create(home, clear=True, with_pip=True)
        subprocess.run(
            [
                str(home / "bin" / "python"),
                "-m",
                "pip",
                "install",
                "--quiet",
                "datasette==" + DATASETTE_VERSION,
            ],
            check=True,
            capture_output=True,
            text=True,
        )
    except (OSError, subprocess.CalledProcessError) as error:
        # pip's last lines say why.
        detail = "\n".join((getattr(error, "stderr", None) or str(error)).splitlines()[-3:])
        print(f"Datasette could not be installed, measuring without it: {detail}", file=sys.stderr)
        shutil.rmtree(home, ignore_errors=True)
        return None
    return executable


# --- driving a server -------------------------------------------------------------------------


def answer_ids(answer: Any) -> list[str]:
    """The ids of the items of an answer, in order: a page, one item, or Datasette's rows."""
    if isinstance(answer, list):
        return [str(row["id"]) for row in answer]
    if "data" in answer:
        return [str(item["id"]) for item in answer["data"]]
    return [str(answer["id"])]


def drive(
    args: argparse.Namespace,
    wrk: str,
    workdir: Path,
    base: str,
    pid: int,
    plan: Plan,
    *,
    server: str,
    modes: tuple[str, ...],
    workers: int,
    answers: dict[str, list[str]],
    translate: Callable[[str], str] | None = None,
) -> list[Result]:
    """Measure each query of ``plan`` in each mode on the server at ``base``.

    The warm URL and the first cold ones are fetched first. Dossier's answers (``translate`` is
    None) are recorded in ``answers``; an anchor's must have the same ids in the same order.
    """
    results = []
    for name, (warm, cold) in plan.items():
        for path in (warm, *cold[:3]):
            response = httpx.get(base + (translate(path) if translate else path), timeout=60)
            if translate is not None and response.is_error:
                # An anchor that refuses a query (Datasette answers 400 past its time limit) is
                # measured with that answer among its errors; there are no ids to compare.
                continue
            response.raise_for_status()
            if name not in ANCHORED:
                continue
            ids = answer_ids(response.json())
            if translate is None:
                answers[path] = ids
            elif answers.get(path, ids) != ids:
                raise SystemExit(
                    f"{server} answers {path} with {ids[:5]}..., Dossier with "
                    f"{answers[path][:5]}...: not the same query"
                )
        for mode in modes:
            paths = [translate(p) for p in cold] if translate else cold
            result = run_wrk(
                wrk,
                base + (translate(warm) if translate else warm),
                duration=args.duration,
                connections=args.connections,
                pid=pid,
                script=cold_script(workdir, paths) if mode.startswith("cold") else None,
                headers=("Accept-Encoding: gzip",) if mode == GZIP_MODE else (),
            )
            result.server, result.query, result.mode, result.workers = server, name, mode, workers
            results.append(result)
    return results


def measure(
    args: argparse.Namespace,
    workers: int,
    wrk: str,
    workdir: Path,
    database_url: str,
    answers: dict[str, list[str]],
) -> list[Result]:
    results = []
    plan = make_plan(args)
    # "warm" runs with the response cache, as deployed; "cold" runs with it off, which is what
    # thousands of distinct URLs do to any cache.
    for modes, cache_size in ((("warm",), "2048"), (cold_modes(args), "0")):
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
            results += drive(
                args,
                wrk,
                workdir,
                base,
                server.pid,
                plan,
                server="Dossier",
                modes=modes,
                workers=workers,
                answers=answers,
            )
        finally:
            stop(server)
    results.sort(key=lambda r: list(plan).index(r.query))

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
        result.server, result.query, result.workers = "ceiling", CEILING, workers
        results.append(result)
    finally:
        stop(ceiling)

    anchored = {name: urls for name, urls in plan.items() if name in ANCHORED}
    if args.anchors and anchored:
        results += measure_plain(args, workers, wrk, workdir, database_url, anchored, answers)
    return results


def cold_modes(args: argparse.Namespace) -> tuple[str, ...]:
    """The modes measured on the server without a response cache."""
    return ("cold", GZIP_MODE) if args.gzip else ("cold",)


def sqlite_file(database_url: str) -> Path | None:
    """The SQLite file of a database URL (None for other engines)."""
    url = make_url(database_url)
    if url.get_backend_name() != "sqlite" or not url.database:
        return None
    return (ROOT / url.database).resolve()


def measure_plain(
    args: argparse.Namespace,
    workers: int,
    wrk: str,
    workdir: Path,
    database_url: str,
    plan: Plan,
    answers: dict[str, list[str]],
) -> list[Result]:
    """The plain FastAPI + SQLModel app (bench/plain_app.py) on the same file and URLs."""
    database = sqlite_file(database_url)
    if database is None:
        print("the anchors read a SQLite file; skipped for this database", file=sys.stderr)
        return []
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    plain = start(
        [
            sys.executable,
            "-m",
            "uvicorn",
            "bench.plain_app:create_app",
            "--factory",
            "--port",
            str(port),
            "--workers",
            str(workers),
            "--log-level",
            "warning",
        ],
        {**os.environ, "DATABASE_URL": f"sqlite:///{database}"},
        f"{base}/health",
    )
    try:
        return drive(
            args,
            wrk,
            workdir,
            base,
            plain.pid,
            plan,
            server=PLAIN,
            modes=("warm", "cold"),
            workers=workers,
            answers=answers,
            translate=lambda path: path,
        )
    finally:
        stop(plain)


def measure_datasette(
    args: argparse.Namespace,
    wrk: str,
    workdir: Path,
    database_url: str,
    answers: dict[str, list[str]],
) -> list[Result]:
    """Datasette, read-only and tuned, on the same file and the closest equivalent URLs."""
    plan = {name: urls for name, urls in make_plan(args).items() if name in ANCHORED}
    database = sqlite_file(database_url)
    if not plan or database is None:
        return []
    executable = ensure_datasette()
    if executable is None:
        return []
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    settings = {
        "sql_time_limit_ms": "1000",  # Dossier's statement limit
        "num_sql_threads": str(args.datasette_threads),
        "suggest_facets": "off",
        "allow_download": "off",
        "cache_size_kb": "65536",
    }
    datasette = start(
        [
            str(executable),
            "serve",
            "--immutable",
            str(database),
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            *(word for name, value in settings.items() for word in ("--setting", name, value)),
        ],
        dict(os.environ),
        f"{base}/-/versions.json",
    )
    try:
        return drive(
            args,
            wrk,
            workdir,
            base,
            datasette.pid,
            plan,
            server=DATASETTE,
            modes=("warm", "cold"),
            workers=1,
            answers=answers,
            translate=lambda path: datasette_path(database.stem, path),
        )
    finally:
        stop(datasette)


# --- the tables -------------------------------------------------------------------------------


def table(results: list[Result], args: argparse.Namespace) -> str:
    engine = "PostgreSQL" if (args.database_url or "").startswith("postgresql") else "SQLite"
    lines = [
        f"Measured {datetime.now(UTC):%Y-%m-%d} on {os.cpu_count()} cores, {args.events:,} "
        f"synthetic events ({engine}), wrk -t2 -c{args.connections} -d{args.duration}s over "
        "loopback.",
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


RowKey = tuple[str, str, str, int]  # server, query, mode, workers


def comparison(results: list[Result]) -> str:
    """Dossier against each anchor, per anchored query and mode: requests per second, and the
    server CPU time per request (which other load on the machine disturbs less)."""
    found = {(r.server, r.query, r.mode, r.workers): r for r in results}
    dossier_workers = sorted({r.workers for r in results if r.server == "Dossier"})
    queries = [q for q in ANCHORED if any(r.query == q and r.server != "Dossier" for r in results)]
    if not queries:
        return ""

    def rate(key: RowKey) -> str:
        return f"{found[key].requests_per_second:,.0f}" if key in found else "–"

    def ratio(dossier: RowKey, anchor: RowKey, *, cpu: bool) -> str:
        if dossier not in found or anchor not in found:
            return "–"
        ours, theirs = found[dossier], found[anchor]
        if theirs.requests_per_second < 1:
            return "n/a"
        if cpu:
            value = theirs.cpu_ms_per_request / max(ours.cpu_ms_per_request, 1e-9)
        else:
            value = ours.requests_per_second / max(theirs.requests_per_second, 1e-9)
        return f"{value:.1f}×"

    lines = [
        "Dossier vs anchors: requests per second, and × = Dossier ÷ anchor (same query and "
        "mode); CPU × = the anchor's server CPU ms per request ÷ Dossier's. Plain FastAPI + "
        f"SQLModel runs as many workers as Dossier; {DATASETTE} is one process. n/a: the anchor "
        "answered under one request per second (its requests timed out).",
        "",
        "| query | mode | Dossier | plain FastAPI + SQLModel | × | CPU × | Datasette | × | CPU × |",
        "|---|---|--:|--:|--:|--:|--:|--:|--:|",
    ]
    for workers in dossier_workers:
        for query in queries:
            for mode in ("warm", "cold"):
                dossier = ("Dossier", query, mode, workers)
                plain = (PLAIN, query, mode, workers)
                datasette = (DATASETTE, query, mode, 1)
                lines.append(
                    f"| {query} ({workers}w) | {mode} | {rate(dossier)} "
                    f"| {rate(plain)} | {ratio(dossier, plain, cpu=False)} "
                    f"| {ratio(dossier, plain, cpu=True)} "
                    f"| {rate(datasette)} | {ratio(dossier, datasette, cpu=False)} "
                    f"| {ratio(dossier, datasette, cpu=True)} |"
                )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    parser.add_argument("--events", type=int, default=10_000, help="size of the synthetic data")
    parser.add_argument("--database-url", default=None, help="measure this synthesised database")
    parser.add_argument(
        "--skew",
        type=float,
        default=0.0,
        help="synthesise actors and places by a Zipf law of this exponent (dossier synth --skew)",
    )
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--duration", type=int, default=10, help="seconds per measurement")
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--only", nargs="*", default=None, help="measure queries naming a word")
    parser.add_argument("--output", type=Path, default=None, help="also write the table here")
    parser.add_argument(
        "--anchors",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="also measure plain FastAPI + SQLModel and Datasette on the anchored queries",
    )
    parser.add_argument(
        "--datasette",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="include Datasette among the anchors (pip-installs it into a cache folder)",
    )
    parser.add_argument(
        "--gzip",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="also measure each query cold with Accept-Encoding: gzip",
    )
    parser.add_argument("--datasette-threads", type=int, default=3, help="its num_sql_threads")
    args = parser.parse_args()
    wrk = ensure_wrk()
    answers: dict[str, list[str]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        database_url = args.database_url
        if database_url is None:
            database_url = f"sqlite:///{workdir / 'bench.db'}"
            subprocess.run(
                [
                    *(sys.executable, "-m", "app.cli", "synth"),
                    *("--events", str(args.events), "--skew", str(args.skew)),
                ],
                cwd=ROOT,
                env={**os.environ, "DOSSIER_DATABASE_URL": database_url},
                check=True,
                stdout=subprocess.DEVNULL,
            )
        # So that no query measured pays for disk reads that the ones after it do not.
        read_sqlite_file(database_url)
        results = [
            r
            for workers in args.workers
            for r in measure(args, workers, wrk, workdir, database_url, answers)
        ]
        if args.anchors and args.datasette:
            results += measure_datasette(args, wrk, workdir, database_url, answers)
    output = table(results, args)
    if args.anchors and (versus := comparison(results)):
        output += "\n\n" + versus
    print(output)
    if args.output:
        args.output.parent.mkdir(parents=True, exist_ok=True)
        args.output.write_text(output + "\n")


if __name__ == "__main__":
    main()
