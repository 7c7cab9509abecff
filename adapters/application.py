"""The command cycle: how a recording command becomes events, once.

Each command is validated (pydantic, in ``commands``), checked against the
domain rules on the aggregates it touches, and its events are saved with a
command receipt in one transaction. Optimistic concurrency: if another writer
saved the same aggregates first, the command is re-run on fresh state; a
command repeated with the same command id finds its receipt and records
nothing new. The commands themselves are in ``service``.
"""

from __future__ import annotations

import hashlib
import random
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, ClassVar, Self, TypeVar
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
    Audit,
    CommandReceipt,
    Participant,
    Programme,
    RegistreAggregate,
    Round,
    Session,
)
from registre.domain.errors import AlreadyExists, Conflict, InvalidInput, NotFound, RuleViolation
from registre.domain.ids import command_receipt_id, entity_id, programme_id

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
    # The library's cache of aggregates: a long-lived service (a batch, a
    # benchmark) reads the same programme, rounds and proposals again and again;
    # a cached one is brought up to date with the events stored since (the
    # library's fast-forward), so writers in other processes are seen.
    env: ClassVar[dict[str, str]] = {"AGGREGATE_CACHE_MAXSIZE": "2000"}

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


class CommandCycle:
    """Opens the store, runs commands through ``_execute``, and reads aggregates back."""

    def __init__(self, config: StoreConfig) -> None:
        self.config = config
        prepare(config)
        self.app, self.personal = _open(config)

    def close(self) -> None:
        self.app.close()

    def __enter__(self) -> Self:
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

    def _put_personal(
        self, programme: str, participant: str, name: str, contact: str | None
    ) -> None:
        """Stores a participant's name and contact, once their registration is saved."""
        self.personal.put(programme, participant, name, contact)

    def _erase_personal(self, programme: str, participant: str) -> None:
        """Deletes a participant's name and contact, once their erasure is saved."""
        self.personal.erase(programme, participant)

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

    # -- reading aggregates back (the queries read projections instead) -----------------

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


# -- the batch path: many rows of a file, checked first, then saved in chunks -------------------


class BatchUnit(Unit):
    """A unit that lives across the rows of an import.

    It keeps every aggregate it loads or creates, so each row is checked by
    the domain against the state left by the rows before it, and it hands
    over the events of each row separately, in the order they happened, so
    the import can save them in chunks of whole rows.
    """

    def __init__(self, app: RegistreApp, slug: str, audit: Audit) -> None:
        super().__init__(app, slug, audit)
        self._row: dict[UUID, RegistreAggregate] = {}

    def add(self, *aggregates: RegistreAggregate) -> None:
        super().add(*aggregates)
        for a in aggregates:
            self._row[a.id] = a

    def _load(self, aggregate_id: UUID) -> RegistreAggregate | None:
        found = super()._load(aggregate_id)
        if found is not None:
            self._row[aggregate_id] = found
        return found

    def programme(self) -> Programme:
        # Read once and kept by the unit; every row that reads it may change it.
        programme = super().programme()
        self._row[programme.id] = programme
        return programme

    def take_events(self) -> list[Any]:
        """The events the current row triggered; the next row starts afresh."""
        events: list[Any] = []
        for aggregate in self._row.values():
            events.extend(aggregate.collect_events())
        self._row.clear()
        return events

    def drop_events(self) -> None:
        """Forgets the events of a refused row (nothing will be saved anyway)."""
        self.take_events()


def batch_receipt_found(cycle: CommandCycle, command_id: str) -> bool:
    """Whether a chunk of an import was already saved under this command id."""
    return cycle._receipt(command_id) is not None


def save_batch_chunk(
    cycle: CommandCycle,
    name: str,
    slug: str,
    command_id: str,
    summary: str,
    events: list[Any],
    audit: Audit,
) -> list[int]:
    """Saves one chunk of an import with its receipt, in one transaction.

    The events keep the versions they were given in memory; chunks are saved
    in order, so each one continues the aggregates where the previous left
    them. If another writer changed one of them meanwhile, the store refuses
    the chunk and nothing of it is saved: the import stops, and running it
    again resumes from this chunk on fresh state. Returns the positions.
    """
    receipt = CommandReceipt(
        command_id=command_id,
        programme=slug,
        name=name,
        fingerprint=hashlib.sha256(f"{name}\n{command_id}".encode()).hexdigest(),
        summary=summary,
        audit=audit,
    )
    try:
        recordings = cycle.app.save(*events, receipt)
    except IntegrityError:
        raise Conflict(
            f"{name}: another writer changed the same records while this file was imported; "
            "nothing of the current chunk was saved: run the same import again to resume"
        ) from None
    return [r.notification.id for r in recordings]


# -- the batched path: commands checked one by one, saved many per transaction ----------------

# What a batch keeps in memory from one chunk to the next: few, and read by
# most commands. Everything else is read again from the store when needed, so
# memory stays flat however long the batch.
KEPT_BETWEEN_CHUNKS = (Programme, Round, Session)


class BatchedCycle(CommandCycle):
    """The command cycle of a batch: the import path for commands.

    Each command is checked by the same rules as on the clerk's path, on the
    state left by the commands before it, and carries its own audit (its own
    command id, actor and date). Its events are kept in order, and every
    ``per_transaction`` commands are saved in one transaction with ONE receipt
    for the chunk, whose id derives from the chunk's command ids; a chunk holds
    the commands of one programme (a command of another programme saves the
    chunk first). ``flush`` saves what is pending; ``discard`` forgets it.

    What differs from the clerk's path, on purpose:

    - a command refused by the rules raises its error, and nothing of the
      current chunk is saved, neither the commands before it in the chunk nor
      their personal data; the chunks saved before stay saved. The batch then
      starts afresh from what the store holds;
    - the ``Result`` of a command has no positions (``recorded`` is empty):
      its events are not stored yet when it returns;
    - a command id is not looked up: a repeated command is checked like a new
      one, and only a whole chunk repeated collides with its receipt;
    - another writer changing the same records between two chunks makes the
      next chunk fail with ``Conflict``, nothing of it saved.

    Names and contacts of the participants registered in a chunk are written
    in one transaction just before the chunk (so no registration is ever saved
    without them); erasures of personal data, just after it.
    """

    def __init__(self, parent: CommandCycle, per_transaction: int) -> None:
        if per_transaction < 1:
            raise InvalidInput("a batch saves at least 1 command per transaction")
        # The parent's store, application and personal data, not a second connection.
        self.config = parent.config
        self.app = parent.app
        self.personal = parent.personal
        self.per_transaction = per_transaction
        self.stored = 0  # events saved by this batch, chunk receipts included
        self.chunks = 0
        self._units: dict[str, BatchUnit] = {}
        self._slug: str | None = None
        self._commands: list[tuple[str, str]] = []  # (name, command id) of the chunk
        self._events: list[Any] = []
        self._last: Audit | None = None
        self._names: list[tuple[str, str, str, str | None]] = []
        self._erasures: list[tuple[str, str]] = []

    def close(self) -> None:
        """The parent owns the store: closing a batch leaves it open."""

    @property
    def pending(self) -> int:
        """Commands checked and not saved yet."""
        return len(self._commands)

    def _execute(self, name: str, command: c.Command, ctx: c.Context, act: Action_) -> Result:
        slug: str = command.programme
        # A full chunk is saved when the next command comes (or at ``flush``),
        # once the service has handed over the personal data of its last command.
        if len(self._commands) >= self.per_transaction or (self._commands and slug != self._slug):
            self.flush()
        command_id = ctx.command_id or str(uuid.uuid4())
        try:
            audit = self._audit(ctx, command_id)
            unit = self._units.get(slug)
            if unit is None:
                unit = self._units[slug] = BatchUnit(self.app, slug, audit)
            unit.audit = audit
            unit.warnings = []
            summary = act(unit)
        except BaseException:
            # The refused command may have changed aggregates in memory before
            # its rule refused it; the chunk is forgotten with them.
            self.discard()
            raise
        self._events.extend(unit.take_events())
        self._commands.append((name, command_id))
        self._slug = slug
        self._last = audit
        return Result(name, command_id, summary, warnings=unit.warnings)

    def _put_personal(
        self, programme: str, participant: str, name: str, contact: str | None
    ) -> None:
        self._names.append((programme, participant, name, contact))

    def _erase_personal(self, programme: str, participant: str) -> None:
        self._erasures.append((programme, participant))

    def flush(self) -> None:
        """Saves the pending commands as one chunk, in one transaction."""
        if not self._commands:
            return
        assert self._slug is not None and self._last is not None
        ids = [command_id for _, command_id in self._commands]
        chunk_id = "batch-" + hashlib.sha256("\n".join(ids).encode()).hexdigest()[:40]
        counts = Counter(name for name, _ in self._commands)
        done = ", ".join(f"{n} {name}" for name, n in counts.most_common())
        summary = f"batch of {len(ids)} commands, {ids[0]} to {ids[-1]}: {done}"
        audit = Audit(
            actor=self._last.actor,
            occurred_at=self._last.occurred_at,
            recorded_at=datetime.now(UTC),
            command_id=chunk_id,
        )
        try:
            self.personal.put_many(self._names)
            positions = save_batch_chunk(
                self, "batch", self._slug, chunk_id, summary, self._events, audit
            )
        except Conflict:
            self.discard()
            raise Conflict(
                "another writer changed the same records during the batch; nothing of "
                f"the current chunk ({len(ids)} commands, {ids[0]} to {ids[-1]}) was saved"
            ) from None
        except BaseException:
            self.discard()
            raise
        self.stored += len(positions)
        self.chunks += 1
        for programme, participant in self._erasures:
            self.personal.erase(programme, participant)
        self._clear()
        for unit in self._units.values():
            unit.touched = {
                i: a for i, a in unit.touched.items() if isinstance(a, KEPT_BETWEEN_CHUNKS)
            }

    def discard(self) -> None:
        """Forgets the pending commands, and every aggregate read so far."""
        self._clear()
        self._units.clear()

    def _clear(self) -> None:
        self._commands = []
        self._events = []
        self._names = []
        self._erasures = []
        self._last = None
        self._slug = None
