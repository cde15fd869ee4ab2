"""The README documents every setting, and nothing that is not one."""

from __future__ import annotations

import re

import yaml

from app.settings import PROJECT_ROOT, Settings


def test_readme_settings_table_lists_exactly_the_settings() -> None:
    readme = (PROJECT_ROOT / "README.md").read_text(encoding="utf-8")
    documented = re.findall(r"^\| `DOSSIER_([A-Z_]+)` \|", readme, flags=re.MULTILINE)
    assert sorted(documented) == sorted(name.upper() for name in Settings.model_fields)
    assert len(documented) == len(set(documented))


def test_readme_names_the_two_commands() -> None:
    readme = (PROJECT_ROOT / "README.md").read_text(encoding="utf-8")
    assert "scripts/serve" in readme
    assert "scripts/test" in readme
    assert "scripts/test" in (PROJECT_ROOT / ".ci" / "run").read_text(encoding="utf-8")


def test_compose_file_sets_only_real_settings() -> None:
    compose = yaml.safe_load((PROJECT_ROOT / "deploy" / "compose.yaml").read_text(encoding="utf-8"))
    environment = compose["x-dossier-environment"]
    names = {name.removeprefix("DOSSIER_").lower() for name in environment}
    assert names <= set(Settings.model_fields)
    assert environment["DOSSIER_DATABASE_URL"].startswith("postgresql+psycopg://")
    assert compose["services"]["dossier"]["deploy"]["replicas"] == 2
