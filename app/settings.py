"""Configuration: every knob Dossier reads from the environment (prefix ``DOSSIER_``).

Each field is documented in the README's settings table; a test keeps the two in agreement.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

PROJECT_ROOT = Path(__file__).resolve().parent.parent


class Settings(BaseSettings):
    """Settings read from ``DOSSIER_*`` environment variables (and an optional ``.env`` file)."""

    model_config = SettingsConfigDict(env_prefix="DOSSIER_", env_file=".env", extra="ignore")

    database_url: str = Field(
        default="sqlite:///./data/dossier.db",
        description="SQLAlchemy URL of the database. SQLite files are created with their folder.",
    )
    seed_dir: Path = Field(
        default=PROJECT_ROOT / "seed",
        description="Folder holding articles/ and annotations/ for `dossier seed`.",
    )
    host: str = Field(default="127.0.0.1", description="Interface `dossier serve` binds to.")
    port: int = Field(default=8000, ge=1, le=65535, description="Port `dossier serve` listens on.")
    workers: int = Field(
        default=1, ge=1, le=64, description="Worker processes for `dossier serve`."
    )
    cors_allow_origins: list[str] = Field(
        default=["*"],
        description='Origins allowed to read the API from a browser (JSON list, e.g. ["*"]).',
    )
    gzip_minimum_size: int = Field(
        default=500, ge=0, description="Responses smaller than this many bytes are not gzipped."
    )
    gzip_level: int = Field(
        default=5,
        ge=1,
        le=9,
        description="gzip compression level (1 fastest, 9 smallest).",
    )
    log_level: str = Field(default="info", description="Log level of the server (uvicorn names).")
    sqlite_busy_timeout_ms: int = Field(
        default=5000, ge=0, description="How long a SQLite connection waits for a lock (ms)."
    )
    sqlite_mmap_mb: int = Field(
        default=1024,
        ge=0,
        description="Memory-mapped I/O for the API's SQLite connections (MB, 0 turns it off).",
    )
    sqlite_cache_mb: int = Field(
        default=32, ge=1, description="SQLite page cache per API connection (MB)."
    )
    sqlite_preload: bool = Field(
        default=False,
        description="dossier serve reads the SQLite database file once before serving.",
    )
    sqlite_load_cache_mb: int = Field(
        default=256,
        ge=1,
        description="SQLite page cache of the connections that load data: seed, import, synth (MB).",
    )
    opentelemetry: bool = Field(
        default=False,
        description="FastAPI's native OpenTelemetry instrumentation, through the global providers.",
    )
    response_cache_size: int = Field(
        default=2048,
        ge=0,
        description="Answers kept in each process's response cache (0 turns it off).",
    )
    response_cache_check_seconds: float = Field(
        default=1.0,
        ge=0,
        description="How often the response cache checks the dataset version (seconds).",
    )
    sql_timeout_seconds: float = Field(
        default=1.0,
        gt=0,
        description="A database statement running longer is interrupted (503 with Retry-After).",
    )
    max_body_bytes: int = Field(
        default=16384, ge=0, description="Request bodies over this size are refused with 413."
    )
    rate_limit: str = Field(
        default="",
        description='Per-client request limit in the `limits` syntax (e.g. "600/minute"); '
        "empty turns it off.",
    )
    max_concurrency: int = Field(
        default=512,
        ge=1,
        description="Connections and tasks a worker serves at once; more get 503 (uvicorn).",
    )
    keep_alive_seconds: float = Field(
        default=5.0,
        gt=0,
        description="Idle keep-alive connections are closed after this (uvicorn).",
    )
    db_pool_size: int = Field(
        default=5, ge=1, description="Connections kept open per process (PostgreSQL)."
    )
    db_max_overflow: int = Field(
        default=10, ge=0, description="Extra connections allowed above the pool size (PostgreSQL)."
    )
    db_pool_timeout: float = Field(
        default=10.0, gt=0, description="Seconds to wait for a free pooled connection (PostgreSQL)."
    )
