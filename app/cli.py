"""The ``dossier`` command: serve, migrate, seed, check, export, import, synth."""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path
from typing import Annotated

import typer

from app import serving
from app.checks import check_database
from app.db import build_engine, read_sqlite_file, startup_lock, upgrade_schema
from app.seeding import SeedError, build_seed_plan, is_seeded, seed_database
from app.settings import Settings
from app.synth import synthesize
from app.transfer import TransferError, export_database, import_database

cli = typer.Typer(
    help="Dossier: a provenance-first knowledge API for news stories.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


@cli.command()
def migrate() -> None:
    """Apply every pending database migration."""
    settings = Settings()
    upgrade_schema(settings.database_url)
    typer.echo("database schema is up to date")


@cli.command()
def seed(
    check: Annotated[
        bool,
        typer.Option("--check", help="Verify the annotations against the articles; write nothing."),
    ] = False,
) -> None:
    """Load the curated seed in one transaction (replacing what was loaded), or only check it."""
    settings = Settings()
    try:
        if check:
            plan = build_seed_plan(settings.seed_dir)
            typer.echo(
                f"seed is valid: dataset version {plan.dataset_version}, "
                f"{sum(len(rows) for rows in plan.rows.values())} rows"
            )
            return
        upgrade_schema(settings.database_url)
        engine = build_engine(settings)
        try:
            plan = seed_database(engine, settings.seed_dir)
        finally:
            engine.dispose()
    except SeedError as error:
        _report(error)
        raise typer.Exit(code=1) from None
    typer.echo(f"seeded dataset version {plan.dataset_version}")


@cli.command()
def serve(
    host: Annotated[
        str | None, typer.Option(help="Interface to bind [default: DOSSIER_HOST or 127.0.0.1].")
    ] = None,
    port: Annotated[int | None, typer.Option(help="Port [default: DOSSIER_PORT or 8000].")] = None,
    workers: Annotated[
        int | None, typer.Option(help="Worker processes [default: DOSSIER_WORKERS or 1].")
    ] = None,
) -> None:
    """Apply migrations, seed an empty database, then serve the API.

    Several instances may start at once over one database: a start-up lock lets one of them
    migrate and seed while the others wait, then find the work done.
    """
    settings = Settings()
    engine = build_engine(settings)
    try:
        with startup_lock(engine):
            upgrade_schema(settings.database_url)
            if not is_seeded(engine):
                try:
                    plan = seed_database(engine, settings.seed_dir)
                except SeedError as error:
                    _report(error)
                    raise typer.Exit(code=1) from None
                typer.echo(f"seeded dataset version {plan.dataset_version}")
    finally:
        engine.dispose()
    if settings.sqlite_preload:
        read = read_sqlite_file(settings.database_url)
        typer.echo(f"read {read / 2**20:,.0f} MB of the database into the page cache")
    # Worker processes build their own Settings from the environment.
    os.environ.setdefault("DOSSIER_DATABASE_URL", settings.database_url)
    worker_count = workers or settings.workers
    if worker_count > 1 and "PROMETHEUS_MULTIPROC_DIR" not in os.environ:
        # Each worker writes its metrics here, so /metrics adds up every worker.
        os.environ["PROMETHEUS_MULTIPROC_DIR"] = tempfile.mkdtemp(prefix="dossier-metrics-")
    serving.serve(
        serving.ServerOptions(
            host=host or settings.host,
            port=port or settings.port,
            log_level=settings.log_level,
            limit_concurrency=settings.max_concurrency,
            timeout_keep_alive=int(settings.keep_alive_seconds),
        ),
        worker_count,
    )


@cli.command("export")
def export_command(
    path: Annotated[Path, typer.Argument(help="File to write (NDJSON), or - for standard output.")],
) -> None:
    """Write every row of the configured database to an NDJSON file (for `dossier import`)."""
    engine = build_engine(Settings())
    try:
        if str(path) == "-":
            count = export_database(engine, sys.stdout.buffer)
        else:
            with path.open("wb") as out:
                count = export_database(engine, out)
    finally:
        engine.dispose()
    typer.echo(f"exported {count} rows", err=True)


@cli.command("import")
def import_command(
    path: Annotated[Path, typer.Argument(help="File written by `dossier export`, or - for stdin.")],
) -> None:
    """Migrate the configured (empty) database and load an export into it, in one transaction."""
    settings = Settings()
    upgrade_schema(settings.database_url)
    engine = build_engine(settings)
    try:
        if str(path) == "-":
            count = import_database(engine, sys.stdin.buffer)
        else:
            with path.open("rb") as source:
                count = import_database(engine, source)
    except TransferError as error:
        typer.echo(f"import refused: {error}; nothing was written", err=True)
        raise typer.Exit(code=1) from None
    finally:
        engine.dispose()
    typer.echo(f"imported {count} rows")


@cli.command()
def check() -> None:
    """Check the database's integrity; re-verify every evidence span, event and quote card, the
    timeline's and the facets' counts and the recorded search document order."""
    engine = build_engine(Settings())
    try:
        checked, problems = check_database(engine)
    finally:
        engine.dispose()
    for problem in problems:
        typer.echo(problem, err=True)
    if problems:
        typer.echo(f"{len(problems)} problem(s) found", err=True)
        raise typer.Exit(code=1)
    typer.echo(f"database is sound; {checked} evidence spans match their articles")


@cli.command()
def synth(
    events: Annotated[int, typer.Option("--events", min=1, help="Number of events to generate.")],
    seed: Annotated[int, typer.Option("--seed", help="Random seed (same seed, same data).")] = 1,
    skew: Annotated[
        float,
        typer.Option(
            "--skew",
            min=0.0,
            max=3.0,
            help="Zipf exponent of how often actors and places appear: 0 draws them uniformly; "
            "1 puts actor-0000000 and place-000000 in about a sixth and a tenth of a million "
            "events, as the most named states are in real news.",
        ),
    ] = 0.0,
) -> None:
    """Replace the configured database's content with a synthetic benchmark dataset."""
    settings = Settings()
    upgrade_schema(settings.database_url)
    engine = build_engine(settings)
    try:
        summary = synthesize(engine, events, seed, skew)
    finally:
        engine.dispose()
    typer.echo(
        f"synthesized {summary.events} events, {summary.actors} actors, "
        f"{summary.locations} locations, {summary.quotes} quotes, {summary.articles} articles "
        f"(dataset version {summary.dataset_version})"
    )


def _report(error: SeedError) -> None:
    for problem in error.problems:
        typer.echo(str(problem), err=True)
    typer.echo(f"{len(error.problems)} problem(s); nothing was written", err=True)


def main() -> None:
    """Entry point of the ``dossier`` console script."""
    cli()


if __name__ == "__main__":
    main()
