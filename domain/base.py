"""What every aggregate of a programme shares: its programme and key, the audit
metadata on each event, and corrections.

Nothing is ever edited or deleted. A mistaken record is annulled by a new
``RecordAnnulled`` event naming the version it annuls and why; each aggregate
says which of its records can be annulled and what that undoes.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any, ClassVar
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from registre.domain.audit import Audit
from registre.domain.errors import RuleViolation
from registre.domain.ids import entity_id


class RegistreAggregate(Aggregate):
    """Base of the programme's aggregates."""

    if TYPE_CHECKING:  # set by each aggregate's creation event (annotations here
        # would make the library treat them as constructor fields)
        programme: str
        key: str

    KIND: ClassVar[str]  # the kind in the aggregate's id, uuid5(programme/KIND/key)

    class Event(Aggregate.Event):
        audit: Audit

    # Declared so that type checkers see the audit on every creation event; the
    # library would otherwise define the same class, with the same bases.
    class Created(Aggregate.Created, Event):
        pass

    class RecordAnnulled(Event):
        """A record of this aggregate is annulled (a correction)."""

        target_version: int
        target_kind: str
        reason: str

    @classmethod
    def create_id(cls, programme: str, key: str) -> UUID:
        return entity_id(programme, cls.KIND, key)

    def __base_init__(
        self, originator_id: Any, originator_version: int, timestamp: datetime
    ) -> None:
        super().__base_init__(originator_id, originator_version, timestamp)
        # version -> reason, for every record of this aggregate that was annulled
        self.annulled: dict[int, str] = {}

    @property
    def void(self) -> bool:
        """True when the record that created this thing was annulled."""
        return 1 in self.annulled

    @property
    def label(self) -> str:
        return f"{self.KIND} {self.key}"

    def annul(self, target_version: int, target_kind: str, reason: str, audit: Audit) -> None:
        if not 1 <= target_version <= self.version:
            raise RuleViolation(f"{self.label} has no record {target_version}")
        if target_version in self.annulled:
            raise RuleViolation(
                f"record {target_version} of {self.label} was already annulled: "
                f"{self.annulled[target_version]}"
            )
        refusal = self._refuse_annulment(target_version, target_kind)
        if refusal:
            raise RuleViolation(refusal)
        self._record_annulled(target_version, target_kind, reason, audit)

    @event(RecordAnnulled)
    def _record_annulled(
        self, target_version: int, target_kind: str, reason: str, audit: Audit
    ) -> None:
        self.annulled[target_version] = reason
        if target_version != 1:
            self._undo(target_version)

    def _refuse_annulment(self, version: int, kind: str) -> str | None:
        """Why record ``version`` cannot be annulled, or None if it can.

        Annulling the record that created a thing voids the thing; an aggregate
        whose creation must not be annulled says so by overriding this."""
        if version == 1:
            return None
        return f"the {kind} record cannot be annulled; record what should have happened instead"

    def _undo(self, version: int) -> None:
        """Undo the effect of record ``version`` (only called when allowed)."""

    def require_live(self) -> None:
        if self.void:
            raise RuleViolation(f"{self.label} was annulled: {self.annulled[1]}")


def next_version(aggregate: Aggregate) -> int:
    """Version of the event being applied, from inside an ``@event`` method body."""
    return aggregate.version + 1
