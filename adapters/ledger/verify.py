"""Verification of the record: every event against its ledger leaf, and the
whole log against every signed checkpoint.

The events are read once, in position order and in pages, joined with their
ledger rows (``tables.joined_pages``). Each event's leaf is recomputed from
its stored bytes and compared with its ledger row; two trees are grown as
they are read, one from the recomputed leaves and one from the stored ledger
leaves, and their roots are taken at every checkpoint's size. The two are
one and the same tree until a leaf differs or an event or a leaf is missing,
and a page where nothing is amiss is taken whole (compared at once, its
leaves added to the tree in perfect subtrees); the first page that is not
goes row by row, and from there the ledger's tree grows apart. That is what
lets the report say what happened and not only that something did:

- an event whose leaf differs from its ledger row was altered; when a
  checkpoint covers it, the checkpoint says which side is the original (the
  ledger tree still gives its root: the event was altered; the recomputed
  tree does: its ledger row was);
- two rows whose recomputed leaves are each other's ledger leaves were
  swapped;
- a ledger row without its event: the event is missing (``missing-event``);
- an event without its ledger row: when a checkpoint covers it and the events
  still give that checkpoint's root, the event is genuine and its leaf was
  deleted (``missing-leaf``); when they no longer do, the event was inserted
  outside the recorder (``inserted``); after the last checkpoint, the signed
  tree head of the commit that wrote it tells the same (and which side of an
  altered event and leaf is the original); after the last tree head, no
  commit wrote it (``inserted``); when nothing signed covers it, the two
  cannot be told apart, and the finding says so (``no-leaf``);
- fewer leaves than a checkpoint covers: the log was truncated;
- a checkpoint whose signature fails was altered (``altered-checkpoint``);
  one signed by a key the store does not pin is named so (``unknown-key``);
- a checkpoint whose root no longer matches although every event matches its
  ledger row (an attacker changed both): the history diverges from there, and
  the previous checkpoint that still matches bounds where.

Every commit's tree head (``heads``) is checked the same way, signature and
root: they are dense (one per command or import chunk), so they bound a
divergence to one commit, and they leave no tail unattested: events after
the last tree head were written by no commit, and a tree head of a keyed
deployment without a valid signature was written by no commit either.

Memory stays flat but for the rows found wrong (at most ``MAX_ROWS_KEPT`` of
each kind). What looks changed in an altered event is told once the log is
read, from the store, for those rows only.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from eventsourcing.utils import resolve_topic

from registre.adapters.ledger import notes
from registre.adapters.ledger.checkpoints import Checkpoint, list_checkpoints
from registre.adapters.ledger.heads import TreeHead, list_heads
from registre.adapters.ledger.keyring import Keyring, key_id, keyring
from registre.adapters.ledger.leaves import event_leaf_hash, leaf_hashes, stored_bytes
from registre.adapters.ledger.merkle import RootAccumulator
from registre.adapters.ledger.tables import AuditTables, JoinedPage, StoredRow, joined_pages
from registre.adapters.stores import Store

MAX_ROWS_KEPT = 1000  # wrong rows kept for the report; past that, only counted
MAX_SWAP_CHECK = 60  # pairs of wrong rows tried as swaps (each try hashes two leaves)


@dataclass(frozen=True)
class Finding:
    # What was found, each named for what it is:
    # altered (an event), altered-leaf (its ledger leaf), swapped (two events),
    # missing-event (a leaf without its event), missing-leaf (an event a checkpoint
    # vouches for, without its leaf), inserted (an event outside the recorder:
    # no leaf, and the checkpoint covering it no longer holds), no-leaf (an event
    # without a leaf that no checkpoint covers: deleted leaf or inserted event),
    # truncated, altered-checkpoint, diverges (event and leaf changed together),
    # key (a key the store cannot trust), unknown-key (a checkpoint signed by one)
    kind: str
    positions: tuple[int, ...]
    message: str
    checkpoint: int | None = None

    def as_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "positions": list(self.positions),
            "checkpoint": self.checkpoint,
            "message": self.message,
        }


@dataclass
class Report:
    events: int = 0
    leaves: int = 0
    checkpoints: int = 0
    tree_heads: int = 0
    findings: list[Finding] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    # The key(s) the checkpoints were checked with, and why they were trusted.
    trusted: str = ""
    # Which founders cosigned which checkpoints (``witness.Cosigned.as_dict``).
    cosignatures: list[dict[str, Any]] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.findings

    def as_dict(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "events": self.events,
            "ledger_leaves": self.leaves,
            "checkpoints": self.checkpoints,
            "tree_heads": self.tree_heads,
            "cosignatures": self.cosignatures,
            "findings": [f.as_dict() for f in self.findings],
            "notes": self.notes,
            "trusted_keys": self.trusted,
        }


@dataclass
class _Mismatch:
    position: int
    index: int  # in the recomputed tree
    recomputed: bytes
    stored: bytes
    hint: str
    row: StoredRow


@dataclass
class _Tree:
    """One tree grown while reading, with its roots at the checkpoints' sizes."""

    sizes: set[int]
    acc: RootAccumulator = field(default_factory=RootAccumulator)
    roots: dict[int, bytes] = field(default_factory=dict)
    last_position: dict[int, int] = field(default_factory=dict)
    end: int = 0  # the position of the last leaf
    ordered: list[int] = field(default_factory=list)  # the sizes, in order

    def __post_init__(self) -> None:
        self.ordered = sorted(self.sizes)
        if 0 in self.sizes:  # a checkpoint of the empty log
            self.roots[0], self.last_position[0] = self.acc.root(), 0

    def add(self, leaf: bytes, position: int) -> None:
        self.acc.append(leaf)
        self.end = position
        if self.acc.size in self.sizes:
            self.roots[self.acc.size] = self.acc.root()
            self.last_position[self.acc.size] = position

    def extend(self, leaves: list[bytes], first: int) -> None:
        """The leaves of the consecutive positions from ``first`` on."""
        start, done = self.acc.size, 0
        at = bisect_right(self.ordered, start)
        while at < len(self.ordered) and self.ordered[at] <= start + len(leaves):
            size = self.ordered[at]
            self.acc.extend(leaves[done : size - start])
            done = size - start
            self.roots[size] = self.acc.root()
            self.last_position[size] = first + done - 1
            at += 1
        self.acc.extend(leaves[done:] if done else leaves)
        self.end = first + len(leaves) - 1

    def copy(self) -> _Tree:
        tree = _Tree(set())
        tree.sizes, tree.ordered, tree.acc = self.sizes, self.ordered, self.acc.copy()
        tree.roots, tree.last_position = dict(self.roots), dict(self.last_position)
        tree.end = self.end
        return tree


def _entries(
    page: JoinedPage, computed: list[bytes]
) -> Iterator[tuple[int, StoredRow | None, bytes, bytes | None]]:
    """A page's events and its ledger rows without an event, by position: the
    position, the event (None for a leaf alone), its recomputed leaf hash and
    its ledger leaf (None for an event alone)."""
    orphans = iter(page.orphans)
    orphan = next(orphans, None)
    for r, hashed in zip(page.rows, computed, strict=True):
        row = StoredRow(int(r[0]), str(r[1]), int(r[2]), str(r[3]), stored_bytes(r[4]))
        while orphan is not None and orphan[0] < row.position:
            yield orphan[0], None, b"", orphan[1]
            orphan = next(orphans, None)
        yield row.position, row, hashed, None if r[6] is None else stored_bytes(r[5])
    while orphan is not None:
        yield orphan[0], None, b"", orphan[1]
        orphan = next(orphans, None)


def _hint(row: StoredRow, tables: AuditTables) -> str:
    """Which field of an altered event looks changed, when its neighbours tell:
    its topic names no class, or its version does not follow that of its
    aggregate's event before it in the log."""
    try:
        resolve_topic(row.topic)
    except Exception:
        return "its topic was changed"
    if row.version != tables.version_before(row.aggregate_id, row.position) + 1:
        return "its version was changed"
    return "its stored bytes were changed"


def verify(store: Store, public_key: bytes | None = None, key_source: str = "") -> Report:
    """Checks the whole store against the keys it pins (``keyring``);
    ``public_key`` is a key of the deployment trusted from elsewhere (published,
    or this machine's key file, named by ``key_source``): it must be one the
    store pins, else the store's keys were replaced."""
    tables = AuditTables(store)
    checkpoints = list_checkpoints(store)
    tree_heads = list_heads(store)
    report = Report(checkpoints=len(checkpoints), tree_heads=len(tree_heads))
    ring = keyring(store)
    report.findings.extend(_keys(ring, public_key, key_source, report))
    sizes = {c.tree_size for c in checkpoints} | {h.tree_size for h in tree_heads}
    # The tree of the recomputed leaves and that of the stored ones are one
    # and the same until a leaf differs or lacks its event or its leaf: then
    # the stored tree goes its own way (``stored`` None until then).
    recomputed, forked = _Tree(sizes), None
    mismatches: list[_Mismatch] = []
    previous = 0
    gaps: list[int] = []
    leafless: list[tuple[int, int]] = []  # (position, index in the recomputed tree)
    topics: dict[str, bytes] = {}

    for page in joined_pages(tables):
        computed = leaf_hashes(page.rows, topics)
        if page.dense and computed == [r[5] for r in page.rows]:
            # The common case: every event of the page has its leaf, as stored.
            first = page.rows[0][0]
            recomputed.extend(computed, first)
            if forked is not None:
                forked.extend(computed, first)
            report.events += len(computed)
            report.leaves += len(computed)
            previous = page.rows[-1][0]
            continue
        for position, row, hashed, leaf in _entries(page, computed):
            if position > previous + 1 and len(gaps) < MAX_ROWS_KEPT:
                gaps.extend(range(previous + 1, min(position, previous + 1 + MAX_ROWS_KEPT)))
            previous = position
            if forked is None and (row is None or leaf is None or hashed != leaf):
                forked = recomputed.copy()
            if row is not None:
                if leaf is not None and hashed != leaf and len(mismatches) < MAX_ROWS_KEPT:
                    mismatches.append(
                        _Mismatch(
                            position,
                            recomputed.acc.size,
                            hashed,
                            leaf,
                            "",  # told once the log is read (``_hint``)
                            row,
                        )
                    )
                recomputed.add(hashed, position)
                report.events += 1
            if leaf is not None:
                if forked is not None:
                    forked.add(leaf, position)
                report.leaves += 1
            if row is None:
                report.findings.append(
                    Finding(
                        "missing-event",
                        (position,),
                        f"event #{position} is missing: its ledger leaf remains, the event is gone",
                    )
                )
            elif leaf is None and len(leafless) < MAX_ROWS_KEPT:
                leafless.append((position, recomputed.acc.size - 1))
    stored = forked if forked is not None else recomputed
    for m in mismatches:
        m.hint = _hint(m.row, tables)

    heads = _signed_heads(store.origin, tree_heads, ring)
    report.findings.extend(_leafless(leafless, checkpoints, heads, recomputed, ring))
    report.findings.extend(_pairs(mismatches, checkpoints, heads, recomputed, stored))
    report.findings.extend(_against_checkpoints(checkpoints, recomputed, report, ring, gaps))
    report.findings.extend(_against_tree_heads(store.origin, tree_heads, recomputed, report, ring))
    covered = max((c.tree_size for c in checkpoints), default=0)
    if report.events > covered:
        headed = tree_heads[-1].tree_size if tree_heads else 0
        report.notes.append(
            f"{report.events - covered} of {report.events} events are not yet covered "
            "by a checkpoint (create one: registre audit checkpoint)"
            + (
                "; every one is covered by the signed tree head of its commit"
                if headed >= report.events and tree_heads[-1].note is not None
                else ""
            )
        )
    from registre.adapters.ledger import witness

    cosigned, problems = witness.check_cosignatures(store, checkpoints, tree_heads)
    report.cosignatures = [c.as_dict() for c in cosigned]
    report.findings.extend(Finding("cosignature", (), p) for p in problems)
    return report


def _head_signed(origin: str, head: TreeHead, ring: Keyring) -> Finding | None:
    """Why a tree head's signature does not hold, if it does not."""
    name = f"the tree head of size {head.tree_size} ({head.created_at})"
    if head.note is None:
        return None
    known = ring.operator.get(head.key_id)
    if known is None:
        return Finding(
            "unknown-key",
            (),
            f"{name} names key {head.key_id or '(none)'}, which this store does not know",
        )
    try:
        note = notes.parse(head.note)
        said = (note.origin, note.size, note.root, note.extension("time"))
        holds = said == (origin, head.tree_size, head.root_hash, head.created_at)
        holds = holds and note.signed_by(origin, known.public_key)
    except (notes.MalformedNote, ValueError):
        holds = False
    if not holds:
        return Finding("tree-head", (), f"{name} was altered: its signature does not match")
    return None


def _against_tree_heads(
    origin: str, tree_heads: list[TreeHead], recomputed: _Tree, report: Report, ring: Keyring
) -> Iterator[Finding]:
    for head in tree_heads:
        problem = _head_signed(origin, head, ring)
        if problem is not None:
            yield problem
    unsigned = [h for h in tree_heads if h.note is None]
    if unsigned and ring.operator:
        signed = max((h.tree_size for h in tree_heads if h.note is not None), default=0)
        report.notes.append(
            f"{len(unsigned)} tree heads are not signed (recorded where the deployment's key "
            f"was not at hand, the first on {unsigned[0].created_at}): they attest nothing; "
            f"the last signed tree head covers {signed} events"
        )
    already = {f.kind for f in report.findings}
    matched: TreeHead | None = None
    size = recomputed.acc.size
    for head in tree_heads:
        if size < head.tree_size:
            if not already & {"truncated", "missing-event", "diverges"}:
                yield Finding(
                    "truncated",
                    (),
                    f"the log was truncated: it holds {size} events, and the signed tree head "
                    f"of {head.created_at} covers {tree_heads[-1].tree_size}; "
                    f"{tree_heads[-1].tree_size - size} events are gone",
                )
            break
        if recomputed.roots.get(head.tree_size) == head.root_hash:
            matched = head
            continue
        if not already & {
            "diverges",
            "altered",
            "altered-leaf",
            "swapped",
            "missing-event",
            "missing-leaf",
            "inserted",
        }:
            start = recomputed.last_position[matched.tree_size] + 1 if matched else 1
            end = recomputed.last_position[head.tree_size]
            yield Finding(
                "diverges",
                (start, end),
                f"the history diverges from the tree head of size {head.tree_size} "
                f"({head.label}, {head.created_at}) on: the change lies between #{start} "
                f"and #{end}",
            )
        break
    last = tree_heads[-1].tree_size if tree_heads else None
    if last is not None and size > last and "inserted" not in already:
        start, end = recomputed.last_position.get(last, 0) + 1, recomputed.end
        yield Finding(
            "inserted",
            (start,) if start == end else (start, end),
            (
                f"event #{start} comes after the last tree head (size {last}): no commit "
                "wrote it, it was added outside the recorder"
                if start == end
                else f"events #{start} to #{end} ({size - last}) come after the last tree "
                f"head (size {last}): no commit wrote them, they were added outside the recorder"
            ),
        )


def _keys(
    ring: Keyring, public_key: bytes | None, source: str, report: Report
) -> Iterator[Finding]:
    for problem in ring.problems:
        yield Finding("key", (), problem)
    pinned = ", ".join(ring.operator) or "none"
    one = len(ring.operator) == 1
    report.trusted = (
        f"{'key' if one else 'keys'} {pinned} as this store pins {'it' if one else 'them'}, "
        "and no key from elsewhere"
        if ring.operator
        else "no key: this store pins none, and none was given"
    )
    if public_key is not None:
        among = "" if one else f" among its keys {pinned}"
        report.trusted = f"key {key_id(public_key)} ({source}), which this store pins{among}"
        if key_id(public_key) not in ring.operator:
            yield Finding(
                "key",
                (),
                f"the deployment key {key_id(public_key)} ({source}) is not one this store "
                f"pins ({pinned}): the store was restored under another key, or its keys "
                "were replaced",
            )
            report.trusted = f"key {key_id(public_key)} ({source}), which this store does not pin"
    elif ring.operator:
        report.notes.append(
            "no key from elsewhere vouches for the store's own: give the deployment's "
            "published key (--public-key FILE) to rule out a store whose keys were replaced"
        )


@dataclass(frozen=True)
class _Signed:
    """A signed commitment to the log's first ``tree_size`` leaves that the
    store's pinned keys vouch for: a checkpoint, or a commit's tree head."""

    tree_size: int
    root_hash: bytes
    name: str  # as a finding says it: "checkpoint #3", "the tree head of size 540"
    checkpoint: int | None  # the checkpoint's id; None for a tree head


def _signed_heads(origin: str, tree_heads: list[TreeHead], ring: Keyring) -> list[_Signed]:
    """The tree heads whose signature holds for a key the store pins."""
    return [
        _Signed(h.tree_size, h.root_hash, f"the tree head of size {h.tree_size}", None)
        for h in tree_heads
        if h.note is not None and _head_signed(origin, h, ring) is None
    ]


def _attesting(checkpoints: list[Checkpoint], heads: list[_Signed], index: int) -> _Signed | None:
    """The smallest checkpoint that covers the leaf at ``index``, else the
    smallest signed tree head that does: which side of an event and its leaf
    is the original."""
    cp = _covering(checkpoints, index)
    if cp is not None:
        return _Signed(cp.tree_size, cp.root_hash, f"checkpoint #{cp.id}", cp.id)
    return min((h for h in heads if h.tree_size > index), key=lambda h: h.tree_size, default=None)


def _leafless(
    found: list[tuple[int, int]],
    checkpoints: list[Checkpoint],
    heads: list[_Signed],
    recomputed: _Tree,
    ring: Keyring,
) -> Iterator[Finding]:
    """Events without a ledger leaf, named by what the checkpoint (else the
    commit's tree head) that covers each, signed by a key the store pins, says
    of the events."""
    trusted = [
        c
        for c in checkpoints
        if (known := ring.operator.get(c.key_id)) is not None
        and c.signature_holds(known.public_key)
    ]
    last = max((h.tree_size for h in heads), default=None)
    for position, index in found:
        cp = _attesting(trusted, heads, index)
        if cp is None and last is not None:
            yield Finding(
                "inserted",
                (position,),
                f"event #{position} was inserted outside the recorder: it has no ledger leaf, "
                f"and it comes after the last signed tree head (size {last}): no commit wrote it",
            )
        elif cp is None:
            yield Finding(
                "no-leaf",
                (position,),
                f"event #{position} has no ledger leaf and nothing signed covers it yet: its "
                "leaf was deleted, or the event was inserted outside the recorder",
            )
        elif recomputed.roots.get(cp.tree_size) == cp.root_hash:
            yield Finding(
                "missing-leaf",
                (position,),
                f"the ledger leaf of event #{position} is missing: the event is the one "
                f"{cp.name} covers, its leaf was deleted",
                cp.checkpoint,
            )
        else:
            yield Finding(
                "inserted",
                (position,),
                f"event #{position} was inserted outside the recorder: it has no ledger leaf, "
                f"and {cp.name} no longer holds with it",
                cp.checkpoint,
            )


def _covering(checkpoints: list[Checkpoint], index: int) -> Checkpoint | None:
    return min(
        (c for c in checkpoints if c.tree_size > index), key=lambda c: c.tree_size, default=None
    )


def _swaps(mismatches: list[_Mismatch]) -> dict[int, int]:
    """Pairs of wrong rows whose contents, put back at each other's position,
    give each other's ledger leaves: the rows were swapped."""
    found: dict[int, int] = {}
    for i, m in enumerate(mismatches):
        for n in mismatches[i + 1 :]:
            if m.position in found or n.position in found:
                continue
            if _leaf_at(m.row, n.position) == n.stored and _leaf_at(n.row, m.position) == m.stored:
                found[m.position], found[n.position] = n.position, m.position
    return found


def _leaf_at(row: StoredRow, position: int) -> bytes:
    return event_leaf_hash(position, row.aggregate_id, row.version, row.topic, row.payload)


def _pairs(
    mismatches: list[_Mismatch],
    checkpoints: list[Checkpoint],
    heads: list[_Signed],
    recomputed: _Tree,
    stored: _Tree,
) -> Iterator[Finding]:
    swapped = _swaps(mismatches) if len(mismatches) <= MAX_SWAP_CHECK else {}
    for m in mismatches:
        if m.position in swapped:
            a, b = sorted((m.position, swapped[m.position]))
            if m.position == a:
                yield Finding("swapped", (a, b), f"events #{a} and #{b} were swapped")
            continue
        cp = _attesting(checkpoints, heads, m.index)
        events_hold = cp is not None and recomputed.roots.get(cp.tree_size) == cp.root_hash
        ledger_holds = cp is not None and stored.roots.get(cp.tree_size) == cp.root_hash
        if cp is not None and events_hold and not ledger_holds:
            yield Finding(
                "altered-leaf",
                (m.position,),
                f"the ledger leaf of #{m.position} was altered; the event still matches {cp.name}",
                cp.checkpoint,
            )
        elif cp is not None and ledger_holds:
            yield Finding(
                "altered",
                (m.position,),
                f"event #{m.position} was altered: {m.hint}; its ledger leaf, which "
                f"{cp.name} confirms, no longer matches it",
                cp.checkpoint,
            )
        else:
            yield Finding(
                "altered",
                (m.position,),
                f"event #{m.position} was altered: {m.hint}, it no longer matches its leaf"
                + ("" if cp else " (nothing signed covers it yet)"),
            )


def _against_checkpoints(
    checkpoints: list[Checkpoint],
    recomputed: _Tree,
    report: Report,
    ring: Keyring,
    gaps: list[int],
) -> Iterator[Finding]:
    matched: Checkpoint | None = None  # the largest checkpoint that still holds
    diverged = False
    leaf_findings = [p for f in report.findings for p in f.positions]
    removed = sum(1 for f in report.findings if f.kind == "missing-event")
    for cp in sorted(checkpoints, key=lambda c: (c.tree_size, c.id)):
        known = ring.operator.get(cp.key_id)
        if known is None:
            holds = cp.signature_holds(cp.public_key)
            yield Finding(
                "unknown-key",
                (),
                f"checkpoint #{cp.id} is signed by key {cp.key_id}, which this store does not "
                "know: "
                + (
                    "its signature holds for that key, so it is not altered but not the "
                    "deployment's"
                    if holds
                    else "and its signature does not hold even for that key"
                ),
                cp.id,
            )
            continue
        if not cp.signature_holds(known.public_key):
            yield Finding(
                "altered-checkpoint",
                (),
                f"checkpoint #{cp.id} was altered: its signature does not match",
                cp.id,
            )
            continue
        if recomputed.acc.size < cp.tree_size:
            missing = cp.tree_size - recomputed.acc.size
            if missing <= removed:
                # The events named missing account for the shortfall.
                diverged = True
                continue
            yield Finding(
                "truncated",
                (),
                f"the log was truncated: it holds {recomputed.acc.size} events, and "
                f"checkpoint #{cp.id} covers {cp.tree_size}; {missing} covered events are gone",
                cp.id,
            )
            diverged = True
            continue
        if recomputed.roots.get(cp.tree_size) == cp.root_hash:
            matched = cp
            continue
        if diverged:
            continue
        diverged = True
        start = recomputed.last_position[matched.tree_size] + 1 if matched else 1
        end = recomputed.last_position[cp.tree_size]
        since = f"checkpoint #{matched.id} still holds; " if matched else ""
        yield Finding(
            "diverges",
            (start, end),
            f"the history diverges from checkpoint #{cp.id} (size {cp.tree_size}) on: "
            f"{since}the change lies between #{start} and #{end}",
            cp.id,
        )
        # Both an event and its ledger row gone leave only a hole in the positions.
        if not any(start <= p <= end for p in leaf_findings):
            for gap in (g for g in gaps if start <= g <= end):
                removed += 1
                yield Finding(
                    "missing-event",
                    (gap,),
                    f"event #{gap} is missing, with its ledger leaf",
                    cp.id,
                )
