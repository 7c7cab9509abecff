"""What each record of the history did, in a line: the decision and its
reason, the vote and its value, what a correction annulled and why."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from registre.domain import Ballot, CommandReceipt, Participant, Programme, Session
from registre.domain.base import RegistreAggregate
from registre.projections.trace import Step
from registre.projections.trace_formats import describe_step


def kinds() -> set[str]:
    """Every kind of record and of subject that ``history --kind`` can name."""
    found: set[str] = set()
    todo: list[type] = [RegistreAggregate]
    while todo:
        cls = todo.pop()
        todo.extend(cls.__subclasses__())
        if issubclass(cls, RegistreAggregate) and cls is not RegistreAggregate:
            found.add(cls.KIND)
            for name, value in vars(cls).items():
                if isinstance(value, type) and issubclass(value, RegistreAggregate.Event):
                    found.add(name)
    found |= {"RecordAnnulled", "Created"} - {"Created"}
    return found


def _list(items: object) -> str:
    return ", ".join(str(i) for i in items) if isinstance(items, list) else str(items)


def what(r: dict[str, Any]) -> str:
    """What the record in row ``r`` of the audit log did."""
    d: dict[str, Any] = r["detail"]
    k, subject_kind = r["kind"], r["subject_kind"]
    own: dict[tuple[str, str], Callable[[], str]] = {
        (Programme.KIND, "Opened"): lambda: (
            f"opened «{d['title']}» by {d['organiser']}, founders "
            f"{_list(sorted(d['founders']))}, rule {d['rule']}"
        ),
        (Programme.KIND, "AxisAdded"): lambda: f"axis {d['key']} added: «{d['title']}»",
        (Programme.KIND, "PlanPublished"): lambda: (
            f"plan version {d['number']} published: «{d['label']}»"
        ),
        (Session.KIND, "Scheduled"): lambda: f"{d['kind']} scheduled on {d['on']}",
        (Session.KIND, "AttendanceRecorded"): lambda: f"attended by {_list(d['participants'])}",
        (Participant.KIND, "Registered"): lambda: f"registered ({d['organisation_type']})",
        (Participant.KIND, "PersonalDataErased"): lambda: "personal data erased",
        (Ballot.KIND, "Started"): lambda: f"ballot of {d['participant']} in round {d['round']}",
        (Ballot.KIND, "VoteCast"): lambda: (
            f"{r['subject'].split('/', 1)[-1]} voted {d['value']:+d} for {d['proposal']}"
        ),
        (CommandReceipt.KIND, "Received"): lambda: "command receipt",
    }
    if (subject_kind, k) in own:
        return own[(subject_kind, k)]()
    if k == "RecordAnnulled":
        target = d.get("target_position")
        return f"annuls #{target} ({d['target_kind']}): {d['reason']}"
    step = Step(
        r["position"],
        subject_kind,
        r["subject"],
        r["version"],
        k,
        r["actor"],
        r["on_behalf_of"],
        r["occurred_at"],
        r["recorded_at"],
        r["source"],
        d,
        None,
        None,
    )
    return describe_step(step)
