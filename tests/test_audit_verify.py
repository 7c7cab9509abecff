"""Verification of the record on both stores: an untouched store verifies, and
every single change an attacker with database access could make, bypassing
the append-only triggers, is detected and named, over many seeded runs."""

from __future__ import annotations

import json
import random
import shutil
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from tamper_support import attacker as tamper

from registre.adapters.application import Registre
from registre.adapters.application import commands as c
from registre.adapters.demo import record_fabrik_medvallee
from registre.adapters.ledger import checkpoints as cp
from registre.adapters.ledger.verify import verify
from registre.adapters.stores.config import parse_url
from registre.cli.main import main

LAYER = "integration"

RUNS = 39  # per store: three of each kind of change
CTX = c.Context(actor="greffe")


# -- the attacker: plain SQL on the tables, with the triggers out of the way --------------------


@contextmanager
def attacker(url: str) -> Iterator[Callable[..., list[Any]]]:
    """Statements run as someone with write access to the database would, past the
    append-only triggers (``tamper_support``); ``{events}``, ``{key}``, ``{ledger}``
    and ``{checkpoints}`` name the tables, ``?`` marks parameters."""
    with Registre.open(parse_url(url)) as service, tamper(service) as a:

        def run(sql: str, params: tuple[Any, ...] = ()) -> list[Any]:
            cursor = a.execute(sql, params)
            return list(cursor.fetchall()) if cursor.description else []

        yield run


def names(url: str) -> tuple[str, str]:
    """The events table and its position column, as ``tamper_support`` names them."""
    return "{events}", "{key}"


# -- the base store, and a fresh copy of it per run ---------------------------------------------


@pytest.fixture
def keys(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "keys"
    monkeypatch.setenv(cp.KEY_DIR_ENV, str(folder))
    return folder


def record_base(url: str, keys: Path) -> tuple[bytes, int]:
    """The demonstration programme (whose published plan signs a first
    checkpoint), a few more events and a second checkpoint; returns the
    deployment's public key and the number of events."""
    config = parse_url(url)
    with Registre.open(config) as service:
        cp.ensure_key(service.store, keys)
        record_fabrik_medvallee(service)
        assert len(cp.list_checkpoints(service.store)) == 1  # signed by the plan's publication
        for i in range(4):
            service.handle(
                c.AddAxis(programme="fabrik-medvallee", key=f"extra-{i}", title="Axe"), CTX
            )
        last = cp.create_checkpoint(service.store, "fin", keys)
        public = cp.public_key_bytes(cp.load_private_key(service.store, keys))
    return public, last.tree_size


def copy_store(url: str, run: int, tmp_path: Path) -> str:
    config = parse_url(url)
    if config.kind == "sqlite":
        target = tmp_path / f"run-{run}.db"
        shutil.copy(config.env["SQLITE_DBNAME"], target)
        return str(target)
    import psycopg

    env = config.env
    source, schema = env["POSTGRES_SCHEMA"], f"{env['POSTGRES_SCHEMA']}_r{run}"
    with psycopg.connect(
        dbname=env["POSTGRES_DBNAME"],
        host=env["POSTGRES_HOST"],
        port=int(env["POSTGRES_PORT"]),
        user=env["POSTGRES_USER"],
        autocommit=True,
    ) as pg:
        pg.execute(f"CREATE SCHEMA {schema}")
        # Every table of the store: its keys and the tree heads its commits signed too.
        tables = [
            name
            for (name,) in pg.execute(
                "SELECT table_name FROM information_schema.tables "
                "WHERE table_schema = %s AND table_type = 'BASE TABLE'",
                (source,),
            )
        ]
        for table in tables:
            pg.execute(f"CREATE TABLE {schema}.{table} (LIKE {source}.{table} INCLUDING ALL)")
            pg.execute(f"INSERT INTO {schema}.{table} SELECT * FROM {source}.{table}")
    return url.replace(f"schema={source}", f"schema={schema}")


# -- the changes ----------------------------------------------------------------------------------

Change = Callable[[str, random.Random, int], tuple[str, tuple[int, ...]]]


def flip_payload_byte(url: str, rng: random.Random, size: int) -> tuple[str, tuple[int, ...]]:
    table, pos = names(url)
    p = rng.randrange(1, size + 1)
    with attacker(url) as run:
        (state,) = run(f"SELECT state FROM {table} WHERE {pos} = ?", (p,))[0]
        state = bytearray(state)
        i = rng.randrange(len(state))
        state[i] = (state[i] + 1 + rng.randrange(255)) % 256
        run(f"UPDATE {table} SET state = ? WHERE {pos} = ?", (bytes(state), p))
    return "altered", (p,)


def change_topic(url: str, rng: random.Random, size: int) -> tuple[str, tuple[int, ...]]:
    table, pos = names(url)
    p = rng.randrange(1, size + 1)
    with attacker(url) as run:
        (topic,) = run(f"SELECT topic FROM {table} WHERE {pos} = ?", (p,))[0]
        others = [t for (t,) in run(f"SELECT DISTINCT topic FROM {table}") if t != topic]
        run(f"UPDATE {table} SET topic = ? WHERE {pos} = ?", (rng.choice(others), p))
    return "altered", (p,)


def change_version(url: str, rng: random.Random, size: int) -> tuple[str, tuple[int, ...]]:
    table, pos = names(url)
    p = rng.randrange(1, size + 1)
    with attacker(url) as run:
        run(
            f"UPDATE {table} SET originator_version = originator_version + 1000 WHERE {pos} = ?",
            (p,),
        )
    return "altered", (p,)


def delete_event(url: str, rng: random.Random, size: int) -> tuple[str, tuple[int, ...]]:
    table, pos = names(url)
    p = rng.randrange(1, size + 1)
    with attacker(url) as run:
        run(f"DELETE FROM {table} WHERE {pos} = ?", (p,))
    return "missing-event", (p,)


def delete_leaf(url: str, rng: random.Random, size: int) -> tuple[str, tuple[int, ...]]:
    """A leaf gone, its event kept: a checkpoint covers it, so it is the leaf that is missing."""
    p = rng.randrange(1, size + 1)
    with attacker(url) as run:
        run("DELETE FROM {ledger} WHERE position = ?", (p,))
    return "missing-leaf", (p,)


def delete_event_and_leaf(url: str, rng: random.Random, size: int) -> tuple[str, tuple[int, ...]]:
    table, pos = names(url)
    p = rng.randrange(1, size)
    with attacker(url) as run:
        run(f"DELETE FROM {table} WHERE {pos} = ?", (p,))
        run("DELETE FROM {ledger} WHERE position = ?", (p,))
    return "missing-event", (p,)


def insert_forged(url: str, rng: random.Random, size: int) -> tuple[str, tuple[int, ...]]:
    table, pos = names(url)
    with attacker(url) as run:
        (head,) = run(f"SELECT MAX({pos}) FROM {table}")[0]
        (topic, state) = run(f"SELECT topic, state FROM {table} WHERE {pos} = ?", (size // 2,))[0]
        forged = uuid.uuid4()
        aggregate = forged.hex if parse_url(url).kind == "sqlite" else forged
        run(
            f"INSERT INTO {table} ({pos}, originator_id, originator_version, topic, state) "
            "VALUES (?, ?, 1, ?, ?)",
            (head + 1, aggregate, topic, state),
        )
    # After the last tree head: no commit wrote it.
    return "inserted", (head + 1,)


def insert_in_place(url: str, rng: random.Random, size: int) -> tuple[str, tuple[int, ...]]:
    """An event and its leaf removed, and a forged event put in its place, without a leaf."""
    table, pos = names(url)
    p = rng.randrange(1, size)
    with attacker(url) as run:
        (topic, state) = run(f"SELECT topic, state FROM {table} WHERE {pos} = ?", (p,))[0]
        run(f"DELETE FROM {table} WHERE {pos} = ?", (p,))
        run("DELETE FROM {ledger} WHERE position = ?", (p,))
        forged = uuid.uuid4()
        aggregate = forged.hex if parse_url(url).kind == "sqlite" else forged
        run(
            f"INSERT INTO {table} ({pos}, originator_id, originator_version, topic, state) "
            "VALUES (?, ?, 1, ?, ?)",
            (p, aggregate, topic, state),
        )
    return "inserted", (p,)


def swap_rows(url: str, rng: random.Random, size: int) -> tuple[str, tuple[int, ...]]:
    table, pos = names(url)
    a, b = sorted(rng.sample(range(1, size + 1), 2))
    cols = "originator_id, originator_version, topic, state"
    with attacker(url) as run:
        row_a = run(f"SELECT {cols} FROM {table} WHERE {pos} = ?", (a,))[0]
        row_b = run(f"SELECT {cols} FROM {table} WHERE {pos} = ?", (b,))[0]
        setter = "originator_id = ?, originator_version = ?, topic = ?, state = ?"
        # Out of the way first: (originator_id, originator_version) is unique.
        run(f"UPDATE {table} SET originator_version = -1 WHERE {pos} = ?", (a,))
        run(f"UPDATE {table} SET {setter} WHERE {pos} = ?", (*row_a, b))
        run(f"UPDATE {table} SET {setter} WHERE {pos} = ?", (*row_b, a))
    return "swapped", (a, b)


def truncate_tail(url: str, rng: random.Random, size: int) -> tuple[str, tuple[int, ...]]:
    table, pos = names(url)
    keep = size - rng.randrange(1, 6)
    with attacker(url) as run:
        run(f"DELETE FROM {table} WHERE {pos} > ?", (keep,))
        run("DELETE FROM {ledger} WHERE position > ?", (keep,))
    return "truncated", ()


def edit_checkpoint(url: str, rng: random.Random, size: int) -> tuple[str, tuple[int, ...]]:
    with attacker(url) as run:
        ident = rng.choice([1, 2])
        edit = rng.choice(
            ["tree_size = tree_size - 1", "label = 'autre'", "created_at = '2020-01-01'"]
        )
        run(f"UPDATE {{checkpoints}} SET {edit} WHERE id = ?", (ident,))
    return "altered-checkpoint", (ident,)


def alter_leaf(url: str, rng: random.Random, size: int) -> tuple[str, tuple[int, ...]]:
    p = rng.randrange(1, size + 1)
    with attacker(url) as run:
        run("UPDATE {ledger} SET leaf_hash = ? WHERE position = ?", (rng.randbytes(32), p))
    return "altered-leaf", (p,)


def alter_event_and_leaf(url: str, rng: random.Random, size: int) -> tuple[str, tuple[int, ...]]:
    """The careful attacker: the event and a leaf recomputed to match it."""
    from registre.adapters.ledger.leaves import event_leaf_hash

    table, pos = names(url)
    p = rng.randrange(1, size + 1)
    with attacker(url) as run:
        (aggregate, version, topic, state) = run(
            f"SELECT originator_id, originator_version, topic, state FROM {table} WHERE {pos} = ?",
            (p,),
        )[0]
        state = bytes(state).replace(b'"', b"'", 1)
        run(f"UPDATE {table} SET state = ? WHERE {pos} = ?", (state, p))
        leaf = event_leaf_hash(p, str(aggregate), version, topic, state)
        run("UPDATE {ledger} SET leaf_hash = ? WHERE position = ?", (leaf, p))
    return "diverges", (p,)


CHANGES: list[Change] = [
    flip_payload_byte,
    change_topic,
    change_version,
    delete_event,
    delete_event_and_leaf,
    delete_leaf,
    insert_forged,
    insert_in_place,
    swap_rows,
    truncate_tail,
    edit_checkpoint,
    alter_leaf,
    alter_event_and_leaf,
]


def audit_verify(url: str, key_file: Path) -> tuple[int, dict[str, Any]]:
    result = CliRunner().invoke(
        main, ["--database", url, "--json", "audit", "verify", "--public-key", str(key_file)]
    )
    return result.exit_code, json.loads(result.stdout)


def test_an_untouched_store_verifies(store_url: str, keys: Path, tmp_path: Path) -> None:
    public, size = record_base(store_url, keys)
    key_file = tmp_path / "key.pem"
    key_file.write_text(cp.public_key_pem(public))
    code, report = audit_verify(store_url, key_file)
    assert (code, report["findings"]) == (0, [])
    assert report["events"] == size and report["checkpoints"] == 2
    with Registre.open(parse_url(store_url)) as service:
        assert verify(service.store, public).ok


@pytest.mark.slow
def test_every_single_change_is_detected_and_named(
    store_url: str, keys: Path, tmp_path: Path
) -> None:
    public, size = record_base(store_url, keys)
    key_file = tmp_path / "key.pem"
    key_file.write_text(cp.public_key_pem(public))
    rng = random.Random(f"tamper-{parse_url(store_url).kind}")
    seen: dict[str, int] = {}
    for run in range(RUNS):
        change = CHANGES[run % len(CHANGES)]
        url = copy_store(store_url, run, tmp_path)
        code, clean = audit_verify(url, key_file)
        assert code == 0, clean
        kind, positions = change(url, rng, size)
        code, report = audit_verify(url, key_file)
        found = report["findings"]
        context = f"run {run}: {change.__name__} {positions}: {found}"
        assert code == 4, context
        # The history diverging from a checkpoint is the consequence of any change it covers.
        assert {f["kind"] for f in found} <= {kind, "diverges"}, context
        named = [f for f in found if f["kind"] == kind]
        assert named, context
        if kind == "altered-checkpoint":
            assert named[0]["checkpoint"] == positions[0], context
        elif kind == "diverges":
            start, end = named[0]["positions"]
            assert start <= positions[0] <= end, context
        elif kind != "truncated":
            assert any(tuple(f["positions"]) == positions for f in named), context
        if kind == "altered" and change is change_version:
            assert "version" in named[0]["message"], context
        seen[change.__name__] = seen.get(change.__name__, 0) + 1
    assert set(seen) == {change.__name__ for change in CHANGES}


@pytest.mark.stores("sqlite")
def test_a_binary_column_rewritten_as_text_is_named_not_a_crash(
    store_url: str, keys: Path, tmp_path: Path
) -> None:
    """SQLite keeps whatever type is written: a payload or a leaf written back as
    text (as a hand edit with replace() does) is read as the bytes it stands for,
    and the change is named, never an internal error."""
    public, _ = record_base(store_url, keys)
    key_file = tmp_path / "key.pem"
    key_file.write_text(cp.public_key_pem(public))
    with attacker(store_url) as run:
        run("UPDATE {events} SET state = replace(state, 'Fabrik', 'Fabrak') WHERE {key} = 1")
        run("UPDATE {ledger} SET leaf_hash = hex(leaf_hash) WHERE position = 2")
        assert run("SELECT typeof(state) FROM {events} WHERE {key} = 1") == [("text",)]
    code, report = audit_verify(store_url, key_file)
    found = {(f["kind"], tuple(f["positions"])) for f in report["findings"]}
    assert code == 4
    # Two changes at once: which side of #2 changed is not told (the checkpoint
    # no longer holds), but both places are named, and nothing else.
    assert ("altered", (1,)) in found, found
    assert {k for k, p in found if p == (2,)} <= {"altered", "altered-leaf"}, found
    assert {k for k, p in found if p not in ((1,), (2,))} <= {"diverges"}, found
