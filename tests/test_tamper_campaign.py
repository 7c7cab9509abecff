"""A seeded sample of the tampering campaign (``bench/tampering.py``) on both
stores: every kind of tampering, made past the append-only triggers on a copy
of a store with two signed checkpoints, is detected and named for what it is;
copies nobody altered (moved, restored from a backup or a dump) verify.

The events recorded after the last checkpoint are held to the same rule: the
signed tree head of each commit attests them."""

from __future__ import annotations

import json
import random
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from pathlib import Path
from typing import Any

import pytest
from conftest import Recordings
from tampering import (
    TAMPERINGS,
    Base,
    Campaign,
    check_clean,
    postgres_reset,
    postgres_restore,
    record_base,
    run_trials,
    sqlite_backup,
    sqlite_copy,
    tamperings,
)

from registre.adapters.application import Registre
from registre.adapters.ledger import checkpoints as cp
from registre.adapters.ledger.offline_verify import verify_export
from registre.adapters.ledger.tables import AuditTables, exported_events
from registre.adapters.stores.config import parse_url

LAYER = "integration"


def record_small(url: str) -> Base:
    return record_base(url, cp.key_dir(), demo=False, recent=4)


@contextmanager
def copy_of(recordings: Recordings, kind: str) -> Iterator[str]:
    url, _ = recordings.copy("tamper-campaign", kind, record_small)
    yield url


def base_of(recordings: Recordings, kind: str) -> Base:
    base: Base = recordings.recording("tamper-campaign", kind, record_small).output
    return base


def campaign(recordings: Recordings, kind: str, names: list[str], seed: str) -> Campaign:
    """One trial of each named tampering: on a SQLite file copied for each, on
    one PostgreSQL copy put back as it was after each."""
    found = Campaign(kind)
    chosen = [t for t in TAMPERINGS if t.name in names]
    base, rng = base_of(recordings, kind), random.Random(f"{seed}-{kind}")
    if kind == "sqlite":
        run_trials(found, base, lambda: copy_of(recordings, kind), len(chosen), rng, chosen)
        return found
    with copy_of(recordings, kind) as url, postgres_reset(url) as copy:
        run_trials(found, base, copy, len(chosen), rng, chosen)
    return found


def test_every_tampering_inside_the_checkpoints_is_detected_and_named(
    recordings: Recordings, store_kind: str
) -> None:
    names = [t.name for t in tamperings(["record", "checkpoints", "keys"])]
    found = campaign(recordings, store_kind, names, "inside")
    assert found.failures(["record", "checkpoints", "keys"]) == []
    assert sorted(found.counts) == sorted(names)
    assert found.clean["untouched copy"] == [len(names), 0]


def test_every_tampering_after_the_last_checkpoint_is_named(
    recordings: Recordings, store_kind: str
) -> None:
    # A changed leaf, a rewritten event, a forged event, a truncated tail: the
    # tree heads the commits signed tell each for what it is.
    names = [t.name for t in tamperings(["recent"])]
    found = campaign(recordings, store_kind, names, "recent")
    assert found.failures(["recent"]) == []
    assert sorted(found.counts) == sorted(names)


def test_copies_nobody_altered_verify(
    recordings: Recordings, store_kind: str, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    found = Campaign(store_kind)
    base = base_of(recordings, store_kind)
    with copy_of(recordings, store_kind) as source:
        if store_kind == "sqlite":
            check_clean(found, "moved", lambda: sqlite_copy(source, tmp_path), base)
            check_clean(found, "restored", lambda: sqlite_backup(source, tmp_path), base)
        else:
            # The copy is itself a database made from the recorded one's files.
            admin: Any = request.getfixturevalue("postgres_admin")
            check_clean(found, "moved", lambda: nullcontext(source), base)
            check_clean(found, "restored", lambda: postgres_restore(source, admin, tmp_path), base)
    assert found.alarms == []
    assert found.clean == {"moved": [1, 0], "restored": [1, 0]}


def test_the_offline_verifier_tells_a_removed_leaf_from_an_inserted_event(
    recordings: Recordings, store_kind: str
) -> None:
    base = base_of(recordings, store_kind)
    published = json.loads(base.published)
    with copy_of(recordings, store_kind) as url, Registre.open(parse_url(url)) as service:
        events = list(exported_events(AuditTables(service.store)))
    inside, after = base.covered // 2, base.size
    for e in events:
        if e["position"] in (inside, after):
            e["leaf_hash"] = None
    verdict = verify_export((json.dumps(e) for e in events), published, base.public_key)
    assert verdict.problems == [
        f"event #{inside} has no ledger leaf: its leaf was deleted: the event is the one the "
        "checkpoint covers",
        f"event #{after} has no ledger leaf: the checkpoint does not cover it: its leaf was "
        "deleted, or it was inserted outside the recorder",
    ]
