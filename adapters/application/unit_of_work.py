"""The unit of work: what commands read and change, committed together.

A handler reads aggregates through the unit of work (``programme``, ``get``,
``find``…), lets the domain change them, ``add``s what it creates, and hands
over personal data (``put_personal``, sealed at once with the person's key,
and ``erase_personal``). It never saves.
After each command the unit of work collects the command's new events, in
the order its aggregates were first touched; ``commit`` then writes every
collected event, the command receipt and the personal data in ONE
transaction of the store (the recorder adds each event's ledger leaf), or
nothing at all.

The same unit of work serves one command (the clerk's path: a fresh unit per
command) and many (the import path: one unit kept across the commands of a
batch, committed every so many commands, see ``service.Batch``), so both
paths run exactly the same handlers on exactly the same state.

A handler that creates an aggregate first asks that it be absent
(``require_absent``, ``find(..., to_create=True)``). The store's unique key
on (aggregate, version) refuses a second creation of the same aggregate in
any case, so the unit of work reads the store for that only where it cannot
do without (see ``load``): a batch knows that nothing of a programme it
opened itself is stored but what it wrote, and the clerk's path, run
``optimistic``, takes an aggregate it has not seen for absent, and runs the
command again with the store read if the commit is refused.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError
from eventsourcing.persistence import Recording

from registre import domain
from registre.adapters.ledger import heads
from registre.adapters.stores import Store
from registre.adapters.stores.personal_data import Change, Personal, sealed_change
from registre.adapters.stores.recorders import PERSONAL, UNCHANGED
from registre.adapters.stores.store import HeldReader
from registre.domain import Audit, CommandReceipt, Programme, RegistreAggregate
from registre.domain.errors import AlreadyExists, NotFound, RuleViolation
from registre.domain.ids import entity_id, programme_id

if TYPE_CHECKING:
    from registre.adapters.application.followed import FollowedCache

A = TypeVar("A", bound=RegistreAggregate)
C = TypeVar("C")


class Written:
    """The aggregates a batch has written, as a Bloom filter of fixed size
    (1 MiB): "perhaps written" (then the store is read) or "surely not".
    The memory of a batch stays flat however many aggregates it writes; one
    in a few thousand answers is a needless read at 200,000 aggregates."""

    BITS = 1 << 23

    def __init__(self) -> None:
        self._bits = bytearray(self.BITS // 8)

    def _positions(self, aggregate_id: UUID) -> tuple[int, int, int]:
        # Aggregate ids are uuid5 digests: their bytes are already well mixed.
        n = int.from_bytes(hashlib.blake2b(aggregate_id.bytes, digest_size=12).digest())
        mask = self.BITS - 1
        return n & mask, (n >> 32) & mask, (n >> 64) & mask

    def add(self, aggregate_id: UUID) -> None:
        for bit in self._positions(aggregate_id):
            self._bits[bit >> 3] |= 1 << (bit & 7)

    def __contains__(self, aggregate_id: UUID) -> bool:
        return all(self._bits[bit >> 3] & (1 << (bit & 7)) for bit in self._positions(aggregate_id))


class UnitOfWork:
    def __init__(
        self, store: Store, cache: FollowedCache | None = None, *, optimistic: bool = False
    ) -> None:
        self.store = store
        # The clerk's path: aggregates kept current between commands (``followed``).
        self.cache = cache
        # Whether an aggregate to be created that this unit has not seen is taken
        # for absent without reading the store (the clerk's first attempt), and
        # those so taken: if the commit is refused, the command runs again
        # with ``optimistic`` off.
        self.optimistic = optimistic
        self.assumed: set[UUID] = set()
        # Programmes this unit opened that the store did not hold when it
        # looked (``add``): nothing of theirs is stored but what this unit
        # wrote, which ``written`` remembers (a batch sets it).
        self.unstored: set[str] = set()
        self.written: Written | None = None
        # A batch reads the store in one read transaction per chunk (``HeldReader``),
        # ended before anything is written.
        self.reader: HeldReader | None = None
        self._missing: set[UUID] = set()  # looked for in the store, not found
        self.touched: dict[UUID, RegistreAggregate] = {}  # every aggregate read or created
        self.events: list[Any] = []  # collected from the commands run so far, in order
        self.personal: list[Change] = []
        # Aggregates the commands relied on without changing them, by id: the
        # version read (see ``rely_on``).
        self.relied: dict[UUID, int] = {}
        self.warnings: list[str] = []
        self._current: dict[UUID, RegistreAggregate] = {}  # touched by the running command
        self.slug = ""
        self._audit: Audit | None = None
        # Where a held batch keeps the aggregates its checked chunks changed
        # (``spill.Spill``): read before the store, which does not have them yet.
        self.spilled: Callable[[UUID], RegistreAggregate | None] | None = None
        # The signed tree head the last commit ended with (``ledger.heads``).
        self.tree_head: heads.TreeHead | None = None

    # -- running a command ---------------------------------------------------------

    @property
    def audit(self) -> Audit:
        """The audit of the running command: every event it records carries it."""
        assert self._audit is not None, "no command is running"
        return self._audit

    def run(
        self, handler: Callable[[C, UnitOfWork], str], command: C, slug: str, audit: Audit
    ) -> str:
        """Runs one command's handler; collects its events, or forgets what it changed."""
        self.slug, self._audit, self.warnings = slug, audit, []
        personal = len(self.personal)
        relied = dict(self.relied)
        try:
            summary = handler(command, self)
        except BaseException:
            # What the command changed in memory is forgotten: read again when next needed.
            for aggregate_id, aggregate in self._current.items():
                if aggregate.pending_events:
                    aggregate.collect_events()
                    self.touched.pop(aggregate_id, None)
            del self.personal[personal:]
            self.relied = relied
            raise
        else:
            for aggregate in self._current.values():
                self.events.extend(aggregate.collect_events())
            return summary
        finally:
            self._audit, self._current = None, {}

    # -- reading -------------------------------------------------------------------

    def programme(self) -> Programme:
        found = self.load(programme_id(self.slug))
        if not isinstance(found, Programme) or found.void:
            raise NotFound(
                f"no programme {self.slug!r} in this store "
                "(open it with: registre programme open SLUG ...)"
            )
        return found

    def find(
        self, cls: type[A], key: str, *, to_create: bool = False, assume: bool = True
    ) -> A | None:
        """The aggregate of the running command's programme, if there is one.
        ``to_create``: the caller creates it if none is found, so its absence
        need not be read from the store where it is known, or assumed (the
        store's unique key refuses a second creation); see ``load``."""
        found = self.load(entity_id(self.slug, cls.KIND, key), to_create=to_create, assume=assume)
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

    def require_absent(self, cls: type[A], key: str, *, assume: bool = True) -> None:
        """Refuses a key already taken. ``assume=False``: read the store unless
        the absence is known, never assumed (what the command does before
        its commit cannot wait for the store's unique key to refuse it)."""
        if self.find(cls, key, to_create=True, assume=assume) is not None:
            raise AlreadyExists(f"programme {self.slug} already has a {cls.KIND} {key!r}")

    def participant(self, key: str) -> domain.Participant:
        p = self.get(domain.Participant, key)
        if p.erased:
            raise RuleViolation(f"participant {key} was erased and can take no further part")
        return p

    def load(
        self, aggregate_id: UUID, *, to_create: bool = False, assume: bool = True
    ) -> RegistreAggregate | None:
        """The aggregate as this unit holds it, else as a held batch keeps it,
        else as the clerk's cache keeps it, else from the store.

        ``to_create`` (an aggregate of the running command's programme that
        the caller creates if it is absent): the store is not read if the
        aggregate is known absent (a programme this unit opened, and not
        written since); with ``optimistic`` and ``assume``, nor if it is not
        cached."""
        found = self.touched.get(aggregate_id)
        if found is None and self.spilled is not None:
            found = self.spilled(aggregate_id)
            if found is not None:
                self.touched[aggregate_id] = found
        if found is None and self.cache is not None:
            found = self.cache.get(aggregate_id)
            if found is not None:
                self.touched[aggregate_id] = found
        if found is None:
            if to_create and self._absent(aggregate_id, assume):
                return None
            loaded: object
            if self.reader is not None:
                loaded = self.reader.get(aggregate_id)
            else:
                try:
                    loaded = self.store.app.repository.get(aggregate_id)
                except AggregateNotFoundError:
                    loaded = None
            if loaded is None:
                self._missing.add(aggregate_id)
                return None
            assert isinstance(loaded, RegistreAggregate)
            found = self.touched[aggregate_id] = loaded
        self._current[aggregate_id] = found
        return found

    def _absent(self, aggregate_id: UUID, assume: bool) -> bool:
        """Whether an aggregate of the running command's programme, neither
        held nor cached, may be taken for absent without reading the store."""
        if self.slug in self.unstored and (
            self.written is None or aggregate_id not in self.written
        ):
            return True
        if assume and self.optimistic:
            self.assumed.add(aggregate_id)
            return True
        return False

    def tally(self, round_key: str) -> dict[str, tuple[int, int]]:
        """A round's tally as recorded so far (proposal -> (voters, total)), from
        the tallies projection, brought up to the head of the log first: only
        what is stored counts, never what this unit of work holds unsaved."""
        # Imported here: most commands never read a projection.
        from registre.projections import projector_for
        from registre.projections.tallies import read_tallies

        self.end_reading()
        projector = projector_for(self.store)
        projector.catch_up(["tallies"])
        with projector.reading("tallies") as db:
            found = read_tallies(db, self.slug, round_key)
        if not found:
            return {}
        return {t.proposal: (t.voters, t.total) for t in found[0].proposals}

    def event_at(self, position: int) -> Any | None:
        """The domain event recorded at a position of the log, if there is one."""
        page = self.store.notifications(position - 1, 1)
        if not page or page[0].id != position:
            return None
        return self.store.to_domain_event(page[0])

    # -- changing ------------------------------------------------------------------

    def add(self, *aggregates: RegistreAggregate) -> None:
        for a in aggregates:
            self.touched[a.id] = a
            self._current[a.id] = a
            if isinstance(a, Programme) and a.id in self._missing:
                self.unstored.add(a.key)

    def rely_on(self, aggregate: RegistreAggregate) -> None:
        """The command holds only if ``aggregate`` is still as read when it is
        committed (a vote holds only while its round is open): the commit is
        refused if another writer changed it meanwhile, and the command is run
        again on fresh state."""
        self.relied.setdefault(aggregate.id, aggregate.version)

    def put_personal(self, participant: str, data: Personal) -> None:
        self.personal.append(sealed_change(self.store.keys, self.slug, participant, data))

    def erase_personal(self, participant: str) -> None:
        self.personal.append(Change(self.slug, participant))

    # -- committing ------------------------------------------------------------------

    def commit(self, receipt: CommandReceipt) -> list[Recording[UUID]]:
        """Writes the collected events, the receipt and the personal data in one
        transaction; returns what was recorded, the receipt last. Raises the
        store's IntegrityError if another writer saved the same aggregates first
        (nothing is then written).

        The key of a person whose data is erased is destroyed first, and the
        keys of the persons whose data it seals are made durable: a failure
        afterwards can leave their sealed row unreadable, never their key
        behind (the erasure, run again, deletes the row).

        The transaction ends with the log's new tree head, signed with the
        deployment's key (``tree_head``), or unsigned, with a warning, when
        this machine does not hold that key."""
        self.end_reading()
        signing = heads.signing(self.store, f"{receipt.name} {receipt.key}")
        for change in self.personal:
            if change.sealed is None:
                self.store.keys.destroy(change.programme, change.participant)
        # The keys this commit seals with are on disk, and those it erases are
        # gone, before it commits.
        self.store.keys.sync()
        # What this unit changes itself is checked by the store's unique keys.
        changed = {e.originator_id for e in self.events}
        relied = [(i, v) for i, v in self.relied.items() if i not in changed]
        recordings = self.store.app.save(
            *self.events,
            receipt,
            **{PERSONAL: list(self.personal), UNCHANGED: relied, heads.TREE_HEAD: signing},
        )
        if self.written is not None:
            for aggregate_id in changed:
                self.written.add(aggregate_id)
        self.events, self.personal, self.relied = [], [], {}
        self.tree_head = signing.made
        if signing.key_missing:
            self.warnings.append(f"this record's tree head is not signed: {signing.unsigned}")
        return recordings

    def end_reading(self) -> None:
        """Ends the batch's read transaction, if one is open (before a write)."""
        if self.reader is not None:
            self.reader.close()

    def keep_only(self, *kinds: type[RegistreAggregate]) -> None:
        """Forgets every aggregate read so far but those of the kinds given."""
        self.touched = {i: a for i, a in self.touched.items() if isinstance(a, kinds)}

    def subject(self, event: Any) -> str:
        """What an event is about, for what the command prints."""
        aggregate = self.touched.get(event.originator_id)
        return aggregate.label if aggregate is not None else "command receipt"
