"""A demonstration programme, modelled on the Fabrik MedVallée (Montpellier, 2021–2022).

Everything is recorded through the application service, exactly as a clerk
would record it from the workshops' sheets and the steering committee's
minutes: every event carries the workshop date as ``occurred_at`` and today as
``recorded_at``. The data (in ``data``) is fixed, so two runs record the
same programme.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, date, datetime

from registre.adapters.application import Registre, Result
from registre.adapters.application import commands as c
from registre.adapters.demo.data import (
    ACTIONS,
    ALL_AXES,
    AMENDMENTS,
    ASSISES,
    AXES,
    BALLOT,
    CONTRIBUTIONS,
    COPIL,
    COPIL_DAY,
    DECISIONS,
    DOT_PATTERNS,
    FACILITATORS,
    FOUNDER_DAYS,
    FOUNDER_SOURCES,
    FOUNDERS,
    ORGANISER,
    PARTICIPANTS,
    PROPOSALS,
    ROUND,
    SESSIONS,
    SLUG,
    SYNTHESIS_DAY,
    TITLE,
    VALIDATIONS,
    SessionPlan,
)
from registre.adapters.ledger import keyring
from registre.adapters.ledger.checkpoints import key_dir, publish_plan_with_checkpoint
from registre.domain import (
    ActionStatus,
    Ballot,
    Decision,
    DecisionRule,
    Method,
    Programme,
    Proposal,
)
from registre.domain.errors import AlreadyExists

ACTOR = "greffe-medvallee"


@dataclass
class Tally:
    """What the demo recorded, for its summary."""

    results: list[Result] = field(default_factory=list)
    commands: Counter[str] = field(default_factory=Counter)

    def add(self, result: Result) -> Result:
        self.results.append(result)
        self.commands[result.command] += 1
        return result


class Greffe:
    """Records commands as the programme's clerk, dated when they happened."""

    def __init__(self, registre: Registre) -> None:
        self.registre = registre
        self.tally = Tally()
        self.count = 0

    def __call__(
        self,
        command: c.Command,
        on: date | datetime,
        source: str | None = None,
        on_behalf_of: str | None = None,
    ) -> Result:
        return self.tally.add(
            self.registre.handle(command, self._context(on, source, on_behalf_of))
        )

    def publish(
        self,
        command: c.PublishPlan,
        on: date | datetime,
        source: str | None = None,
        on_behalf_of: str | None = None,
    ) -> Result:
        """The plan published, and a checkpoint signed that covers it."""
        ctx = self._context(on, source, on_behalf_of)
        return self.tally.add(publish_plan_with_checkpoint(self.registre, command, ctx))

    def _context(
        self, on: date | datetime, source: str | None, on_behalf_of: str | None
    ) -> c.Context:
        self.count += 1
        when = on if isinstance(on, datetime) else datetime(on.year, on.month, on.day, 9, 30)
        ctx = c.Context(
            actor=ACTOR,
            on_behalf_of=on_behalf_of,
            occurred_at=when.replace(tzinfo=UTC),
            source=source,
            # Fixed command ids: the demo is a fixed record, and ids say where each
            # record sits in it.
            command_id=f"demo/{SLUG}/{self.count:04d}",
        )
        return ctx


def record_fabrik_medvallee(registre: Registre) -> list[str]:
    """Records the Fabrik MedVallée demonstration programme; returns a summary."""
    if registre.load(Programme, SLUG, SLUG) is not None:
        raise AlreadyExists(
            f"programme {SLUG} is already recorded in this store ({registre.config.display}); "
            "the record cannot be rewritten: to start afresh, run the demo on another store, "
            "e.g. --database demo-2.db"
        )
    # As `registre init` does: the published plan is signed, so the deployment
    # needs its key (made if it has none, never replaced).
    keyring.ensure_key(registre.store, key_dir())
    g = Greffe(registre)
    _structure(g)
    _workshops(g)
    _second_synthesis(g)
    _validation_and_decisions(g)
    _plan(g)
    return _summary(registre, g.tally)


def _structure(g: Greffe) -> None:
    opened = date(2021, 5, 20)
    g(
        c.OpenProgramme(
            programme=SLUG,
            title=TITLE,
            organiser=ORGANISER,
            founders=FOUNDERS,
            rule=DecisionRule.UNANIMITY,
        ),
        opened,
        source="deliberation-metropole-2021-05",
        on_behalf_of=ORGANISER,
    )
    for key, title in AXES.items():
        g(c.AddAxis(programme=SLUG, key=key, title=title), opened)
    for plan in SESSIONS:
        g(
            c.ScheduleSession(
                programme=SLUG,
                key=plan.key,
                kind=plan.kind,
                on=plan.on,
                title=plan.title,
                axes=list(ALL_AXES),
                facilitators=[FACILITATORS, "Équipe Med Vallée de la Métropole"],
            ),
            opened,
            on_behalf_of=ORGANISER,
        )
    for key, name, organisation, kind in PARTICIPANTS:
        g(
            c.RegisterParticipant(
                programme=SLUG,
                key=key,
                name=name,
                organisation=organisation,
                organisation_type=kind,
            ),
            date(2021, 6, 10),
            source="listing-acteurs-medvallee",
        )


def _number(key: str) -> int:
    return int(key.split("-")[1])


def _attendance(g: Greffe, plan: SessionPlan) -> None:
    present = [p[0] for p in PARTICIPANTS if plan.attends(_number(p[0]))]
    g(
        c.RecordAttendance(programme=SLUG, session=plan.key, participants=present),
        plan.on,
        source=f"{plan.key}/feuille-emargement",
    )


def _workshops(g: Greffe) -> None:
    sessions = {plan.key: plan for plan in SESSIONS}
    amendments = {key: (on, text) for key, on, text in AMENDMENTS}
    for plan in SESSIONS:
        if plan.key == "assises-2022":
            continue
        _attendance(g, plan)
        for key, session, axis, authors, text in CONTRIBUTIONS:
            if session != plan.key:
                continue
            g(
                c.SubmitContribution(
                    programme=SLUG,
                    key=key,
                    session=session,
                    axis=axis,
                    authors=list(authors),
                    text=text,
                ),
                sessions[session].on,
                source=f"{session}/fiches-idees",
            )
        # An amendment is made at a later session, once its authors refined the idea.
        for key, (on, text) in amendments.items():
            if on == plan.on:
                g(
                    c.AmendContribution(programme=SLUG, key=key, text=text),
                    on,
                    source=f"{plan.key}/fiches-idees",
                )
        if plan.key == "atelier-4":
            g(
                c.WithdrawContribution(
                    programme=SLUG,
                    key="C-14",
                    reason="La conserverie rejoint le projet de circuits courts (C-03) "
                    "et retire sa propre fiche.",
                ),
                plan.on,
                source="atelier-4/fiches-idees",
                on_behalf_of="Conserverie du Languedoc",
            )
            _synthesis(g)
            _vote(g)


def _synthesis(g: Greffe) -> None:
    """The facilitators' synthesis, presented at the opening of atelier 4."""
    for key, title, axis, sources in PROPOSALS:
        g(
            c.SynthesiseProposal.model_validate(
                {"programme": SLUG, "key": key, "title": title, "axis": axis, "sources": sources}
            ),
            SYNTHESIS_DAY,
            source="synthese-ateliers-1-3",
            on_behalf_of=FACILITATORS,
        )
    g(
        c.MergeProposals(programme=SLUG, target="P-06", sources=["P-07"]),
        SYNTHESIS_DAY,
        source="synthese-ateliers-1-3",
        on_behalf_of=FACILITATORS,
    )


def _vote(g: Greffe) -> None:
    day = date(2021, 11, 25)
    g(
        c.OpenRound(
            programme=SLUG,
            key=ROUND,
            session="atelier-4",
            method=Method.DOTS,
            limit=3,
            proposals=list(BALLOT),
        ),
        day,
        source="atelier-4",
        on_behalf_of=FACILITATORS,
    )
    plan = next(p for p in SESSIONS if p.key == "atelier-4")
    voters = [p[0] for p in PARTICIPANTS if plan.attends(_number(p[0]))]
    for i, voter in enumerate(voters):
        for proposal, dots in DOT_PATTERNS[i % len(DOT_PATTERNS)]:
            g(
                c.CastVote(
                    programme=SLUG,
                    round=ROUND,
                    participant=voter,
                    proposal=proposal,
                    value=str(dots),
                ),
                day,
                source="atelier-4/tableau-gommettes",
            )
    # A participant moved a dot before the round closed: the trail keeps both.
    mover = voters[1]
    g(
        c.RetractVote(programme=SLUG, round=ROUND, participant=mover, proposal="P-04"),
        day,
        source="atelier-4/tableau-gommettes",
    )
    g(
        c.CastVote(programme=SLUG, round=ROUND, participant=mover, proposal="P-05", value="1"),
        day,
        source="atelier-4/tableau-gommettes",
    )
    g(c.CloseRound(programme=SLUG, key=ROUND), day, source="atelier-4")


def _second_synthesis(g: Greffe) -> None:
    """After the vote: the facilitators' second synthesis and one rewording."""
    g(
        c.SynthesiseProposal.model_validate(
            {
                "programme": SLUG,
                "key": "P-08",
                "title": "Un guichet unique pour l'innovation en santé globale",
                "axis": None,
                "sources": ["C-06@1", "C-18@1", "C-21@1"],
            }
        ),
        date(2022, 1, 20),
        source="synthese-ateliers-4-5",
        on_behalf_of=FACILITATORS,
    )
    g(
        c.RewordProposal(
            programme=SLUG,
            key="P-02",
            title="Un entrepôt de données santé-environnement ouvert et conforme au RGPD",
            text="Rassembler les données environnementales et de santé du territoire dans un "
            "entrepôt commun, avec des règles d'accès partagées entre recherche, "
            "collectivités et entreprises.",
        ),
        date(2022, 2, 24),
        source="atelier-6",
        on_behalf_of=FACILITATORS,
    )


def _validation_and_decisions(g: Greffe) -> None:
    for proposal, outcome in VALIDATIONS:
        g(
            c.ValidateProposal(
                programme=SLUG,
                proposal=proposal,
                body=COPIL,
                minutes="CR-COPIL-2022-03",
                outcome=outcome,
            ),
            COPIL_DAY,
            source="CR-COPIL-2022-03",
            on_behalf_of=COPIL,
        )
    for founder in FOUNDERS:
        source, representative = FOUNDER_SOURCES[founder]
        for proposal, decisions in DECISIONS.items():
            if founder not in decisions:
                continue
            decision, rationale = decisions[founder]
            g(
                c.DecideOnPriority(
                    programme=SLUG,
                    proposal=proposal,
                    founder=founder,
                    decision=decision,
                    rationale=rationale,
                ),
                FOUNDER_DAYS[founder],
                source=source,
                on_behalf_of=representative,
            )
    # The Région approves P-02 once the COPIL has settled the governance it asked for.
    g(
        c.DecideOnPriority(
            programme=SLUG,
            proposal="P-02",
            founder="region",
            decision=Decision.APPROVE,
            rationale="La gouvernance de l'entrepôt a été précisée au COPIL de juin 2022.",
            revise=True,
        ),
        date(2022, 6, 9),
        source="CR-COPIL-2022-06",
        on_behalf_of=FOUNDER_SOURCES["region"][1],
    )


def _plan(g: Greffe) -> None:
    for key, priority, title, lead, partners, due in ACTIONS:
        g(
            c.AssignAction(
                programme=SLUG,
                key=key,
                priority=priority,
                title=title,
                lead=lead,
                partners=list(partners),
                due=due,
            ),
            date(2022, 6, 16),
            source="CR-COPIL-2022-06",
            on_behalf_of=COPIL,
        )
    g(
        c.ReportProgress(
            programme=SLUG,
            key="A-02",
            status=ActionStatus.IN_PROGRESS,
            percent=30,
            note="Cahier des charges de l'appel rédigé, lancement annoncé aux Assises.",
        ),
        ASSISES,
        source="assises-2022",
        on_behalf_of=ORGANISER,
    )
    _attendance(g, SESSIONS[-1])
    g.publish(
        c.PublishPlan(programme=SLUG, label="Assises Med Vallée 2022"),
        datetime(2022, 6, 23, 16, 0),
        source="assises-2022",
        on_behalf_of=ORGANISER,
    )


def _summary(service: Registre, tally: Tally) -> list[str]:
    positions = [r.position for result in tally.results for r in result.recorded]
    kinds = Counter(r.kind for result in tally.results for r in result.recorded)
    n = tally.commands
    by_type = Counter(p[3].value for p in PARTICIPANTS)
    lines = [
        f"Recorded programme {SLUG} ({TITLE}), organised by {ORGANISER}, "
        f"in {service.config.display}",
        f"  {sum(n.values())} commands, {len(positions)} events "
        f"at store positions {min(positions)} to {max(positions)}",
        f"  founders: {', '.join(FOUNDERS.values())} (rule: unanimity); "
        f"axes: {', '.join(AXES.values())}",
        f"  sessions: {n['session schedule']} scheduled "
        f"({_kinds(Counter(p.kind.value for p in SESSIONS))}), "
        f"{n['session attend']} attendance sheets",
        f"  participants: {n['participant register']} registered ({_kinds(by_type)})",
        f"  contributions: {n['contribution submit']} submitted, "
        f"{n['contribution amend']} amended, {n['contribution withdraw']} withdrawn",
        f"  proposals: {n['proposal synthesise']} synthesised, {n['proposal reword']} reworded, "
        f"{n['proposal merge']} merged into another",
        f"  voting: {n['round open']} dots round, {n['vote cast']} votes cast, "
        f"{n['vote retract']} retracted, {n['round close']} closed",
        f"  validations by the {COPIL}: {n['validate']}; "
        f"founder decisions: {n['decide']} (one revised)",
        f"  actions: {n['action assign']} assigned, {n['action progress']} progress report; "
        f"plan versions published: {n['plan publish']}",
        "  events by kind:",
        *_by_aggregate(kinds),
        "  dots tally: " + _tally(service),
        f"Priorities ({DecisionRule.UNANIMITY.value} of {', '.join(FOUNDERS)}):",
    ]
    for key in [p[0] for p in PROPOSALS] + ["P-08"]:
        proposal = service.load(Proposal, SLUG, key)
        if proposal is None or proposal.status.value in ("draft", "merged", "split"):
            continue
        said: dict[str, list[str]] = {}
        for record in proposal.decisions:
            said.setdefault(record.founder, []).append(record.decision.value)
        decisions = ", ".join(f"{f} {', revised to '.join(d)}" for f, d in said.items())
        if proposal.adopted:
            state = f"adopted ({decisions})"
        elif proposal.status.value == "validated":
            waiting = [f for f in FOUNDERS if f not in said]
            state = f"validated, awaiting {', '.join(waiting) or 'a revision'} ({decisions})"
        else:
            state = f"{proposal.status.value} by the {COPIL}"
        lines.append(f"  {key} {proposal.title}: {state}")
    return lines


def _by_aggregate(kinds: Counter[str]) -> list[str]:
    grouped: dict[str, list[str]] = {}
    for kind, count in kinds.items():
        aggregate, _, name = kind.partition(".")
        grouped.setdefault(aggregate, []).append(f"{name} {count}")
    return [f"    {aggregate}: {', '.join(names)}" for aggregate, names in grouped.items()]


def _tally(service: Registre) -> str:
    dots: Counter[str] = Counter()
    for key, *_ in PARTICIPANTS:
        ballot = service.load(Ballot, SLUG, Ballot.key_for(ROUND, key))
        for vote in ballot.live_votes() if ballot else []:
            dots[vote.proposal] += vote.value
    return ", ".join(f"{k} {v}" for k, v in dots.most_common())


def _kinds(counts: Counter[str]) -> str:
    return ", ".join(f"{v} {k}" for k, v in counts.most_common())
