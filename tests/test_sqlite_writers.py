"""SQLite writers queue up (BEGIN IMMEDIATE plus a busy timeout) instead of failing."""

from __future__ import annotations

import threading
import time
from pathlib import Path

from sqlalchemy import text

from app.db import build_engine, upgrade_schema
from app.seeding import seed_database
from app.settings import PROJECT_ROOT, Settings


def test_a_second_writer_waits_for_the_first(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'writers.db'}"
    upgrade_schema(url)
    first = build_engine(Settings(database_url=url))
    second = build_engine(Settings(database_url=url, sqlite_busy_timeout_ms=10_000))
    finished: list[float] = []

    def seed_meanwhile() -> None:
        seed_database(second, PROJECT_ROOT / "seed")
        finished.append(time.monotonic())

    with first.begin() as connection:  # BEGIN IMMEDIATE: holds the write lock from the start
        connection.execute(text("SELECT 1"))
        writer = threading.Thread(target=seed_meanwhile)
        writer.start()
        time.sleep(0.5)
        released = time.monotonic()
        assert finished == []  # still waiting for the lock
    writer.join(timeout=30)
    assert finished
    assert finished[0] >= released
    with second.connect() as connection:
        assert connection.execute(text("SELECT count(*) FROM event")).scalar() == 19
    first.dispose()
    second.dispose()
