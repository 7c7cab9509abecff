"""A realistic public consultation of any size, recorded through the application
service.

``consultation`` describes a French public consultation as an endless series
of cycles, each a list of steps: a recording command and its context. The
first cycle opens the programme (founders Métropole, État and Région), its
axes, and registers the participants of
organisations of every type; every cycle then runs a complete round of the
work: sessions and their attendance, contributions (some amended, a few
withdrawn), proposals synthesised from them (some reworded, merged or split),
voting rounds of every method, validation by the steering committee, the
founders' decisions, and actions with their progress reports for the
adopted priorities.

The same (slug, events, seed) always gives the same steps, command ids and
dates included. Every step refers only to what earlier steps created and is
accepted by the rules, so any prefix of the flattened steps
(``itertools.chain.from_iterable(cycles)``, then ``islice``) can be recorded
as it is. Dates start on 2019-01-07 and advance through the cycles; the
cycles get shorter as they go, so the dates never reach 2026 however many
are run.

``record`` runs whole cycles through the service, one command per transaction
(the clerk's path) or in batches (``Registre.batch``, the import path), until
enough events are stored; ``generate`` does both for a size.
"""

from __future__ import annotations

import itertools
import math
import random
import time
import uuid
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

from registre.adapters.application import Registre
from registre.adapters.application import commands as c
from registre.domain import (
    ActionStatus,
    Decision,
    DecisionRule,
    Method,
    OrganisationType,
    Outcome,
    SessionKind,
)
from registre.domain.errors import InvalidInput
from registre.domain.ids import check_key

__all__ = ["Recorded", "Scale", "Step", "consultation", "generate", "record", "steps"]

Step = tuple[c.Command, c.Context]
Progress = Callable[[int, int], None]  # (events stored so far, events asked for)

START = datetime(2019, 1, 7, 9, 0, tzinfo=UTC)
# Cycles approach this date without ever reaching it.
HORIZON = datetime(2025, 12, 1, tzinfo=UTC)
# The span of the planned cycles, however many there are.
PLANNED_DAYS = 4 * 365

FOUNDERS = {"metropole": "Métropole", "etat": "État", "region": "Région"}
ORGANISER = "Métropole"
CLERK = "greffe"
FACILITATORS = "Équipe d'animation"
COPIL = "Comité de pilotage"

AXES = (
    ("sante", "Santé"),
    ("mobilites", "Mobilités"),
    ("logement", "Logement"),
    ("energie", "Transition énergétique"),
    ("alimentation", "Alimentation"),
    ("emploi", "Emploi et formation"),
    ("numerique", "Numérique"),
    ("culture", "Culture et patrimoine"),
    ("eau", "Eau et milieux aquatiques"),
    ("biodiversite", "Biodiversité"),
    ("jeunesse", "Jeunesse"),
    ("solidarites", "Solidarités"),
)

OT = OrganisationType
# How common each type of organisation is among those taking part.
ORGANISATION_WEIGHTS = {
    OT.ASSOCIATION: 24,
    OT.SME: 18,
    OT.CITIZEN: 12,
    OT.STARTUP: 9,
    OT.LARGE_COMPANY: 7,
    OT.RESEARCH_LAB: 6,
    OT.UNIVERSITY: 5,
    OT.LOCAL_AUTHORITY: 5,
    OT.OTHER: 5,
    OT.CHAMBER: 3,
    OT.ELECTED_OFFICIAL: 3,
    OT.STATE: 2,
}
# The founders' own staff take part too, a few of them.
FOUNDER_ORGANISATIONS = (
    ("Métropole", OT.LOCAL_AUTHORITY),
    ("Région", OT.LOCAL_AUTHORITY),
    ("État", OT.STATE),
)

PLACES = (
    "Montpellier",
    "Lunel",
    "Sète",
    "Lodève",
    "Castelnau-le-Lez",
    "Pérols",
    "Ganges",
    "Clermont-l'Hérault",
    "Mauguio",
    "Frontignan",
    "Pézenas",
    "Agde",
    "Béziers",
    "Nîmes",
    "Alès",
    "Millau",
    "Rodez",
    "Albi",
    "Carcassonne",
    "Narbonne",
    "Perpignan",
    "Uzès",
    "Vallon-sur-Lez",
    "Saint-Gély-du-Fesc",
)
THEMES = (
    "santé",
    "mobilité douce",
    "habitat",
    "énergie",
    "alimentation",
    "insertion",
    "numérique",
    "patrimoine",
    "eau",
    "nature en ville",
    "jeunesse",
    "solidarité",
)
SYLLABLES = ("Agri", "Médi", "Nova", "Aqua", "Bio", "Éco", "Sol", "Urba", "Data", "Terra", "Clim")
ENDINGS = ("lab", "tech", "sense", "via", "gène", "flow", "logic", "na", "mod")
FAMILIES = ("Martin", "Roux", "Fabre", "Vidal", "Castan", "Pujol", "Maurin", "Teissier", "Cros")
GROUPS = ("Méditerranée", "Occitanie", "Sud", "Horizon", "Atlantique", "Garrigues", "Cévennes")

VERBS = (
    "Créer",
    "Développer",
    "Renforcer",
    "Soutenir",
    "Mettre en place",
    "Expérimenter",
    "Faciliter l'accès à",
    "Accompagner",
    "Mutualiser",
    "Ouvrir",
)
OBJECTS = (
    "un guichet unique",
    "un réseau d'acteurs",
    "des espaces partagés",
    "un fonds d'amorçage",
    "des formations courtes",
    "une plateforme de données ouvertes",
    "des lieux d'expérimentation",
    "un observatoire territorial",
    "des appels à projets",
    "un programme de mentorat",
    "des navettes à la demande",
    "des jardins partagés",
    "des permanences mobiles",
    "un label local",
)
TARGETS = (
    "pour les jeunes",
    "dans les quartiers prioritaires",
    "en zone rurale",
    "pour les petites entreprises",
    "avec les associations locales",
    "à l'échelle intercommunale",
    "pour les personnes âgées",
    "avec les établissements scolaires",
    "pour les familles",
    "avec les communes voisines",
)
FINDINGS = (
    "Les acteurs se connaissent mal et travaillent chacun de leur côté.",
    "Les dispositifs existent mais restent peu connus du public.",
    "Les délais de réponse découragent les porteurs de projets.",
    "Les besoins sont forts en périphérie, où l'offre est rare.",
    "Les financements sont dispersés entre trop de guichets.",
    "Les retours des ateliers précédents vont dans le même sens.",
)
DETAILS = (
    "en précisant le calendrier",
    "avec un budget indicatif",
    "en associant les usagers dès la conception",
    "en commençant par un site pilote",
    "avec des indicateurs de suivi publics",
)
WITHDRAWALS = (
    "retirée par ses auteurs, reprise dans une autre contribution",
    "doublon d'une contribution déposée en ligne",
    "retirée à la demande de son auteur",
)
RATIONALES = {
    Decision.APPROVE: (
        "Priorité conforme aux orientations de {founder}; financement inscrit au budget.",
        "{founder} approuve et désigne un référent pour le suivi.",
        "Approuvé : la priorité répond à un besoin partagé sur le territoire.",
    ),
    Decision.AMEND: (
        "{founder} approuve sous réserve de préciser le calendrier et les partenaires.",
        "À amender : le périmètre doit être resserré avant engagement des crédits.",
    ),
    Decision.REJECT: (
        "Hors du champ de compétence de {founder}.",
        "{founder} ne peut engager de crédits sur cette priorité pendant l'exercice.",
    ),
}
REVISIONS = (
    "Après amendement, {founder} approuve la priorité.",
    "{founder} revoit sa position au vu des précisions apportées.",
)
PROGRESS_NOTES = (
    "Comité de suivi réuni; premiers partenaires engagés.",
    "Cahier des charges publié.",
    "Première phase réalisée sur le site pilote.",
    "",
)


@dataclass(frozen=True)
class Scale:
    """How big the consultation is for a number of events."""

    participants: int
    organisations: int
    contributions: int  # per cycle
    cycle_days: float  # length of the first cycles, shortening slowly

    @classmethod
    def of(cls, events: int) -> Scale:
        participants = min(max(events // 25, 60), 20_000)
        contributions = min(max(events // 150, 24), 2_000)
        # About ten events per contribution, receipts included: the cycles
        # planned for ``events`` span some four years.
        planned_cycles = max(1.0, events / (10 * contributions))
        return cls(
            participants=participants,
            organisations=max(20, participants // 3),
            contributions=contributions,
            cycle_days=min(max(PLANNED_DAYS / planned_cycles, 14.0), 120.0),
        )


@dataclass
class _Contribution:
    key: str
    axis: str
    text: str
    versions: int = 1
    withdrawn: bool = False


@dataclass
class _Proposal:
    key: str
    axis: str | None
    title: str
    status: str = "draft"  # draft, returned, validated, rejected, merged, split
    decisions: dict[str, Decision] = field(default_factory=dict)
    adopted: bool = False


# Phases of a cycle, as fractions of its span.
SCHEDULING = (0.0, 0.02)
CONTRIBUTING = (0.02, 0.40)
AMENDING = (0.40, 0.45)
SYNTHESISING = (0.45, 0.52)
REWORKING = (0.52, 0.56)
VOTING = (0.56, 0.66)
FIRST_COPIL = (0.66, 0.70)
SECOND_COPIL = (0.70, 0.74)
DECIDING = (0.74, 0.82)
ASSIGNING = (0.82, 0.86)
REPORTING = (0.86, 1.0)
SETUP = 0.08  # the first cycle opens the programme in this share of its span

# Voters per eligible proposal in a round: votes come out about half the events.
VOTERS_PER_PROPOSAL = 3.5
ROUND_SIZE = 20  # eligible proposals per round, at most
SHEET = 40  # participants per attendance sheet


class _Consultation:
    """The state of the consultation as its steps are written, so that every
    step is one the rules accept."""

    def __init__(self, slug: str, events: int, seed: int) -> None:
        self.slug = slug
        self.scale = Scale.of(events)
        self.rng = random.Random(f"{seed}/{slug}/{events}")
        self.steps: list[Step] = []
        self.todo: list[tuple[c.Command, str | None, str | None]] = []
        self.axes: dict[str, str] = {}
        self.participants: list[str] = []
        self.activity: list[float] = []  # cumulative weights: some take part a lot
        self.organisations: list[tuple[str, OrganisationType]] = []
        self.counters: dict[str, int] = {}
        self.rule = DecisionRule.UNANIMITY

    # -- the series of cycles ------------------------------------------------------------

    def cycles(self) -> Iterator[list[Step]]:
        for number in itertools.count():
            start, end = self._span(number), self._span(number + 1)
            if number == 0:
                self._setup(start, start + (end - start) * SETUP)
                start += (end - start) * SETUP
            self._cycle(number + 1, start, end)
            steps, self.steps = self.steps, []
            yield steps

    def _span(self, number: int) -> datetime:
        """When cycle ``number`` starts: linear at first, never reaching the horizon."""
        horizon = (HORIZON - START).total_seconds()
        elapsed = horizon * -math.expm1(-number * self.scale.cycle_days * 86400 / horizon)
        return START + timedelta(seconds=elapsed)

    def _do(self, cmd: c.Command, behalf: str | None = None, source: str | None = None) -> None:
        self.todo.append((cmd, behalf, source))

    def _stamp(self, start: datetime, end: datetime) -> None:
        """Dates the steps to do, evenly from ``start`` to ``end``, in order."""
        n = len(self.todo)
        for i, (cmd, behalf, source) in enumerate(self.todo):
            at = (start + (end - start) * (i / n)).replace(microsecond=0)
            ctx = c.Context(
                actor=CLERK,
                on_behalf_of=behalf,
                occurred_at=at,
                source=source,
                command_id=str(uuid.UUID(int=self.rng.getrandbits(128), version=4)),
            )
            self.steps.append((cmd, ctx))
        self.todo.clear()

    def _key(self, prefix: str, width: int) -> str:
        n = self.counters.get(prefix, 0) + 1
        self.counters[prefix] = n
        return f"{prefix}-{n:0{width}d}"

    def _pick(self, pool: list[str], k: int, weights: list[float] | None = None) -> list[str]:
        """``k`` distinct members of ``pool``, the more active more likely."""
        if k >= len(pool):
            return list(pool)
        chosen: dict[str, None] = {}
        for _ in range(4):
            for p in self.rng.choices(pool, cum_weights=weights, k=2 * (k - len(chosen))):
                chosen[p] = None
                if len(chosen) == k:
                    return list(chosen)
        rest = [p for p in pool if p not in chosen]
        chosen.update(dict.fromkeys(self.rng.sample(rest, k - len(chosen))))
        return list(chosen)

    # -- opening: programme, axes, organisations, participants -----------------------------

    def _setup(self, start: datetime, end: datetime) -> None:
        rng = self.rng
        self.rule = rng.choice((DecisionRule.UNANIMITY, DecisionRule.MAJORITY))
        self._do(
            c.OpenProgramme(
                programme=self.slug,
                title=f"Consultation publique {self.slug}",
                organiser=ORGANISER,
                founders=FOUNDERS,
                rule=self.rule,
            ),
            source="délibération d'ouverture",
        )
        for key, title in rng.sample(AXES, rng.randint(6, 10)):
            self.axes[key] = title
            self._do(c.AddAxis(programme=self.slug, key=key, title=title))
        self._stamp(start, start + (end - start) * 0.1)

        self.organisations = self._organisations()
        # Every organisation has someone; the larger ones have many.
        sizes = [
            0.2 if (name, kind) in FOUNDER_ORGANISATIONS else rng.paretovariate(1.3)
            for name, kind in self.organisations
        ]
        members = list(range(len(self.organisations)))
        extra = self.scale.participants - len(members)
        members += rng.choices(range(len(self.organisations)), weights=sizes, k=extra)
        rng.shuffle(members)
        total = 0.0
        for n, index in enumerate(members, 1):
            key = f"P-{n:05d}"
            organisation, kind = self.organisations[index]
            self.participants.append(key)
            total += min(rng.paretovariate(1.2), 40.0)
            self.activity.append(total)
            self._do(
                c.RegisterParticipant(
                    programme=self.slug,
                    key=key,
                    name=f"Participant {n}",
                    organisation=organisation,
                    organisation_type=kind,
                    contact=f"participant-{n}@example.org" if rng.random() < 0.6 else None,
                ),
                source="formulaire d'inscription",
            )
        self._stamp(start + (end - start) * 0.1, end)

    def _organisations(self) -> list[tuple[str, OrganisationType]]:
        rng = self.rng
        count = self.scale.organisations - len(FOUNDER_ORGANISATIONS)
        kinds = list(ORGANISATION_WEIGHTS)  # each type at least once
        weights = list(ORGANISATION_WEIGHTS.values())
        kinds += rng.choices(kinds, weights=weights, k=count - len(kinds))
        names: set[str] = {name for name, _ in FOUNDER_ORGANISATIONS}
        found = list(FOUNDER_ORGANISATIONS)
        for kind in kinds:
            name = _organisation_name(rng, kind)
            if name in names:
                name = f"{name} ({len(found) + 1})"
            names.add(name)
            found.append((name, kind))
        return found

    # -- a cycle ---------------------------------------------------------------------------

    def _cycle(self, number: int, start: datetime, end: datetime) -> None:
        def at(fraction: float) -> datetime:
            return start + (end - start) * fraction

        def phase(span: tuple[float, float]) -> None:
            self._stamp(at(span[0]), at(span[1]))

        rng, scale = self.rng, self.scale
        contributions = max(8, round(scale.contributions * rng.uniform(0.85, 1.15)))
        gatherings = min(max(contributions // 30, 2), 40)
        votings = min(max(contributions // 150, 1), 12)

        # Sessions, scheduled at the start of the cycle for the dates they will take place.
        width = (CONTRIBUTING[1] - CONTRIBUTING[0]) / gatherings
        gathering = []
        for i in range(gatherings):
            kind = rng.choices(
                (SessionKind.WORKSHOP, SessionKind.FORUM, SessionKind.ONLINE, SessionKind.SURVEY),
                weights=(50, 20, 25, 5),
            )[0]
            axes = rng.sample(list(self.axes), rng.choice((1, 1, 2)))
            window = (CONTRIBUTING[0] + i * width, CONTRIBUTING[0] + (i + 1) * width)
            key = self._schedule(number, kind, at(window[0]).date(), axes)
            gathering.append((key, kind, axes, window))
        width = (VOTING[1] - VOTING[0]) / votings
        voting = []
        for i in range(votings):
            kind = rng.choices(
                (SessionKind.COUNCIL, SessionKind.FORUM, SessionKind.ONLINE), weights=(40, 30, 30)
            )[0]
            window = (VOTING[0] + i * width, VOTING[0] + (i + 1) * width)
            voting.append((self._schedule(number, kind, at(window[0]).date(), []), kind, window))
        self._schedule(number, SessionKind.RESTITUTION, at(0.92).date(), [])
        phase(SCHEDULING)

        # Contributions, session by session, by those who came.
        cycle_contributions: list[_Contribution] = []
        for key, kind, axes, window in gathering:
            count = max(1, round(contributions / gatherings * rng.uniform(0.7, 1.3)))
            cycle_contributions += self._gather(key, kind, axes, count)
            phase(window)

        # Amendments and withdrawals, on the platform after the sessions.
        for contribution in rng.sample(cycle_contributions, len(cycle_contributions)):
            if rng.random() < 0.3:
                contribution.versions = 2
                contribution.text = f"{contribution.text} Précision : {rng.choice(DETAILS)}."
                self._do(
                    c.AmendContribution(
                        programme=self.slug, key=contribution.key, text=contribution.text
                    ),
                )
            if rng.random() < 0.05:
                contribution.withdrawn = True
                self._do(
                    c.WithdrawContribution(
                        programme=self.slug, key=contribution.key, reason=rng.choice(WITHDRAWALS)
                    ),
                )
        phase(AMENDING)

        proposals = self._synthesise(cycle_contributions)
        phase(SYNTHESISING)
        self._rework(proposals)
        phase(REWORKING)

        open_ = [p for p in proposals if p.status == "draft"]
        self._vote(number, open_, voting, at)

        minutes = f"CR-COPIL-{at(FIRST_COPIL[0]):%Y-%m-%d}"
        for p in open_:
            outcome = rng.choices(
                (Outcome.VALIDATED, Outcome.RETURNED, Outcome.REJECTED), weights=(80, 12, 8)
            )[0]
            self._validate(p, outcome, minutes)
        phase(FIRST_COPIL)
        returned = [p for p in open_ if p.status == "returned"]
        for p in returned:
            self._reword(p, "reprise après le comité de pilotage")
        minutes = f"CR-COPIL-{at(SECOND_COPIL[0] + 0.02):%Y-%m-%d}"
        for p in returned:
            outcome = rng.choices(
                (Outcome.VALIDATED, Outcome.REJECTED, Outcome.RETURNED), weights=(80, 10, 10)
            )[0]
            self._validate(p, outcome, minutes)
        phase(SECOND_COPIL)

        validated = [p for p in open_ if p.status == "validated"]
        self._decide(validated, at)
        adopted = [p for p in validated if p.adopted]
        self._act(adopted, at)

    def _schedule(self, number: int, kind: SessionKind, on: date, axes: list[str]) -> str:
        key = self._key(f"S{number:03d}", 2)
        topic = " et ".join(self.axes[a] for a in axes)
        n = self.counters[f"S{number:03d}"]
        forum = f"Forum citoyen : {topic}" if axes else f"Forum de priorisation {n}"
        online = f"Consultation en ligne : {topic}" if axes else f"Vote en ligne {n}"
        title = {
            SessionKind.WORKSHOP: f"Atelier {topic}",
            SessionKind.FORUM: forum,
            SessionKind.ONLINE: online,
            SessionKind.SURVEY: f"Questionnaire : {topic}",
            SessionKind.COUNCIL: f"Conseil de développement, séance {n}",
            SessionKind.RESTITUTION: f"Restitution publique du cycle {number}",
        }[kind]
        self._do(
            c.ScheduleSession(
                programme=self.slug,
                key=key,
                kind=kind,
                on=on,
                title=title,
                axes=axes,
                facilitators=[FACILITATORS],
            ),
            behalf=FACILITATORS,
        )
        return key

    def _attend(self, session: str, participants: list[str]) -> None:
        for i in range(0, len(participants), SHEET):
            self._do(
                c.RecordAttendance(
                    programme=self.slug, session=session, participants=participants[i : i + SHEET]
                ),
                source=f"feuille d'émargement {session}/{i // SHEET + 1}",
            )

    def _gather(
        self, session: str, kind: SessionKind, axes: list[str], count: int
    ) -> list[_Contribution]:
        rng = self.rng
        if kind in (SessionKind.WORKSHOP, SessionKind.FORUM):
            attendees = self._pick(
                self.participants, max(8, round(count * rng.uniform(0.5, 0.9))), self.activity
            )
            self._attend(session, attendees)
            authors_from, weights = attendees, None
        else:  # online and surveys: no attendance sheet, anyone may write
            authors_from, weights = self.participants, self.activity
        made = []
        for _ in range(count):
            axis = rng.choice(axes)
            authors = self._pick(authors_from, rng.choices((1, 2, 3), (75, 20, 5))[0], weights)
            text = (
                f"{rng.choice(VERBS)} {rng.choice(OBJECTS)} {rng.choice(TARGETS)} "
                f"({self.axes[axis].lower()}). {rng.choice(FINDINGS)}"
            )
            contribution = _Contribution(self._key("C", 6), axis, text)
            made.append(contribution)
            self._do(
                c.SubmitContribution(
                    programme=self.slug,
                    key=contribution.key,
                    session=session,
                    axis=axis,
                    authors=authors,
                    text=text,
                ),
                source=session,
            )
        return made

    def _synthesise(self, contributions: list[_Contribution]) -> list[_Proposal]:
        rng = self.rng
        proposals = []
        for axis in self.axes:
            pool = [x for x in contributions if x.axis == axis and not x.withdrawn]
            pool = [x for x in rng.sample(pool, len(pool)) if rng.random() < 0.9]
            while len(pool) >= 2:
                size = min(rng.randint(2, 5), len(pool))
                if len(pool) - size == 1:
                    size = len(pool)  # the last one joins this proposal
                sources, pool = pool[:size], pool[size:]
                title = self._title()
                proposal = _Proposal(self._key("PR", 5), axis, title)
                proposals.append(proposal)
                refs = [
                    c.SourceRef(
                        contribution=s.key,
                        # Mostly the amended text; sometimes the text as first written.
                        version=s.versions if rng.random() < 0.8 else 1,
                    )
                    for s in sources
                ]
                self._do(
                    c.SynthesiseProposal(
                        programme=self.slug,
                        key=proposal.key,
                        title=title,
                        text=f"Synthèse de {len(sources)} contributions. {rng.choice(FINDINGS)}",
                        axis=axis,
                        sources=refs,
                    ),
                    behalf=FACILITATORS,
                )
        return proposals

    def _title(self) -> str:
        rng = self.rng
        return f"{rng.choice(VERBS)} {rng.choice(OBJECTS)} {rng.choice(TARGETS)}"

    def _some(self, count: int, rate: float) -> int:
        """About ``count * rate``, rounded up or down at random."""
        return int(count * rate + self.rng.random())

    def _reword(self, proposal: _Proposal, why: str) -> None:
        base = proposal.title if len(proposal.title) < 200 else self._title()
        proposal.title = f"{base}, {self.rng.choice(DETAILS)}"
        self._do(
            c.RewordProposal(programme=self.slug, key=proposal.key, title=proposal.title),
            behalf=FACILITATORS,
            source=why,
        )

    def _rework(self, proposals: list[_Proposal]) -> None:
        """Facilitators reword some proposals, merge some, split a few (draft ones only)."""
        rng = self.rng
        for p in proposals:
            if rng.random() < 0.1:
                self._reword(p, "relecture des animateurs")
        count = len(proposals)

        def drafts() -> list[_Proposal]:
            return [p for p in proposals if p.status == "draft"]

        # Two into a new one, about one proposal in twenty.
        for _ in range(max(1 if count >= 4 else 0, self._some(count, 0.05))):
            pool = drafts()
            if len(pool) < 2:
                break
            a = rng.choice(pool)
            same = [p for p in pool if p.axis == a.axis and p is not a] or [
                p for p in pool if p is not a
            ]
            b = rng.choice(same)
            title = f"{a.title} (regroupée avec {b.key})"[:200]
            target = _Proposal(self._key("PR", 5), a.axis if a.axis == b.axis else None, title)
            a.status = b.status = "merged"
            proposals.append(target)
            self._do(
                c.MergeProposals(
                    programme=self.slug,
                    target=target.key,
                    sources=[a.key, b.key],
                    title=target.title,
                ),
                behalf=FACILITATORS,
            )
        # One into another, existing one.
        for _ in range(self._some(count, 0.03)):
            pool = drafts()
            if len(pool) < 2:
                break
            source, target = rng.sample(pool, 2)
            source.status = "merged"
            self._do(
                c.MergeProposals(programme=self.slug, target=target.key, sources=[source.key]),
                behalf=FACILITATORS,
            )
        # A few split in two or three.
        for _ in range(self._some(count, 0.02)):
            pool = drafts()
            if not pool:
                break
            source = rng.choice(pool)
            source.status = "split"
            parts = []
            for n in range(rng.choice((2, 2, 2, 3))):
                title = f"{source.title} (volet {n + 1})"
                part = _Proposal(self._key("PR", 5), source.axis, title)
                proposals.append(part)
                parts.append((part.key, part.title))
            self._do(
                c.SplitProposal(programme=self.slug, key=source.key, parts=parts),
                behalf=FACILITATORS,
            )

    # -- voting ----------------------------------------------------------------------------

    def _vote(
        self,
        number: int,
        proposals: list[_Proposal],
        sessions: list[tuple[str, SessionKind, tuple[float, float]]],
        at: Callable[[float], datetime],
    ) -> None:
        rng = self.rng
        # Rounds of at most ROUND_SIZE proposals, each on one axis or a few neighbours.
        order = {axis: n for n, axis in enumerate(self.axes)}
        ranked = sorted(proposals, key=lambda p: order.get(p.axis or "", len(order)))
        parts = math.ceil(len(ranked) / ROUND_SIZE)
        rounds = [
            ranked[len(ranked) * i // parts : len(ranked) * (i + 1) // parts] for i in range(parts)
        ]
        rng.shuffle(rounds)
        for s, (session, kind, window) in enumerate(sessions):
            mine = rounds[s :: len(sessions)]
            planned = []
            for eligible in mine:
                method = rng.choices(
                    (Method.APPROVAL, Method.DOTS, Method.SCORE, Method.AGREE),
                    weights=(30, 25, 20, 25),
                )[0]
                n = len(eligible)
                voters = max(5, round(VOTERS_PER_PROPOSAL * n * rng.uniform(0.8, 1.25)))
                planned.append((eligible, method, voters))
            if not planned:
                continue
            if kind is SessionKind.ONLINE:
                pool, weights = self.participants, self.activity
            else:
                wanted = max(v for _, _, v in planned)
                pool = self._pick(self.participants, round(wanted * 1.2), self.activity)
                weights = None
                self._attend(session, pool)
            for eligible, method, voters in planned:
                key = self._key(f"V{number:03d}", 2)
                self._round(key, session, eligible, method, self._pick(pool, voters, weights))
            self._stamp(at(window[0]), at(window[1]))

    def _round(
        self, key: str, session: str, eligible: list[_Proposal], method: Method, voters: list[str]
    ) -> None:
        rng = self.rng
        n = len(eligible)
        keys = [p.key for p in eligible]
        limit: int | None = None
        max_score: int | None = None
        if method is Method.APPROVAL:
            limit = min(n, rng.randint(3, 5))
        elif method is Method.DOTS:
            limit = rng.choice((5, 6, 8, 10))
        elif method is Method.SCORE:
            max_score = rng.choice((5, 10))
        self._do(
            c.OpenRound(
                programme=self.slug,
                key=key,
                session=session,
                method=method,
                limit=limit,
                max_score=max_score,
                proposals=keys,
            ),
            behalf=FACILITATORS,
            source=session,
        )

        def cast(voter: str, proposal: str, value: str | None) -> None:
            self._do(
                c.CastVote(
                    programme=self.slug,
                    round=key,
                    participant=voter,
                    proposal=proposal,
                    value=value,
                ),
                source=session,
            )

        def retract(voter: str, proposal: str) -> None:
            self._do(
                c.RetractVote(programme=self.slug, round=key, participant=voter, proposal=proposal),
                source=session,
            )

        for voter in voters:
            # Live votes of this ballot: proposal -> value (dots: how many on it).
            ballot: dict[str, int] = {}
            if method is Method.DOTS:
                assert limit is not None
                left = limit
                while left > 0 and rng.random() < 0.85:
                    proposal = rng.choice(keys)
                    dots = rng.randint(1, min(3, left))
                    ballot[proposal] = ballot.get(proposal, 0) + dots
                    left -= dots
                    cast(voter, proposal, str(dots))
            else:
                if method is Method.APPROVAL:
                    assert limit is not None
                    chosen = rng.sample(keys, rng.randint(1, limit))
                else:
                    chosen = rng.sample(keys, rng.randint(1, min(n, 8)))
                for proposal in chosen:
                    ballot[proposal] = self._value(method, max_score)
                    cast(voter, proposal, self._text(method, ballot[proposal]))
            # About one vote in ten is taken back, or replaced.
            for proposal in list(ballot):
                if rng.random() >= 0.1:
                    continue
                replace = rng.random() < 0.6
                if method is Method.AGREE and replace:
                    value = rng.choice([v for v in (1, -1, 0) if v != ballot[proposal]])
                    ballot[proposal] = value
                    cast(voter, proposal, self._text(method, value))
                    continue
                retract(voter, proposal)
                freed = ballot.pop(proposal)
                if not replace:
                    continue
                if method is Method.SCORE:
                    assert max_score is not None
                    value = rng.choice([v for v in range(max_score + 1) if v != freed])
                    ballot[proposal] = value
                    cast(voter, proposal, str(value))
                else:  # approval or dots: the vote goes to another proposal
                    others = [k for k in keys if k not in ballot and k != proposal]
                    if others:
                        other = rng.choice(others)
                        ballot[other] = freed
                        cast(voter, other, self._text(method, freed))
        self._do(
            c.CloseRound(programme=self.slug, key=key),
            behalf=FACILITATORS,
            source=session,
        )

    def _value(self, method: Method, max_score: int | None) -> int:
        rng = self.rng
        if method is Method.SCORE:
            assert max_score is not None
            return min(max_score, max(0, round(rng.gauss(max_score * 0.6, max_score * 0.25))))
        if method is Method.AGREE:
            return rng.choices((1, -1, 0), weights=(55, 25, 20))[0]
        return 1

    @staticmethod
    def _text(method: Method, value: int) -> str | None:
        if method is Method.APPROVAL:
            return None
        if method is Method.AGREE:
            return {1: "agree", -1: "disagree", 0: "pass"}[value]
        return str(value)

    # -- validation, decisions, actions -------------------------------------------------------

    def _validate(self, proposal: _Proposal, outcome: Outcome, minutes: str) -> None:
        proposal.status = outcome.value
        self._do(
            c.ValidateProposal(
                programme=self.slug,
                proposal=proposal.key,
                body=COPIL,
                minutes=minutes,
                outcome=outcome,
            ),
            behalf=COPIL,
            source=minutes,
        )

    def _decide(self, proposals: list[_Proposal], at: Callable[[float], datetime]) -> None:
        """Each founder's board decides on every validated priority, one sitting each;
        then some founders who asked for amendments approve the amended text."""
        rng = self.rng
        sittings = len(FOUNDERS) + 1
        width = (DECIDING[1] - DECIDING[0]) / sittings
        for s, (founder, name) in enumerate(FOUNDERS.items()):
            for p in proposals:
                decision = rng.choices(
                    (Decision.APPROVE, Decision.AMEND, Decision.REJECT), weights=(85, 9, 6)
                )[0]
                self._decision(p, founder, name, decision, rng.choice(RATIONALES[decision]))
            self._stamp(at(DECIDING[0] + s * width), at(DECIDING[0] + (s + 1) * width))
        for p in proposals:
            for founder, name in FOUNDERS.items():
                earlier = p.decisions[founder]
                if p.adopted or earlier is Decision.APPROVE:
                    continue
                if rng.random() < (0.5 if earlier is Decision.AMEND else 0.1):
                    rationale = rng.choice(REVISIONS)
                    self._decision(p, founder, name, Decision.APPROVE, rationale, revise=True)
        self._stamp(at(DECIDING[1] - width), at(DECIDING[1]))

    def _decision(
        self,
        proposal: _Proposal,
        founder: str,
        name: str,
        decision: Decision,
        rationale: str,
        revise: bool = False,
    ) -> None:
        proposal.decisions[founder] = decision
        approvals = sum(d is Decision.APPROVE for d in proposal.decisions.values())
        proposal.adopted = self.rule.is_met(approvals, len(FOUNDERS))
        self._do(
            c.DecideOnPriority(
                programme=self.slug,
                proposal=proposal.key,
                founder=founder,
                decision=decision,
                rationale=rationale.format(founder=name),
                revise=revise,
            ),
            behalf=name,
            source=f"délibération {name}",
        )

    def _act(self, priorities: list[_Proposal], at: Callable[[float], datetime]) -> None:
        rng = self.rng
        actions: list[tuple[str, int]] = []  # action key, reports to come
        for p in priorities:
            for _ in range(rng.choices((1, 2), weights=(70, 30))[0]):
                key = self._key("A", 5)
                lead = rng.choice([*FOUNDERS.values(), rng.choice(self.organisations)[0]])
                partners = [o for o, _ in rng.sample(self.organisations, rng.randint(0, 2))]
                self._do(
                    c.AssignAction(
                        programme=self.slug,
                        key=key,
                        priority=p.key,
                        title=f"Mise en œuvre : {p.title}"[:300],
                        lead=lead,
                        partners=[o for o in partners if o != lead],
                        due=(at(ASSIGNING[0]) + timedelta(days=rng.randint(180, 720))).date(),
                    ),
                    behalf=lead,
                )
                actions.append((key, rng.randint(1, 3)))
        self._stamp(at(ASSIGNING[0]), at(ASSIGNING[1]))
        # Reports come in rounds: every action's first report, then the second...
        width = (REPORTING[1] - REPORTING[0]) / 3
        percent = dict.fromkeys((key for key, _ in actions), 0)
        for n in range(3):
            due = [(key, count) for key, count in actions if count > n]
            for key, count in rng.sample(due, len(due)):
                last = n == count - 1
                if last and count == 3 and rng.random() < 0.7:
                    status, percent[key] = ActionStatus.DONE, 100
                elif last and rng.random() < 0.03:
                    status = ActionStatus.CANCELLED
                else:
                    status = ActionStatus.IN_PROGRESS
                    percent[key] = rng.randint(percent[key] + 10, percent[key] + 40 - 10 * n)
                self._do(
                    c.ReportProgress(
                        programme=self.slug,
                        key=key,
                        status=status,
                        percent=percent[key],
                        note=rng.choice(PROGRESS_NOTES),
                    ),
                    source="comité de suivi",
                )
            self._stamp(at(REPORTING[0] + n * width), at(REPORTING[0] + (n + 1) * width))


def _organisation_name(rng: random.Random, kind: OrganisationType) -> str:
    place, theme = rng.choice(PLACES), rng.choice(THEMES)
    return {
        OT.LOCAL_AUTHORITY: f"Commune de {place}",
        OT.STATE: f"Direction départementale des territoires, antenne de {place}",
        OT.ELECTED_OFFICIAL: f"Élus du canton de {place}",
        OT.STARTUP: f"{rng.choice(SYLLABLES)}{rng.choice(ENDINGS)}",
        OT.SME: f"Ateliers {rng.choice(FAMILIES)} de {place}",
        OT.LARGE_COMPANY: f"Groupe {rng.choice(FAMILIES)} {rng.choice(GROUPS)}",
        OT.RESEARCH_LAB: f"Laboratoire {theme} et territoires",
        OT.UNIVERSITY: f"Université de {place}",
        OT.ASSOCIATION: f"Association {theme} de {place}",
        OT.CHAMBER: f"Chambre de commerce et d'industrie de {place}",
        OT.CITIZEN: f"Habitants de {place}",
        OT.OTHER: f"Collectif {theme} {place}",
    }[kind]


# -- the public API ------------------------------------------------------------------------------


def consultation(slug: str, events: int, seed: int = 0) -> Iterator[list[Step]]:
    """The consultation as an endless series of cycles (lists of steps). The
    first cycle opens the programme (founders Métropole/État/Région), its axes,
    sessions and participants; each cycle is a complete round of the work
    (contributions -> synthesis -> vote -> validation -> decisions -> actions).
    ``events`` sets the scale (how many participants, organisations, sessions,
    cycle size); the same (slug, events, seed) always gives the same steps
    (command ids and occurred_at included)."""
    check_key(slug, "programme slug")
    if events < 1:
        raise InvalidInput(f"the number of events must be at least 1, not {events}")
    return _Consultation(slug, events, seed).cycles()


@dataclass
class Recorded:
    events: int  # events stored (notifications, receipts included)
    commands: int
    seconds: float

    @property
    def per_second(self) -> float:
        return self.events / self.seconds if self.seconds > 0 else 0.0


def record(
    registre: Registre,
    cycles: Iterable[list[Step]],
    events: int,
    per_transaction: int = 1,
    progress: Progress | None = None,
) -> Recorded:
    """Runs whole cycles until at least ``events`` events are stored by this call
    (or the cycles run out).

    per_transaction=1: each step is ``registre.handle(cmd, ctx)``, one
    transaction each (the clerk's path). >1: the batched path
    (``Registre.batch``), ``per_transaction`` commands per transaction, a
    cycle's last chunk saved at its end. ``progress(events_so_far, events)``
    is called as events are stored. A refused step raises its error (on the
    batched path, the chunk it was in is not saved)."""
    if per_transaction < 1:
        raise InvalidInput(f"per_transaction must be at least 1, not {per_transaction}")
    started = time.perf_counter()
    stored = commands = reported = 0

    def report(count: int) -> None:
        nonlocal reported
        if progress is not None and count != reported:
            reported = count
            progress(count, events)

    if per_transaction == 1:
        for cycle in cycles:
            if stored >= events:
                break
            for cmd, ctx in cycle:
                result = registre.handle(cmd, ctx)
                stored += len(result.recorded)
                commands += 1
                if commands % 200 == 0:
                    report(stored)
    else:
        with registre.batch(per_transaction) as batch:
            for cycle in cycles:
                if batch.stored >= events:
                    break
                for cmd, ctx in cycle:
                    batch.handle(cmd, ctx)
                    commands += 1
                    report(batch.stored)
                batch.flush()
        stored = batch.stored
    report(stored)
    return Recorded(stored, commands, time.perf_counter() - started)


def generate(
    registre: Registre,
    slug: str,
    events: int,
    seed: int = 0,
    per_transaction: int = 500,
    progress: Progress | None = None,
) -> Recorded:
    """``record(registre, consultation(slug, events, seed), events, per_transaction, progress)``"""
    return record(registre, consultation(slug, events, seed), events, per_transaction, progress)


def steps(slug: str, events: int, seed: int = 0) -> Iterator[Step]:
    """The consultation's steps one after the other, for recording any number of them."""
    return itertools.chain.from_iterable(consultation(slug, events, seed))
