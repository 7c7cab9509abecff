"""From priorities to the action plan: validation, founders' decisions, actions, corrections."""

from __future__ import annotations

import click

from registre.adapters.application import commands as c
from registre.adapters.ledger.checkpoints import publish_plan_with_checkpoint
from registre.cli.app import Recording, choices, chosen, one_of, record, recording
from registre.cli.output import invalid
from registre.cli.texts import example
from registre.domain import ActionStatus


@click.command(
    "validate",
    epilog=example(
        "registre validate fabrik P1 --as clerk --body 'Comité de pilotage' --minutes CR-2022-03"
    ),
)
@click.argument("programme", metavar="SLUG")
@click.argument("proposal", metavar="PROPOSAL")
@click.option("--body", required=True, help="Who validated: committee, council, working group.")
@click.option("--minutes", required=True, metavar="REF", help="The minutes that record it.")
@one_of("--return", "outcome", "returned", "Returned for rework instead of validated.")
@one_of("--reject", "outcome", "rejected", "Rejected instead of validated.")
@recording
def validate(how: Recording, programme: str, proposal: str, body: str, minutes: str) -> None:
    """Record a body's validation of a proposal as a priority.

    With --return or --reject, record that it was returned for rework or rejected.
    """
    record(
        c.ValidateProposal,
        how,
        programme=programme,
        proposal=proposal,
        body=body,
        minutes=minutes,
        outcome=chosen("outcome"),
    )


@click.command(
    "decide",
    epilog=example(
        "registre decide fabrik P1 --as clerk --on-behalf-of 'Région Occitanie' \\",
        "  --founder region --approve --rationale 'Conforme au SRDEII'",
    ),
)
@click.argument("programme", metavar="SLUG")
@click.argument("proposal", metavar="PROPOSAL")
@click.option("--founder", required=True, metavar="KEY", help="The founder deciding.")
@one_of("--approve", "decision", "approve", "The founder approves.")
@one_of("--reject", "decision", "reject", "The founder rejects.")
@one_of("--amend", "decision", "amend", "The founder asks to amend.")
@click.option("--rationale", required=True, help="Why, in the founder's words.")
@click.option("--revise", is_flag=True, help="Replace this founder's earlier decision.")
@recording
def decide(
    how: Recording,
    programme: str,
    proposal: str,
    founder: str,
    rationale: str,
    revise: bool,
) -> None:
    """Record a founder's decision on a validated priority."""
    decision = chosen("decision")
    if decision is None:
        raise invalid(["say what the founder decided: --approve, --reject or --amend"])
    record(
        c.DecideOnPriority,
        how,
        programme=programme,
        proposal=proposal,
        founder=founder,
        decision=decision,
        rationale=rationale,
        revise=revise,
    )


@click.group(epilog=example("registre action complete fabrik A-01 --as clerk --note 'opened'"))
def action() -> None:
    """Assign actions and follow their progress."""


@action.command(
    "assign",
    epilog=example(
        "registre action assign fabrik A-01 --as clerk --priority P1 \\",
        "  --title 'Ouvrir le guichet' --lead 'CHU de Montpellier' \\",
        "  --partner 'AD Occitanie' --due 2023-06-30",
    ),
)
@click.argument("programme", metavar="SLUG")
@click.argument("key", metavar="KEY")
@click.option("--priority", required=True, metavar="PROPOSAL", help="The adopted priority.")
@click.option("--title", required=True, help="What is to be done.")
@click.option("--lead", required=True, metavar="ORG", help="Who leads it.")
@click.option("--partner", "partners", multiple=True, metavar="ORG", help="A partner (repeat).")
@click.option("--due", metavar="DATE", help="When it is due (YYYY-MM-DD).")
@recording
def assign(
    how: Recording,
    programme: str,
    key: str,
    priority: str,
    title: str,
    lead: str,
    partners: tuple[str, ...],
    due: str | None,
) -> None:
    """Assign an action of the plan for an adopted priority."""
    record(
        c.AssignAction,
        how,
        programme=programme,
        key=key,
        priority=priority,
        title=title,
        lead=lead,
        partners=list(partners),
        due=due,
    )


@action.command(
    "progress",
    epilog=example(
        "registre action progress fabrik A-01 --as clerk --status in-progress --percent 40 \\",
        "  --note 'premier appel lancé'",
    ),
)
@click.argument("programme", metavar="SLUG")
@click.argument("key", metavar="KEY")
@click.option("--status", required=True, metavar=choices(ActionStatus), help="Where it stands.")
@click.option("--percent", required=True, metavar="N", help="How far along, 0 to 100.")
@click.option("--note", help="What happened.")
@recording
def progress(
    how: Recording, programme: str, key: str, status: str, percent: str, note: str | None
) -> None:
    """Report an action's progress."""
    record(
        c.ReportProgress,
        how,
        programme=programme,
        key=key,
        status=status,
        percent=percent,
        note=note,
    )


@action.command(
    "complete",
    epilog=example("registre action complete fabrik A-01 --as clerk --note 'guichet ouvert'"),
)
@click.argument("programme", metavar="SLUG")
@click.argument("key", metavar="KEY")
@click.option("--note", help="What was delivered.")
@recording
def complete(how: Recording, programme: str, key: str, note: str | None) -> None:
    """Report an action done (100%)."""
    record(
        c.ReportProgress,
        how,
        programme=programme,
        key=key,
        status=ActionStatus.DONE.value,
        percent=100,
        note=note,
    )


@click.command(
    "correct",
    epilog=example("registre correct fabrik 42 --as clerk --reason 'vote recorded twice'"),
)
@click.argument("programme", metavar="SLUG")
@click.argument("position", metavar="POSITION")
@click.option("--reason", required=True, help="What was wrong, and why it is annulled.")
@recording
def correct(how: Recording, programme: str, position: str, reason: str) -> None:
    """Annul a mistaken record by its position (#N).

    The record stays, with the correction that says what was wrong and why.
    """
    record(
        c.CorrectRecord,
        how,
        programme=programme,
        # Positions are printed as "#42"; accept them as printed.
        position=position.strip().removeprefix("#"),
        reason=reason,
    )


@click.group(epilog=example("registre plan publish fabrik --as clerk --label 'Assises 2022'"))
def plan() -> None:
    """Publish versions of the action plan."""


@plan.command(
    "publish",
    epilog=example("registre plan publish fabrik --as clerk --label 'Assises 2022'"),
)
@click.argument("programme", metavar="SLUG")
@click.option("--label", required=True, help="The version's name, e.g. the restitution.")
@recording
def publish(how: Recording, programme: str, label: str) -> None:
    """Publish the current action plan as a fixed version the public can check later,
    and sign a checkpoint of the record that covers it."""
    record(c.PublishPlan, how, send=publish_plan_with_checkpoint, programme=programme, label=label)


COMMANDS: list[click.Command] = [validate, decide, action, correct, plan]
