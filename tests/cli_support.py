"""The clerk's command line, driven as a clerk types it, and the programme the CLI
tests start from (recorded once per run and store kind: ``set_up_url`` in conftest)."""

from __future__ import annotations

import shlex

from click.testing import CliRunner, Result

from registre.adapters.application import Registre as Record
from registre.adapters.stores.config import parse_url
from registre.cli.main import main


class Registre:
    """Runs `registre --database URL LINE --as clerk` in-process, as a clerk would type it."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.runner = CliRunner()

    def __call__(
        self,
        line: str,
        actor: str | None = "clerk",
        env: dict[str, str] | None = None,
        as_json: bool = False,
    ) -> Result:
        args = ["--json"] * as_json + ["--database", self.url, *shlex.split(line)]
        if actor is not None:
            args += ["--as", actor]
        return self.runner.invoke(main, args, env=env, catch_exceptions=False)

    def ok(self, line: str) -> Result:
        result = self(line)
        assert result.exit_code == 0, result.stderr
        assert result.stderr == "" or result.stderr.startswith("warning:"), result.stderr
        return result

    def plain(self, line: str) -> Result:
        """A command that takes no --as."""
        args = ["--database", self.url, *shlex.split(line)]
        return self.runner.invoke(main, args, catch_exceptions=False)

    def events(self) -> int:
        with Record.open(parse_url(self.url)) as service:
            return sum(1 for _ in service.notifications())


OPEN = (
    "programme open fabrik --title 'Fabrik MedVallée' --organiser 'Montpellier Métropole' "
    "--founder metropole=Métropole --founder etat=État --founder region=Région --rule unanimity"
)

SETUP = [
    OPEN,
    "programme axis fabrik sante --title Santé",
    "programme axis fabrik alimentation --title Alimentation",
    "participant register fabrik P-001 --name 'Anne Dupont' --org CHU --org-type research-lab "
    "--contact anne@example.org",
    "participant register fabrik P-002 --name 'Karim Benali' --org 'Start Santé' "
    "--org-type start-up",
    "session schedule fabrik A1 --kind workshop --on 2021-10-05 --axis sante "
    "--title 'Atelier 1' --facilitator 'Claire Martin'",
    "session attend fabrik A1 P-001",
    "contribution submit fabrik --key C-1 --session A1 --axis sante --by P-001,P-002 "
    "--text 'Un guichet unique pour les essais cliniques' --occurred-at 2021-10-05T10:30",
    "contribution submit fabrik --key C-2 --session A1 --by P-002 --text 'Des locaux partagés'",
    "contribution submit fabrik --key C-3 --session A1 --by P-001 --text 'Un fonds d’amorçage'",
    "proposal synthesise fabrik P1 --title 'Guichet unique' --axis sante --from C-1@1",
    "proposal synthesise fabrik P2 --title 'Locaux partagés' --from C-2",
    "proposal synthesise fabrik P3 --title Fonds --from C-3",
    "round open fabrik R1 --session A1 --method dots --limit 3 "
    "--proposal P1 --proposal P2 --proposal P3",
    "vote cast fabrik R1 --by P-001 --for P1 --value 2",
]
"""A programme recorded up to its first vote, shared by the refusal tests."""


def set_up(registre: Registre) -> None:
    for line in SETUP:
        registre.ok(line)


def record_set_up(url: str) -> None:
    """``SETUP`` into an empty store (a recording of conftest's ``Recordings``)."""
    set_up(Registre(url))
