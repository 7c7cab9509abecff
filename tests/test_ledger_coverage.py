"""Every stored event is covered by its ledger leaf, written in the same transaction."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from eventsourcing.persistence import IntegrityError

from registre.adapters.application import Registre
from registre.adapters.application import commands as c
from registre.adapters.ledger.leaves import LEDGER_TABLE, event_leaf_hash
from registre.domain import Audit, DecisionRule, Programme

LAYER = "integration"

CTX = c.Context(actor="greffe")


def _open(service: Registre, slug: str) -> None:
    service.handle(
        c.OpenProgramme(
            programme=slug,
            title="T",
            organiser="O",
            founders={"m": "Métropole"},
            rule=DecisionRule.ANY,
        ),
        CTX,
    )


def _ledger(service: Registre) -> dict[int, bytes]:
    datastore: Any = service.store.app.recorder.datastore  # type: ignore[attr-defined]
    schema = service.config.env.get("POSTGRES_SCHEMA")
    table = f"{schema}.{LEDGER_TABLE}" if service.config.kind == "postgres" else LEDGER_TABLE
    with datastore.transaction(commit=False) as cursor:
        cursor.execute(f"SELECT position, leaf_hash FROM {table}")
        return {row["position"]: bytes(row["leaf_hash"]) for row in cursor.fetchall()}


def test_each_stored_event_has_the_leaf_hash_of_its_canonical_bytes(service: Registre) -> None:
    _open(service, "alpha")
    for i in range(3):
        service.handle(c.AddAxis(programme="alpha", key=f"a{i}", title="Axe"), CTX)
    ledger = _ledger(service)
    stored = service.store.app.recorder.select_notifications(start=1, limit=100)
    assert sorted(ledger) == [n.id for n in stored]
    for n in stored:
        expected = event_leaf_hash(n.id, n.originator_id, n.originator_version, n.topic, n.state)
        assert ledger[n.id] == expected


def test_a_refused_insert_leaves_neither_events_nor_leaves(service: Registre) -> None:
    _open(service, "alpha")
    before = _ledger(service)
    # A second creation of the same aggregate collides in the store: nothing is kept.
    now = datetime.now(UTC)
    audit = Audit(actor="x", occurred_at=now, recorded_at=now, command_id="dup")
    duplicate = Programme.open("alpha", "T", "O", {"m": "M"}, DecisionRule.ANY, audit)
    with pytest.raises(IntegrityError):
        service.store.app.save(duplicate)
    assert _ledger(service) == before
    assert service.store.app.recorder.max_notification_id() == max(before)
