"""What participants put forward, and the proposals synthesised from it."""

from __future__ import annotations

import click

from registre.adapters.application import commands as c
from registre.cli.app import Recording, pairs, record, recording, split_list
from registre.cli.texts import example


@click.group(
    epilog=example("registre contribution amend fabrik C-12 --as clerk --text 'New wording'")
)
def contribution() -> None:
    """Submit, amend and withdraw contributions."""


@contribution.command(
    "submit",
    epilog=example(
        "registre contribution submit fabrik --key C-12 --as clerk --session A1 --axis sante \\",
        "  --by P-001,P-002 --text 'Un guichet unique pour les essais cliniques'",
    ),
)
@click.argument("programme", metavar="SLUG")
@click.option("--key", metavar="KEY", help="The contribution's key; default one derived.")
@click.option("--session", required=True, metavar="SESSION", help="The session it came from.")
@click.option("--axis", metavar="KEY", help="The axis it answers.")
@click.option(
    "--by",
    "authors",
    multiple=True,
    required=True,
    metavar="P[,P2]",
    help="Its authors: participant keys, comma-separated or repeated.",
)
@click.option("--text", required=True, help="What was put forward, as written.")
@recording
def submit(
    how: Recording,
    programme: str,
    key: str | None,
    session: str,
    axis: str | None,
    authors: tuple[str, ...],
    text: str,
) -> None:
    """Record an idea, need or proposal put forward in a session."""
    record(
        c.SubmitContribution,
        how,
        programme=programme,
        key=key,
        session=session,
        axis=axis,
        authors=split_list(authors),
        text=text,
    )


@contribution.command(
    "amend",
    epilog=example("registre contribution amend fabrik C-12 --as clerk --text 'New wording'"),
)
@click.argument("programme", metavar="SLUG")
@click.argument("key", metavar="KEY")
@click.option("--text", required=True, help="The new text; the earlier version stays on record.")
@recording
def amend(how: Recording, programme: str, key: str, text: str) -> None:
    """Record a new version of a contribution's text."""
    record(
        c.AmendContribution,
        how,
        programme=programme,
        key=key,
        text=text,
    )


@contribution.command(
    "withdraw",
    epilog=example(
        "registre contribution withdraw fabrik C-12 --as clerk --reason 'withdrawn by authors'"
    ),
)
@click.argument("programme", metavar="SLUG")
@click.argument("key", metavar="KEY")
@click.option("--reason", required=True, help="Why it is withdrawn.")
@recording
def withdraw(how: Recording, programme: str, key: str, reason: str) -> None:
    """Withdraw a contribution; proposals citing it say so."""
    record(
        c.WithdrawContribution,
        how,
        programme=programme,
        key=key,
        reason=reason,
    )


@click.group(
    epilog=example("registre proposal reword fabrik P1 --as facilitator --title 'Guichet unique'")
)
def proposal() -> None:
    """Synthesise, reword, merge and split proposals."""


@proposal.command(
    "synthesise",
    epilog=example(
        "registre proposal synthesise fabrik P1 --as facilitator --title 'Guichet unique' \\",
        "  --axis sante --from C-12@2 --from C-15",
    ),
)
@click.argument("programme", metavar="SLUG")
@click.argument("key", metavar="KEY")
@click.option("--title", required=True, help="The proposal's title.")
@click.option("--text", help="A longer description.")
@click.option("--axis", metavar="KEY", help="The axis it belongs to.")
@click.option(
    "--from",
    "sources",
    multiple=True,
    required=True,
    metavar="CONTRIB[@VERSION]",
    help="A contribution it comes from, at a version (default the latest); repeat.",
)
@recording
def synthesise(
    how: Recording,
    programme: str,
    key: str,
    title: str,
    text: str | None,
    axis: str | None,
    sources: tuple[str, ...],
) -> None:
    """Synthesise a proposal from given versions of contributions."""
    record(
        c.SynthesiseProposal,
        how,
        programme=programme,
        key=key,
        title=title,
        text=text,
        axis=axis,
        sources=list(sources),
    )


@proposal.command(
    "reword",
    epilog=example("registre proposal reword fabrik P1 --as facilitator --title 'Guichet unique'"),
)
@click.argument("programme", metavar="SLUG")
@click.argument("key", metavar="KEY")
@click.option("--title", required=True, help="The new title.")
@click.option("--text", help="The new description (default: unchanged).")
@recording
def reword(how: Recording, programme: str, key: str, title: str, text: str | None) -> None:
    """Reword a proposal; earlier wordings stay on record."""
    record(
        c.RewordProposal,
        how,
        programme=programme,
        key=key,
        title=title,
        text=text,
    )


@proposal.command(
    "merge",
    epilog=example(
        "registre proposal merge fabrik P9 --as facilitator --from P1 --from P2 --title 'Santé'"
    ),
)
@click.argument("programme", metavar="SLUG")
@click.argument("target", metavar="TARGET")
@click.option(
    "--from",
    "sources",
    multiple=True,
    required=True,
    metavar="PROPOSAL",
    help="A proposal merged into TARGET (repeat).",
)
@click.option("--title", help="TARGET's title, when TARGET is new or renamed.")
@recording
def merge(
    how: Recording, programme: str, target: str, sources: tuple[str, ...], title: str | None
) -> None:
    """Merge proposals into a target proposal, new or existing."""
    record(
        c.MergeProposals,
        how,
        programme=programme,
        target=target,
        sources=list(sources),
        title=title,
    )


@proposal.command(
    "split",
    epilog=example(
        "registre proposal split fabrik P1 --as facilitator \\",
        "  --into P1a='Guichet essais' --into P1b='Guichet financement'",
    ),
)
@click.argument("programme", metavar="SLUG")
@click.argument("key", metavar="KEY")
@click.option(
    "--into",
    "parts",
    multiple=True,
    required=True,
    metavar="KEY=TITLE",
    help="A new proposal taken from KEY (at least two).",
)
@recording
def split(how: Recording, programme: str, key: str, parts: tuple[str, ...]) -> None:
    """Split a proposal into two or more new ones."""
    record(
        c.SplitProposal,
        how,
        programme=programme,
        key=key,
        parts=pairs(parts, "--into", "P1a='Guichet essais'"),
    )


COMMANDS: list[click.Command] = [contribution, proposal]
