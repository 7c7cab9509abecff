"""Pol.is exports: a conversation folder recorded as an online session.

A Pol.is conversation is a set of comments that participants vote on (agree,
disagree, pass). It is recorded as:

- a session of kind online (scheduled on the conversation's first day if the
  programme does not have it yet);
- for each comment, a contribution by its author and a proposal synthesised
  from it, keyed ``polis-<conversation>-<comment id>``, so it can be voted on;
- one agree round over all the comments, ``polis-<conversation>``;
- each row of ``votes.csv`` as a vote in that round, at its real time; votes
  are recorded in time order (file order among equal times), so a later vote
  by the same voter on the same comment replaces the earlier one. A vote
  equal to the voter's standing vote on that comment changes nothing: the
  domain says so (``Unchanged``), so the import leaves it out and counts it in
  the summary;
- moderation: accepted comments (1) are validated and rejected ones (-1)
  rejected by the body "Pol.is moderation"; the export does not say when, so
  these are dated at the conversation's last activity;
- a comment whose body the export leaves empty (a comment moderated out and
  blanked, or sent without text) is still a comment that was voted on: it is
  recorded like the others, by its author at its time, with the text
  ``NO_TEXT`` in place of the body, so its votes count on it and the record
  says that the text is missing rather than inventing one;
- a vote on a comment that ``comments.csv`` does not list (Pol.is's own
  export writes such votes and only logs a warning) cannot be recorded on a
  proposal: it is left out and counted in the summary;
- the round closed at the end (unless asked to keep it open), so the tally
  is fixed.

What Pol.is's export code writes and is read as it is meant: timestamps in
milliseconds (the published exports) or in seconds (later versions of the
export), told apart by their size; comments in order of velocity and votes
in order of comment and voter, both put back in time order; a comment body
written without CSV quoting, whose commas then split it into extra cells
(the body is the last column, so the cells are joined back).

Authors and voters become participants ``polis-<conversation>-p<id>``
(organisation "Pol.is participant", citizens): Pol.is exports hold no
personal data beyond these ids.
"""

from __future__ import annotations

import csv
import dataclasses
import io
import re
from contextlib import suppress
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from registre.adapters.application import commands as c
from registre.adapters.importers.runner import Plan, Row, csv_rows, decode, delimiter, digest
from registre.domain import Method, OrganisationType, Outcome, SessionKind
from registre.domain.errors import InvalidInput
from registre.domain.ids import check_key

COMMENT_COLUMNS = ["timestamp", "comment-id", "author-id", "moderated", "comment-body"]
VOTE_COLUMNS = ["timestamp", "comment-id", "voter-id", "vote"]
ORGANISATION = "Pol.is participant"
MODERATION = "Pol.is moderation"
# A Pol.is vote, as an agree round takes it.
VOTE_VALUES = {1: "agree", -1: "disagree", 0: "pass"}
TITLE_LENGTH = 120
MAX_TEXT = 20000
# The text of a comment whose body the export leaves empty.
NO_TEXT = "[no text in the Pol.is export]"
# Below this, a Pol.is timestamp counts seconds (1e11 ms is March 1973).
SECONDS_BELOW = 10**11
NOTE_EMPTY = "comment without text in the export, recorded with the text " + repr(NO_TEXT)
NOTE_UNLISTED = "vote on a comment that comments.csv does not list"


@dataclass(frozen=True)
class Comment:
    source: str
    at: datetime
    id: int
    author: int
    moderated: int
    body: str


@dataclass(frozen=True)
class Vote:
    source: str
    at: datetime
    comment: int
    voter: int
    value: int


def conversation_name(folder: str) -> str:
    """The folder's name as a key part: ``vtaiwan.uberx``, ``15-per-hour-seattle``."""
    name = re.sub(r"[^A-Za-z0-9._-]+", "-", Path(folder).resolve().name).strip("-._")
    return name[:60] or "conversation"


def plan_polis(
    programme: str,
    folder: str,
    session: str,
    axis: str | None = None,
    round_key: str | None = None,
    keep_open: bool = False,
) -> Plan:
    conv = conversation_name(folder)
    round_key = round_key or f"polis-{conv}"
    check_key(session, "--session")
    check_key(round_key, "--round")
    if axis is not None:
        check_key(axis, "--axis")
    base = Path(folder)
    if not base.is_dir():
        raise InvalidInput(f"{folder} is not a folder (a Pol.is export: comments.csv, votes.csv)")
    comments_file, votes_file = str(base / "comments.csv"), str(base / "votes.csv")
    comments_data, votes_data = _read(comments_file), _read(votes_file)
    options = f"{session}\n{axis or ''}\n{round_key}\n{keep_open}"
    plan = Plan(
        "import polis",
        programme,
        folder,
        digest("polis", programme, options, comments_data, votes_data),
    )
    comments, refused = _comments(comments_file, comments_data, plan)
    known = {comment.id for comment in comments}
    votes = _votes(votes_file, votes_data, known, refused, plan)
    if not comments:
        return plan
    times = [comment.at for comment in comments] + [vote.at for vote in votes]
    first, last = min(times), max(times)
    topic = _topic(base / "summary.csv") or f"Pol.is conversation {conv}"
    keys = Keys(programme, conv)
    header = f"{comments_file}:1"  # the list of the conversation's comments

    schedule = c.ScheduleSession(
        programme=programme,
        key=session,
        kind=SessionKind.ONLINE,
        on=first.date(),
        title=topic,
        axes=[axis] if axis else [],
        existing_ok=True,
    )
    rows = [Row(header, [schedule], first)]
    rows += [Row(x.source, keys.comment_commands(x, session, axis), x.at) for x in comments]
    rows.append(
        Row(
            header,
            [
                c.OpenRound(
                    programme=programme,
                    key=round_key,
                    session=session,
                    method=Method.AGREE,
                    proposals=[keys.comment(x.id) for x in comments],
                )
            ],
            first,
        )
    )
    rows += [Row(v.source, keys.vote_commands(round_key, v), v.at) for v in votes]
    for x in comments:
        if x.moderated:
            outcome = Outcome.VALIDATED if x.moderated == 1 else Outcome.REJECTED
            moderation = c.ValidateProposal(
                programme=programme,
                proposal=keys.comment(x.id),
                body=MODERATION,
                minutes=f"Pol.is export {conv}",
                outcome=outcome,
            )
            rows.append(Row(x.source, [moderation], last))
    if not keep_open:
        closing = votes[-1].source if votes else header
        rows.append(Row(closing, [c.CloseRound(programme=programme, key=round_key)], last))
    plan.rows = rows
    plan.columns = {"value": "vote", "text": "comment-body"}
    return plan


class Keys:
    """The keys of a conversation's participants and comments, and the commands
    that record them: each participant registered at their first comment or vote."""

    def __init__(self, programme: str, conv: str) -> None:
        self.programme = programme
        self.conv = conv
        self.registered: set[int] = set()

    def participant(self, polis_id: int) -> str:
        return f"polis-{self.conv}-p{polis_id}"

    def comment(self, polis_id: int) -> str:
        return f"polis-{self.conv}-{polis_id}"

    def register(self, polis_id: int) -> list[c.Command]:
        """The registration of a participant, the first time they appear."""
        if polis_id in self.registered:
            return []
        self.registered.add(polis_id)
        return [
            c.RegisterParticipant(
                programme=self.programme,
                key=self.participant(polis_id),
                organisation=ORGANISATION,
                organisation_type=OrganisationType.CITIZEN,
                existing_ok=True,
            )
        ]

    def comment_commands(self, comment: Comment, session: str, axis: str | None) -> list[c.Command]:
        """A comment: a contribution by its author, and the proposal voted on."""
        key, body = self.comment(comment.id), comment.body
        title = body if len(body) <= TITLE_LENGTH else body[: TITLE_LENGTH - 1].rstrip() + "…"
        return [
            *self.register(comment.author),
            c.SubmitContribution(
                programme=self.programme,
                key=key,
                session=session,
                axis=axis,
                authors=[self.participant(comment.author)],
                text=body,
            ),
            c.SynthesiseProposal(
                programme=self.programme,
                key=key,
                title=title,
                text=body,
                axis=axis,
                sources=[c.SourceRef(contribution=key, version=1)],
            ),
        ]

    def vote_commands(self, round_key: str, vote: Vote) -> list[c.Command]:
        return [
            *self.register(vote.voter),
            c.CastVote(
                programme=self.programme,
                round=round_key,
                participant=self.participant(vote.voter),
                proposal=self.comment(vote.comment),
                value=VOTE_VALUES[vote.value],
            ),
        ]


# -- reading --------------------------------------------------------------------------------


def _read(file: str) -> bytes:
    try:
        return Path(file).read_bytes()
    except OSError as error:
        raise InvalidInput(f"cannot read {file}: {error.strerror or error}") from None


def _records(
    file: str, data: bytes, columns: list[str], plan: Plan, rest: str | None = None
) -> list[dict[str, str]]:
    """The rows of a file by column; with ``rest``, the last column, the cells
    beyond the header are that column's, split at unquoted commas."""
    text = decode(file, data, plan)
    reader = csv.DictReader(io.StringIO(text, newline=""), delimiter=delimiter(text, ","))
    try:
        fieldnames = reader.fieldnames or []
    except csv.Error as error:
        plan.problems.append(f"{file}:1: {error}")
        return []
    missing = [col for col in columns if col not in fieldnames]
    if missing:
        plan.problems.append(
            f"{file}:1: missing column {missing[0]!r} (a Pol.is export has {', '.join(columns)})"
        )
        return []
    records = []
    line = 2
    for record in csv_rows(reader, file, plan):
        extra = record.pop(None, None)
        if extra and rest is not None and rest == (reader.fieldnames or [""])[-1]:
            record[rest] = ",".join([record.get(rest) or "", *extra])
        elif extra:
            record["_extra"] = "x"
        record["_line"] = str(line)
        records.append(record)
        line = reader.line_num + 1
    return records


def _comments(file: str, data: bytes, plan: Plan) -> tuple[list[Comment], set[int]]:
    """The good comments in time order, and the ids of the bad rows' comments."""
    comments: list[Comment] = []
    seen: set[int] = set()
    refused: set[int] = set()
    for r in _records(file, data, COMMENT_COLUMNS, plan, rest="comment-body"):
        source = f"{file}:{r['_line']}"
        try:
            if r.get("_extra"):
                raise ValueError("more cells than columns")
            comment = Comment(
                source,
                _time(r["timestamp"]),
                _int(r["comment-id"], "comment-id"),
                _int(r["author-id"], "author-id"),
                _int(r["moderated"], "moderated", (-1, 0, 1)),
                (r["comment-body"] or "").strip(),
            )
            if not comment.body:
                plan.remarks[NOTE_EMPTY] += 1
                comment = dataclasses.replace(comment, body=NO_TEXT)
            if len(comment.body) > MAX_TEXT:
                raise ValueError(f"comment-body is longer than {MAX_TEXT} characters")
            if comment.id in seen:
                raise ValueError(f"comment-id {comment.id} appears twice")
        except ValueError as error:
            plan.problems.append(f"{source}: {error}")
            with suppress(ValueError):
                refused.add(_int(r["comment-id"], "comment-id"))
            continue
        seen.add(comment.id)
        comments.append(comment)
    # In time order, so the record unfolds as the conversation did.
    return sorted(comments, key=lambda x: x.at), refused


def _votes(file: str, data: bytes, known: set[int], refused: set[int], plan: Plan) -> list[Vote]:
    votes: list[Vote] = []
    for r in _records(file, data, VOTE_COLUMNS, plan):
        source = f"{file}:{r['_line']}"
        try:
            vote = Vote(
                source,
                _time(r["timestamp"]),
                _int(r["comment-id"], "comment-id"),
                _int(r["voter-id"], "voter-id"),
                _int(r["vote"], "vote", (-1, 0, 1)),
            )
            if r.get("_extra"):
                raise ValueError("more cells than columns")
            if vote.comment in refused:
                continue  # its comment's row is listed already; nothing will be recorded
            if vote.comment not in known:
                plan.skipped[NOTE_UNLISTED] += 1
                continue
        except ValueError as error:
            plan.problems.append(f"{source}: {error}")
            continue
        votes.append(vote)
    # Time order, file order among equal times (a stable sort): the later vote wins.
    return sorted(votes, key=lambda v: v.at)


def _time(raw: str | None) -> datetime:
    stamp = _int(raw, "timestamp")
    if stamp < 0:
        raise ValueError(f"timestamp {raw} is before 1970")
    seconds = stamp if stamp < SECONDS_BELOW else stamp / 1000
    try:
        return datetime.fromtimestamp(seconds, UTC)
    except (OverflowError, OSError, ValueError):
        raise ValueError(f"timestamp {raw} is not a time in milliseconds") from None


def _int(raw: str | None, column: str, allowed: tuple[int, ...] | None = None) -> int:
    try:
        value = int((raw or "").strip())
    except ValueError:
        raise ValueError(f"{column} {raw!r} is not a whole number") from None
    if allowed is not None and value not in allowed:
        raise ValueError(f"{column} {value} is not one of {', '.join(map(str, allowed))}")
    return value


def _topic(summary: Path) -> str | None:
    try:
        rows = list(csv.reader(io.StringIO(summary.read_text(encoding="utf-8-sig"))))
    except (OSError, UnicodeDecodeError, csv.Error):
        return None
    topic = next((r[1].strip() for r in rows if len(r) > 1 and r[0] == "topic"), "")
    return topic[:300] or None
