"""Vérifie seul le journal publié d'un site Registre : python3 verifier.py donnees/ --empreinte CLE

This file is published on every Registre site as ``verifier.py``, beside the
data (``donnees/``). It needs Python 3.11 or later and nothing else: no
Registre, no package to install, not even ``cryptography`` (the Ed25519
check is the reference code of RFC 8032, section 6; it only verifies public
signatures, so it holds no secret to leak). It checks:

- the checkpoint (``journal/checkpoint``, a C2SP signed note) against the
  organiser's key, given (``--cle``) or pinned by its fingerprint
  (``--empreinte``, the 16 hex digits ``registre audit key`` prints), and says
  which key it trusted; without one it refuses to conclude;
- the leaves: every entry of the C2SP ``tlog-tiles`` entry bundles, each an
  event's leaf, in order;
- the tree: the hash tiles against the leaves, and the root of the leaves
  against the signed root;
- the readable log (``evenements.jsonl``, as ``registre export events --all``
  writes it): each line's fields and leaf against its entry, and its
  readable copy (``event``) against the payload the leaf hashes;
- the pages' proofs (``preuves/*.json``): each inclusion path against the
  signed root, each earlier checkpoint's signature, and the consistency
  proof from each checkpoint to the next (and that its root is that of the
  log's first events).

Exit status: 0 verified, 4 something does not match (each finding named),
2 the folder or the key cannot be read.

Registre imports ``readable_difference`` from here, so the package's own
offline verifier judges a readable copy the same way.
"""

from __future__ import annotations

import argparse
import base64
import binascii
import contextlib
import hashlib
import json
import re
import struct
import sys
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

EXIT_OK, EXIT_INPUT, EXIT_TAMPERED = 0, 2, 4
WIDTH = 256  # entries or hashes to a tile
HASH_SIZE = 32
DASH = "\u2014"
LEAF_FIELDS = {"aggregate_id", "payload", "position", "topic", "version"}


class Unreadable(Exception):
    """The folder, the checkpoint or a key cannot be read: nothing to conclude."""


# -- Ed25519 verification: RFC 8032, section 6 -------------------------------------------------

_P = 2**255 - 19
_Q = 2**252 + 27742317777372353535851937790883648493
_D = -121665 * pow(121666, _P - 2, _P) % _P
_SQRT_M1 = pow(2, (_P - 1) // 4, _P)
_Point = tuple[int, int, int, int]


def _add(a: _Point, b: _Point) -> _Point:
    x = (a[1] - a[0]) * (b[1] - b[0]) % _P
    y = (a[1] + a[0]) * (b[1] + b[0]) % _P
    c = 2 * a[3] * b[3] * _D % _P
    d = 2 * a[2] * b[2] % _P
    e, f, g, h = y - x, d - c, d + c, y + x
    return (e * f, g * h, f * g, e * h)


def _mul(s: int, point: _Point) -> _Point:
    result: _Point = (0, 1, 1, 0)
    while s > 0:
        if s & 1:
            result = _add(result, point)
        point = _add(point, point)
        s >>= 1
    return result


def _equal(a: _Point, b: _Point) -> bool:
    return (a[0] * b[2] - b[0] * a[2]) % _P == 0 and (a[1] * b[2] - b[1] * a[2]) % _P == 0


def _recover_x(y: int, sign: int) -> int | None:
    if y >= _P:
        return None
    x2 = (y * y - 1) * pow(_D * y * y + 1, _P - 2, _P) % _P
    if x2 == 0:
        return None if sign else 0
    x = pow(x2, (_P + 3) // 8, _P)
    if (x * x - x2) % _P != 0:
        x = x * _SQRT_M1 % _P
    if (x * x - x2) % _P != 0:
        return None
    if (x & 1) != sign:
        x = _P - x
    return x


def _decompress(data: bytes) -> _Point | None:
    y = int.from_bytes(data, "little")
    sign, y = y >> 255, y & ((1 << 255) - 1)
    x = _recover_x(y, sign)
    return None if x is None else (x, y, 1, x * y % _P)


_GY = 4 * pow(5, _P - 2, _P) % _P
_GX = _recover_x(_GY, 0) or 0
_G: _Point = (_GX, _GY, 1, _GX * _GY % _P)


def ed25519_valid(public: bytes, message: bytes, signature: bytes) -> bool:
    """Whether ``signature`` is ``public``'s Ed25519 signature of ``message``."""
    if len(public) != 32 or len(signature) != 64:
        return False
    a, r = _decompress(public), _decompress(signature[:32])
    if a is None or r is None:
        return False
    s = int.from_bytes(signature[32:], "little")
    if s >= _Q:
        return False
    h = int.from_bytes(hashlib.sha512(signature[:32] + public + message).digest(), "little") % _Q
    return _equal(_mul(s, _G), _add(r, _mul(h, a)))


# -- Merkle trees of RFC 9162 ------------------------------------------------------------------


def leaf_hash(entry: bytes) -> bytes:
    return hashlib.sha256(b"\x00" + entry).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    return hashlib.sha256(b"\x01" + left + right).digest()


def merkle_root(leaves: Sequence[bytes]) -> bytes:
    """MTH of leaf hashes, read once, holding a perfect subtree per bit of the size."""
    stack: list[tuple[int, bytes]] = []
    for leaf in leaves:
        size, node = 1, leaf
        while stack and stack[-1][0] == size:
            node = node_hash(stack.pop()[1], node)
            size *= 2
        stack.append((size, node))
    if not stack:
        return hashlib.sha256(b"").digest()
    node = stack[-1][1]
    for _, left in reversed(stack[:-1]):
        node = node_hash(left, node)
    return node


def verify_inclusion(
    leaf: bytes, index: int, size: int, path: Sequence[bytes], root: bytes
) -> bool:
    """RFC 9162 section 2.1.3.2."""
    if not 0 <= index < size or any(len(p) != HASH_SIZE for p in path):
        return False
    fn, sn, node = index, size - 1, leaf
    for p in path:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            node = node_hash(p, node)
            while fn and not fn & 1:
                fn, sn = fn >> 1, sn >> 1
        else:
            node = node_hash(node, p)
        fn, sn = fn >> 1, sn >> 1
    return sn == 0 and node == root


def verify_consistency(
    old: int, new: int, old_root: bytes, new_root: bytes, proof: Sequence[bytes]
) -> bool:
    """RFC 9162 section 2.1.4.2."""
    if not 0 <= old <= new or any(len(p) != HASH_SIZE for p in proof):
        return False
    if old == new:
        return not proof and old_root == new_root
    if old == 0 or not proof:
        return old == 0 and not proof
    path = [old_root, *proof] if old & (old - 1) == 0 else list(proof)
    fn, sn = old - 1, new - 1
    while fn & 1:
        fn, sn = fn >> 1, sn >> 1
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            fr, sr = node_hash(c, fr), node_hash(c, sr)
            while fn and not fn & 1:
                fn, sn = fn >> 1, sn >> 1
        else:
            sr = node_hash(sr, c)
        fn, sn = fn >> 1, sn >> 1
    return sn == 0 and fr == old_root and sr == new_root


# -- checkpoints: C2SP signed notes ------------------------------------------------------------


@dataclass(frozen=True)
class Note:
    text: str
    body: str
    origin: str
    size: int
    root: bytes
    time: str
    signatures: tuple[tuple[str, bytes, bytes], ...]  # name, key ID, signature

    def signed_by(self, public: bytes) -> bool:
        """Whether a signature line of the origin's name, for this key, holds."""
        wanted = key_hash(self.origin, public)
        return any(
            name == self.origin and kid == wanted and ed25519_valid(public, self.body.encode(), sig)
            for name, kid, sig in self.signatures
        )


class MalformedNote(ValueError):
    pass


def key_hash(name: str, public: bytes) -> bytes:
    return hashlib.sha256(name.encode() + b"\n\x01" + public).digest()[:4]


def parse_note(text: str) -> Note:
    body, sep, rest = text.rpartition("\n\n")
    if not sep or not body or not rest.endswith("\n"):
        raise MalformedNote(
            "ce n'est pas une note signée (un corps, une ligne vide, des signatures)"
        )
    body += "\n"
    lines = body.split("\n")[:-1]
    if len(lines) < 3 or not lines[1].isdigit() or lines[1] != str(int(lines[1])):
        raise MalformedNote("ce n'est pas un point de contrôle (origine, taille, racine)")
    try:
        root = base64.b64decode(lines[2], validate=True)
    except binascii.Error:
        raise MalformedNote("sa racine n'est pas en base64") from None
    if len(root) != HASH_SIZE:
        raise MalformedNote("sa racine n'a pas 32 octets")
    time = next((line[5:] for line in lines[3:] if line.startswith("time ")), "")
    signatures = []
    for line in rest[:-1].split("\n"):
        parts = line.split(" ")
        if len(parts) != 3 or parts[0] != DASH:
            raise MalformedNote(f"ligne de signature mal formée : {line!r}")
        try:
            raw = base64.b64decode(parts[2], validate=True)
        except binascii.Error:
            raise MalformedNote(f"signature qui n'est pas en base64 : {line!r}") from None
        signatures.append((parts[1], raw[:4], raw[4:]))
    return Note(text, body, lines[0], int(lines[1]), root, time, tuple(signatures))


# -- keys --------------------------------------------------------------------------------------


def fingerprint(public: bytes) -> str:
    """The key's fingerprint as Registre prints it (``registre audit key``)."""
    return hashlib.sha256(public).hexdigest()[:16]


_SPKI_PREFIX = bytes.fromhex("302a300506032b6570032100")  # an Ed25519 SubjectPublicKeyInfo


def read_key(text: str) -> bytes:
    """A public key: a C2SP verifier key (name+id+base64), a PEM file's text,
    or the base64 or hex of its 32 bytes."""
    text = text.strip()
    try:
        if text.startswith("-----BEGIN PUBLIC KEY-----"):
            der = base64.b64decode("".join(text.splitlines()[1:-1]), validate=True)
            if not der.startswith(_SPKI_PREFIX) or len(der) != len(_SPKI_PREFIX) + 32:
                raise ValueError("ce n'est pas une clé publique Ed25519")
            return der[len(_SPKI_PREFIX) :]
        parts = text.split("+", 2)  # a verifier key: name+key ID+base64(0x01 || key)
        if len(parts) == 3 and parts[0] and re.fullmatch("[0-9a-f]{8}", parts[1]):
            raw = base64.b64decode(parts[2], validate=True)
            if len(raw) != 33 or raw[0] != 1:
                raise ValueError("cette clé de vérification n'est pas une clé Ed25519")
            return raw[1:]
        raw = bytes.fromhex(text) if len(text) == 64 else base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError) as error:
        raise Unreadable(f"clé illisible : {error}") from None
    if len(raw) != 32:
        raise Unreadable("une clé publique Ed25519 a 32 octets")
    return raw


# -- the readable copy -------------------------------------------------------------------------


def _canonical(value: Any) -> str:
    return json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def readable_difference(readable: Any, payload: bytes) -> list[str] | None:
    """None if the readable copy is the payload decoded, else the fields that
    differ (an empty list when the copy is not even of the same shape)."""
    try:
        decoded: Any = json.loads(payload)
    except ValueError:
        decoded = None
    if _canonical(decoded) == _canonical(readable):
        return None
    if isinstance(decoded, dict) and isinstance(readable, dict):
        missing = object()
        keys = decoded.keys() | readable.keys()
        return sorted(
            str(k)
            for k in keys
            if k not in decoded
            or k not in readable
            or _canonical(decoded.get(k, missing)) != _canonical(readable.get(k, missing))
        )
    return []


# -- the published folder ----------------------------------------------------------------------


def index_path(n: int) -> str:
    digits = f"{n:03d}"
    digits = "0" * (-len(digits) % 3) + digits
    groups = [digits[i : i + 3] for i in range(0, len(digits), 3)]
    return "/".join([*(f"x{g}" for g in groups[:-1]), groups[-1]])


def tile_path(level: int | str, n: int, width: int) -> str:
    return f"tile/{level}/{index_path(n)}" + (f".p/{width}" if width < WIDTH else "")


MAX_SHOWN = 50  # findings printed; past that, only counted


@dataclass
class Report:
    trusted: list[str] = field(default_factory=list)
    verified: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    def lines(self) -> list[str]:
        shown = [f"échec : {p}" for p in self.problems[:MAX_SHOWN]]
        if len(self.problems) > MAX_SHOWN:
            shown.append(f"échec : et {len(self.problems) - MAX_SHOWN} autres constats")
        return [
            *(f"clé de confiance : {t}" for t in self.trusted),
            *(f"vérifié : {v}" for v in self.verified),
            *shown,
        ]


@dataclass
class _Log:
    note: Note
    entries: list[bytes]
    leaves: list[bytes]
    fields: list[dict[str, Any]]


def _trusted_keys(
    folder: Path, given: list[bytes], pinned: list[str]
) -> tuple[dict[bytes, str], set[bytes]]:
    """The keys trusted (with why), and every key the published data names."""
    found: set[bytes] = set()
    sources = [folder / "point-de-controle.json", *sorted((folder / "preuves").glob("*.json"))]
    for path in sources:
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        blocks = [data, data.get("checkpoint")] + [h.get("from") for h in data.get("history", [])]
        for block in blocks:
            if isinstance(block, dict) and isinstance(block.get("public_key"), str):
                try:
                    found.add(base64.b64decode(block["public_key"], validate=True))
                except binascii.Error:
                    continue
    trusted = {k: "donnée par --cle" for k in given}
    for pin in pinned:
        for k in found:
            if fingerprint(k) == pin[:16] and hashlib.sha256(k).hexdigest().startswith(pin):
                trusted.setdefault(k, f"trouvée dans les données, d'empreinte {pin} (--empreinte)")
    return trusted, found


def _read(path: Path, folder: Path, report: Report) -> bytes | None:
    try:
        return path.read_bytes()
    except OSError:
        report.problems.append(
            f"{path.relative_to(folder)} manque : le journal publié est incomplet"
        )
        return None


def _entries(folder: Path, journal: Path, size: int, report: Report) -> list[bytes] | None:
    entries: list[bytes] = []
    for n, start in enumerate(range(0, size, WIDTH)):
        width = min(WIDTH, size - start)
        data = _read(journal / tile_path("entries", n, width), folder, report)
        if data is None:
            return None
        at, bundle = 0, list[bytes]()
        while at + 2 <= len(data) and len(bundle) < width:
            (length,) = struct.unpack(">H", data[at : at + 2])
            bundle.append(data[at + 2 : at + 2 + length])
            at += 2 + length
        if len(bundle) != width or at != len(data) or len(bundle[-1]) == 0:
            report.problems.append(
                f"{tile_path('entries', n, width)} n'a pas les {width} entrées attendues : "
                "il a été modifié"
            )
            return None
        entries.extend(bundle)
    return entries


def _fields(entry: bytes, index: int, previous: int) -> tuple[dict[str, Any] | None, str]:
    try:
        value = json.loads(entry)
    except ValueError:
        return (
            None,
            f"l'entrée {index + 1} du journal n'est pas une feuille lisible : elle a été modifiée",
        )
    if not isinstance(value, dict) or set(value) != LEAF_FIELDS:
        return None, f"l'entrée {index + 1} du journal n'a pas les champs d'une feuille"
    position = value["position"]
    if type(position) is not int or position <= previous:
        return None, f"l'entrée {index + 1} du journal n'est pas à sa place (position {position!r})"
    return value, ""


def _check_tiles(
    folder: Path, journal: Path, leaves: list[bytes], log: _Log, report: Report
) -> bool:
    level, hashes, whole = 0, leaves, True
    while hashes:
        for n, start in enumerate(range(0, len(hashes), WIDTH)):
            tile = hashes[start : start + WIDTH]
            path = journal / tile_path(level, n, len(tile))
            data = _read(path, folder, report)
            if data is None:
                whole = False
            elif data != b"".join(tile):
                first = log.fields[start * WIDTH**level]["position"] if log.fields else "?"
                report.problems.append(
                    f"la tuile {tile_path(level, n, len(tile))} ne correspond pas aux entrées "
                    f"(à partir de l'événement #{first}) : elle a été modifiée"
                )
                whole = False
        hashes = [
            merkle_root(hashes[s : s + WIDTH])
            for s in range(0, len(hashes), WIDTH)
            if len(hashes[s : s + WIDTH]) == WIDTH
        ]
        level += 1
    return whole


def _check_readable(folder: Path, log: _Log, report: Report) -> None:
    path = folder / "evenements.jsonl"
    if not path.exists():
        return
    count, before = 0, len(report.problems)
    with path.open(encoding="utf-8") as lines:
        for number, line in enumerate(lines, 1):
            count = number
            if number > len(log.entries):
                report.problems.append(
                    f"evenements.jsonl a plus d'événements ({number} au moins) que le point de "
                    f"contrôle n'en couvre ({len(log.entries)})"
                )
                break
            leaf = log.fields[number - 1]
            at = f"evenements.jsonl, ligne {number} (événement #{leaf['position']})"
            try:
                e = json.loads(line)
                payload = base64.b64decode(e["payload"], validate=True)
                said = {k: e[k] for k in LEAF_FIELDS}
            except (ValueError, KeyError, TypeError, binascii.Error):
                report.problems.append(f"{at} : ligne illisible, elle a été modifiée")
                continue
            # Stores write an id with or without its dashes; the leaf, with them.
            with contextlib.suppress(ValueError):
                said["aggregate_id"] = str(uuid.UUID(str(said["aggregate_id"])))
            changed = sorted(k for k in LEAF_FIELDS if said[k] != leaf[k])
            if changed:
                report.problems.append(
                    f"{at} : {', '.join(changed)} diffère de l'événement inscrit au journal"
                )
                continue
            if e.get("leaf_hash") != log.leaves[number - 1].hex():
                report.problems.append(
                    f"{at} : son empreinte (leaf_hash) n'est pas celle du journal"
                )
            difference = readable_difference(e.get("event"), payload)
            if difference is not None:
                named = f" (champ {', '.join(difference)})" if difference else ""
                report.problems.append(
                    f"{at} : sa copie lisible diffère de l'événement inscrit{named}"
                )
    if count < len(log.entries):
        report.problems.append(
            f"evenements.jsonl a {count} événements et le point de contrôle en couvre "
            f"{len(log.entries)} : il en manque"
        )
    if len(report.problems) == before:
        report.verified.append(
            f"les {count} copies lisibles de evenements.jsonl sont celles des événements inscrits"
        )


def _check_proofs(folder: Path, log: _Log, trusted: dict[bytes, str], report: Report) -> None:
    files = sorted((folder / "preuves").glob("*.json"))
    if not files:
        return
    paths = 0
    histories: dict[tuple[int, int], bool] = {}
    before = len(report.problems)
    for path in files:
        name = f"preuves/{path.name}"
        try:
            proof = json.loads(path.read_text(encoding="utf-8"))
            if proof["checkpoint"]["note"] != log.note.text:
                report.problems.append(f"{name} porte un autre point de contrôle que le journal")
                continue
            for e in proof["events"]:
                entry = base64.b64decode(e["entry"], validate=True)
                hashes = [base64.b64decode(p, validate=True) for p in e["path"]]
                index, position = int(e["index"]), int(e["position"])
                paths += 1
                in_log = 0 <= index < len(log.entries) and log.entries[index] == entry
                placed = in_log and log.fields[index]["position"] == position
                if not placed or not verify_inclusion(
                    leaf_hash(entry), index, log.note.size, hashes, log.note.root
                ):
                    report.problems.append(
                        f"{name} : l'événement #{position} ne s'inclut pas dans l'arbre signé "
                        "(sa feuille ou son chemin d'inclusion a été modifié)"
                    )
            notes = {int(proof["checkpoint"]["id"]): log.note}
            for h in proof["history"]:
                notes[int(h["from"]["id"])] = parse_note(h["from"]["note"])
            for h in proof["history"]:
                old, new = notes[int(h["from"]["id"])], notes.get(int(h["to"]))
                pair = (int(h["from"]["id"]), int(h["to"]))
                if pair in histories:
                    continue
                holds = new is not None and verify_consistency(
                    old.size,
                    new.size,
                    old.root,
                    new.root,
                    [base64.b64decode(p, validate=True) for p in h["proof"]],
                )
                signed = any(old.signed_by(k) for k in trusted)
                prefix = (
                    old.size <= len(log.leaves) and merkle_root(log.leaves[: old.size]) == old.root
                )
                histories[pair] = holds and signed and prefix
                if not signed:
                    report.problems.append(
                        f"{name} : le point de contrôle #{pair[0]} n'est signé par aucune "
                        "clé de confiance"
                    )
                elif not (holds and prefix):
                    report.problems.append(
                        f"le point de contrôle #{pair[0]} ({old.size} événements) n'est pas "
                        f"prolongé par le #{pair[1]} : le journal a été réécrit entre eux"
                    )
        except (KeyError, TypeError, ValueError, binascii.Error):
            report.problems.append(f"{name} est illisible : il a été modifié")
    if len(report.problems) == before:
        report.verified.append(
            f"{len(files)} pages de preuves : {paths} chemins d'inclusion et "
            f"{len(histories)} preuves de cohérence entre points de contrôle successifs"
        )


def verify_folder(folder: Path, given: list[bytes], pinned: list[str]) -> Report:
    journal = folder / "journal"
    try:
        text = (journal / "checkpoint").read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        raise Unreadable(
            f"{journal / 'checkpoint'} est illisible : donnez le dossier donnees/ "
            "d'un site Registre"
        ) from None
    trusted, found = _trusted_keys(folder, given, pinned)
    if not trusted:
        known = ", ".join(sorted(fingerprint(k) for k in found)) or "aucune"
        raise Unreadable(
            "donnez la clé de l'organisateur (--cle) ou son empreinte (--empreinte), telle "
            f"qu'il la publie ; clé trouvée dans ces données : {known}"
            if not (given or pinned)
            else f"aucune clé des données n'a l'empreinte donnée (clés trouvées : {known})"
        )
    report = Report()
    try:
        note = parse_note(text)
    except MalformedNote as error:
        report.problems.append(f"journal/checkpoint a été modifié : {error}")
        return report
    signer = next((k for k in trusted if note.signed_by(k)), None)
    if signer is None:
        report.problems.append(
            "le point de contrôle (journal/checkpoint) n'est signé par aucune clé de confiance "
            f"({', '.join(fingerprint(k) for k in trusted)}) : il a été modifié, ou il n'est pas "
            "celui de l'organisateur"
        )
    else:
        report.trusted.append(f"{fingerprint(signer)}, {trusted[signer]}")
    entries = _entries(folder, journal, note.size, report)
    if entries is None:
        return report
    fields: list[dict[str, Any]] = []
    previous = 0
    for i, entry in enumerate(entries):
        value, problem = _fields(entry, i, previous)
        if value is None:
            report.problems.append(problem)
            return report
        fields.append(value)
        previous = value["position"]
    leaves = [leaf_hash(e) for e in entries]
    log = _Log(note, entries, leaves, fields)
    tiles_hold = _check_tiles(folder, journal, leaves, log, report)
    if merkle_root(leaves) != note.root:
        report.problems.append(
            f"les {note.size} événements du journal ne donnent pas la racine signée : "
            "le journal a été modifié"
        )
    elif tiles_hold and signer is not None:
        report.verified.append(
            f"{note.size} événements : leurs feuilles et l'arbre (tuiles) donnent la racine "
            f"{note.root.hex()} signée le {note.time or '?'} ({note.origin})"
        )
    _check_readable(folder, log, report)
    _check_proofs(folder, log, trusted, report)
    return report


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python3 verifier.py",
        description="Vérifie seul le journal publié d'un site Registre (dossier donnees/).",
    )
    parser.add_argument("donnees", type=Path, help="le dossier donnees/ du site")
    parser.add_argument(
        "--cle",
        "--key",
        action="append",
        default=[],
        metavar="CLE",
        help="la clé publique de l'organisateur (clé de vérification C2SP, base64, ou fichier PEM)",
    )
    parser.add_argument(
        "--empreinte",
        "--fingerprint",
        action="append",
        default=[],
        metavar="EMPREINTE",
        help="l'empreinte de sa clé (16 chiffres hexadécimaux ou plus)",
    )
    args = parser.parse_args(argv)
    try:
        given = [read_key(_key_text(k)) for k in args.cle]
        pinned = [p.strip().lower() for p in args.empreinte]
        for pin in pinned:
            if len(pin) < 16 or any(c not in "0123456789abcdef" for c in pin):
                raise Unreadable(f"empreinte {pin!r} : 16 chiffres hexadécimaux ou plus")
        report = verify_folder(args.donnees, given, pinned)
    except Unreadable as error:
        print(f"erreur : {error}", file=sys.stderr)
        return EXIT_INPUT
    for line in report.lines():
        print(line)
    return EXIT_OK if report.ok else EXIT_TAMPERED


def _key_text(value: str) -> str:
    """The key itself, or the text of the file it names."""
    path = Path(value)
    try:
        if path.is_file():
            return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise Unreadable(f"clé illisible : {value} ({error})") from None
    return value


if __name__ == "__main__":
    sys.exit(main())
