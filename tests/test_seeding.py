"""The seed: articles byte for byte, annotations verified against them, all-or-nothing loading."""

from __future__ import annotations

import hashlib
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
from sqlmodel import Session, select
from typer.testing import CliRunner

from app import models
from app.cli import cli
from app.db import build_engine, upgrade_schema
from app.seeding import SeedError, build_seed_plan, seed_database
from app.settings import PROJECT_ROOT, Settings

SEED_DIR = PROJECT_ROOT / "seed"
SHARED_SEEDS = PROJECT_ROOT.parent / "shared" / "seeds"
ARTICLE_SHA256 = {
    "000_da7a6edb037240d7.txt": "fab88a7255c41900a8f5a42dbb21c1416b477dfb6e8808c337f2bad19486dbf1",
    "001_0219042cc0758feb.txt": "03aee13ad767ce2bcf29b492fdb9c288155097812453f3521a44f4c7031684b8",
}


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_articles_are_byte_for_byte_copies_of_the_shared_seeds() -> None:
    # The digests were taken from the shared seeds; they hold in a clone without shared/ beside it.
    copies = {p.name: sha256(p) for p in sorted((SEED_DIR / "articles").glob("*.txt"))}
    assert copies == ARTICLE_SHA256
    if SHARED_SEEDS.is_dir():
        assert {p.name: sha256(p) for p in sorted(SHARED_SEEDS.glob("*.txt"))} == copies


def test_the_curated_seed_passes_the_check() -> None:
    result = CliRunner().invoke(cli, ["seed", "--check"], env={"DOSSIER_SEED_DIR": str(SEED_DIR)})
    assert result.exit_code == 0, result.output
    assert result.output.startswith("seed is valid: dataset version ")


@pytest.fixture
def broken_seed(tmp_path: Path) -> Path:
    """A writable copy of the real seed, to break on purpose."""
    target = tmp_path / "seed"
    shutil.copytree(SEED_DIR, target)
    return target


def replace_in(path: Path, old: str, new: str) -> int:
    """Replace the first occurrence of ``old``; return its 1-based line number."""
    text = path.read_text(encoding="utf-8")
    assert old in text, old
    line = text[: text.index(old)].count("\n") + 1
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return line


def test_every_problem_is_reported_at_once_with_file_and_line(broken_seed: Path) -> None:
    annotations = broken_seed / "annotations"
    events = annotations / "events.yaml"
    type_line = replace_in(events, "type: withdrawal", "type: evacuation")
    status_line = replace_in(events, "status: planned", "status: rumoured")
    quotes = annotations / "quotes.yaml"
    speaker_line = replace_in(quotes, "speaker: hussein-allawi", "speaker: hussein-alawi")
    with pytest.raises(SeedError) as raised:
        build_seed_plan(broken_seed)
    messages = [str(problem) for problem in raised.value.problems]
    assert any(
        m.startswith(f"annotations/events.yaml:{type_line}: type: Input should be")
        for m in messages
    )
    assert any(m.startswith(f"annotations/events.yaml:{status_line}: status:") for m in messages)
    assert f"annotations/quotes.yaml:{speaker_line}: unknown actor 'hussein-alawi'" in messages


def test_evidence_that_is_not_in_the_article_is_refused(broken_seed: Path) -> None:
    path = broken_seed / "annotations" / "events.yaml"
    text = path.read_text(encoding="utf-8")
    # Straight quotes where the article prints curly ones must not match.
    path.write_text(
        text
        + """
- id: 2025-08-18-invented
  title: Invented
  type: other
  status: occurred
  date: {value: "2025-08-18"}
  evidence:
    - {article: kurdistan24-coalition-shift, exact: "Allawi said nothing of the kind"}
    - {article: kurdistan24-coalition-shift, exact: "Allawi"}
    - {article: no-such-article, exact: "Allawi"}
""",
        encoding="utf-8",
    )
    base = text.count("\n") + 1
    with pytest.raises(SeedError) as raised:
        build_seed_plan(broken_seed)
    messages = [str(problem) for problem in raised.value.problems]
    assert messages == [
        f"annotations/events.yaml:{base + 7}: text not found in article "
        "'kurdistan24-coalition-shift': 'Allawi said nothing of the kind'",
        f"annotations/events.yaml:{base + 8}: ambiguous: 'Allawi' occurs 3 times in "
        "'kurdistan24-coalition-shift'; add a prefix or suffix",
        f"annotations/events.yaml:{base + 9}: unknown article 'no-such-article'",
    ]


def test_a_bad_date_and_an_unknown_field_are_refused(broken_seed: Path) -> None:
    path = broken_seed / "annotations" / "events.yaml"
    date_line = replace_in(path, 'value: "2025-09"', 'value: "2025-9"')
    field_line = replace_in(path, "  summary:", "  summry:")
    with pytest.raises(SeedError) as raised:
        build_seed_plan(broken_seed)
    messages = [str(problem) for problem in raised.value.problems]
    assert any(
        m.startswith(f"annotations/events.yaml:{date_line}: date '2025-9' is not") for m in messages
    ) or any(f":{date_line}:" in m and "2025-9" in m for m in messages)
    assert any(f"annotations/events.yaml:{field_line}:" in m and "summry" in m for m in messages)


def test_a_refused_seed_leaves_the_database_untouched(
    broken_seed: Path, new_database: Callable[[], str]
) -> None:
    url = new_database()
    upgrade_schema(url)
    engine = build_engine(Settings(database_url=url))
    seed_database(engine, SEED_DIR)
    with Session(engine) as session:
        before = session.exec(select(models.DatasetInfo.value)).all()
        events_before = len(session.exec(select(models.Event.id)).all())
    replace_in(
        broken_seed / "annotations" / "quotes.yaml", "speaker: hussein-allawi", "speaker: nobody"
    )
    result = CliRunner().invoke(
        cli, ["seed"], env={"DOSSIER_SEED_DIR": str(broken_seed), "DOSSIER_DATABASE_URL": url}
    )
    assert result.exit_code == 1
    assert "unknown actor 'nobody'" in result.output
    assert "nothing was written" in result.output
    with Session(engine) as session:
        assert session.exec(select(models.DatasetInfo.value)).all() == before
        assert len(session.exec(select(models.Event.id)).all()) == events_before
    engine.dispose()


def test_seeding_twice_gives_the_same_database(new_database: Callable[[], str]) -> None:
    url = new_database()
    upgrade_schema(url)
    engine = build_engine(Settings(database_url=url))

    def snapshot() -> dict[str, list[tuple[object, ...]]]:
        with Session(engine) as session:
            # Surrogate integer keys may differ between loads (sequences move on); content may not.
            return {
                table.name: sorted(
                    (
                        tuple(value for key, value in row._mapping.items() if key != "id")
                        if "id" in table.c and table.c.id.type.python_type is int
                        else tuple(row)
                        for row in session.execute(table.select())
                    ),
                    key=repr,
                )
                for table in models.metadata.sorted_tables
            }

    first = seed_database(engine, SEED_DIR)
    state = snapshot()
    second = seed_database(engine, SEED_DIR)
    assert first.dataset_version == second.dataset_version
    assert snapshot() == state
    engine.dispose()
