"""The closed lists a command chooses from: kinds of organisation and session,
voting methods, outcomes, decisions, statuses.

They are kept apart from the aggregates that use them, so that validating a
command (``adapters.application.commands``) imports no aggregate: a process
records one command and imports only the aggregates it touches. Each is
also reachable from its aggregate's module, as before.
"""

from __future__ import annotations

from enum import StrEnum


class OrganisationType(StrEnum):
    LOCAL_AUTHORITY = "local-authority"
    STATE = "state"
    ELECTED_OFFICIAL = "elected-official"
    STARTUP = "start-up"
    SME = "sme"
    LARGE_COMPANY = "large-company"
    RESEARCH_LAB = "research-lab"
    UNIVERSITY = "university"
    ASSOCIATION = "association"
    CHAMBER = "chamber"
    CITIZEN = "citizen"
    OTHER = "other"
    # No organisation and no person known: a ballot's key and nothing else
    # (an anonymous voter of a participatory budget).
    ANONYMOUS = "anonymous"


class SessionKind(StrEnum):
    WORKSHOP = "workshop"
    COUNCIL = "council"
    FORUM = "forum"
    ONLINE = "online"
    SURVEY = "survey"
    RESTITUTION = "restitution"


class Status(StrEnum):
    DRAFT = "draft"
    RETURNED = "returned"
    VALIDATED = "validated"
    REJECTED = "rejected"
    MERGED = "merged"
    SPLIT = "split"


class Outcome(StrEnum):
    """What a validating body decided."""

    VALIDATED = "validated"
    RETURNED = "returned"
    REJECTED = "rejected"


class Decision(StrEnum):
    """What a founder decided on a validated priority."""

    APPROVE = "approve"
    REJECT = "reject"
    AMEND = "amend"


class Method(StrEnum):
    APPROVAL = "approval"  # one approval per proposal, at most `limit` proposals
    DOTS = "dots"  # `limit` dots to spread, several on one proposal allowed
    SCORE = "score"  # a score from 0 to `max_score` per proposal
    AGREE = "agree"  # agree (1), disagree (-1) or pass (0); a new vote replaces the last
    ORDINAL = "ordinal"  # proposals ranked: 1 for the first choice, at most `limit` ranked


class ActionStatus(StrEnum):
    PLANNED = "planned"
    IN_PROGRESS = "in-progress"
    DONE = "done"
    CANCELLED = "cancelled"
