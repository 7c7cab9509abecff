"""A consultation programme: its organiser, founders, decision rule and axes,
and the published versions of its action plan."""

from __future__ import annotations

from enum import StrEnum
from uuid import UUID

from eventsourcing.domain import event

from registre.domain.audit import Audit
from registre.domain.base import RegistreAggregate
from registre.domain.errors import AlreadyExists, NotFound, RuleViolation
from registre.domain.ids import check_key, programme_id


class DecisionRule(StrEnum):
    """How many founders must approve a priority for it to be adopted."""

    UNANIMITY = "unanimity"
    MAJORITY = "majority"
    ANY = "any"

    def is_met(self, approvals: int, founders: int) -> bool:
        if self is DecisionRule.UNANIMITY:
            return approvals == founders
        if self is DecisionRule.MAJORITY:
            return 2 * approvals > founders
        return approvals >= 1


class Programme(RegistreAggregate):
    KIND = "programme"

    @classmethod
    def create_id(cls, slug: str) -> UUID:  # type: ignore[override]
        return programme_id(slug)

    @classmethod
    def open(
        cls,
        slug: str,
        title: str,
        organiser: str,
        founders: dict[str, str],
        rule: DecisionRule,
        audit: Audit,
    ) -> Programme:
        check_key(slug, "programme slug")
        for key in founders:
            check_key(key, "founder key")
        if not founders:
            raise RuleViolation("a programme needs at least one founder", field="founders")
        return cls(
            slug=slug,
            title=title,
            organiser=organiser,
            founders=dict(founders),
            rule=rule.value,
            audit=audit,
        )

    class Opened(RegistreAggregate.Created):
        slug: str
        title: str
        organiser: str
        founders: dict[str, str]
        rule: str

    @event(Opened)
    def __init__(
        self,
        slug: str,
        title: str,
        organiser: str,
        founders: dict[str, str],
        rule: str,
        audit: Audit,
    ) -> None:
        self.programme = slug
        self.key = slug
        self.title = title
        self.organiser = organiser
        self.founders = founders
        self.rule = DecisionRule(rule)
        self.axes: dict[str, str] = {}
        self.plan_versions: list[str] = []
        # founder -> (witness name, base64 Ed25519 public key): the key with
        # which the founder cosigns the log's checkpoints.
        self.witnesses: dict[str, tuple[str, str]] = {}

    @property
    def label(self) -> str:
        return f"programme {self.key}"

    def add_axis(self, key: str, title: str, audit: Audit) -> None:
        check_key(key, "axis key")
        if key in self.axes:
            raise AlreadyExists(f"programme {self.key} already has an axis {key!r}")
        self._axis_added(key, title, audit)

    class AxisAdded(RegistreAggregate.Event):
        key: str
        title: str

    @event(AxisAdded)
    def _axis_added(self, key: str, title: str, audit: Audit) -> None:
        self.axes[key] = title

    def require_axis(self, key: str) -> None:
        if key not in self.axes:
            known = ", ".join(sorted(self.axes)) or "none yet"
            raise NotFound(f"programme {self.key} has no axis {key!r} (axes: {known})")

    def require_founder(self, key: str) -> None:
        if key not in self.founders:
            known = ", ".join(sorted(self.founders))
            raise NotFound(f"{key!r} is not a founder of programme {self.key} (founders: {known})")

    def register_witness(self, founder: str, name: str, public_key: str, audit: Audit) -> None:
        """A founder's witness key, with which it cosigns the log's checkpoints;
        a later registration replaces the earlier one (a founder's new key)."""
        self.require_founder(founder)
        if self.witnesses.get(founder) == (name, public_key):
            raise AlreadyExists(f"founder {founder} already cosigns with this key")
        self._witness_registered(founder, name, public_key, audit)

    class WitnessRegistered(RegistreAggregate.Event):
        founder: str
        name: str
        public_key: str

    @event(WitnessRegistered)
    def _witness_registered(self, founder: str, name: str, public_key: str, audit: Audit) -> None:
        self.witnesses = {**getattr(self, "witnesses", {}), founder: (name, public_key)}

    def publish_plan(self, label: str, audit: Audit) -> int:
        self._plan_published(len(self.plan_versions) + 1, label, audit)
        return len(self.plan_versions)

    class PlanPublished(RegistreAggregate.Event):
        number: int
        label: str

    @event(PlanPublished)
    def _plan_published(self, number: int, label: str, audit: Audit) -> None:
        self.plan_versions.append(label)
