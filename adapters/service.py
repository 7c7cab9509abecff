"""The application service: the one place that turns a command into events.

Each command is validated (pydantic, in ``commands``), checked against the
domain rules on the aggregates it touches, and its events are saved with a
command receipt in one transaction. Optimistic concurrency: if another writer
saved the same aggregates first, the command is re-run on fresh state; a
command repeated with the same command id finds its receipt and records
nothing new.
"""

from __future__ import annotations

import hashlib
import random
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar
from uuid import UUID

import psycopg
from eventsourcing.application import AggregateNotFoundError, Application
from eventsourcing.persistence import (
    IntegrityError,
    JSONTranscoder,
    OperationalError,
    PersistenceError,
    Transcoding,
)

from registre.adapters import commands as c
from registre.adapters.personal_data import PersonalData
from registre.adapters.store import StoreConfig, prepare
from registre.domain import (
    Action,
    Audit,
    Ballot,
    CommandReceipt,
    Contribution,
    Participant,
    Programme,
    Proposal,
    RegistreAggregate,
    Round,
    Session,
)
from registre.domain.errors import AlreadyExists, Conflict, InvalidInput, NotFound, RuleViolation
from registre.domain.ids import command_receipt_id, entity_id, programme_id
from registre.domain.proposal import cite, merge, split

A = TypeVar("A", bound=RegistreAggregate)

MAX_ATTEMPTS = 8


class AuditAsDict(Transcoding):
    type = Audit
    name = "audit"

    def encode(self, obj: Audit) -> dict[str, Any]:
        return obj.as_dict()

    def decode(self, data: dict[str, Any]) -> Audit:
        return Audit.from_dict(data)


class RegistreApp(Application[UUID]):
    """The event-sourced application: its event store is the record."""

    name = "Registre"

    def register_transcodings(self, transcoder: JSONTranscoder) -> None:
        super().register_transcodings(transcoder)
        transcoder.register(AuditAsDict())


@dataclass(frozen=True)
class Recorded:
    position: int
    kind: str
    subject: str


@dataclass
class Result:
    """What a command recorded (or found already recorded)."""

    command: str
    command_id: str
    summary: str
    recorded: list[Recorded] = field(default_factory=list)
    already_recorded: bool = False
    warnings: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "command": self.command,
            "command_id": self.command_id,
            "summary": self.summary,
            "already_recorded": self.already_recorded,
            "warnings": self.warnings,
            "recorded": [
                {"position": r.position, "kind": r.kind, "subject": r.subject}
                for r in self.recorded
            ],
        }


class Unit:
    """The aggregates one command reads and changes, saved together."""

    def __init__(self, app: RegistreApp, slug: str, audit: Audit) -> None:
        self.app = app
        self.slug = slug
        self.audit = audit
        self.touched: dict[UUID, RegistreAggregate] = {}
        self.warnings: list[str] = []
        self._programme: Programme | None = None

    def programme(self) -> Programme:
        if self._programme is None:
            found = self._load(programme_id(self.slug))
            if not isinstance(found, Programme) or found.void:
                raise NotFound(
                    f"no programme {self.slug!r} in this store "
                    "(open it with: registre programme open SLUG ...)"
                )
            self._programme = found
        return self._programme

    def find(self, cls: type[A], key: str) -> A | None:
        found = self._load(entity_id(self.slug, cls.KIND, key))
        return found if isinstance(found, cls) else None

    def get(self, cls: type[A], key: str) -> A:
        self.programme()
        found = self.find(cls, key)
        kind = cls.KIND
        if found is None:
            raise NotFound(f"programme {self.slug} has no {kind} {key!r}")
        if found.void:
            raise RuleViolation(f"{kind} {key} was annulled: {found.annulled[1]}")
        return found

    def require_absent(self, cls: type[A], key: str) -> None:
        if self.find(cls, key) is not None:
            raise AlreadyExists(f"programme {self.slug} already has a {cls.KIND} {key!r}")

    def participant(self, key: str) -> Participant:
        p = self.get(Participant, key)
        if p.erased:
            raise RuleViolation(f"participant {key} was erased and can take no further part")
        return p

    def add(self, *aggregates: RegistreAggregate) -> None:
        for a in aggregates:
            self.touched[a.id] = a

    def _load(self, aggregate_id: UUID) -> RegistreAggregate | None:
        if aggregate_id in self.touched:
            return self.touched[aggregate_id]
        try:
            aggregate: object = self.app.repository.get(aggregate_id)
        except AggregateNotFoundError:
            return None
        assert isinstance(aggregate, RegistreAggregate)
        self.touched[aggregate_id] = aggregate
        return aggregate


Action_ = Callable[[Unit], str]


class Service:
    """One method per recording command. Each returns a ``Result``."""

    def __init__(self, config: StoreConfig) -> None:
        self.config = config
        prepare(config)
        self.app, self.personal = _open(config)

    def close(self) -> None:
        self.app.close()

    def __enter__(self) -> Service:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    # -- the command cycle -------------------------------------------------------

    def _execute(self, name: str, command: c.Command, ctx: c.Context, act: Action_) -> Result:
        slug: str = command.programme
        command_id = ctx.command_id or str(uuid.uuid4())
        fingerprint = hashlib.sha256(f"{name}\n{command.model_dump_json()}".encode()).hexdigest()
        for attempt in range(MAX_ATTEMPTS):
            earlier = self._receipt(command_id)
            if earlier is not None:
                return self._repeat(name, command_id, fingerprint, earlier)
            audit = self._audit(ctx, command_id)
            unit = Unit(self.app, slug, audit)
            try:
                summary = act(unit)
            except RuleViolation:
                # A duplicate of this command may have been saved since the receipt
                # was looked up: then it is already recorded, not refused.
                earlier = self._receipt(command_id)
                if earlier is not None:
                    return self._repeat(name, command_id, fingerprint, earlier)
                raise
            receipt = CommandReceipt(
                command_id=command_id,
                programme=slug,
                name=name,
                fingerprint=fingerprint,
                summary=summary,
                audit=audit,
            )
            try:
                recordings = self.app.save(*unit.touched.values(), receipt)
            except (IntegrityError, OperationalError) as error:
                if isinstance(error, OperationalError) and "lock" not in str(error).lower():
                    raise
                # Another writer got there first: re-read and re-check the rules.
                time.sleep(random.uniform(0.005, 0.02) * (attempt + 1))
                continue
            recorded = [
                Recorded(
                    r.notification.id,
                    type(r.domain_event).__qualname__,
                    _subject(unit, r.domain_event),
                )
                for r in recordings
            ]
            return Result(name, command_id, summary, recorded, warnings=unit.warnings)
        raise Conflict(
            f"other clerks kept changing the same records; {name} was not recorded, try again"
        )

    def _receipt(self, command_id: str) -> CommandReceipt | None:
        try:
            found: object = self.app.repository.get(command_receipt_id(command_id))
        except AggregateNotFoundError:
            return None
        assert isinstance(found, CommandReceipt)
        return found

    @staticmethod
    def _repeat(name: str, command_id: str, fingerprint: str, earlier: CommandReceipt) -> Result:
        if earlier.fingerprint != fingerprint:
            raise RuleViolation(
                f"command id {command_id!r} was already used for another command "
                f"({earlier.name}: {earlier.summary}); use a new --command-id"
            )
        return Result(name, command_id, earlier.summary, already_recorded=True)

    @staticmethod
    def _audit(ctx: c.Context, command_id: str) -> Audit:
        now = datetime.now(UTC)
        occurred = ctx.occurred_at or now
        if occurred.tzinfo is None:
            occurred = occurred.replace(tzinfo=UTC)
        if occurred > now + timedelta(days=1):
            raise InvalidInput(
                f"--occurred-at {occurred.isoformat()} is in the future; it says when it happened"
            )
        return Audit(
            actor=ctx.actor,
            on_behalf_of=ctx.on_behalf_of,
            occurred_at=occurred,
            recorded_at=now,
            source=ctx.source,
            command_id=command_id,
        )

    # -- programme -----------------------------------------------------------------

    def open_programme(self, cmd: c.OpenProgramme, ctx: c.Context) -> Result:
        def act(u: Unit) -> str:
            if u._load(programme_id(cmd.programme)) is not None:
                raise AlreadyExists(f"programme {cmd.programme!r} is already open in this store")
            p = Programme.open(
                cmd.programme, cmd.title, cmd.organiser, cmd.founders, cmd.rule, u.audit
            )
            u.add(p)
            founders = ", ".join(cmd.founders.values())
            return f"opened programme {cmd.programme} ({cmd.rule.value} of {founders})"

        return self._execute("programme open", cmd, ctx, act)

    def add_axis(self, cmd: c.AddAxis, ctx: c.Context) -> Result:
        def act(u: Unit) -> str:
            u.programme().add_axis(cmd.key, cmd.title, u.audit)
            return f"added axis {cmd.key} ({cmd.title}) to {cmd.programme}"

        return self._execute("programme axis", cmd, ctx, act)

    def publish_plan(self, cmd: c.PublishPlan, ctx: c.Context) -> Result:
        def act(u: Unit) -> str:
            number = u.programme().publish_plan(cmd.label, u.audit)
            return f"published plan version {number} of {cmd.programme}: {cmd.label}"

        return self._execute("plan publish", cmd, ctx, act)

    # -- sessions and participants ---------------------------------------------------

    def schedule_session(self, cmd: c.ScheduleSession, ctx: c.Context) -> Result:
        def act(u: Unit) -> str:
            programme = u.programme()
            for axis in cmd.axes:
                programme.require_axis(axis)
            u.require_absent(Session, cmd.key)
            u.add(
                Session.schedule(
                    cmd.programme,
                    cmd.key,
                    cmd.kind,
                    cmd.on,
                    cmd.title,
                    cmd.axes,
                    cmd.facilitators,
                    u.audit,
                )
            )
            return f"scheduled {cmd.kind.value} {cmd.key} on {cmd.on.isoformat()}"

        return self._execute("session schedule", cmd, ctx, act)

    def record_attendance(self, cmd: c.RecordAttendance, ctx: c.Context) -> Result:
        def act(u: Unit) -> str:
            session = u.get(Session, cmd.session)
            for p in cmd.participants:
                u.participant(p)
            new = session.record_attendance(cmd.participants, u.audit)
            already = [p for p in cmd.participants if p not in new]
            if already:
                u.warnings.append(f"already listed, not recorded again: {', '.join(already)}")
            return f"recorded {len(new)} attending session {cmd.session}"

        return self._execute("session attend", cmd, ctx, act)

    def register_participant(self, cmd: c.RegisterParticipant, ctx: c.Context) -> Result:
        def act(u: Unit) -> str:
            u.programme()
            u.require_absent(Participant, cmd.key)
            u.add(
                Participant.register(
                    cmd.programme, cmd.key, cmd.organisation, cmd.organisation_type, u.audit
                )
            )
            return (
                f"registered participant {cmd.key} ({cmd.organisation}, "
                f"{cmd.organisation_type.value})"
            )

        result = self._execute("participant register", cmd, ctx, act)
        if not result.already_recorded:
            self.personal.put(cmd.programme, cmd.key, cmd.name, cmd.contact)
        return result

    def erase_participant(self, cmd: c.EraseParticipant, ctx: c.Context) -> Result:
        def act(u: Unit) -> str:
            u.get(Participant, cmd.key).erase(cmd.reason, u.audit)
            return f"erased the personal data of participant {cmd.key}"

        result = self._execute("participant erase", cmd, ctx, act)
        self.personal.erase(cmd.programme, cmd.key)
        return result

    # -- contributions ----------------------------------------------------------------

    def submit_contribution(self, cmd: c.SubmitContribution, ctx: c.Context) -> Result:
        command_id = ctx.command_id or str(uuid.uuid4())
        key = cmd.key or "C-" + uuid.uuid5(uuid.NAMESPACE_URL, command_id).hex[:8].upper()

        def act(u: Unit) -> str:
            programme = u.programme()
            session = u.get(Session, cmd.session)
            if cmd.axis is not None:
                programme.require_axis(cmd.axis)
            for author in cmd.authors:
                u.participant(author)
            u.require_absent(Contribution, key)
            u.add(
                Contribution.submit(
                    cmd.programme, key, session.key, cmd.axis, cmd.authors, cmd.text, u.audit
                )
            )
            return f"submitted contribution {key} in session {cmd.session}"

        return self._execute(
            "contribution submit", cmd, ctx.model_copy(update={"command_id": command_id}), act
        )

    def amend_contribution(self, cmd: c.AmendContribution, ctx: c.Context) -> Result:
        def act(u: Unit) -> str:
            version = u.get(Contribution, cmd.key).amend(cmd.text, u.audit)
            return f"amended contribution {cmd.key}: version {version}"

        return self._execute("contribution amend", cmd, ctx, act)

    def withdraw_contribution(self, cmd: c.WithdrawContribution, ctx: c.Context) -> Result:
        def act(u: Unit) -> str:
            u.get(Contribution, cmd.key).withdraw(cmd.reason, u.audit)
            return f"withdrew contribution {cmd.key}"

        return self._execute("contribution withdraw", cmd, ctx, act)

    # -- proposals --------------------------------------------------------------------

    def synthesise_proposal(self, cmd: c.SynthesiseProposal, ctx: c.Context) -> Result:
        def act(u: Unit) -> str:
            programme = u.programme()
            u.require_absent(Proposal, cmd.key)
            sources = [cite(u.get(Contribution, s.contribution), s.version) for s in cmd.sources]
            for s in sources:
                if s["withdrawn"]:
                    u.warnings.append(
                        f"contribution {s['contribution']} was withdrawn; the proposal cites it "
                        "and the record says so"
                    )
            u.add(
                Proposal.synthesise(
                    programme, cmd.key, cmd.title, cmd.text, cmd.axis, sources, u.audit
                )
            )
            cited = ", ".join(f"{s['contribution']}@{s['version']}" for s in sources)
            return f"synthesised proposal {cmd.key} from {cited}"

        return self._execute("proposal synthesise", cmd, ctx, act)

    def reword_proposal(self, cmd: c.RewordProposal, ctx: c.Context) -> Result:
        def act(u: Unit) -> str:
            u.get(Proposal, cmd.key).reword(cmd.title, cmd.text, u.audit)
            return f"reworded proposal {cmd.key}: {cmd.title}"

        return self._execute("proposal reword", cmd, ctx, act)

    def merge_proposals(self, cmd: c.MergeProposals, ctx: c.Context) -> Result:
        def act(u: Unit) -> str:
            programme = u.programme()
            sources = [u.get(Proposal, key) for key in cmd.sources]
            target = u.find(Proposal, cmd.target)
            if target is not None and target.void:
                raise RuleViolation(f"proposal {cmd.target} was annulled")
            merged = merge(programme, sources, target, cmd.target, cmd.title, u.audit)
            u.add(merged)
            return f"merged {', '.join(cmd.sources)} into proposal {cmd.target}"

        return self._execute("proposal merge", cmd, ctx, act)

    def split_proposal(self, cmd: c.SplitProposal, ctx: c.Context) -> Result:
        def act(u: Unit) -> str:
            programme = u.programme()
            source = u.get(Proposal, cmd.key)
            for key, _ in cmd.parts:
                u.require_absent(Proposal, key)
            u.add(*split(programme, source, list(cmd.parts), u.audit))
            return f"split proposal {cmd.key} into {', '.join(k for k, _ in cmd.parts)}"

        return self._execute("proposal split", cmd, ctx, act)

    # -- voting -------------------------------------------------------------------------

    def open_round(self, cmd: c.OpenRound, ctx: c.Context) -> Result:
        def act(u: Unit) -> str:
            session = u.get(Session, cmd.session)
            for key in cmd.proposals:
                proposal = u.get(Proposal, key)
                if proposal.status.value in ("merged", "split", "rejected"):
                    raise RuleViolation(
                        f"proposal {key} is {proposal.status.value} and cannot be put to a vote"
                    )
            u.require_absent(Round, cmd.key)
            u.add(
                Round.open(
                    cmd.programme,
                    cmd.key,
                    session.key,
                    cmd.method,
                    cmd.limit,
                    cmd.max_score,
                    cmd.proposals,
                    u.audit,
                )
            )
            return f"opened {cmd.method.value} round {cmd.key} on {len(cmd.proposals)} proposals"

        return self._execute("round open", cmd, ctx, act)

    def close_round(self, cmd: c.CloseRound, ctx: c.Context) -> Result:
        def act(u: Unit) -> str:
            u.get(Round, cmd.key).close(u.audit)
            return f"closed round {cmd.key}"

        return self._execute("round close", cmd, ctx, act)

    def cast_vote(self, cmd: c.CastVote, ctx: c.Context) -> Result:
        def act(u: Unit) -> str:
            round_ = u.get(Round, cmd.round)
            round_.require_open()
            round_.require_eligible(cmd.proposal)
            u.participant(cmd.participant)
            value = round_.value_of(cmd.value)
            ballot = u.find(Ballot, Ballot.key_for(cmd.round, cmd.participant))
            if ballot is None:
                ballot = Ballot.start(round_, cmd.participant, u.audit)
                u.add(ballot)
            ballot.cast(round_, cmd.proposal, value, u.audit)
            vote = cmd.value or value
            return f"{cmd.participant} voted {vote} for {cmd.proposal} in round {cmd.round}"

        return self._execute("vote cast", cmd, ctx, act)

    def retract_vote(self, cmd: c.RetractVote, ctx: c.Context) -> Result:
        def act(u: Unit) -> str:
            round_ = u.get(Round, cmd.round)
            round_.require_open()
            ballot = u.find(Ballot, Ballot.key_for(cmd.round, cmd.participant))
            if ballot is None:
                raise RuleViolation(
                    f"participant {cmd.participant} has not voted in round {cmd.round}"
                )
            ballot.retract(round_, cmd.proposal, u.audit)
            return f"{cmd.participant} retracted the vote for {cmd.proposal} in round {cmd.round}"

        return self._execute("vote retract", cmd, ctx, act)

    # -- validation and decisions ---------------------------------------------------------

    def validate(self, cmd: c.ValidateProposal, ctx: c.Context) -> Result:
        def act(u: Unit) -> str:
            u.get(Proposal, cmd.proposal).validate(cmd.body, cmd.minutes, cmd.outcome, u.audit)
            verb = {
                "validated": "validated",
                "returned": "returned for rework",
                "rejected": "rejected",
            }
            done = verb[cmd.outcome.value]
            return f"{cmd.body} {done} proposal {cmd.proposal} (minutes {cmd.minutes})"

        return self._execute("validate", cmd, ctx, act)

    def decide(self, cmd: c.DecideOnPriority, ctx: c.Context) -> Result:
        def act(u: Unit) -> str:
            programme = u.programme()
            proposal = u.get(Proposal, cmd.proposal)
            was_adopted = proposal.adopted
            adopted = proposal.decide(
                programme, cmd.founder, cmd.decision, cmd.rationale, cmd.revise, u.audit
            )
            verb = "revised its decision to" if cmd.revise else "decided"
            summary = f"founder {cmd.founder} {verb} '{cmd.decision.value}' on {cmd.proposal}"
            rule = programme.rule.value
            if adopted:
                summary += f"; the {rule} rule is met: priority adopted into the plan"
            elif was_adopted and not proposal.adopted:
                summary += f"; the {rule} rule is no longer met: adoption withdrawn from the plan"
            return summary

        return self._execute("decide", cmd, ctx, act)

    # -- actions --------------------------------------------------------------------------

    def assign_action(self, cmd: c.AssignAction, ctx: c.Context) -> Result:
        def act(u: Unit) -> str:
            priority = u.get(Proposal, cmd.priority)
            u.require_absent(Action, cmd.key)
            u.add(
                Action.assign(
                    priority, cmd.key, cmd.title, cmd.lead, cmd.partners, cmd.due, u.audit
                )
            )
            return f"assigned action {cmd.key} for priority {cmd.priority} to {cmd.lead}"

        return self._execute("action assign", cmd, ctx, act)

    def report_progress(self, cmd: c.ReportProgress, ctx: c.Context) -> Result:
        def act(u: Unit) -> str:
            action = u.get(Action, cmd.key)
            action.report(cmd.status, cmd.percent, cmd.note, u.audit)
            return f"action {cmd.key} is {action.status.value} at {action.progress}%"

        return self._execute("action progress", cmd, ctx, act)

    # -- corrections -------------------------------------------------------------------------

    def correct(self, cmd: c.CorrectRecord, ctx: c.Context) -> Result:
        def act(u: Unit) -> str:
            programme = u.programme()
            notifications = self.app.recorder.select_notifications(start=cmd.position, limit=1)
            if not notifications or notifications[0].id != cmd.position:
                raise NotFound(f"there is no record at position {cmd.position}")
            target = self.app.mapper.to_domain_event(notifications[0])
            aggregate = u._load(target.originator_id)
            if (
                aggregate is None
                or isinstance(aggregate, CommandReceipt)
                or aggregate.programme != cmd.programme
            ):
                raise NotFound(
                    f"the record at position {cmd.position} is not a record of programme "
                    f"{cmd.programme} that can be annulled"
                )
            kind = type(target).__qualname__.split(".")[-1]
            aggregate.annul(target.originator_version, kind, cmd.reason, u.audit)
            if isinstance(aggregate, Proposal):
                aggregate.reconsider_adoption(programme, u.audit)
            return f"annulled record {cmd.position} ({aggregate.label}, {kind}): {cmd.reason}"

        return self._execute("correct", cmd, ctx, act)

    # -- reading, for the command line until the projections answer --------------------------

    def load(self, cls: type[A], slug: str, key: str) -> A | None:
        aggregate_id = programme_id(slug) if cls is Programme else entity_id(slug, cls.KIND, key)
        try:
            found: object = self.app.repository.get(aggregate_id)
        except AggregateNotFoundError:
            return None
        return found if isinstance(found, cls) else None

    def notifications(self, start: int = 1, limit: int = 1000) -> Iterator[Any]:
        """Every stored event in store order, as (position, domain event)."""
        position = start
        while True:
            page = self.app.recorder.select_notifications(start=position, limit=limit)
            if not page:
                return
            for n in page:
                yield n.id, self.app.mapper.to_domain_event(n)
            position = page[-1].id + 1


def _open(config: StoreConfig) -> tuple[RegistreApp, PersonalData]:
    schema = config.env.get("POSTGRES_SCHEMA") if config.kind == "postgres" else None
    for attempt in range(MAX_ATTEMPTS):
        try:
            app = RegistreApp(env=config.env)
            datastore = getattr(app.recorder, "datastore", None)
            return app, PersonalData(datastore, config.kind, schema)
        except (PersistenceError, psycopg.Error) as error:
            # Processes creating one store at once race on its tables and functions
            # ("tuple concurrently updated", "duplicate key"); the next try finds them.
            racing = "concurrently" in str(error) or "duplicate key" in str(error)
            if not racing or attempt == MAX_ATTEMPTS - 1:
                raise
            time.sleep(random.uniform(0.01, 0.05) * (attempt + 1))
    raise AssertionError("unreachable")


def _subject(unit: Unit, event: Any) -> str:
    aggregate = unit.touched.get(event.originator_id)
    if aggregate is None:
        return "command receipt"
    return aggregate.label


@contextmanager
def open_service(config: StoreConfig) -> Iterator[Service]:
    service = Service(config)
    try:
        yield service
    finally:
        service.close()
