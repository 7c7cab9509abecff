"""Options that contradict each other, or that mean nothing without another,
are refused as bad input (exit 2) instead of one of them being ignored."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from registre.cli.main import main

LAYER = "e2e"

FIXTURES = Path(__file__).parent / "fixtures"
REFUSED = [
    ("--json trace fabrik-medvallee P-01 --format dot", "--json and --format dot contradict"),
    ("--json export tallies fabrik-medvallee --format csv", "--json and --format csv contradict"),
    ("audit key --format base64", "--format says how --export prints"),
    ("audit checkpoint --export cp.json --label Assises", "--label names a new checkpoint"),
    ("audit checkpoint --id 1", "--id says which checkpoint --export writes"),
]


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> str:
    path = tmp_path_factory.mktemp("contradictions") / "store.db"
    shutil.copyfile(FIXTURES / "store_v0.db", path)
    return str(path)


@pytest.mark.parametrize(("line", "message"), REFUSED)
def test_contradictory_options_are_refused_and_write_nothing(
    store: str, line: str, message: str, tmp_path: Path
) -> None:
    before = Path(store).stat().st_mtime_ns, Path(store).stat().st_size
    result = CliRunner().invoke(main, ["--database", store, *line.split()])
    assert result.exit_code == 2, result.output
    assert message in result.stderr and result.stderr.count("\n") == 1
    assert not (tmp_path / "cp.json").exists()
    assert (Path(store).stat().st_mtime_ns, Path(store).stat().st_size) == before


def test_json_alone_asks_an_export_for_json(store: str) -> None:
    result = CliRunner().invoke(
        main, ["--database", store, "--json", "export", "tallies", "fabrik-medvallee"]
    )
    assert result.exit_code == 0 and result.stdout.startswith("{")
