"""Aggregates kept between the clerk's commands, kept current from the log's tail.

A long-lived service (a benchmark, a server) runs command after command on
the same programme, rounds, proposals and participants. The library's own
cache brings a cached aggregate up to date with one read of its events per
use, so a command that reads four aggregates opened four read transactions.
This cache reads the log once per command instead: the events recorded
since the last position it saw (by this process or any other writer), each
applied to the cached aggregate it belongs to when it is that aggregate's
next version; an aggregate whose events it missed is forgotten, and read
again from the store when next needed. What a command saves is put in the
cache as the unit of work left it, at the version it stored. Events are
never changed once stored, so an aggregate brought forward by the log's
tail is the one the store would give.

A cached aggregate is handed out as a copy, so a command refused half-way
leaves the cache as it was.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Iterable
from copy import deepcopy
from uuid import UUID

from registre.adapters.stores import Store
from registre.domain import CommandReceipt, RegistreAggregate

# Events read from the log's tail at once. A tail longer than this (another
# process wrote much since) empties the cache instead of reading all of it.
TAIL_PAGE = 1000
MAXSIZE = 2000


class FollowedCache:
    def __init__(self, store: Store, maxsize: int = MAXSIZE) -> None:
        self.store = store
        self.maxsize = maxsize
        self.tail: int | None = None  # the last position applied
        self._started = False
        self._aggregates: OrderedDict[UUID, RegistreAggregate] = OrderedDict()

    def follow(self) -> None:
        """Brings every cached aggregate up to the head of the log, in one read.

        The first command of a process reads nothing here and keeps nothing
        (``keep``): a command line records one command and exits. The
        second learns where the log ends, and keeps what it reads from then."""
        if not self._started:
            self._started = True
            return
        if self.tail is None:
            self.tail = self.store.head()
            return
        page = self.store.tail(self.tail, TAIL_PAGE)
        if len(page) == TAIL_PAGE:
            self._aggregates.clear()
            self.tail = self.store.head()
            return
        for notification in page:
            aggregate_id = notification.originator_id
            assert isinstance(aggregate_id, UUID)
            cached = self._aggregates.get(aggregate_id)
            if cached is None or notification.originator_version <= cached.version:
                continue  # not cached, or saved by this process and cached as saved
            if notification.originator_version == cached.version + 1:
                self.store.to_domain_event(notification).mutate(cached)
            else:
                del self._aggregates[aggregate_id]
        if page:
            self.tail = page[-1].id

    def get(self, aggregate_id: UUID) -> RegistreAggregate | None:
        """A copy of the cached aggregate, as of the last ``follow``."""
        found = self._aggregates.get(aggregate_id)
        if found is None:
            return None
        self._aggregates.move_to_end(aggregate_id)
        return deepcopy(found)

    def __contains__(self, aggregate_id: UUID) -> bool:
        return aggregate_id in self._aggregates

    def keep(self, aggregates: Iterable[RegistreAggregate]) -> None:
        """Keeps aggregates a command read or saved (saved: at the version it stored)."""
        if self.tail is None:
            return  # not following the log yet
        for aggregate in aggregates:
            if isinstance(aggregate, CommandReceipt) or aggregate.pending_events:
                continue
            kept = self._aggregates.get(aggregate.id)
            if kept is not None and kept.version > aggregate.version:
                continue
            self._aggregates[aggregate.id] = aggregate
            self._aggregates.move_to_end(aggregate.id)
        while len(self._aggregates) > self.maxsize:
            self._aggregates.popitem(last=False)
