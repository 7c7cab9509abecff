"""The application service: the one way a command becomes events.

``Registre.handle(command, context)`` is the clerk's path: the command's
handler (``handlers.COMMAND_HANDLERS``) runs on a fresh unit of work, and its
events, its receipt and any personal data are committed in one transaction.
Optimistic concurrency: if another writer saved the same aggregates first,
the command is run again on fresh state, a few times, before it fails
cleanly with a conflict. A command repeated with the same command id finds
its receipt and records nothing new; the same id for another command is
refused. The receipt is looked up only when the command is refused or its
commit is: the receipt's own creation in the commit collides with a
receipt already stored under that id.

A ``Registre`` kept open (a service, a benchmark) keeps the aggregates its
commands read and saved (``followed.FollowedCache``), brought forward by
one read of the log's tail per command, and takes a new aggregate it has not
seen for absent (``UnitOfWork.optimistic``); a commit refused for that runs
the command again with the store read.

``Registre.batch(...)`` is the import path: the same handlers on one unit of
work kept across the commands, committed ``per_transaction`` commands at a
time with one receipt for each chunk (see ``Batch``).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import random
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any, Self, TypeVar
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError
from eventsourcing.persistence import IntegrityError, OperationalError, Recording

from registre import domain
from registre.adapters.application import commands as c
from registre.adapters.application.followed import FollowedCache
from registre.adapters.application.handlers import COMMAND_HANDLERS
from registre.adapters.application.unit_of_work import UnitOfWork, Written
from registre.adapters.ledger.heads import TreeHead
from registre.adapters.stores import Store, StoreConfig, open_store
from registre.adapters.stores import personal_data as personal
from registre.adapters.stores.keys import PersonalKeys, keyed_digest
from registre.adapters.stores.recorders import ChangedSinceRead
from registre.domain import Audit, CommandReceipt, Programme, RegistreAggregate
from registre.domain.errors import Conflict, InvalidInput, RegistreError, RuleViolation
from registre.domain.ids import command_receipt_id, entity_id, programme_id

if TYPE_CHECKING:
    from registre.adapters.stores.spill import Spill

A = TypeVar("A", bound=RegistreAggregate)


MAX_ATTEMPTS = 8


def _spill() -> Spill:
    """A new spill file of a batch (only a batch imports it)."""
    from registre.adapters.stores.spill import Spill

    return Spill()


def kept_between_chunks() -> tuple[type[RegistreAggregate], ...]:
    """What a batch keeps in memory from one chunk to the next (the programme,
    its sessions and rounds): few, and read by most commands. Everything else
    is read again from the store when needed, so memory stays flat however
    long the batch."""
    return (Programme, domain.Round, domain.Session)


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
    # The tree head its transaction ended with: the receipt to keep.
    tree_head: TreeHead | None = None

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
            "tree_head": self.tree_head.as_dict() if self.tree_head else None,
        }


# Fields added to commands after receipts were first written, the latest
# first. A fingerprint leaves out the ``LEFT_OUT`` latest while they have their
# default, so receipts of commands that do not use them are the ones the
# previous version wrote; a receipt of an earlier version is compared leaving
# out every field added since (stores recorded before ``existing_ok`` hold such
# receipts).
ADDED_FIELDS: tuple[tuple[str, object], ...] = (
    ("part_of", None),
    ("parent", None),
    ("level", None),
    ("organisation_is_person", False),
    ("existing_ok", False),
)
# The fields of a structure that nests (a programme's larger one, a part's
# parent and level) came together, each on its own command, after
# ``organisation_is_person``: all four are left out at their default.
LEFT_OUT = 4
# A fingerprint of a command that carries personal data: the digest of what
# stays public, then a digest of the personal data keyed with the person's key.
KEYED = "k1"


def _json(command: c.Command, leave_out: set[str], added: int = LEFT_OUT) -> bytes:
    """The command as a fingerprint reads it, without ``leave_out`` nor the
    ``added`` latest fields added since, where they have their default."""
    later = {f for f, default in ADDED_FIELDS[:added] if getattr(command, f, None) == default}
    dumped = command.model_dump_json(exclude=leave_out | later)
    return f"{command.ACTION}\n{dumped}".encode()


def _personal(command: c.Command) -> tuple[str, dict[str, str | None]] | None:
    found = command.personal()
    if found is None or all(value is None for value in found[1].values()):
        return None
    return found


def _keyed(key: bytes, fields: dict[str, str | None]) -> str:
    return keyed_digest(key, json.dumps(fields, ensure_ascii=False, sort_keys=True).encode())


def fingerprint(command: c.Command, keys: PersonalKeys) -> str:
    """What a receipt keeps to recognise its command when it is repeated.

    A command without personal data: the SHA-256 of its JSON, as receipts always
    had. A command with personal data: the SHA-256 of its JSON without the
    personal fields, and an HMAC of those fields keyed with the person's key,
    which erasure destroys; so no one can test a guessed name or contact
    against the receipt, once the person is erased or without the key directory.
    """
    personal = _personal(command)
    if personal is None:
        return hashlib.sha256(_json(command, set())).hexdigest()
    person, fields = personal
    public = hashlib.sha256(_json(command, set(fields))).hexdigest()
    key = keys.ensure(command.programme, person)
    return f"{KEYED}:{public}:{_keyed(key, fields)}"


def same_command(mark: str, command: c.Command, keys: PersonalKeys) -> bool:
    """Whether ``command`` is the one whose receipt holds ``mark``. Receipts
    written before fingerprints were keyed hold the digest of the whole command."""
    if not mark.startswith(f"{KEYED}:"):
        return any(
            mark == hashlib.sha256(_json(command, set(), added)).hexdigest()
            for added in range(1, len(ADDED_FIELDS) + 1)
        )
    _, public, keyed = mark.split(":")
    personal = command.personal() or ("", {})
    person, fields = personal
    if public != hashlib.sha256(_json(command, set(fields))).hexdigest():
        return False
    key = keys.get(command.programme, person)
    if key is None:
        # The person was erased: what stays public is the same, and nothing of
        # theirs is left to compare (nor to record).
        return True
    return hmac.compare_digest(keyed, _keyed(key, fields))


def make_audit(ctx: c.Context, command_id: str, now: datetime | None = None) -> Audit:
    now = now or datetime.now(UTC)
    occurred = ctx.occurred_at or now
    if occurred.tzinfo is None:
        occurred = occurred.replace(tzinfo=UTC)
    if occurred > now + timedelta(days=1):
        raise InvalidInput(
            f"{occurred.isoformat()} is in the future; the date says when it happened",
            field="occurred_at",
        )
    return Audit(
        actor=ctx.actor,
        on_behalf_of=ctx.on_behalf_of,
        occurred_at=occurred,
        recorded_at=now,
        source=ctx.source,
        command_id=command_id,
    )


class Registre:
    """The record of one store: commands in (``handle``, ``batch``), aggregates back (``load``)."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self.cache = FollowedCache(store)
        # What the cache does not hold is read a statement at a time.
        self.reads = store.held_reader(held=False)

    @classmethod
    def open(cls, config: StoreConfig) -> Registre:
        return cls(open_store(config))

    @property
    def config(self) -> StoreConfig:
        return self.store.config

    def close(self) -> None:
        self.store.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    # -- the clerk's path ------------------------------------------------------------

    def handle(self, command: c.Command, ctx: c.Context) -> Result:
        """Runs one command and commits it, in one transaction."""
        handler = COMMAND_HANDLERS[type(command)]
        name = command.ACTION
        command_id = ctx.command_id or str(uuid.uuid4())
        keys = self.store.keys
        optimistic = True
        for attempt in range(MAX_ATTEMPTS):
            self.cache.follow()
            audit = make_audit(ctx, command_id)
            uow = UnitOfWork(self.store, self.cache, optimistic=optimistic)
            uow.reader = self.reads
            try:
                summary = uow.run(handler, command, command.programme, audit)
            except RegistreError:
                # The same command recorded before (by this clerk, or by another
                # at the same moment) is already recorded, not refused.
                earlier = self.receipt(command_id)
                if earlier is not None:
                    return _repeat(command, command_id, earlier, keys)
                raise
            receipt = CommandReceipt(
                command_id=command_id,
                programme=command.programme,
                name=name,
                fingerprint=fingerprint(command, keys),
                summary=summary,
                audit=audit,
            )
            try:
                recordings = uow.commit(receipt)
            except (IntegrityError, OperationalError) as error:
                if not _lost_race(error):
                    raise
                # The same command recorded before (its receipt's id is taken)?
                earlier = self.receipt(command_id)
                if earlier is not None:
                    return _repeat(command, command_id, earlier, keys)
                if uow.assumed:
                    # Perhaps an aggregate taken for absent is not: read it this time.
                    optimistic = False
                    continue
                # Another writer got there first: re-read and re-check the rules.
                time.sleep(random.uniform(0.005, 0.02) * (attempt + 1))
                continue
            self.cache.keep(uow.touched.values())
            recorded = [
                Recorded(
                    r.notification.id,
                    type(r.domain_event).__qualname__,
                    uow.subject(r.domain_event),
                )
                for r in recordings
            ]
            return Result(
                name, command_id, summary, recorded, warnings=uow.warnings, tree_head=uow.tree_head
            )
        raise Conflict(
            f"other clerks kept changing the same records; {name} was not recorded, try again"
        )

    # -- the import path ----------------------------------------------------------------

    @contextmanager
    def batch(self, per_transaction: int | None = None, *, hold: bool = False) -> Iterator[Batch]:
        """The same commands on one unit of work, committed many per transaction
        (see ``Batch``). What is pending is committed when the block ends, and
        forgotten if it ends with an error."""
        batch = Batch(self, per_transaction, hold=hold)
        try:
            try:
                yield batch
            except BaseException:
                batch.discard()
                raise
            batch.flush()
            batch.commit_held()
        finally:
            batch.close()

    # -- reading back (the queries read projections instead) -----------------------------

    def receipt(self, command_id: str) -> CommandReceipt | None:
        try:
            found: object = self.store.app.repository.get(command_receipt_id(command_id))
        except AggregateNotFoundError:
            return None
        assert isinstance(found, CommandReceipt)
        return found

    def load(self, cls: type[A], slug: str, key: str) -> A | None:
        aggregate_id = programme_id(slug) if cls is Programme else entity_id(slug, cls.KIND, key)
        try:
            found: object = self.store.app.repository.get(aggregate_id)
        except AggregateNotFoundError:
            return None
        return found if isinstance(found, cls) else None

    def personal_names(self, programme: str) -> dict[str, str]:
        """The names kept (and readable) for the participants of a programme, by key."""
        with self.store.transaction() as cursor:
            return personal.names(cursor, self.store.dialect, self.store.keys, programme)

    def notifications(self, start: int = 1, limit: int = 1000) -> Iterator[tuple[int, Any]]:
        """Every stored event in store order, as (position, domain event)."""
        position = start - 1
        while page := self.store.notifications(position, limit):
            for n in page:
                yield n.id, self.store.to_domain_event(n)
            position = page[-1].id


def _lost_race(error: Exception) -> bool:
    """Whether a failed commit lost to another writer: an aggregate's version
    saved first (a unique key), or the lock that orders the log not had in time."""
    if isinstance(error, ChangedSinceRead):
        return True
    message = str(error).lower()
    if isinstance(error, OperationalError):
        return "lock" in message
    return "unique" in message or "duplicate key" in message


def _repeat(
    command: c.Command, command_id: str, earlier: CommandReceipt, keys: PersonalKeys
) -> Result:
    name = command.ACTION
    if not same_command(earlier.fingerprint, command, keys):
        raise RuleViolation(
            f"command id {command_id!r} was already used for another command "
            f"({earlier.name}: {earlier.summary}); use a new --command-id"
        )
    return Result(name, command_id, earlier.summary, already_recorded=True)


# -- batches ------------------------------------------------------------------------------


@dataclass
class _Chunk:
    events: list[Any]
    personal: list[personal.Change]
    receipt: CommandReceipt
    relied: dict[UUID, int]


class Batch:
    """Commands checked by the same handlers as on the clerk's path, committed
    many per transaction.

    Each command is checked on the state left by the commands before it and
    carries its own audit (its command id, actor, source and date). Every
    ``per_transaction`` commands (or at ``flush``) the pending ones are
    committed as one chunk, in one transaction, with ONE receipt whose id is
    given to ``flush`` or derives from the chunk's command ids; a chunk holds
    the commands of one programme (a command of another programme flushes
    first). With ``hold``, chunks are not written when flushed but kept, and
    ``commit_held`` writes them, each in its own transaction, at the end: an
    import checks every row before it writes any. The held chunks, and the
    aggregates they changed, wait on disk (``spill.Spill``), not in memory:
    a held batch uses the memory of one chunk, however many it holds.

    What differs from the clerk's path, on purpose:

    - a command refused by the rules raises its error. Without ``hold``,
      nothing of the current chunk is then committed (the chunks committed
      before stay) and the batch starts afresh from the store; with ``hold``,
      only what the refused command changed is forgotten, so the caller can
      go on checking the next commands and report every refusal at once;
    - a ``Result`` has no positions: the events are not stored yet;
    - command ids are not looked up: only a whole chunk repeated collides
      with its receipt (see ``Registre.receipt``);
    - another writer changing the same records between two chunks makes the
      next chunk fail with ``Conflict``, nothing of it written.
    """

    def __init__(self, registre: Registre, per_transaction: int | None, hold: bool) -> None:
        if per_transaction is not None and per_transaction < 1:
            raise InvalidInput("a batch saves at least 1 command per transaction")
        self.registre = registre
        self.per_transaction = per_transaction
        self.hold = hold
        self.now = datetime.now(UTC) if hold else None  # one recording time for a held batch
        self.stored = 0  # events written by this batch, chunk receipts included
        self.chunks = 0
        self.tree_head: TreeHead | None = None  # the last chunk's, which covers them all
        self.spill = _spill() if hold else None
        # What this batch wrote, for the unit of work's knowledge of a programme
        # it opened itself (``UnitOfWork.unstored``).
        self.written = Written()
        # The store is read in one transaction per chunk, ended at the chunk's end.
        self.reader = registre.store.held_reader()
        self.uow = self._unit()
        self._commands: list[str] = []  # the actions of the pending commands
        self._ids: list[str] = []
        self._slug: str | None = None
        self._last: Audit | None = None

    @property
    def pending(self) -> int:
        """Commands checked and not flushed yet."""
        return len(self._commands)

    def handle(self, command: c.Command, ctx: c.Context) -> Result:
        slug = command.programme
        full = self.per_transaction is not None and len(self._commands) >= self.per_transaction
        if full or (self._commands and slug != self._slug):
            self.flush()
        command_id = ctx.command_id or str(uuid.uuid4())
        try:
            audit = make_audit(ctx, command_id, self.now)
            summary = self.uow.run(COMMAND_HANDLERS[type(command)], command, slug, audit)
        except BaseException:
            if not self.hold:
                self.discard()
            raise
        self._commands.append(command.ACTION)
        self._ids.append(command_id)
        self._slug = slug
        self._last = audit
        return Result(command.ACTION, command_id, summary, warnings=self.uow.warnings)

    def flush(self, receipt_id: str | None = None, summary: str | None = None) -> list[int]:
        """Commits the pending commands as one chunk (held, with ``hold``);
        returns the positions written (none when held)."""
        if not self._commands:
            return []
        assert self._slug is not None and self._last is not None
        ids = self._ids
        chunk_id = receipt_id or "batch-" + hashlib.sha256("\n".join(ids).encode()).hexdigest()[:40]
        if summary is None:
            counts = Counter(self._commands)
            done = ", ".join(f"{n} {name}" for name, n in counts.most_common())
            summary = f"batch of {len(ids)} commands, {ids[0]} to {ids[-1]}: {done}"
        receipt = CommandReceipt(
            command_id=chunk_id,
            programme=self._slug,
            name="batch",
            fingerprint=hashlib.sha256(f"batch\n{chunk_id}".encode()).hexdigest(),
            summary=summary,
            audit=Audit(
                actor=self._last.actor,
                on_behalf_of=self._last.on_behalf_of,
                occurred_at=self._last.occurred_at,
                recorded_at=self.now or datetime.now(UTC),
                source=self._last.source,
                command_id=chunk_id,
            ),
        )
        self.uow.end_reading()
        chunk = _Chunk(self.uow.events, self.uow.personal, receipt, self.uow.relied)
        kept = kept_between_chunks()
        self.uow.events, self.uow.personal, self.uow.relied = [], [], {}
        self._commands, self._ids, self._last = [], [], None
        if self.spill is not None:
            self.spill.put_chunk(chunk, len(chunk.events))
            # What the next chunks may read again waits on disk; the few aggregates
            # most commands read stay in memory.
            touched = self.uow.touched
            self.spill.put_aggregates((i, a) for i, a in touched.items() if not isinstance(a, kept))
            self.uow.keep_only(*kept)
            return []
        positions = self._write(chunk)
        self.uow.keep_only(*kept)
        return positions

    def commit_held(self, written: Callable[[list[Any], list[int]], None] | None = None) -> None:
        """Writes the held chunks in order, each in its own transaction, telling
        ``written(events, positions)`` after each (the receipt's position last)."""
        if self.spill is None:
            return
        for chunk in self.spill.take_chunks():
            positions = self._write(chunk)
            if written is not None:
                written(chunk.events, positions)

    def _write(self, chunk: _Chunk) -> list[int]:
        uow = self.uow
        uow.events, uow.personal, uow.relied = chunk.events, chunk.personal, chunk.relied
        try:
            recordings: list[Recording[UUID]] = uow.commit(chunk.receipt)
        except IntegrityError as error:
            if not _lost_race(error):
                self.discard()
                raise
            self.discard()
            raise Conflict(
                "another writer changed the same records during the batch; nothing of the "
                f"current chunk ({chunk.receipt.summary}) was saved: run it again to resume"
            ) from None
        except BaseException:
            self.discard()
            raise
        self.stored += len(recordings)
        self.chunks += 1
        self.tree_head = uow.tree_head
        return [r.notification.id for r in recordings]

    @property
    def held_events(self) -> int:
        """How many events the held chunks hold (their receipts left out)."""
        return self.spill.events if self.spill is not None else 0

    def _unit(self) -> UnitOfWork:
        uow = UnitOfWork(self.registre.store)
        uow.written, uow.reader = self.written, self.reader
        if self.spill is not None:
            uow.spilled = self.spill.aggregate
        return uow

    def discard(self) -> None:
        """Forgets the pending and held commands, and every aggregate read so far."""
        self.reader.close()
        if self.spill is not None:
            self.spill.close()
            self.spill = _spill()
        self.uow = self._unit()
        self._commands, self._ids, self._slug, self._last = [], [], None, None

    def close(self) -> None:
        """Deletes what is held on disk (the batch's end)."""
        self.reader.close()
        if self.spill is not None:
            self.spill.close()
