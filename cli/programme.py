"""Setting a programme up: the programme and its axes, sessions, participants."""

from __future__ import annotations

import json
from typing import Any

import click

from registre.adapters.application import commands as c
from registre.cli.app import App, Recording, choices, pairs, record, recording
from registre.cli.output import emit_json, invalid
from registre.cli.texts import example
from registre.domain import DecisionRule, OrganisationType, SessionKind


@click.group(epilog=example("registre programme axis fabrik sante --as clerk --title 'Santé'"))
def programme() -> None:
    """Open a programme and set its axes."""


@programme.command(
    "open",
    epilog=example(
        "registre programme open fabrik --as clerk --title 'Fabrik MedVallée' \\",
        "  --organiser 'Montpellier Méditerranée Métropole' \\",
        "  --founder metropole=Métropole --founder etat=État --founder region=Région \\",
        "  --rule unanimity",
    ),
)
@click.argument("programme", metavar="SLUG")
@click.option("--title", required=True, help="The programme's public title.")
@click.option("--organiser", required=True, metavar="ORG", help="Who runs the programme.")
@click.option(
    "--founder",
    "founders",
    multiple=True,
    required=True,
    metavar="KEY=NAME",
    help="A body whose validation is required (repeat for each).",
)
@click.option(
    "--rule", required=True, metavar=choices(DecisionRule), help="How founders' decisions combine."
)
@click.option(
    "--part-of",
    metavar="SLUG",
    help="The larger programme, already open in this store, that this one is part of.",
)
@recording
def open_programme(
    how: Recording,
    programme: str,
    title: str,
    organiser: str,
    founders: tuple[str, ...],
    rule: str,
    part_of: str | None,
) -> None:
    """Open a consultation programme with its founders and their decision rule."""
    given = pairs(founders, "--founder", "metropole=Montpellier Méditerranée Métropole")
    keys = [key for key, _ in given]
    twice = sorted({key for key in keys if keys.count(key) > 1})
    if twice:
        raise invalid([f"--founder: {', '.join(twice)} given more than once"])
    record(
        c.OpenProgramme,
        how,
        programme=programme,
        title=title,
        organiser=organiser,
        founders=dict(given),
        rule=rule,
        part_of=part_of,
    )


@programme.command(
    "axis",
    epilog=example(
        "registre programme axis fabrik sante --as clerk --title 'Santé'",
        "registre programme axis labo T1 --as clerk --title 'Financer' --level thème",
        "registre programme axis labo T1-A2 --as clerk --title 'Prêts d'honneur' \\",
        "  --parent T1 --level 'axe de travail'",
    ),
)
@click.argument("programme", metavar="SLUG")
@click.argument("key", metavar="KEY")
@click.option("--title", required=True, help="The axis, theme or sector, as people call it.")
@click.option("--parent", metavar="KEY", help="The part it hangs under (default: the top).")
@click.option(
    "--level",
    metavar="WORD",
    help="What the programme calls this level: thème, axe de travail, concept... (default: axe).",
)
@recording
def add_axis(
    how: Recording,
    programme: str,
    key: str,
    title: str,
    parent: str | None,
    level: str | None,
) -> None:
    """Add a part of the programme's structure: an axis, or a theme, work axis,
    concept or challenge under another."""
    record(c.AddAxis, how, programme=programme, key=key, title=title, parent=parent, level=level)


@click.group(epilog=example("registre session attend fabrik A1 P-001 P-002 --as clerk"))
def session() -> None:
    """Schedule sessions and record who attended."""


@session.command(
    "schedule",
    epilog=example(
        "registre session schedule fabrik A1 --as clerk --kind workshop --on 2021-10-05 \\",
        "  --axis sante --title 'Atelier 1' --facilitator 'Claire Martin'",
    ),
)
@click.argument("programme", metavar="SLUG")
@click.argument("key", metavar="KEY")
@click.option("--kind", required=True, metavar=choices(SessionKind), help="What kind of session.")
@click.option("--on", required=True, metavar="DATE", help="The session's date (YYYY-MM-DD).")
@click.option("--axis", "axes", multiple=True, metavar="KEY", help="An axis it works on (repeat).")
@click.option("--title", help="A title for the session.")
@click.option(
    "--facilitator", "facilitators", multiple=True, metavar="NAME", help="Who facilitates (repeat)."
)
@recording
def schedule(
    how: Recording,
    programme: str,
    key: str,
    kind: str,
    on: str,
    axes: tuple[str, ...],
    title: str | None,
    facilitators: tuple[str, ...],
) -> None:
    """Schedule a dated session: workshop, council, forum, online round, survey, restitution."""
    record(
        c.ScheduleSession,
        how,
        programme=programme,
        key=key,
        kind=kind,
        on=on,
        axes=list(axes),
        title=title,
        facilitators=list(facilitators),
    )


@session.command(
    "attend",
    epilog=example("registre session attend fabrik A1 P-001 P-002 P-003 --as clerk"),
)
@click.argument("programme", metavar="SLUG")
@click.argument("session", metavar="SESSION")
@click.argument("participants", metavar="PARTICIPANT...", nargs=-1, required=True)
@recording
def attend(how: Recording, programme: str, session: str, participants: tuple[str, ...]) -> None:
    """Record that registered participants attended a session."""
    record(
        c.RecordAttendance,
        how,
        programme=programme,
        session=session,
        participants=list(participants),
    )


@click.group(
    epilog=example("registre participant erase fabrik P-001 --as clerk --reason 'request 12'")
)
def participant() -> None:
    """Register participants; erase their personal data."""


@participant.command(
    "register",
    epilog=example(
        "registre participant register fabrik P-001 --as clerk --name 'Anne Dupont' \\",
        "  --org 'CHU de Montpellier' --org-type research-lab --contact anne@example.org",
    ),
)
@click.argument("programme", metavar="SLUG")
@click.argument("key", metavar="KEY")
@click.option("--name", required=True, help="The person's name (personal data, erasable).")
@click.option("--org", "organisation", required=True, metavar="ORG", help="Whom they act for.")
@click.option(
    "--org-type",
    "organisation_type",
    required=True,
    metavar="TYPE",
    help=f"The kind of organisation: {choices(OrganisationType).replace('|', ', ')}.",
)
@click.option("--contact", help="How to reach them (personal data, erasable).")
@click.option(
    "--org-is-person",
    "organisation_is_person",
    is_flag=True,
    help="The organisation is this one person (a sole trader, a citizen for themself): "
    "its name is personal data, kept with the name and not in the record.",
)
@recording
def register(
    how: Recording,
    programme: str,
    key: str,
    name: str,
    organisation: str,
    organisation_type: str,
    contact: str | None,
    organisation_is_person: bool,
) -> None:
    """Register a participant acting for an organisation."""
    record(
        c.RegisterParticipant,
        how,
        programme=programme,
        key=key,
        name=name,
        organisation=organisation,
        organisation_type=organisation_type,
        contact=contact,
        organisation_is_person=organisation_is_person,
    )


@participant.command(
    "erase",
    epilog=example("registre participant erase fabrik P-001 --as clerk --reason 'GDPR request'"),
)
@click.argument("programme", metavar="SLUG")
@click.argument("key", metavar="KEY")
@click.option("--reason", required=True, help="Why (e.g. the request's reference).")
@recording
def erase(how: Recording, programme: str, key: str, reason: str) -> None:
    """Erase a participant's personal data; the record keeps an erased participant."""
    record(
        c.EraseParticipant,
        how,
        programme=programme,
        key=key,
        reason=reason,
    )


@participant.command(
    "export",
    epilog=example(
        "registre participant export fabrik P-001",
        "registre participant export fabrik P-001 --json > P-001.json",
    ),
)
@click.argument("programme", metavar="SLUG")
@click.argument("key", metavar="KEY")
def export(programme: str, key: str) -> None:
    """Show everything held about a participant (a subject access request):
    their personal data, their registration, their erasure if any, and every
    event of the record that names them."""
    from registre.adapters.application.subject_access import subject_access

    app = App.current()
    with app.registre() as registre:
        found = subject_access(registre, programme, key)
    if app.json:
        emit_json(found)
        return
    for line in _subject_access_text(found):
        click.echo(line)


def _subject_access_text(found: dict[str, Any]) -> list[str]:
    def when(d: dict[str, Any]) -> str:
        behalf = f" for {d['on_behalf_of']}" if d.get("on_behalf_of") else ""
        return (
            f"#{d['position']}, on {d['occurred_at'][:10]} "
            f"(recorded {d['recorded_at'][:16]} by {d['recorded_by']}{behalf})"
        )

    data, reg, erasure = found["personal_data"], found["registration"], found["erasure"]
    lines = [
        f"Everything held about participant {found['participant']} "
        f"of programme {found['programme']}",
        "",
        f"Personal data ({data['status']}), kept in {data['kept_in']}:",
    ]
    for field in ("name", "contact", "organisation"):
        if data[field] is not None:
            lines.append(f"  {field}: {data[field]}")
    organisation = (
        "withheld from the record (an organisation of one person)"
        if reg["organisation_withheld"]
        else reg["organisation"]
    )
    lines += [
        "",
        f"Registration: {when(reg)}",
        f"  organisation: {organisation}",
        f"  organisation type: {reg['organisation_type']}",
    ]
    if erasure is not None:
        lines += [
            "",
            f"Erased: {when(erasure)}",
            f"  reason: {erasure['reason']}",
            f"  erased: {erasure['what']}",
        ]
    lines += ["", f"Events of the record that name them ({len(found['events'])}):"]
    for e in found["events"]:
        fields = ", ".join(
            f"{k}={json.dumps(v, ensure_ascii=False)}" for k, v in e["fields"].items()
        )
        lines.append(
            f"  #{e['position']:<6} {e['occurred_at'][:10]}  {e['about']} {e['kind']} "
            f"— recorded {e['recorded_at'][:16]} by {e['recorded_by']}: {fields}"
        )
    return lines


COMMANDS: list[click.Command] = [programme, participant, session]
