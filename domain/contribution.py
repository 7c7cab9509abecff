"""A contribution: an idea, need or proposal put forward by participants in a
session, under an axis. Amending keeps every earlier text as a version."""

from __future__ import annotations

from eventsourcing.domain import event

from registre.domain.audit import Audit
from registre.domain.base import RegistreAggregate, next_version
from registre.domain.errors import NotFound, RuleViolation
from registre.domain.ids import check_key


class Contribution(RegistreAggregate):
    KIND = "contribution"

    @classmethod
    def submit(
        cls,
        programme: str,
        key: str,
        session: str,
        axis: str | None,
        authors: list[str],
        text: str,
        audit: Audit,
    ) -> Contribution:
        check_key(key, "contribution key")
        if not authors:
            raise RuleViolation("a contribution needs at least one author", field="authors")
        return cls(
            programme=programme,
            key=key,
            session=session,
            axis=axis,
            authors=list(dict.fromkeys(authors)),
            text=text,
            audit=audit,
        )

    class Submitted(RegistreAggregate.Created):
        programme: str
        key: str
        session: str
        axis: str | None
        authors: list[str]
        text: str

    @event(Submitted)
    def __init__(
        self,
        programme: str,
        key: str,
        session: str,
        axis: str | None,
        authors: list[str],
        text: str,
        audit: Audit,
    ) -> None:
        self.programme = programme
        self.key = key
        self.session = session
        self.axis = axis
        self.authors = authors
        # Text versions, numbered from 1; each remembers its record's version.
        self.texts: list[str] = [text]
        self.text_records: list[int] = [1]
        self.withdrawn: str | None = None

    @property
    def current_version(self) -> int:
        """Number of the latest text version that was not annulled."""
        for number in range(len(self.texts), 0, -1):
            if self.text_records[number - 1] not in self.annulled:
                return number
        return 1

    @property
    def text(self) -> str:
        return self.texts[self.current_version - 1]

    def require_version(self, number: int) -> None:
        if not 1 <= number <= len(self.texts):
            raise NotFound(
                f"contribution {self.key} has no version {number} (versions 1 to {len(self.texts)})"
            )
        if self.text_records[number - 1] in self.annulled:
            raise RuleViolation(f"version {number} of contribution {self.key} was annulled")

    def amend(self, text: str, audit: Audit) -> int:
        self.require_live()
        if self.withdrawn is not None:
            raise RuleViolation(f"contribution {self.key} was withdrawn and cannot be amended")
        if text == self.text:
            raise RuleViolation(f"contribution {self.key} already has this text")
        self._amended(text, audit)
        return len(self.texts)

    class Amended(RegistreAggregate.Event):
        text: str

    @event(Amended)
    def _amended(self, text: str, audit: Audit) -> None:
        self.texts.append(text)
        self.text_records.append(next_version(self))

    def withdraw(self, reason: str, audit: Audit) -> None:
        self.require_live()
        if self.withdrawn is not None:
            raise RuleViolation(f"contribution {self.key} was already withdrawn")
        self._withdrawn(reason, audit)

    class Withdrawn(RegistreAggregate.Event):
        reason: str

    @event(Withdrawn)
    def _withdrawn(self, reason: str, audit: Audit) -> None:
        self.withdrawn = reason
        self.withdrawn_record = next_version(self)

    def _refuse_annulment(self, version: int, kind: str) -> str | None:
        if version in self.text_records:
            return None
        if self.withdrawn is not None and version == self.withdrawn_record:
            return None
        return super()._refuse_annulment(version, kind)

    def _undo(self, version: int) -> None:
        if self.withdrawn is not None and version == self.withdrawn_record:
            self.withdrawn = None
        # An annulled amendment stays in `texts`; `current_version` skips it.
