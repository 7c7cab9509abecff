"""The recording commands, validated by pydantic before anything is loaded.

Types, lengths and references are checked here; a bad value stops the
command with a clear message (exit 2) and nothing is written. Rules of the
consultation are checked afterwards, by the domain.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Annotated, ClassVar

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationInfo,
    field_validator,
)

from registre.domain import (
    ActionStatus,
    Decision,
    DecisionRule,
    Method,
    OrganisationType,
    Outcome,
    SessionKind,
)
from registre.domain.bounds import MAX_DOTS, MAX_SCORE, MAX_STORED_INTEGER, shown, text_problem
from registre.domain.ids import KEY_PATTERN

Key = Annotated[str, StringConstraints(strip_whitespace=True, pattern=KEY_PATTERN.pattern)]
Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=300)]
Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=20000)]
OptionalText = Annotated[str, StringConstraints(strip_whitespace=True, max_length=20000)]

# A version is a small number; 18 digits keep it within the stores' integers.
SOURCE_REF = re.compile(
    r"^(?P<key>[A-Za-z0-9][A-Za-z0-9._-]{0,79})(?:@(?P<version>[1-9][0-9]{0,17}))?$"
)
# A position in the log, as the stores number it.
Position = Annotated[int, Field(ge=1, le=MAX_STORED_INTEGER)]


def _clean(value: object) -> object:
    """Refuses a text with a NUL character or bytes that were not UTF-8, wherever it
    sits in a field (a list of keys, a founder's name); anything else is left to
    the field's type."""
    if isinstance(value, str):
        problem = text_problem(value)
        if problem is not None:
            raise ValueError(problem)
    elif isinstance(value, list | tuple):
        for item in value:
            _clean(item)
    elif isinstance(value, dict):
        for key, item in value.items():
            _clean(key)
            _clean(item)
    return value


class Clean(BaseModel):
    """A model whose every text is text: no NUL, nothing but UTF-8."""

    # A process runs one command: only the model it validates builds its
    # validator, on first use, not the forty others at import.
    model_config = ConfigDict(defer_build=True)

    @field_validator("*", mode="before")
    @classmethod
    def _text_only(cls, value: object) -> object:
        return _clean(value)


class Command(Clean):
    """A recording command: what a clerk asks, about one programme."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    # The command as a clerk names it ("vote cast"); kept in its receipt.
    ACTION: ClassVar[str]

    programme: Key

    def personal(self) -> tuple[str, dict[str, str | None]] | None:
        """The person this command carries personal data of, and that data
        (which must never enter the record, nor a digest that could confirm it)."""
        return None


class Context(Clean):
    """Who records, for whom, when it happened, from where, under which id."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    actor: Name
    on_behalf_of: Name | None = None
    occurred_at: datetime | None = None
    source: Name | None = None
    command_id: (
        Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
        | None
    ) = None


class OpenProgramme(Command):
    ACTION: ClassVar[str] = "programme open"

    title: Name
    organiser: Name
    founders: dict[Key, Name] = Field(min_length=1)
    rule: DecisionRule
    # The larger programme, in the same store, that this one is part of.
    part_of: Key | None = None


# A level of a programme's structure, in its own words: "thème", "axe de travail".
Level = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=80)]


class AddAxis(Command):
    ACTION: ClassVar[str] = "programme axis"

    key: Key
    title: Name
    # The part it hangs under (none: the top of the structure), and its level.
    parent: Key | None = None
    level: Level | None = None


class RegisterWitness(Command):
    ACTION: ClassVar[str] = "audit witness"

    founder: Key
    # The witness's signed-note name and its Ed25519 public key (base64 of 32 bytes).
    name: Annotated[str, StringConstraints(pattern=r"^[^\s+]{1,200}$")]
    public_key: Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9+/]{43}=$")]


class ScheduleSession(Command):
    ACTION: ClassVar[str] = "session schedule"

    key: Key
    kind: SessionKind
    on: date
    title: OptionalText = ""
    axes: list[Key] = []
    facilitators: list[Name] = []
    # An import's session "if the programme does not have it yet": one already
    # scheduled, of the same kind, is left as it is (``Unchanged``).
    existing_ok: bool = False


class RecordAttendance(Command):
    ACTION: ClassVar[str] = "session attend"

    session: Key
    participants: list[Key] = Field(min_length=1)


class RegisterParticipant(Command):
    ACTION: ClassVar[str] = "participant register"

    key: Key
    name: Name | None = None  # none for an anonymous participant (a Pol.is voter)
    organisation: Name
    organisation_type: OrganisationType
    contact: Name | None = None
    # The organisation is a single person (a sole trader, a citizen for
    # themself): its name is personal data, kept with the name, not in the record.
    organisation_is_person: bool = False
    # An import's participant "registered at their first appearance": one already
    # registered is left as it is (``Unchanged``).
    existing_ok: bool = False

    def personal(self) -> tuple[str, dict[str, str | None]] | None:
        fields: dict[str, str | None] = {"name": self.name, "contact": self.contact}
        if self.organisation_is_person:
            fields["organisation"] = self.organisation
        return self.key, fields


class RegisterAnonymous(Command):
    """A participant known by a key alone (an anonymous voter): no name, no
    contact, no organisation, nothing kept beside the record."""

    ACTION: ClassVar[str] = "participant register --anonymous"

    key: Key
    existing_ok: bool = False


class EraseParticipant(Command):
    ACTION: ClassVar[str] = "participant erase"

    key: Key
    reason: Text


class SubmitContribution(Command):
    ACTION: ClassVar[str] = "contribution submit"

    key: Key | None = None
    session: Key
    axis: Key | None = None
    authors: list[Key] = Field(min_length=1)
    text: Text


class AmendContribution(Command):
    ACTION: ClassVar[str] = "contribution amend"

    key: Key
    text: Text


class WithdrawContribution(Command):
    ACTION: ClassVar[str] = "contribution withdraw"

    key: Key
    reason: Text


class SourceRef(BaseModel):
    model_config = ConfigDict(frozen=True, defer_build=True)

    contribution: str
    version: int | None = None

    @classmethod
    def parse(cls, text: str) -> SourceRef:
        match = SOURCE_REF.match(text.strip())
        if not match:
            raise ValueError(
                f"{shown(text)} is not a contribution reference: "
                "use KEY or KEY@VERSION (e.g. C-12@2)"
            )
        version = match["version"]
        return cls(contribution=match["key"], version=int(version) if version else None)


class SynthesiseProposal(Command):
    ACTION: ClassVar[str] = "proposal synthesise"

    key: Key
    title: Name
    text: OptionalText = ""
    axis: Key | None = None
    sources: list[SourceRef] = Field(min_length=1)

    @field_validator("sources", mode="before")
    @classmethod
    def _parse_sources(cls, value: object) -> object:
        if isinstance(value, list | tuple):
            return [SourceRef.parse(v) if isinstance(v, str) else v for v in value]
        return value


class RewordProposal(Command):
    ACTION: ClassVar[str] = "proposal reword"

    key: Key
    title: Name
    text: OptionalText | None = None


class MergeProposals(Command):
    ACTION: ClassVar[str] = "proposal merge"

    target: Key
    sources: list[Key] = Field(min_length=1)
    title: Name | None = None


class SplitProposal(Command):
    ACTION: ClassVar[str] = "proposal split"

    key: Key
    parts: list[tuple[Key, Name]] = Field(min_length=2)


class OpenRound(Command):
    ACTION: ClassVar[str] = "round open"

    key: Key
    session: Key
    method: Method
    limit: int | None = Field(default=None, ge=1, le=MAX_STORED_INTEGER)
    max_score: int | None = Field(default=None, ge=1, le=MAX_SCORE)
    proposals: list[Key] = Field(min_length=1)
    # Whole ballots of at least so many votes; at most so many dots on one proposal.
    min_votes: int | None = None
    max_per_proposal: int | None = None
    # A participatory budget: what can be spent, and each proposal's cost.
    budget: int | None = None
    costs: dict[Key, int] = {}

    @field_validator("limit")
    @classmethod
    def _dots_in_reach(cls, limit: int | None, info: ValidationInfo) -> int | None:
        # The limit against the eligible proposals is the domain's (Round.open).
        if limit is not None and info.data.get("method") is Method.DOTS and limit > MAX_DOTS:
            raise ValueError(f"a dots round gives each participant at most {MAX_DOTS} dots")
        return limit


class CloseRound(Command):
    ACTION: ClassVar[str] = "round close"

    key: Key


class CastVote(Command):
    ACTION: ClassVar[str] = "vote cast"

    round: Key
    participant: Key
    proposal: Key
    value: Annotated[str, StringConstraints(strip_whitespace=True, max_length=20)] | None = None


class CastBallot(Command):
    """A participant's whole ballot in one go: (proposal, value) pairs, each
    value as ``vote cast --value`` takes it (none for an approval)."""

    ACTION: ClassVar[str] = "vote ballot"

    round: Key
    participant: Key
    votes: list[
        tuple[Key, Annotated[str, StringConstraints(strip_whitespace=True, max_length=20)] | None]
    ] = Field(min_length=1)


class FundProposals(Command):
    """Selects the proposals a closed budget round funds, by its rule."""

    ACTION: ClassVar[str] = "round fund"

    round: Key


class RetractVote(Command):
    ACTION: ClassVar[str] = "vote retract"

    round: Key
    participant: Key
    proposal: Key


class ValidateProposal(Command):
    ACTION: ClassVar[str] = "validate"

    proposal: Key
    body: Name
    minutes: Name
    outcome: Outcome = Outcome.VALIDATED


class DecideOnPriority(Command):
    ACTION: ClassVar[str] = "decide"

    proposal: Key
    founder: Key
    decision: Decision
    rationale: Text
    revise: bool = False


class AssignAction(Command):
    ACTION: ClassVar[str] = "action assign"

    key: Key
    priority: Key
    title: Name
    lead: Name
    partners: list[Name] = []
    due: date | None = None


class ReportProgress(Command):
    ACTION: ClassVar[str] = "action progress"

    key: Key
    status: ActionStatus
    percent: int = Field(ge=0, le=100)
    note: OptionalText = ""


class AttestTally(Command):
    """The number of supports a source states for a proposal (a platform that
    publishes counts, not votes): recorded as the source's count, never as votes."""

    ACTION: ClassVar[str] = "proposal attest"

    proposal: Key
    count: int = Field(ge=0, le=MAX_STORED_INTEGER)
    source: Name


class RecordResult(Command):
    """An action as the body accounts for it (a result of its accountability),
    with the proposals it was carried out for."""

    ACTION: ClassVar[str] = "action result"

    key: Key
    proposals: list[Key] = Field(min_length=1)
    title: Name
    lead: Name


class CorrectRecord(Command):
    ACTION: ClassVar[str] = "correct"

    position: Position
    reason: Text


class PublishPlan(Command):
    ACTION: ClassVar[str] = "plan publish"

    label: Name
