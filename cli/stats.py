"""``registre stats``: who took part, the tallies of the rounds, and how many
kinds of organisation fed each proposal."""

from __future__ import annotations

from typing import Any

import click

from registre.cli.app import App
from registre.cli.output import emit_json
from registre.cli.queries import echo_within, projector, within_json
from registre.cli.texts import example
from registre.domain.errors import NotFound
from registre.domain.reading import ProgrammeFigures
from registre.projections.participation import ParticipationReport, read_participation
from registre.projections.plan import ActionPlan, read_plan
from registre.projections.programmes import read_figures
from registre.projections.tallies import RoundTally, read_tallies


@click.command(
    epilog=example(
        "registre stats fabrik-medvallee",
        "registre --json stats fabrik-medvallee --round priorites-atelier-4",
    )
)
@click.argument("programme", metavar="SLUG")
@click.option("--round", "round_key", metavar="ROUND", help="Only the tally of this round.")
def stats(programme: str, round_key: str | None) -> None:
    """Show who took part (by organisation type, session and axis), the tally
    of each voting round, and how many kinds of organisation fed each proposal.

    A vote stored after its round closed is listed as late and not counted."""
    app = App.current()
    with projector() as (_, views):
        views.catch_up(["participation", "tallies", "plan"])
        with views.reading("plan") as db:
            plan = read_plan(db, programme)
        structure = plan.structure if plan is not None else None
        with views.reading("participation") as db:
            report = read_participation(db, programme, structure)
        with views.reading("tallies") as db:
            rounds = read_tallies(db, programme, round_key)
        figures = (
            read_figures(views, programme) if plan is not None and plan.sub_programmes else None
        )
    if report is None and plan is None:
        raise NotFound(f"no programme {programme!r} in this store")
    if report is None:
        # Opened, with nothing recorded in it yet: every count is zero.
        report = ParticipationReport(programme, 0, [], [], [])
    if round_key is not None and not rounds:
        raise NotFound(f"programme {programme} has no round {round_key!r}")
    if app.json:
        within = {"within": within_json(figures)} if figures is not None else {}
        emit_json(_as_json(report, rounds) | _structure_json(plan) | within)
        return
    _print_participation(report, plan, figures)
    for r in rounds:
        _print_round(r)
    _print_diversity(report)


def _as_json(report: ParticipationReport, rounds: list[RoundTally]) -> dict[str, Any]:
    return {
        "programme": report.programme,
        "participants": report.participants,
        "by_type": [vars(t) for t in report.by_type],
        "sessions": [vars(s) for s in report.sessions],
        "axes": [vars(a) for a in report.axes],
        "rounds": [r.as_dict() for r in rounds],
        "proposals": [vars(p) | {"kinds": p.kinds} for p in report.proposals],
        "parts": [vars(p) for p in report.parts],
    }


def _structure_json(plan: ActionPlan | None) -> dict[str, Any]:
    """What a programme's structure adds: its larger programme, the programmes
    within it, and the number of parts at each level (each part is under
    ``parts``, with what happened under it)."""
    if plan is None:
        return {}
    return {
        "part_of": (
            {"programme": plan.part_of[0], "title": plan.part_of[1]} if plan.part_of else None
        ),
        "sub_programmes": [{"programme": k, "title": t} for k, t in plan.sub_programmes],
        "levels": [{"level": level, "parts": n} for level, n in plan.structure.levels()],
    }


def _types(counts: dict[str, int]) -> str:
    return ", ".join(f"{t} {n}" for t, n in counts.items()) or "-"


def _print_participation(
    report: ParticipationReport, plan: ActionPlan | None, figures: ProgrammeFigures | None
) -> None:
    click.echo(f"{report.programme}: {report.participants} participants")
    structure = plan.structure if plan is not None else None
    if plan is not None and plan.part_of is not None:
        click.echo(f"part of programme {plan.part_of[0]} ({plan.part_of[1]})")
    if figures is not None:
        echo_within(figures)
    elif plan is not None and plan.sub_programmes:
        within = ", ".join(f"{slug} ({title})" for slug, title in plan.sub_programmes)
        click.echo(f"programmes within it: {within}")
    if structure is not None and structure.nested:
        click.echo(f"structure: {structure.levels_phrase()}")
    click.echo("")
    click.echo("by organisation type (registered, took part, of whom erased)")
    for t in report.by_type:
        click.echo(f"  {t.org_type:<18} {t.registered:>4} {t.took_part:>4} {t.erased:>4}")
    click.echo("")
    click.echo("by session (attendance)")
    for s in report.sessions:
        click.echo(f"  {s.held_on}  {s.session:<22} {s.attendees:>4}  {_types(s.by_type)}")
    click.echo("")
    if structure is not None and structure.nested:
        _print_parts(report)
        return
    click.echo("by axis (contributed under it or attended one of its sessions)")
    for a in report.axes:
        click.echo(f"  {a.axis:<22} {a.participants:>4}  {_types(a.by_type)}")


def _print_parts(report: ParticipationReport) -> None:
    click.echo(
        "by part of the structure (contributed under it or below it, or attended their "
        "sessions; the sessions dedicated to it)"
    )
    for p in report.parts:
        label = f"{'  ' * p.depth}{p.level} {p.axis}"
        sessions = f"  sessions {', '.join(p.sessions)}" if p.sessions else ""
        click.echo(f"  {label:<34} {p.participants:>4}  {_types(p.by_type)}{sessions}")


def _print_round(r: RoundTally) -> None:
    click.echo("")
    state = f"closed at #{r.closed_at}" if r.closed else "open"
    limit = f", limit {r.limit}" if r.limit else ""
    click.echo(
        f"round {r.round} ({r.method}{limit}, session {r.session}, {state}): "
        f"{r.participants} participants voted"
    )
    for t in r.ranked():
        if r.method == "agree":
            detail = f"agree {t.agree}, disagree {t.disagree}, pass {t.passes}"
        elif r.method == "score":
            detail = f"sum {t.total} from {t.voters} scores, mean {t.mean}"
        elif r.method == "dots":
            detail = f"{t.total} dots from {t.voters} participants"
        else:
            detail = f"{t.total} approvals"
        click.echo(f"  {t.proposal:<12} {detail}")
    for late in r.late:
        what = "vote" if late.kind == "cast" else "retraction"
        annulled = " (annulled)" if late.annulled else ""
        click.echo(
            f"  late, not counted: {what} #{late.position} by {late.participant} "
            f"on {late.proposal}{annulled}"
        )


def _print_diversity(report: ParticipationReport) -> None:
    click.echo("")
    click.echo("kinds of organisation behind each proposal (through the contributions it cites)")
    for p in report.proposals:
        inherited = len(p.types) - len(p.direct_types)
        through = f" ({inherited} through merges or splits)" if inherited else ""
        kinds = f"{p.kinds} kind" + ("s" if p.kinds != 1 else "")
        click.echo(f"  {p.proposal:<12} {kinds}{through}: {', '.join(p.types) or '-'}")
