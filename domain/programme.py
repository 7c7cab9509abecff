"""A consultation programme: its organiser, founders, decision rule, its
structure (axes, or parts that nest: themes, work axes, concepts...), the
larger programme it may belong to, and the published versions of its action
plan."""

from __future__ import annotations

from enum import StrEnum
from uuid import UUID

from eventsourcing.domain import event

from registre.domain.audit import Audit
from registre.domain.base import RegistreAggregate
from registre.domain.errors import AlreadyExists, InvalidInput, NotFound, RuleViolation
from registre.domain.ids import check_key, programme_id
from registre.domain.structure import DEFAULT_LEVEL, Part, Structure, level_problem


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


def _listed(keys: dict[str, str], shown: int = 12) -> str:
    """The keys a message names: a few, in order, and how many more."""
    ordered = sorted(keys)
    if not ordered:
        return "none yet"
    more = len(ordered) - shown
    return ", ".join(ordered[:shown]) + (f" and {more} more" if more > 0 else "")


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
        part_of: str | None = None,
    ) -> Programme:
        """Opens a programme; ``part_of`` names the larger programme it belongs to
        (the caller checks that it exists in the same store)."""
        check_key(slug, "programme slug")
        for key in founders:
            check_key(key, "founder key")
        if not founders:
            raise RuleViolation("a programme needs at least one founder", field="founders")
        if part_of is not None:
            check_key(part_of, "programme slug")
            if part_of == slug:
                raise RuleViolation(f"programme {slug} cannot be part of itself", field="part_of")
        programme = cls(
            slug=slug,
            title=title,
            organiser=organiser,
            founders=dict(founders),
            rule=rule.value,
            audit=audit,
        )
        if part_of is not None:
            programme._part_of_recorded(part_of, audit)
        return programme

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
        self.part_of: str | None = None
        # key -> title, for every part at any level; ``parts`` says where each sits
        self.axes: dict[str, str] = {}
        self.parts: dict[str, Part] = {}
        self.plan_versions: list[str] = []
        # founder -> (witness name, base64 Ed25519 public key): the key with
        # which the founder cosigns the log's checkpoints.
        self.witnesses: dict[str, tuple[str, str]] = {}

    @property
    def label(self) -> str:
        return f"programme {self.key}"

    class PartOfRecorded(RegistreAggregate.Event):
        """The programme is part of a larger one of the same store (a
        neighbourhood lab of a city's programme), recorded as it opens.
        Programmes opened alone have no such event, so events stored before
        keep their classes and bytes."""

        part_of: str

    @event(PartOfRecorded)
    def _part_of_recorded(self, part_of: str, audit: Audit) -> None:
        self.part_of = part_of

    @property
    def structure(self) -> Structure:
        return Structure(self.parts.values())

    def add_axis(
        self,
        key: str,
        title: str,
        audit: Audit,
        parent: str | None = None,
        level: str | None = None,
    ) -> None:
        """Adds a part to the programme's structure: at the top, or under
        ``parent`` (a part it already has), named at ``level`` in the
        programme's own words (default: an axis)."""
        check_key(key, "axis key")
        level = DEFAULT_LEVEL if level is None else level
        problem = level_problem(level)
        if problem:
            raise InvalidInput(problem, field="level")
        if key in self.axes:
            raise AlreadyExists(f"programme {self.key} already has an axis {key!r}")
        if parent is not None:
            if parent not in self.axes:
                known = _listed(self.axes)
                raise NotFound(
                    f"programme {self.key} has no part {parent!r} to put {key!r} under "
                    f"(parts: {known})",
                    field="parent",
                )
            if self.structure.would_cycle(key, parent):
                raise RuleViolation(
                    f"part {key!r} cannot be placed under {parent!r}, which hangs under it",
                    field="parent",
                )
        if parent is None and level == DEFAULT_LEVEL:
            self._axis_added(key, title, audit)
        else:
            self._part_added(key, title, parent, level, audit)

    class AxisAdded(RegistreAggregate.Event):
        """An axis at the top of the structure (the only kind of part before
        structures could nest)."""

        key: str
        title: str

    @event(AxisAdded)
    def _axis_added(self, key: str, title: str, audit: Audit) -> None:
        self.axes[key] = title
        self.parts[key] = Part(key, title)

    class PartAdded(RegistreAggregate.Event):
        """A part under another, or named at a level of its own (thème, concept)."""

        key: str
        title: str
        parent: str | None
        level: str

    @event(PartAdded)
    def _part_added(
        self, key: str, title: str, parent: str | None, level: str, audit: Audit
    ) -> None:
        self.axes[key] = title
        self.parts[key] = Part(key, title, parent, level)

    def require_axis(self, key: str) -> None:
        """A part at any level of the structure."""
        if key not in self.axes:
            known = _listed(self.axes)
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
