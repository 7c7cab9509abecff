"""The consultation domain: aggregates, their events and rules. Pure Python, no I/O.

Importing this package imports no aggregate: each name below is imported
from its module when first asked for (``from registre.domain import
Proposal``), since a process that records one command needs only the
aggregates it touches, and declaring every event class costs a good part
of a command's start. A stored event names its module in its topic, and
the library imports that module when it decodes the event.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

# Each name, and the module of registre.domain that defines it.
_HOMES = {
    "Action": "action",
    "ActionStatus": "kinds",
    "Audit": "audit",
    "Ballot": "voting",
    "CommandReceipt": "receipt",
    "Contribution": "contribution",
    "Decision": "kinds",
    "DecisionRule": "programme",
    "Method": "kinds",
    "OrganisationType": "kinds",
    "Outcome": "kinds",
    "Participant": "participant",
    "Programme": "programme",
    "Proposal": "proposal",
    "RegistreAggregate": "base",
    "Round": "voting",
    "Session": "session",
    "SessionKind": "kinds",
    "Status": "kinds",
}

__all__ = [
    "Action",
    "ActionStatus",
    "Audit",
    "Ballot",
    "CommandReceipt",
    "Contribution",
    "Decision",
    "DecisionRule",
    "Method",
    "OrganisationType",
    "Outcome",
    "Participant",
    "Programme",
    "Proposal",
    "RegistreAggregate",
    "Round",
    "Session",
    "SessionKind",
    "Status",
]


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{home}"), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *_HOMES})


if TYPE_CHECKING:
    from registre.domain.action import Action
    from registre.domain.audit import Audit
    from registre.domain.base import RegistreAggregate
    from registre.domain.contribution import Contribution
    from registre.domain.kinds import (
        ActionStatus,
        Decision,
        Method,
        OrganisationType,
        Outcome,
        SessionKind,
        Status,
    )
    from registre.domain.participant import Participant
    from registre.domain.programme import DecisionRule, Programme
    from registre.domain.proposal import Proposal
    from registre.domain.receipt import CommandReceipt
    from registre.domain.session import Session
    from registre.domain.voting import Ballot, Round
