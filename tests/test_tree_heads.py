"""Every commit ends with a signed tree head (the receipt a clerk keeps), kept
incrementally as the log's compact range; a kept receipt later proves what
the log held; founders cosign tree heads as witnesses and refuse forks."""

from __future__ import annotations

import base64
import hashlib
import json
import random
import shutil
import threading
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from tamper_support import attacker

from registre.adapters.application import Registre
from registre.adapters.application import commands as c
from registre.adapters.ledger import heads, keyring, notes, witness
from registre.adapters.ledger.merkle import RootAccumulator, root
from registre.adapters.ledger.tables import AuditTables
from registre.adapters.ledger.verify import verify
from registre.adapters.stores import parse_url
from registre.cli.main import main

LAYER = "integration"

WHO = ["--as", "greffe"]


def leaf(i: int) -> bytes:
    return hashlib.sha256(b"\x00" + i.to_bytes(4, "big")).digest()


# -- the compact range -------------------------------------------------------------------------


@pytest.mark.unit
def test_the_compact_range_gives_the_full_trees_root_at_every_size() -> None:
    leaves = [leaf(i) for i in range(301)]
    acc = RootAccumulator()
    for n in range(301):
        assert acc.size == n
        assert acc.root() == root(leaves[:n])
        kept = acc.compact_range()
        assert len(kept) == 32 * bin(n).count("1")
        resumed = RootAccumulator.resume(n, kept)
        assert resumed.root() == acc.root()
        acc.append(leaves[n])


@pytest.mark.unit
def test_a_tree_resumed_from_its_compact_range_grows_as_the_full_tree() -> None:
    rng = random.Random(12)
    leaves = [leaf(i) for i in range(2000)]
    size, kept = 0, RootAccumulator().compact_range()
    while size < len(leaves):
        step = rng.randint(1, 70)
        acc = RootAccumulator.resume(size, kept)
        acc.extend(leaves[size : size + step])
        size, kept = acc.size, acc.compact_range()
        assert acc.root() == root(leaves[:size])


@pytest.mark.unit
def test_a_compact_range_of_the_wrong_length_is_refused() -> None:
    with pytest.raises(ValueError, match="holds 2 hashes"):
        RootAccumulator.resume(3, b"\x00" * 32)


# -- receipts ---------------------------------------------------------------------------------


def cli(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, list(args))
    return result.exit_code, result.stdout, result.stderr


def opened(url: str) -> list[str]:
    db = ["--database", url]
    assert cli(*db, "init")[0] == 0
    code, _, err = cli(
        *db, "programme", "open", "labo", "--title", "T", "--organiser", "O",
        "--founder", "ville=Ville", "--founder", "etat=État", "--rule", "any", *WHO,
    )  # fmt: skip
    assert code == 0, err
    return db


def stored_root(url: str, size: int) -> bytes:
    with Registre.open(parse_url(url)) as registre:
        leaves = [leaf for _, leaf in AuditTables(registre.store).all_leaves()]
    assert len(leaves) >= size
    return root(leaves[:size])


def test_every_recording_command_prints_a_signed_tree_head_of_what_it_recorded(
    store_url: str,
) -> None:
    db = opened(store_url)
    code, out, err = cli(*db, "--json", "programme", "axis", "labo", "a1", "--title", "A", *WHO)
    assert code == 0 and err == "", err
    result = json.loads(out)
    head = result["tree_head"]
    # It covers what the command recorded: its last position is the tree's last leaf.
    assert head["tree_size"] == result["recorded"][-1]["position"]
    assert bytes.fromhex(head["root_hash"]) == stored_root(store_url, head["tree_size"])
    note = notes.parse(head["note"])
    assert (note.size, note.root) == (head["tree_size"], bytes.fromhex(head["root_hash"]))
    assert note.extension("label") == json.dumps(f"programme axis {result['command_id']}")
    with Registre.open(parse_url(store_url)) as registre:
        ring = keyring.keyring(registre.store)
        origin = registre.store.origin
    assert [k.key_id for k in ring.operator.values()] == [head["key_id"]]
    assert note.signed_by(origin, next(iter(ring.operator.values())).public_key)
    # The same receipt, in words.
    code, out, _ = cli(*db, "programme", "axis", "labo", "a2", "--title", "B", *WHO)
    assert code == 0
    assert "signed tree head (" in out and f"\n{origin}\n" in out


def test_an_import_writes_one_signed_tree_head_per_chunk(store_url: str) -> None:
    opened(store_url)
    with Registre.open(parse_url(store_url)) as registre:
        before = len(heads.list_heads(registre.store))
        with registre.batch(per_transaction=3) as batch:
            for i in range(7):
                batch.handle(
                    c.AddAxis(programme="labo", key=f"x{i}", title="X"),
                    c.Context(actor="import", command_id=f"axis-{i}"),
                )
        made = heads.list_heads(registre.store)[before:]
        last = batch.tree_head
    assert len(made) == 3  # 3 + 3 + 1 commands
    assert all(h.note is not None and h.label.startswith("batch ") for h in made)
    assert last == made[-1]
    assert made[-1].root_hash == stored_root(store_url, made[-1].tree_size)


def test_a_kept_receipt_proves_the_log_held_it_and_fails_once_it_is_changed(
    store_url: str, tmp_path: Path
) -> None:
    db = opened(store_url)
    code, out, _ = cli(*db, "programme", "axis", "labo", "a1", "--title", "A", *WHO)
    kept = tmp_path / "receipt.txt"
    kept.write_text(out, encoding="utf-8")  # the whole output, as a clerk keeps it
    for i in range(5):
        assert cli(*db, "programme", "axis", "labo", f"b{i}", "--title", "B", *WHO)[0] == 0
    code, out, err = cli(*db, "--json", "audit", "receipt", str(kept))
    assert code == 0, err
    proof = json.loads(out)
    assert proof["verified"] and proof["latest"]["tree_size"] > proof["receipt"]["tree_size"]
    assert proof["proof"]  # a real consistency proof, not an empty one

    # A receipt whose root was changed is not the deployment's signature.
    forged = json.loads(
        cli(*db, "--json", "programme", "axis", "labo", "c1", "--title", "C", *WHO)[1]
    )["tree_head"]["note"]
    lines = forged.split("\n")
    lines[2] = base64.b64encode(b"\x01" * 32).decode()
    (tmp_path / "forged.txt").write_text("\n".join(lines), encoding="utf-8")
    code, _, err = cli(*db, "audit", "receipt", str(tmp_path / "forged.txt"))
    assert code == 4 and "not signed by a key of deployment" in err

    # An event the receipt covers is rewritten, with its ledger leaf: the receipt catches it.
    with Registre.open(parse_url(store_url)) as registre, attacker(registre) as a:
        row = a.execute("SELECT state FROM {events} WHERE {key} = ?", (3,)).fetchone()
        state = bytes(row[0]) + b" "
        a.execute("UPDATE {events} SET state = ? WHERE {key} = ?", (state, 3))
        rows = a.execute(
            "SELECT {key}, originator_id, originator_version, topic, state FROM {events} "
            "WHERE {key} = ?",
            (3,),
        ).fetchall()
        from registre.adapters.ledger.leaves import event_leaf_hash

        p, aid, v, topic, st = rows[0]
        a.execute(
            "UPDATE {ledger} SET leaf_hash = ? WHERE position = ?",
            (event_leaf_hash(p, str(aid), v, topic, bytes(st)), 3),
        )
    code, _, err = cli(*db, "audit", "receipt", str(kept))
    assert code == 4 and "no longer holds what this receipt signed" in err


def test_events_forged_after_the_last_tree_head_are_named(store_url: str) -> None:
    opened(store_url)
    with Registre.open(parse_url(store_url)) as registre:
        assert verify(registre.store).ok
        with attacker(registre) as a:
            row = a.execute(
                "SELECT originator_id, originator_version, topic, state FROM {events} "
                "ORDER BY {key} DESC LIMIT 1"
            ).fetchone()
            a.execute(
                "INSERT INTO {events} (originator_id, originator_version, topic, state) "
                "VALUES (?, ?, ?, ?)",
                (row[0], row[1] + 1, row[2], bytes(row[3])),
            )
            last = a.execute("SELECT MAX({key}) FROM {events}").fetchone()[0]
            from registre.adapters.ledger.leaves import event_leaf_hash

            a.execute(
                "INSERT INTO {ledger} (position, leaf_hash) VALUES (?, ?)",
                (last, event_leaf_hash(last, str(row[0]), row[1] + 1, row[2], bytes(row[3]))),
            )
        report = verify(registre.store)
    assert [f.kind for f in report.findings] == ["inserted"]
    assert f"#{last}" in report.findings[0].message
    assert "no commit wrote" in report.findings[0].message


def heads_table(a: Any) -> str:
    return str(a.tables.ledger).replace("registre_ledger", heads.TREE_HEADS_TABLE)


def test_an_altered_tree_head_is_named(store_url: str) -> None:
    opened(store_url)
    with Registre.open(parse_url(store_url)) as registre:
        with attacker(registre) as a:
            a.execute(f"UPDATE {heads_table(a)} SET root_hash = ?", (b"\x00" * 32,))
        report = verify(registre.store)
    assert "tree-head" in [f.kind for f in report.findings]
    assert "was altered: its signature does not match" in report.findings[0].message


def test_two_writers_keep_the_tree_heads_consistent(store_url: str) -> None:
    opened(store_url)
    errors: list[BaseException] = []

    def write(who: str) -> None:
        try:
            with Registre.open(parse_url(store_url)) as registre:
                for i in range(15):
                    registre.handle(
                        c.AddAxis(programme="labo", key=f"{who}{i}", title="X"),
                        c.Context(actor=who),
                    )
        except BaseException as error:  # pragma: no cover - shown by the assert
            errors.append(error)

    threads = [threading.Thread(target=write, args=(w,)) for w in ("a", "b")]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    with Registre.open(parse_url(store_url)) as registre:
        found = heads.list_heads(registre.store)
        leaves = [leaf for _, leaf in AuditTables(registre.store).all_leaves()]
        assert verify(registre.store).ok
    assert len(found) == 1 + 30  # the opening, then one per command
    assert found[-1].tree_size == len(leaves)
    for head in found:
        assert head.root_hash == root(leaves[: head.tree_size])


# -- the founders' witness ---------------------------------------------------------------------


def with_witness(url: str, tmp_path: Path, founder: str = "ville") -> Path:
    key = tmp_path / f"{founder}.pem"
    db = ["--database", url]
    code, out, err = cli(*db, "audit", "witness", "labo", founder, "--key", str(key), *WHO)
    assert code == 0, err
    assert key.exists() and f"founder {founder} of labo cosigns" in out
    return key


def test_a_founder_cosigns_consistent_tree_heads_and_verify_says_so(
    store_url: str, tmp_path: Path
) -> None:
    db = opened(store_url)
    key = with_witness(store_url, tmp_path)
    code, out, err = cli(*db, "--json", "audit", "cosign", "labo", "ville", "--key", str(key))
    assert code == 0, err
    first = json.loads(out)
    assert cli(*db, "programme", "axis", "labo", "a1", "--title", "A", *WHO)[0] == 0
    code, out, err = cli(*db, "--json", "audit", "cosign", "labo", "ville", "--key", str(key))
    assert code == 0, err
    second = json.loads(out)
    assert second["tree_size"] > first["tree_size"]
    # The cosignature is C2SP cosignature/v1 over the checkpoint's body.
    note = notes.parse(second["note"])
    with Registre.open(parse_url(store_url)) as registre:
        programme = witness.registered(registre.store, "labo")
        name, b64 = programme.witnesses["ville"]
        public = base64.b64decode(b64)
    line = next(s.line for s in note.signatures if s.name == name)
    assert witness.cosignature_holds(line, name, public, note.body) is not None
    code, out, _ = cli(*db, "--json", "audit", "verify")
    report = json.loads(out)
    assert code == 0 and report["ok"]
    assert [(x["founder"], x["tree_size"]) for x in report["cosignatures"]] == [
        ("ville", first["tree_size"]),
        ("ville", second["tree_size"]),
    ]
    code, out, _ = cli(*db, "audit", "verify")
    assert f"cosigned: the tree of {second['tree_size']} events" in out and "by ville (labo)" in out


def test_a_founder_refuses_a_fork_and_an_inconsistent_log(store_url: str, tmp_path: Path) -> None:
    db = opened(store_url)
    key = with_witness(store_url, tmp_path)
    assert cli(*db, "audit", "cosign", "labo", "ville", "--key", str(key))[0] == 0
    state = witness.state_path(key)
    seen = notes.parse(state.read_text(encoding="utf-8"))

    # A fork: the founder kept a tree of the same size with another root.
    forked = state.read_text(encoding="utf-8").split("\n")
    forked[2] = base64.b64encode(b"\x02" * 32).decode()
    state.write_text("\n".join(forked), encoding="utf-8")
    code, _, err = cli(*db, "audit", "cosign", "labo", "ville", "--key", str(key))
    assert code == 4 and "fork:" in err and "not cosigned" in err

    # Inconsistent: what the founder cosigned is not a prefix of this log.
    assert cli(*db, "programme", "axis", "labo", "a1", "--title", "A", *WHO)[0] == 0
    code, _, err = cli(*db, "audit", "cosign", "labo", "ville", "--key", str(key))
    assert code == 4 and "inconsistent:" in err

    # A rollback: the founder cosigned a larger tree than the log now holds.
    lines = forked
    lines[1] = str(seen.size + 1000)
    state.write_text("\n".join(lines), encoding="utf-8")
    code, _, err = cli(*db, "audit", "cosign", "labo", "ville", "--key", str(key))
    assert code == 4 and "rollback:" in err
    with Registre.open(parse_url(store_url)) as registre:
        report = verify(registre.store)
    assert len(report.cosignatures) == 1  # the refused ones recorded nothing


@pytest.mark.stores("sqlite")
def test_a_split_view_is_refused_by_the_founder_who_saw_the_other_history(
    sqlite_url: str, tmp_path: Path
) -> None:
    db = opened(sqlite_url)
    key = with_witness(sqlite_url, tmp_path)
    other = tmp_path / "other.db"
    shutil.copyfile(sqlite_url, other)
    assert cli(*db, "programme", "axis", "labo", "a1", "--title", "A", *WHO)[0] == 0
    assert cli(*db, "audit", "cosign", "labo", "ville", "--key", str(key))[0] == 0
    # The operator shows the founder another history of the same length.
    odb = ["--database", str(other)]
    assert cli(*odb, "programme", "axis", "labo", "a1", "--title", "Autre", *WHO)[0] == 0
    code, _, err = cli(*odb, "audit", "cosign", "labo", "ville", "--key", str(key))
    assert code == 4 and "fork:" in err


def test_a_forged_cosignature_is_named(store_url: str, tmp_path: Path) -> None:
    db = opened(store_url)
    key = with_witness(store_url, tmp_path)
    assert cli(*db, "audit", "cosign", "labo", "ville", "--key", str(key))[0] == 0
    with Registre.open(parse_url(store_url)) as registre:
        with attacker(registre) as a:
            table = a.tables.ledger.replace("registre_ledger", "registre_cosignatures")
            rows: Any = a.cursor.execute(f"SELECT cosignature FROM {table}").fetchall()
            line = str(rows[0][0])
            raw = bytearray(base64.b64decode(line.split(" ")[-1]))
            raw[-1] ^= 1
            forged = " ".join([*line.split(" ")[:-1], base64.b64encode(bytes(raw)).decode()])
            a.execute(f"INSERT INTO {table} (programme, founder, key_id, tree_size, checkpoint, "
                      f"cosignature, created_at) SELECT programme, founder, key_id, tree_size, "
                      f"checkpoint, ?, created_at FROM {table}", (forged + "\n",))  # fmt: skip
        report = verify(registre.store)
    assert [f.kind for f in report.findings] == ["cosignature"]
    assert "does not hold" in report.findings[0].message
    assert len(report.cosignatures) == 1


@pytest.mark.stores("sqlite")
def test_the_site_calls_a_publication_final_once_its_witnesses_cosigned(
    sqlite_url: str, tmp_path: Path
) -> None:
    db = opened(sqlite_url)
    key = with_witness(sqlite_url, tmp_path)
    code, _, err = cli(*db, "plan", "publish", "labo", "--label", "Restitution", *WHO)
    assert code == 0, err
    assert cli(*db, "publish", "labo", "--out", str(tmp_path / "a"))[0] == 0
    page = (tmp_path / "a" / "index.html").read_text(encoding="utf-8")
    assert "<strong>en attente du contreseing</strong> de Ville" in page
    assert "définitive" not in page
    assert cli(*db, "audit", "cosign", "labo", "ville", "--key", str(key))[0] == 0
    assert cli(*db, "publish", "labo", "--out", str(tmp_path / "b"))[0] == 0
    page = (tmp_path / "b" / "index.html").read_text(encoding="utf-8")
    assert "<strong>définitive</strong>, contresignée par Ville" in page
    check = (tmp_path / "b" / "verifier.html").read_text(encoding="utf-8")
    assert "a contresigné le journal de" in check


@pytest.mark.stores("sqlite")
def test_mistakes_are_one_line_and_write_nothing(sqlite_url: str, tmp_path: Path) -> None:
    db = opened(sqlite_url)
    with Registre.open(parse_url(sqlite_url)) as registre:
        before = len(heads.list_heads(registre.store))
    (tmp_path / "other.txt").write_text("registre/another\n3\nAAAA\n\n", encoding="utf-8")
    for args, code, said in [
        (["audit", "receipt", str(tmp_path / "none.txt")], 2, "cannot read"),
        (["audit", "receipt", str(tmp_path / "other.txt")], 2, "holds no tree head of this"),
        (["audit", "witness", "labo", "ville", *WHO], 2, "give either --key FILE"),
        (["audit", "witness", "labo", "ville", "--public-key", "abc", *WHO], 2, "32-byte"),
        (["audit", "witness", "labo", "nobody", "--key", str(tmp_path / "n.pem"), *WHO], 1,
         "'nobody' is not a founder"),
        (["audit", "cosign", "labo", "ville", "--key", str(tmp_path / "n.pem")], 1,
         "has no witness key in the log"),
    ]:  # fmt: skip
        found, _, err = cli(*db, *args)
        assert found == code, (args, err)
        assert err.startswith("error: ") and said in err and len(err.splitlines()) == 1
    assert not (tmp_path / "n.pem").exists()
    with Registre.open(parse_url(sqlite_url)) as registre:
        assert len(heads.list_heads(registre.store)) == before
