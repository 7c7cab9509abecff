"""Prioritisation: voting rounds and the votes cast in them."""

from __future__ import annotations

import click

from registre.adapters.application import commands as c
from registre.cli.app import Recording, choices, record, recording
from registre.cli.texts import example
from registre.domain import Method


@click.group("round", epilog=example("registre round close fabrik R1 --as facilitator"))
def round_() -> None:
    """Open and close voting rounds."""


@round_.command(
    "open",
    epilog=example(
        "registre round open fabrik R1 --as facilitator --session A3 --method dots --limit 3 \\",
        "  --proposal P1 --proposal P2 --proposal P3",
    ),
)
@click.argument("programme", metavar="SLUG")
@click.argument("key", metavar="ROUND")
@click.option("--session", required=True, metavar="SESSION", help="The session it is held in.")
@click.option("--method", required=True, metavar=choices(Method), help="How votes count.")
@click.option("--limit", metavar="K", help="Per participant: proposals (approval) or dots (dots).")
@click.option("--max-score", metavar="N", help="Highest score in a score round (default 5).")
@click.option(
    "--proposal",
    "proposals",
    multiple=True,
    required=True,
    metavar="KEY",
    help="An eligible proposal (repeat).",
)
@recording
def open_round(
    how: Recording,
    programme: str,
    key: str,
    session: str,
    method: str,
    limit: str | None,
    max_score: str | None,
    proposals: tuple[str, ...],
) -> None:
    """Open a voting round on eligible proposals."""
    record(
        c.OpenRound,
        how,
        programme=programme,
        key=key,
        session=session,
        method=method,
        limit=limit,
        max_score=max_score,
        proposals=list(proposals),
    )


@round_.command("close", epilog=example("registre round close fabrik R1 --as facilitator"))
@click.argument("programme", metavar="SLUG")
@click.argument("key", metavar="ROUND")
@recording
def close_round(how: Recording, programme: str, key: str) -> None:
    """Close a round: its tally is fixed."""
    record(c.CloseRound, how, programme=programme, key=key)


@click.group(epilog=example("registre vote cast fabrik R1 --as facilitator --by P-001 --for P2"))
def vote() -> None:
    """Cast and retract votes while a round is open."""


@vote.command(
    "cast",
    epilog=example("registre vote cast fabrik R1 --as facilitator --by P-001 --for P2 --value 2"),
)
@click.argument("programme", metavar="SLUG")
@click.argument("round", metavar="ROUND")
@click.option("--by", "participant", required=True, metavar="PARTICIPANT", help="Who votes.")
@click.option("--for", "proposal", required=True, metavar="PROPOSAL", help="For which proposal.")
@click.option(
    "--value",
    metavar="V",
    help="Dots (dots), a score (score), or agree|disagree|pass (agree); approval takes none.",
)
@recording
def cast(
    how: Recording, programme: str, round: str, participant: str, proposal: str, value: str | None
) -> None:
    """Cast a participant's vote in an open round."""
    record(
        c.CastVote,
        how,
        programme=programme,
        round=round,
        participant=participant,
        proposal=proposal,
        value=value,
    )


@vote.command(
    "retract",
    epilog=example("registre vote retract fabrik R1 --as facilitator --by P-001 --for P2"),
)
@click.argument("programme", metavar="SLUG")
@click.argument("round", metavar="ROUND")
@click.option("--by", "participant", required=True, metavar="PARTICIPANT", help="Whose vote.")
@click.option("--for", "proposal", required=True, metavar="PROPOSAL", help="On which proposal.")
@recording
def retract(how: Recording, programme: str, round: str, participant: str, proposal: str) -> None:
    """Retract a participant's vote while the round is open."""
    record(
        c.RetractVote,
        how,
        programme=programme,
        round=round,
        participant=participant,
        proposal=proposal,
    )


COMMANDS: list[click.Command] = [round_, vote]
