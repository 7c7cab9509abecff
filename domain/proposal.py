"""A proposal synthesised by facilitators from named versions of
contributions; reworded, merged or split; validated by a body; decided by
each founder; adopted as a priority when the programme's rule is met.

Lineage can never form a cycle: only *open* proposals (draft or returned)
can be merged or split, and merging or splitting closes them. An open
proposal therefore has no descendants, and every ancestor is closed, so no
proposal can become its own ancestor. Lineage cannot cross programmes
because every reference is resolved inside the command's programme.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from eventsourcing.domain import event

from registre.domain.audit import Audit
from registre.domain.base import RegistreAggregate, next_version
from registre.domain.contribution import Contribution
from registre.domain.errors import InvalidInput, RuleViolation
from registre.domain.ids import check_key
from registre.domain.kinds import Decision, Outcome, Status
from registre.domain.programme import Programme
from registre.domain.reading import (
    DecisionFact,
    ValidationFact,
    rule_is_met,
    standing_decisions,
    standing_validation,
)

OPEN = (Status.DRAFT, Status.RETURNED)


@dataclass(frozen=True)
class ValidationRecord:
    record: int
    body: str
    minutes: str
    outcome: Outcome


@dataclass(frozen=True)
class DecisionRecord:
    record: int
    founder: str
    decision: Decision
    rationale: str
    validation: int  # record version of the validation it responds to


def cite(contribution: Contribution, version: int | None) -> dict[str, Any]:
    """A source of a proposal: one version of a contribution."""
    contribution.require_live()
    number = contribution.current_version if version is None else version
    contribution.require_version(number)
    return {
        "contribution": contribution.key,
        "version": number,
        "withdrawn": contribution.withdrawn is not None,
    }


class Proposal(RegistreAggregate):
    KIND = "proposal"

    @classmethod
    def synthesise(
        cls,
        programme: Programme,
        key: str,
        title: str,
        text: str,
        axis: str | None,
        sources: list[dict[str, Any]],
        audit: Audit,
        parents: list[str] | None = None,
        origin: str = "synthesis",
    ) -> Proposal:
        check_key(key, "proposal key")
        if axis is not None:
            programme.require_axis(axis)
        if not sources and not parents:
            raise RuleViolation(
                f"proposal {key} must cite at least one contribution", field="sources"
            )
        return cls(
            programme=programme.key,
            key=key,
            title=title,
            text=text,
            axis=axis,
            sources=sources,
            parents=list(parents or []),
            origin=origin,
            audit=audit,
        )

    class Synthesised(RegistreAggregate.Created):
        programme: str
        key: str
        title: str
        text: str
        axis: str | None
        sources: list[dict[str, Any]]
        parents: list[str]
        origin: str

    @event(Synthesised)
    def __init__(
        self,
        programme: str,
        key: str,
        title: str,
        text: str,
        axis: str | None,
        sources: list[dict[str, Any]],
        parents: list[str],
        origin: str,
        audit: Audit,
    ) -> None:
        self.programme = programme
        self.key = key
        self.title = title
        self.text = text
        self.axis = axis
        self.sources = sources
        self.parents = parents
        self.origin = origin
        self.merged_into: str | None = None
        self.split_into: list[str] = []
        self.absorbed: list[str] = []
        self.validations: list[ValidationRecord] = []
        self.decisions: list[DecisionRecord] = []
        self.adopted = False
        # (record version, count, source) for each tally a source attested
        self.attestations: list[tuple[int, int, str]] = []

    # -- state derived from the records that were not annulled ---------------

    # Which records stand, and whether the rule is met, are read by the rules
    # every view uses (``registre.domain.reading``).

    def _validation_facts(self) -> list[ValidationFact]:
        return [
            ValidationFact(v.record, v.body, v.minutes, v.outcome.value, v.record in self.annulled)
            for v in self.validations
        ]

    def _decision_facts(self) -> list[DecisionFact]:
        return [
            DecisionFact(
                d.record,
                d.founder,
                d.decision.value,
                d.rationale,
                d.validation,
                annulled=d.record in self.annulled,
            )
            for d in self.decisions
        ]

    @property
    def current_validation(self) -> ValidationRecord | None:
        standing = standing_validation(self._validation_facts())
        if standing is None:
            return None
        return next(v for v in self.validations if v.record == standing.record)

    @property
    def status(self) -> Status:
        if self.merged_into is not None:
            return Status.MERGED
        if self.split_into:
            return Status.SPLIT
        validation = self.current_validation
        if validation is None:
            return Status.DRAFT
        return Status(validation.outcome.value)

    def current_decisions(self) -> dict[str, DecisionRecord]:
        """Each founder's latest decision on the current validation."""
        by_record = {d.record: d for d in self.decisions}
        standing = standing_decisions(self._validation_facts(), self._decision_facts())
        return {founder: by_record[d.record] for founder, d in standing.items()}

    def rule_met(self, programme: Programme) -> bool:
        if self.status is not Status.VALIDATED:
            return False
        standing = standing_decisions(self._validation_facts(), self._decision_facts())
        return rule_is_met(programme.rule, list(programme.founders), standing)

    def require_open(self, action: str) -> None:
        self.require_live()
        if self.status not in OPEN:
            raise RuleViolation(
                f"proposal {self.key} is {self.status.value}; only a draft or returned "
                f"proposal can be {action}"
            )

    # -- commands --------------------------------------------------------------

    def reword(self, title: str, text: str | None, audit: Audit) -> None:
        self.require_open("reworded")
        new_text = self.text if text is None else text
        if title == self.title and new_text == self.text:
            raise RuleViolation(f"proposal {self.key} already has this wording")
        self._reworded(title, new_text, audit)

    class Reworded(RegistreAggregate.Event):
        title: str
        text: str

    @event(Reworded)
    def _reworded(self, title: str, text: str, audit: Audit) -> None:
        self.title = title
        self.text = text

    def merge_into(self, target: str, audit: Audit) -> None:
        self.require_open("merged")
        self._merged_into(target, audit)

    class MergedInto(RegistreAggregate.Event):
        target: str

    @event(MergedInto)
    def _merged_into(self, target: str, audit: Audit) -> None:
        self.merged_into = target

    def absorb(self, sources: list[str], audit: Audit) -> None:
        self.require_open("merged into")
        self._absorbed(sources, audit)

    class Absorbed(RegistreAggregate.Event):
        sources: list[str]

    @event(Absorbed)
    def _absorbed(self, sources: list[str], audit: Audit) -> None:
        self.absorbed.extend(sources)

    def split(self, parts: list[str], audit: Audit) -> None:
        self.require_open("split")
        self._split(parts, audit)

    class SplitInto(RegistreAggregate.Event):
        parts: list[str]

    @event(SplitInto)
    def _split(self, parts: list[str], audit: Audit) -> None:
        self.split_into = parts

    def validate(self, body: str, minutes: str, outcome: Outcome, audit: Audit) -> None:
        self.require_live()
        status = self.status
        if outcome is Outcome.RETURNED and status is Status.VALIDATED and self.adopted:
            raise RuleViolation(
                f"proposal {self.key} is an adopted priority; its founders must revise "
                "their decisions before it can be returned"
            )
        if status not in (*OPEN, Status.VALIDATED) or (
            status is Status.VALIDATED and outcome is not Outcome.RETURNED
        ):
            raise RuleViolation(
                f"proposal {self.key} is {status.value}; a body can validate or reject a "
                "draft or returned proposal, and return a validated one for rework"
            )
        self._validated(body, minutes, outcome.value, audit)

    class Validated(RegistreAggregate.Event):
        body: str
        minutes: str
        outcome: str

    @event(Validated)
    def _validated(self, body: str, minutes: str, outcome: str, audit: Audit) -> None:
        self.validations.append(
            ValidationRecord(next_version(self), body, minutes, Outcome(outcome))
        )

    def decide(
        self,
        programme: Programme,
        founder: str,
        decision: Decision,
        rationale: str,
        revise: bool,
        audit: Audit,
    ) -> bool:
        """Records a founder's decision; returns True if it adopted the priority."""
        self.require_live()
        programme.require_founder(founder)
        validation = self.current_validation
        if validation is None or validation.outcome is not Outcome.VALIDATED:
            raise RuleViolation(
                f"proposal {self.key} is {self.status.value}; founders decide only on "
                "validated priorities"
            )
        earlier = self.current_decisions().get(founder)
        if earlier is not None and not revise:
            raise RuleViolation(
                f"founder {founder} already decided '{earlier.decision.value}' on proposal "
                f"{self.key}; a new decision must be recorded as a revision of that one",
                field="revise",
            )
        if earlier is None and revise:
            raise RuleViolation(
                f"founder {founder} has no decision on proposal {self.key} to revise"
            )
        self._decided(
            founder,
            decision.value,
            rationale,
            validation.record,
            earlier.record if earlier else None,
            audit,
        )
        return self.reconsider_adoption(programme, audit)

    class FounderDecided(RegistreAggregate.Event):
        founder: str
        decision: str
        rationale: str
        validation: int
        revises: int | None

    @event(FounderDecided)
    def _decided(
        self,
        founder: str,
        decision: str,
        rationale: str,
        validation: int,
        revises: int | None,
        audit: Audit,
    ) -> None:
        self.decisions.append(
            DecisionRecord(next_version(self), founder, Decision(decision), rationale, validation)
        )

    def reconsider_adoption(self, programme: Programme, audit: Audit) -> bool:
        """Adopts the priority, or withdraws its adoption, to follow the rule."""
        met = self.rule_met(programme)
        if met and not self.adopted:
            self._adopted(programme.rule.value, sorted(self.current_decisions()), audit)
            return True
        if self.adopted and not met:
            self._adoption_withdrawn(programme.rule.value, audit)
        return False

    class Adopted(RegistreAggregate.Event):
        rule: str
        founders: list[str]

    @event(Adopted)
    def _adopted(self, rule: str, founders: list[str], audit: Audit) -> None:
        self.adopted = True

    class AdoptionWithdrawn(RegistreAggregate.Event):
        rule: str

    @event(AdoptionWithdrawn)
    def _adoption_withdrawn(self, rule: str, audit: Audit) -> None:
        self.adopted = False

    # -- tallies attested by a source -------------------------------------------

    @property
    def attested_tallies(self) -> dict[str, int]:
        """The standing count each source attested (its latest record not annulled)."""
        counts: dict[str, int] = {}
        for record, count, source in self.attestations:
            if record not in self.annulled:
                counts[source] = count
        return counts

    def attest_tally(self, count: int, source: str, audit: Audit) -> None:
        """Records the number of supports a source gives for the proposal (the
        supports of a platform whose individual votes are not published): a count
        as the source states it, never turned into votes of anyone."""
        self.require_live()
        if isinstance(count, bool) or not isinstance(count, int) or count < 0:
            raise InvalidInput(
                f"an attested tally is a whole number of supports, not {count!r}", field="count"
            )
        if not source.strip():
            raise InvalidInput("an attested tally names its source", field="source")
        if self.attested_tallies.get(source) == count:
            raise RuleViolation(
                f"proposal {self.key} already has {count} supports attested by {source}"
            )
        self._tally_attested(count, source, audit)

    class TallyAttested(RegistreAggregate.Event):
        count: int
        source: str

    @event(TallyAttested)
    def _tally_attested(self, count: int, source: str, audit: Audit) -> None:
        self.attestations.append((next_version(self), count, source))

    # -- corrections -------------------------------------------------------------

    def _refuse_annulment(self, version: int, kind: str) -> str | None:
        if any(v.record == version for v in self.validations):
            return None
        if any(a[0] == version for a in self.attestations):
            return None
        if any(d.record == version for d in self.decisions):
            return None
        if version == 1 and self.adopted:
            return (
                f"proposal {self.key} is an adopted priority; annul or revise the founders' "
                "decisions before annulling the proposal"
            )
        if kind in ("Adopted", "AdoptionWithdrawn"):
            return (
                "an adoption follows from the founders' decisions; annul the decision "
                "that was recorded by mistake instead"
            )
        return super()._refuse_annulment(version, kind)


def merge(
    programme: Programme,
    sources: list[Proposal],
    target: Proposal | None,
    target_key: str,
    title: str | None,
    audit: Audit,
) -> Proposal:
    """Merges open proposals into an open target, or into a new proposal."""
    keys = [p.key for p in sources]
    if len(sources) < 1 or len(set(keys)) != len(keys):
        raise RuleViolation("name each proposal to merge once", field="sources")
    if target_key in keys:
        raise RuleViolation(f"proposal {target_key} cannot be merged into itself")
    if target is None and len(sources) < 2:
        raise RuleViolation("a new proposal needs at least two proposals to merge")
    for p in sources:
        p.require_open("merged")
    if target is None:
        if not title:
            raise RuleViolation(
                f"proposal {target_key} does not exist yet: give it a title", field="title"
            )
        axes = {p.axis for p in sources}
        target = Proposal.synthesise(
            programme,
            target_key,
            title,
            "",
            axes.pop() if len(axes) == 1 else None,
            [],
            audit,
            parents=keys,
            origin="merge",
        )
    else:
        if title and title != target.title:
            # The title given renames the existing target, as the command says.
            target.reword(title, None, audit)
        target.absorb(keys, audit)
    for p in sources:
        p.merge_into(target.key, audit)
    return target


def split(
    programme: Programme,
    source: Proposal,
    parts: list[tuple[str, str]],
    audit: Audit,
) -> list[Proposal]:
    """Splits an open proposal into new proposals, each keeping it as parent."""
    keys = [k for k, _ in parts]
    if len(parts) < 2 or len(set(keys)) != len(keys):
        raise RuleViolation("a split needs at least two distinct new proposals", field="parts")
    if source.key in keys:
        raise RuleViolation(f"proposal {source.key} cannot be split into itself")
    source.require_open("split")
    new = [
        Proposal.synthesise(
            programme, key, title, "", source.axis, [], audit, parents=[source.key], origin="split"
        )
        for key, title in parts
    ]
    source.split(keys, audit)
    return new
