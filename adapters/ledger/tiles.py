"""The log as C2SP ``tlog-tiles``: static files any transparency-log client reads.

For a checkpoint of N entries, the folder holds:

- ``checkpoint``: the signed note (``notes``);
- ``tile/<L>/<N>[.p/<W>]``: the hashes of level L of the tree (level 0: the
  leaf hashes; level L: the roots of the subtrees of 256^L leaves), 256 to a
  tile, the last one partial (``.p/<W>``, W of them);
- ``tile/entries/<N>[.p/<W>]``: the entries themselves, 256 to a bundle, each
  prefixed by its length (two bytes, big-endian). An entry is the event's leaf
  (``leaves.leaf_bytes``), whose hash SHA-256(0x00 || entry) is its leaf hash.

The index N is written in groups of three digits, all but the last prefixed by
``x`` (1234067 -> ``x001/x234/067``). With these files, a client fetches any
inclusion or consistency proof itself, without Registre.
"""

from __future__ import annotations

import struct
from collections.abc import Iterable
from pathlib import Path

from registre.adapters.ledger.leaves import leaf_hash
from registre.adapters.ledger.merkle import root

WIDTH = 256


def index_path(n: int) -> str:
    digits = f"{n:03d}"
    digits = "0" * (-len(digits) % 3) + digits
    groups = [digits[i : i + 3] for i in range(0, len(digits), 3)]
    return "/".join([*(f"x{g}" for g in groups[:-1]), groups[-1]])


def tile_path(level: int | str, n: int, width: int) -> str:
    partial = f".p/{width}" if width < WIDTH else ""
    return f"tile/{level}/{index_path(n)}{partial}"


def _chunks(items: list[bytes]) -> Iterable[tuple[int, list[bytes]]]:
    for n, start in enumerate(range(0, len(items), WIDTH)):
        yield n, items[start : start + WIDTH]


def write_log(folder: Path, entries: list[bytes], note: str) -> list[Path]:
    """Writes the checkpoint, the tiles and the entry bundles of the first
    ``len(entries)`` entries (the size the checkpoint's note signs)."""
    written: list[Path] = []

    def put(relative: str, data: bytes) -> None:
        path = folder / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        written.append(path)

    for n, bundle in _chunks(entries):
        data = bytearray()
        for entry in bundle:
            if len(entry) > 0xFFFF:
                raise ValueError(f"entry {n * WIDTH} is longer than a tile entry may be")
            data += struct.pack(">H", len(entry)) + entry
        put(tile_path("entries", n, len(bundle)), bytes(data))
    hashes = [leaf_hash(e) for e in entries]
    level = 0
    while hashes:
        for n, tile in _chunks(hashes):
            put(tile_path(level, n, len(tile)), b"".join(tile))
        hashes = [root(tile) for _, tile in _chunks(hashes) if len(tile) == WIDTH]
        level += 1
    put("checkpoint", note.encode())
    return written
