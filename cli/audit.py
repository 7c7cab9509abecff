"""``registre audit``: signed checkpoints, verification of the record, and proofs;
``registre export events``: the log itself, for anyone to verify offline."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click
from click.core import ParameterSource

from registre.adapters.application import commands as c
from registre.adapters.ledger import checkpoints as cp
from registre.adapters.ledger import keyring, notes, witness
from registre.adapters.ledger.heads import latest_head
from registre.adapters.ledger.leaves import event_leaf_hash
from registre.adapters.ledger.merkle import (
    consistency_proof,
    inclusion_proof,
    verify_consistency,
    verify_inclusion,
)
from registre.adapters.ledger.merkle import (
    root as merkle_root,
)
from registre.adapters.ledger.offline_verify import Unreadable, read_public_key, run, summary
from registre.adapters.ledger.tables import AuditTables, exported_events
from registre.adapters.ledger.verify import verify as verify_store
from registre.adapters.stores import Store
from registre.cli.app import STORED, App, Recording, record, recording
from registre.cli.exports import write_out
from registre.cli.output import EXIT_TAMPERED, CliError, emit_json
from registre.cli.texts import example
from registre.domain.bounds import shown
from registre.domain.errors import NotFound
from registre.projections.phrases import plural

key_dir_option = click.option(
    "--key-dir",
    envvar=cp.KEY_DIR_ENV,
    metavar="DIR",
    help=f"Folder of the deployment's signing key (or {cp.KEY_DIR_ENV}; "
    "default ~/.config/registre/keys).",
)


def ensure_deployment_key(store: Store, key_dir: str | None) -> tuple[Path, bool]:
    """Used by ``registre init``: the signing key of this deployment, created if
    it has none; never replaced."""
    try:
        return cp.ensure_key(store, cp.key_dir(key_dir))
    except OSError as error:
        raise CliError(f"cannot create the signing key: {error.strerror or error}") from None


@click.group(
    "audit",
    epilog=example(
        "registre audit checkpoint --label 'Assises 2022'",
        "registre audit verify",
        "registre audit receipt recu.txt",
        "registre audit cosign fabrik metropole --key metropole.pem",
    ),
)
def audit() -> None:
    """Check that nothing in the record was altered: signed checkpoints of the
    audit ledger (a Merkle tree of every event), verification, and proofs;
    receipts (the signed tree head every record ends with) and the founders'
    cosignatures."""


@audit.command(
    "checkpoint",
    epilog=example(
        "registre audit checkpoint --label 'Comité de pilotage du 2 avril'",
        "registre audit checkpoint --export checkpoint.json",
    ),
)
@click.option("--label", default="", help="What the checkpoint marks, e.g. a restitution.")
@click.option("--export", "out", metavar="FILE", help="Write an existing checkpoint to FILE.")
@click.option(
    "--id", "checkpoint_id", type=STORED, help="With --export: which one (default latest)."
)
@key_dir_option
def checkpoint(label: str, out: str | None, checkpoint_id: int | None, key_dir: str | None) -> None:
    """Sign the root of the whole ledger now and record it as a checkpoint; or,
    with --export, write a checkpoint to a file for publication."""
    app = App.current()
    given = click.get_current_context().get_parameter_source
    if out is not None and given("label") is ParameterSource.COMMANDLINE:
        raise CliError("--label names a new checkpoint; --export writes an existing one: give one")
    if out is None and checkpoint_id is not None:
        raise CliError("--id says which checkpoint --export writes; give --export FILE with it")
    with app.store() as store:
        if out is not None:
            found = cp.get_checkpoint(store, checkpoint_id).as_dict()
            write_out(json.dumps(found, ensure_ascii=False, indent=2) + "\n", out)
            if app.json:
                emit_json(found)
            else:
                click.echo(f"checkpoint #{found['id']} written to {out}")
            return
        made = cp.create_checkpoint(store, label, cp.key_dir(key_dir))
    if app.json:
        emit_json(made.as_dict())
    else:
        click.echo(
            f"checkpoint #{made.id}: {made.tree_size} events, root {made.root_hash.hex()}, "
            f"signed with key {made.key_id}"
        )


@audit.command(
    "verify",
    epilog=example(
        "registre audit verify",
        "registre audit verify --export events.jsonl --checkpoint checkpoint.json",
    ),
)
@click.option("--export", "export_file", metavar="FILE", help="Check this exported log offline.")
@click.option("--checkpoint", "checkpoint_file", metavar="FILE", help="With --export.")
@click.option("--public-key", metavar="FILE", help="The deployment's published public key.")
@click.option(
    "--key-id",
    metavar="ID",
    help="With --export: the published fingerprint of the deployment's key, if not its key.",
)
@key_dir_option
def verify(
    export_file: str | None,
    checkpoint_file: str | None,
    public_key: str | None,
    key_id: str | None,
    key_dir: str | None,
) -> None:
    """Recompute every leaf and the tree from the store and check them against
    the ledger and every signed checkpoint; exit 4 and say what was found if
    anything was altered, removed, inserted or reordered. Says which key the
    checkpoints were checked with: --public-key, this machine's key file, or
    the keys the store pins."""
    app = App.current()
    if export_file or checkpoint_file:
        _verify_offline(app, export_file, checkpoint_file, public_key, key_id)
        return
    if key_id:
        raise CliError("--key-id is for --export; give the store's published key by --public-key")
    trusted = _read_key(public_key) if public_key else None
    source = f"given by --public-key {public_key}" if public_key else ""
    with app.store() as store:
        if trusted is None:
            trusted, source = _own_public_key(store, key_dir)
        report = verify_store(store, trusted, source)
    if app.json:
        emit_json(report.as_dict())
    else:
        for finding in report.findings:
            click.echo(f"tampered: {finding.message}")
        for note in report.notes:
            click.echo(f"note: {note}")
        for line in _cosigned_lines(report.cosignatures):
            click.echo(line)
        if report.ok:
            signed = (
                f"{report.checkpoints} signed checkpoint{'' if report.checkpoints == 1 else 's'}"
            )
            if report.tree_heads:
                heads = report.tree_heads
                signed = f"{signed} and {heads} tree head{'' if heads == 1 else 's'}"
            click.echo(
                f"verified: {report.events} events match their ledger leaves and {signed}, "
                f"checked with {report.trusted}"
            )
    if not report.ok:
        raise CliError(
            "the record does not match its audit ledger "
            f"({plural(len(report.findings), 'finding', lang='en')})",
            EXIT_TAMPERED,
        )


def _cosigned_lines(cosignatures: list[dict[str, Any]]) -> list[str]:
    """One line per cosigned tree size: which founders witnessed it."""
    by_size: dict[tuple[int, str], list[str]] = {}
    for found in cosignatures:
        key = (found["tree_size"], found["root_hash"])
        by_size.setdefault(key, []).append(f"{found['founder']} ({found['programme']})")
    return [
        f"cosigned: the tree of {size} events (root {root[:16]}…) by {', '.join(who)}"
        for (size, root), who in sorted(by_size.items())
    ]


def _verify_offline(
    app: App,
    export_file: str | None,
    checkpoint_file: str | None,
    public_key: str | None,
    key_id: str | None,
) -> None:
    if not (export_file and checkpoint_file):
        raise CliError("give both --export FILE and --checkpoint FILE to verify offline")
    if public_key and key_id:
        raise CliError("--public-key and --key-id both name the key to trust: give only one")
    try:
        verdict = run(
            Path(export_file),
            Path(checkpoint_file),
            Path(public_key) if public_key else None,
            key_id,
        )
        published = json.loads(Path(checkpoint_file).read_text(encoding="utf-8"))
    except Unreadable as error:
        raise CliError(str(error)) from None
    if app.json:
        emit_json(
            {
                "ok": verdict.ok,
                "events": verdict.events,
                "problems": verdict.problems,
                "trusted_key": verdict.trusted,
            }
        )
    else:
        for line in summary(verdict, published):
            click.echo(line)
    if not verdict.ok:
        raise CliError("the export does not match the checkpoint", EXIT_TAMPERED)


def _read_key(path: str) -> bytes:
    try:
        return read_public_key(Path(path).read_bytes())
    except OSError as error:
        raise CliError(f"cannot read {path}: {error.strerror or error}") from None
    except ValueError as error:
        raise CliError(f"--public-key {path}: {error}") from None


def _own_public_key(store: Store, key_dir: str | None) -> tuple[bytes | None, str]:
    """This deployment's public key, from its key file if this machine holds it."""
    path = keyring.key_path(store, cp.key_dir(key_dir))
    if not path.exists():
        return None, ""
    try:
        return cp.public_key_bytes(keyring.read_private_key(path)), f"the key file {path}"
    except NotFound:
        return None, ""


@audit.command(
    "prove", epilog=example("registre audit prove 42", "registre audit prove 42 --checkpoint 3")
)
@click.argument("position", metavar="POSITION")
@click.option("--checkpoint", "checkpoint_id", type=STORED, help="Checkpoint id (default latest).")
def prove(position: str, checkpoint_id: int | None) -> None:
    """An inclusion proof: the event at POSITION is in the tree a checkpoint signed."""
    try:
        wanted = int(position.strip().removeprefix("#"))
    except ValueError:
        raise CliError(f"POSITION {shown(position)} is not a whole number") from None
    app = App.current()
    with app.store() as store:
        found = cp.get_checkpoint(store, checkpoint_id)
        if not 1 <= wanted <= found.tree_size:
            raise CliError(
                f"event #{wanted} is not covered by checkpoint #{found.id} "
                f"({found.tree_size} events)",
                1,
            )
        leaves, positions = _leaves(store, found.tree_size)
        rows = AuditTables(store).events_after(wanted - 1, 1)
    row = rows[0] if rows and rows[0].position == wanted else None
    if wanted not in positions:
        raise CliError(
            f"event #{wanted} is not covered by checkpoint #{found.id} ({found.tree_size} events)",
            1,
        )
    index = positions.index(wanted)
    path = inclusion_proof(leaves, index)
    leaf = leaves[index]
    ok = verify_inclusion(leaf, index, found.tree_size, path, found.root_hash)
    # The stored event itself must still give the leaf the tree holds.
    matches = row is not None and leaf == event_leaf_hash(
        row.position, row.aggregate_id, row.version, row.topic, row.payload
    )
    proof: dict[str, Any] = {
        "position": wanted,
        "leaf_hash": leaf.hex(),
        "leaf_index": index,
        "tree_size": found.tree_size,
        "path": [p.hex() for p in path],
        "root_hash": found.root_hash.hex(),
        "checkpoint": found.as_dict(),
        "verified": ok and matches,
    }
    if app.json:
        emit_json(proof)
    else:
        click.echo(json.dumps(proof, ensure_ascii=False, indent=2))
    if not (ok and matches):
        raise CliError(
            f"event #{wanted} does not prove into checkpoint #{found.id}: "
            "run registre audit verify",
            EXIT_TAMPERED,
        )


@audit.command("consistency", epilog=example("registre audit consistency 1 3"))
@click.argument("first", type=STORED)
@click.argument("second", type=STORED)
def consistency(first: int, second: int) -> None:
    """A consistency proof: checkpoint SECOND extends checkpoint FIRST, with nothing
    before it changed."""
    app = App.current()
    with app.store() as store:
        old, new = cp.get_checkpoint(store, first), cp.get_checkpoint(store, second)
        if old.tree_size > new.tree_size:
            old, new = new, old
        leaves, _ = _leaves(store, new.tree_size)
    proof = consistency_proof(leaves, old.tree_size) if len(leaves) == new.tree_size else []
    ok = len(leaves) == new.tree_size and verify_consistency(
        old.tree_size, new.tree_size, old.root_hash, new.root_hash, proof
    )
    result = {
        "first": {"id": old.id, "tree_size": old.tree_size, "root_hash": old.root_hash.hex()},
        "second": {"id": new.id, "tree_size": new.tree_size, "root_hash": new.root_hash.hex()},
        "proof": [p.hex() for p in proof],
        "verified": ok,
    }
    if app.json:
        emit_json(result)
    else:
        click.echo(json.dumps(result, indent=2))
    if not ok:
        raise CliError(
            f"checkpoint #{new.id} does not extend checkpoint #{old.id} in this store: "
            "run registre audit verify",
            EXIT_TAMPERED,
        )


def _leaves(store: Store, size: int) -> tuple[list[bytes], list[int]]:
    """The first ``size`` ledger leaves as stored, and their positions."""
    leaves: list[bytes] = []
    positions: list[int] = []
    for position, leaf in AuditTables(store).all_leaves():
        if len(leaves) == size:
            break
        leaves.append(leaf)
        positions.append(position)
    return leaves, positions


@audit.command("key", epilog=example("registre audit key --export > registre.pub"))
@click.option("--export", "export_key", is_flag=True, help="Print the public key.")
@click.option(
    "--rotate",
    is_flag=True,
    help="Replace the signing key by a new one that the current key endorses (recorded).",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["pem", "base64"]),
    default="pem",
    show_default=True,
    help="PEM (SubjectPublicKeyInfo) or the base64 of the 32 raw bytes.",
)
@key_dir_option
def key(export_key: bool, rotate: bool, fmt: str, key_dir: str | None) -> None:
    """Show where the deployment's signing key is; --export prints its public key;
    --rotate replaces it by a new key, endorsed by the current one."""
    app = App.current()
    if not export_key and click.get_current_context().get_parameter_source("fmt") is (
        ParameterSource.COMMANDLINE
    ):
        raise CliError("--format says how --export prints the public key; give --export with it")
    if rotate and export_key:
        raise CliError("--rotate and --export contradict each other: give only one of them")
    folder = cp.key_dir(key_dir)
    with app.store() as store:
        if rotate:
            old, new = keyring.rotate(store, folder)
            if app.json:
                emit_json({"old_key_id": old.key_id, "key_id": new.key_id})
            else:
                click.echo(
                    f"signing key {new.key_id} replaces {old.key_id}, endorsed by it "
                    f"(the old key file is kept beside the new one in {folder})"
                )
            return
        public = cp.public_key_bytes(cp.load_private_key(store, folder))
        path = keyring.key_path(store, folder)
        vkey = keyring.verifier_key(store.origin, public)
    if export_key:
        if fmt == "pem":
            click.echo(cp.public_key_pem(public), nl=False)
        else:
            import base64

            click.echo(base64.b64encode(public).decode("ascii"))
        return
    if app.json:
        emit_json({"key_file": str(path), "key_id": cp.key_id(public), "vkey": vkey})
    else:
        click.echo(f"signing key {cp.key_id(public)}: {path}")
        click.echo(f"verifier key (C2SP signed-note): {vkey}")


# -- receipts: a kept tree head checked against the store -------------------------------


@audit.command(
    "receipt",
    epilog=example("registre audit receipt receipt.txt", "registre --json audit receipt head.txt"),
)
@click.argument("file", metavar="FILE")
def receipt(file: str) -> None:
    """Check a kept signed tree head (the receipt a recording command prints):
    that this deployment signed it, and that the log still extends it (an RFC
    9162 consistency proof from its size to the latest tree head); exit 4 if
    the log no longer holds what it held then."""
    app = App.current()
    try:
        text = Path(file).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise CliError(f"cannot read {file}: {getattr(error, 'strerror', None) or error}") from None
    with app.store() as store:
        note = _kept_note(text, store.origin, file)
        ring = keyring.keyring(store)
        signer = next(
            (k for k in ring.operator.values() if note.signed_by(store.origin, k.public_key)),
            None,
        )
        if signer is None:
            raise CliError(
                f"{file} is not signed by a key of deployment {store.deployment}: "
                "it proves nothing about this log",
                EXIT_TAMPERED,
            )
        latest = latest_head(store)
        size = latest[0].tree_size if latest else 0
        # Each leaf recomputed from the event as stored now: the receipt is
        # checked against the record itself, not only against its ledger.
        leaves = [
            event_leaf_hash(row.position, row.aggregate_id, row.version, row.topic, row.payload)
            for row in AuditTables(store).all_events()
        ]
    if latest is None or note.size > len(leaves):
        raise CliError(
            f"the log holds {len(leaves)} events and this receipt covers {note.size}: "
            "the log was truncated or rolled back",
            EXIT_TAMPERED,
        )
    head = latest[0]
    proof = consistency_proof(leaves, note.size, size) if size <= len(leaves) else []
    ok = (
        size <= len(leaves)
        and merkle_root(leaves[: note.size]) == note.root
        and merkle_root(leaves[:size]) == head.root_hash
        and verify_consistency(note.size, size, note.root, head.root_hash, proof)
    )
    result = {
        "receipt": {
            "tree_size": note.size,
            "root_hash": note.root.hex(),
            "time": note.extension("time"),
            "label": note.extension("label"),
            "key_id": signer.key_id,
        },
        "latest": head.as_dict(),
        "proof": [p.hex() for p in proof],
        "verified": ok,
    }
    if app.json:
        emit_json(result)
    elif ok:
        click.echo(
            f"receipt holds: signed by key {signer.key_id} at {note.extension('time')}, the log "
            f"held {note.size} events with root {note.root.hex()}, and its latest tree head "
            f"({size} events) extends it (consistency proof of {len(proof)} hashes)"
        )
    if not ok:
        raise CliError(
            f"the log no longer holds what this receipt signed: its first {note.size} events "
            "were changed since (run registre audit verify)",
            EXIT_TAMPERED,
        )


def _kept_note(text: str, origin: str, file: str) -> notes.Note:
    """The signed note in a kept receipt, from its origin line on (a receipt
    copied with the line printed before it, or indented, still reads)."""
    lines = [line.strip() for line in text.replace("\r\n", "\n").split("\n")]
    if origin not in lines:
        raise CliError(f"{file} holds no tree head of this deployment (origin {origin})")
    kept = lines[lines.index(origin) :]
    while kept and not kept[-1]:
        kept.pop()
    try:
        return notes.parse("\n".join(kept) + "\n")
    except notes.MalformedNote as error:
        raise CliError(f"{file} is not a signed tree head: {error}") from None


# -- the founders' witness --------------------------------------------------------------------


@audit.command(
    "witness",
    epilog=example(
        "registre audit witness fabrik metropole --key metropole-witness.pem --as greffe",
        "registre audit witness fabrik etat --public-key BASE64 --name etat.gouv.fr/temoin "
        "--as greffe",
    ),
)
@click.argument("programme", metavar="SLUG")
@click.argument("founder", metavar="FOUNDER")
@click.option(
    "--key",
    "key_file",
    metavar="FILE",
    help="The founder's witness key: created if the file does not exist, kept by the founder.",
)
@click.option("--public-key", metavar="BASE64", help="Or only its public key (32 bytes, base64).")
@click.option("--name", metavar="NAME", help="The witness's name in its cosignatures.")
@recording
def witness_key(
    how: Recording,
    programme: str,
    founder: str,
    key_file: str | None,
    public_key: str | None,
    name: str | None,
) -> None:
    """Record a founder's witness key in the log, with which it cosigns the
    log's tree heads (registre audit cosign)."""
    if (key_file is None) == (public_key is None):
        raise CliError("give either --key FILE (the founder's key) or --public-key BASE64")
    name = name or f"{programme}/{founder}"
    if not name or any(ch.isspace() or ch == "+" for ch in name) or len(name) > 200:
        raise CliError(f"--name {shown(name)}: a witness name has no space and no '+'")
    if public_key is not None:
        import base64
        import binascii

        try:
            valid = len(base64.b64decode(public_key, validate=True)) == 32
        except (binascii.Error, ValueError):
            valid = False
        if not valid:
            raise CliError(
                f"--public-key {shown(public_key)} is not the base64 of a 32-byte Ed25519 key"
            )
    if key_file is not None:
        path = Path(key_file)
        with App.current().store() as store:
            # Checked before a key is made: nothing is written for a mistake.
            witness.registered(store, programme).require_founder(founder)
        if path.exists():
            raw = cp.public_key_bytes(keyring.read_private_key(path))
        else:
            raw = witness.new_key(path)
        import base64

        public_key = base64.b64encode(raw).decode("ascii")
    record(
        c.RegisterWitness,
        how,
        programme=programme,
        founder=founder,
        name=name,
        public_key=public_key,
    )


@audit.command(
    "cosign",
    epilog=example("registre audit cosign fabrik metropole --key metropole-witness.pem"),
)
@click.argument("programme", metavar="SLUG")
@click.argument("founder", metavar="FOUNDER")
@click.option("--key", "key_file", required=True, metavar="FILE", help="The founder's witness key.")
def cosign(programme: str, founder: str, key_file: str) -> None:
    """As a founder, cosign the log's latest signed tree head (C2SP
    tlog-cosignature), after checking that it extends the last one this
    founder cosigned; a fork, a rollback or an inconsistent log is refused
    (exit 4) and nothing is signed."""
    app = App.current()
    with app.store() as store:
        try:
            done = witness.cosign(store, programme, founder, Path(key_file))
        except witness.Refused as error:
            raise CliError(str(error), EXIT_TAMPERED) from None
    if app.json:
        emit_json(done.as_dict())
        return
    click.echo(
        f"founder {founder} cosigned the tree of {done.tree_size} events "
        f"(root {done.root_hash.hex()}) as {done.name}:"
    )
    click.echo(done.note, nl=False)


# -- export events -------------------------------------------------------------------------------


@click.command(
    "events",
    epilog=example(
        "registre export events --all --out events.jsonl",
        "registre export events fabrik-medvallee --out fabrik.jsonl",
    ),
)
@click.argument("programme", metavar="SLUG", required=False)
@click.option("--all", "everything", is_flag=True, help="Every event of the store (the full log).")
@click.option("--out", metavar="FILE", help="Write to FILE instead of stdout.")
def export_events(programme: str | None, everything: bool, out: str | None) -> None:
    """Export the log as JSON Lines: one event per line with its position,
    aggregate id, version, topic, payload (base64 as stored, and decoded) and
    ledger leaf hash. Only the full log (--all) can be checked against a
    checkpoint; a programme's events are a part of it."""
    if everything == (programme is not None):
        raise CliError("give either SLUG or --all")
    with App.current().store() as store:
        lines = [
            json.dumps(e, ensure_ascii=False, separators=(",", ":"))
            for e in exported_events(AuditTables(store), programme)
        ]
    if programme is not None and not lines:
        # Refused as `export plan` refuses it: an empty file would read as a programme
        # with nothing recorded.
        raise NotFound(f"no programme {programme!r} in this store")
    write_out("".join(f"{line}\n" for line in lines), out)
