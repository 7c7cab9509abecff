"""The consultation domain: aggregates, their events and rules. Pure Python, no I/O.

Importing this package imports every aggregate, so every stored event topic
resolves.
"""

from registre.domain.action import Action, ActionStatus
from registre.domain.audit import Audit
from registre.domain.base import RegistreAggregate
from registre.domain.contribution import Contribution
from registre.domain.participant import OrganisationType, Participant
from registre.domain.programme import DecisionRule, Programme
from registre.domain.proposal import Decision, Outcome, Proposal, Status
from registre.domain.receipt import CommandReceipt
from registre.domain.session import Session, SessionKind
from registre.domain.voting import Ballot, Method, Round

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
