"""Command receipts: the idempotency key of every recording command.

A receipt is saved in the same transaction as the command's events, under an
id derived from the command id, so a repeated command collides with it and
records nothing new; a concurrent duplicate loses the race cleanly.
"""

from __future__ import annotations

from uuid import UUID

from eventsourcing.domain import event

from registre.domain.audit import Audit
from registre.domain.base import RegistreAggregate
from registre.domain.ids import command_receipt_id


class CommandReceipt(RegistreAggregate):
    KIND = "command"

    @classmethod
    def create_id(cls, command_id: str) -> UUID:  # type: ignore[override]
        return command_receipt_id(command_id)

    class Received(RegistreAggregate.Created):
        command_id: str
        programme: str
        name: str
        fingerprint: str
        summary: str

    @event(Received)
    def __init__(
        self,
        command_id: str,
        programme: str,
        name: str,
        fingerprint: str,
        summary: str,
        audit: Audit,
    ) -> None:
        self.programme = programme
        self.key = command_id
        self.name = name
        self.fingerprint = fingerprint
        self.summary = summary
