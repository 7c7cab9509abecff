"""What each record of the history did, in a line (the decision and its
reason, the vote and its value, what a correction annulled and why), in the
words of the phrase catalogue; and the kinds ``history --kind`` knows."""

from __future__ import annotations

from typing import Any

from registre.domain.base import RegistreAggregate
from registre.projections.phrases import describe


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
    found.add("RecordAnnulled")
    return found


def what(r: dict[str, Any]) -> str:
    """What the record in row ``r`` of the audit log did, in the phrase
    catalogue's words: "proposal P-01: validated by …"."""
    return describe(r["subject_kind"], r["subject"], r["kind"], r["detail"], "en")
