"""The folders keep their one direction: cli -> adapters -> projections -> domain.

Read from the source (every import, at any depth of a module), so a new
import that reaches back up fails here, not in review; and only the unit of
work saves events.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
LAYERS = ["domain", "projections", "adapters", "cli"]  # each may import those before it
IO_LIBRARIES = ("psycopg", "sqlite3", "click", "eventsourcing.postgres", "eventsourcing.sqlite")


def imports(path: Path) -> list[str]:
    found: list[str] = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.append(node.module)
    return found


def sources(layer: str) -> list[Path]:
    return sorted((ROOT / layer).rglob("*.py"))


@pytest.mark.parametrize("layer", LAYERS)
def test_no_module_imports_a_layer_above_its_own(layer: str) -> None:
    above = LAYERS[LAYERS.index(layer) + 1 :]
    wrong = [
        f"{path.relative_to(ROOT)} imports {name}"
        for path in sources(layer)
        for name in imports(path)
        if any(name == f"registre.{a}" or name.startswith(f"registre.{a}.") for a in above)
    ]
    assert wrong == []


@pytest.mark.parametrize("layer", ["domain", "projections"])
def test_the_domain_and_the_projections_use_no_database_driver_and_no_cli(layer: str) -> None:
    wrong = [
        f"{path.relative_to(ROOT)} imports {name}"
        for path in sources(layer)
        for name in imports(path)
        if name.startswith(IO_LIBRARIES)
    ]
    assert wrong == []


def test_only_the_unit_of_work_saves_events() -> None:
    savers = [
        str(path.relative_to(ROOT))
        for layer in LAYERS
        for path in sources(layer)
        if ".app.save(" in path.read_text(encoding="utf-8")
    ]
    assert savers == ["adapters/application/unit_of_work.py"]


def test_bare_imports_of_a_top_level_folder_are_absent() -> None:
    """Event topics are stored data: a module imported under two names would
    give one event two topics."""
    wrong = [
        f"{path.relative_to(ROOT)} imports {name}"
        for layer in [*LAYERS, "tests", "bench"]
        for path in sources(layer)
        for name in imports(path)
        if name.split(".")[0] in LAYERS
    ]
    assert wrong == []
