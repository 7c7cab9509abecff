"""The recording commands, validated by pydantic before anything is loaded.

Types, lengths and references are checked here; a bad value stops the
command with a clear message (exit 2) and nothing is written. Rules of the
consultation are checked afterwards, by the domain.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator

from registre.domain import (
    ActionStatus,
    Decision,
    DecisionRule,
    Method,
    OrganisationType,
    Outcome,
    SessionKind,
)
from registre.domain.ids import KEY_PATTERN

Key = Annotated[str, StringConstraints(strip_whitespace=True, pattern=KEY_PATTERN.pattern)]
Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=300)]
Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=20000)]
OptionalText = Annotated[str, StringConstraints(strip_whitespace=True, max_length=20000)]

SOURCE_REF = re.compile(r"^(?P<key>[A-Za-z0-9][A-Za-z0-9._-]{0,79})(?:@(?P<version>[1-9][0-9]*))?$")


class Command(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    programme: Key


class Context(BaseModel):
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
    title: Name
    organiser: Name
    founders: dict[Key, Name] = Field(min_length=1)
    rule: DecisionRule


class AddAxis(Command):
    key: Key
    title: Name


class ScheduleSession(Command):
    key: Key
    kind: SessionKind
    on: date
    title: OptionalText = ""
    axes: list[Key] = []
    facilitators: list[Name] = []


class RecordAttendance(Command):
    session: Key
    participants: list[Key] = Field(min_length=1)


class RegisterParticipant(Command):
    key: Key
    name: Name
    organisation: Name
    organisation_type: OrganisationType
    contact: Name | None = None


class EraseParticipant(Command):
    key: Key
    reason: Text


class SubmitContribution(Command):
    key: Key | None = None
    session: Key
    axis: Key | None = None
    authors: list[Key] = Field(min_length=1)
    text: Text


class AmendContribution(Command):
    key: Key
    text: Text


class WithdrawContribution(Command):
    key: Key
    reason: Text


class SourceRef(BaseModel):
    model_config = ConfigDict(frozen=True)

    contribution: str
    version: int | None = None

    @classmethod
    def parse(cls, text: str) -> SourceRef:
        match = SOURCE_REF.match(text.strip())
        if not match:
            raise ValueError(
                f"{text!r} is not a contribution reference: use KEY or KEY@VERSION (e.g. C-12@2)"
            )
        version = match["version"]
        return cls(contribution=match["key"], version=int(version) if version else None)


class SynthesiseProposal(Command):
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
    key: Key
    title: Name
    text: OptionalText | None = None


class MergeProposals(Command):
    target: Key
    sources: list[Key] = Field(min_length=1)
    title: Name | None = None


class SplitProposal(Command):
    key: Key
    parts: list[tuple[Key, Name]] = Field(min_length=2)


class OpenRound(Command):
    key: Key
    session: Key
    method: Method
    limit: int | None = Field(default=None, ge=1)
    max_score: int | None = Field(default=None, ge=1, le=100)
    proposals: list[Key] = Field(min_length=1)


class CloseRound(Command):
    key: Key


class CastVote(Command):
    round: Key
    participant: Key
    proposal: Key
    value: Annotated[str, StringConstraints(strip_whitespace=True, max_length=20)] | None = None


class RetractVote(Command):
    round: Key
    participant: Key
    proposal: Key


class ValidateProposal(Command):
    proposal: Key
    body: Name
    minutes: Name
    outcome: Outcome = Outcome.VALIDATED


class DecideOnPriority(Command):
    proposal: Key
    founder: Key
    decision: Decision
    rationale: Text
    revise: bool = False


class AssignAction(Command):
    key: Key
    priority: Key
    title: Name
    lead: Name
    partners: list[Name] = []
    due: date | None = None


class ReportProgress(Command):
    key: Key
    status: ActionStatus
    percent: int = Field(ge=0, le=100)
    note: OptionalText = ""


class CorrectRecord(Command):
    position: int = Field(ge=1)
    reason: Text


class PublishPlan(Command):
    label: Name
