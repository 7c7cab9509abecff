"""The domain names the concept; each interface says where it was typed.

The same refusal of the same rule (a dots vote needs at least one dot) reads
``--value: …`` to a clerk at the command line and ``FILE:LINE: value: …`` in
an import, where the clerk never typed a flag.
"""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from registre.cli.main import main

LAYER = "e2e"

SETUP = [
    "programme open labo --title Labo --organiser Ville --founder ville=Ville --rule any",
    "session schedule labo A1 --kind workshop --on 2019-03-14",
    "participant register labo P-001 --name Anne --org Coop --org-type association",
    "contribution submit labo --key C-1 --session A1 --by P-001 --text fonds",
    "proposal synthesise labo F1 --title Fonds --from C-1",
    "round open labo R1 --session A1 --method dots --limit 3 --proposal F1",
]


def test_a_refusal_names_the_option_at_the_command_line_and_the_column_in_an_import(
    tmp_path: Path,
) -> None:
    runner = CliRunner()
    base = ["--database", str(tmp_path / "r.db")]
    env = {"REGISTRE_ACTOR": "greffe", "REGISTRE_KEY_DIR": str(tmp_path / "keys")}
    for line in SETUP:
        assert runner.invoke(main, [*base, *line.split()], env=env).exit_code == 0, line

    vote = "vote cast labo R1 --by P-001 --for F1 --value 0"
    typed = runner.invoke(main, [*base, *vote.split()], env=env)
    assert typed.exit_code == 2
    assert typed.stderr == "error: --value: the number of dots must be at least 1\n"

    sheet = tmp_path / "votes.csv"
    sheet.write_text("round,participant,proposal,value\nR1,P-001,F1,0\n", encoding="utf-8")
    imported = runner.invoke(main, [*base, "import", "sheet", "labo", str(sheet)], env=env)
    assert imported.exit_code == 2
    assert imported.stderr == f"error: {sheet}:2: value: the number of dots must be at least 1\n"
    assert "--value" not in imported.stderr
