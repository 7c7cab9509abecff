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
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError
from eventsourcing.persistence import Recording

from registre import domain
from registre.adapters.ledger import heads
from registre.adapters.stores import Store
from registre.adapters.stores.personal_data import Change, Personal, sealed_change
from registre.adapters.stores.recorders import PERSONAL, UNCHANGED
from registre.domain import Audit, CommandReceipt, Programme, RegistreAggregate
from registre.domain.errors import AlreadyExists, NotFound, RuleViolation
from registre.domain.ids import entity_id, programme_id

A = TypeVar("A", bound=RegistreAggregate)
C = TypeVar("C")


class UnitOfWork:
    def __init__(self, store: Store) -> None:
        self.store = store
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

    def find(self, cls: type[A], key: str) -> A | None:
        found = self.load(entity_id(self.slug, cls.KIND, key))
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

    def participant(self, key: str) -> domain.Participant:
        p = self.get(domain.Participant, key)
        if p.erased:
            raise RuleViolation(f"participant {key} was erased and can take no further part")
        return p

    def load(self, aggregate_id: UUID) -> RegistreAggregate | None:
        found = self.touched.get(aggregate_id)
        if found is None and self.spilled is not None:
            found = self.spilled(aggregate_id)
            if found is not None:
                self.touched[aggregate_id] = found
        if found is None:
            try:
                loaded: object = self.store.app.repository.get(aggregate_id)
            except AggregateNotFoundError:
                return None
            assert isinstance(loaded, RegistreAggregate)
            found = self.touched[aggregate_id] = loaded
        self._current[aggregate_id] = found
        return found

    def tally(self, round_key: str) -> dict[str, tuple[int, int]]:
        """A round's tally as recorded so far (proposal -> (voters, total)), from
        the tallies projection, brought up to the head of the log first: only
        what is stored counts, never what this unit of work holds unsaved."""
        # Imported here: most commands never read a projection.
        from registre.projections import projector_for
        from registre.projections.tallies import read_tallies

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
        self.events, self.personal, self.relied = [], [], {}
        self.tree_head = signing.made
        if signing.key_missing:
            self.warnings.append(f"this record's tree head is not signed: {signing.unsigned}")
        return recordings

    def keep_only(self, *kinds: type[RegistreAggregate]) -> None:
        """Forgets every aggregate read so far but those of the kinds given."""
        self.touched = {i: a for i, a in self.touched.items() if isinstance(a, kinds)}

    def subject(self, event: Any) -> str:
        """What an event is about, for what the command prints."""
        aggregate = self.touched.get(event.originator_id)
        return aggregate.label if aggregate is not None else "command receipt"
