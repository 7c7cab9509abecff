"""Actions of the plan: what is done for an adopted priority, by whom, by when."""

from __future__ import annotations

from datetime import date

from eventsourcing.domain import event

from registre.domain.audit import Audit
from registre.domain.base import RegistreAggregate, next_version
from registre.domain.errors import InvalidInput, RuleViolation
from registre.domain.ids import check_key
from registre.domain.kinds import ActionStatus
from registre.domain.proposal import Proposal


class Action(RegistreAggregate):
    KIND = "action"

    @classmethod
    def assign(
        cls,
        priority: Proposal,
        key: str,
        title: str,
        lead: str,
        partners: list[str],
        due: date | None,
        audit: Audit,
    ) -> Action:
        check_key(key, "action key")
        priority.require_live()
        if not priority.adopted:
            raise RuleViolation(
                f"proposal {priority.key} is not an adopted priority; actions are assigned "
                "only to priorities of the plan"
            )
        return cls._create(
            cls.Assigned,
            programme=priority.programme,
            key=key,
            priority=priority.key,
            title=title,
            lead=lead,
            partners=list(dict.fromkeys(partners)),
            due=due.isoformat() if due else None,
            audit=audit,
        )

    @classmethod
    def record_result(
        cls,
        proposals: list[Proposal],
        key: str,
        title: str,
        lead: str,
        audit: Audit,
    ) -> Action:
        """An action as the body accounts for it on its own platform (a result of
        its accountability): carried out for the proposals it names, which need not
        be priorities of this programme's plan, since the body, not the founders,
        chose them. The record says it is the body's account (``ResultRecorded``)."""
        check_key(key, "action key")
        if not proposals:
            raise InvalidInput("a result is linked to at least one proposal", field="proposals")
        for proposal in proposals:
            proposal.require_live()
        keys = list(dict.fromkeys(p.key for p in proposals))
        return cls._create(
            cls.ResultRecorded,
            programme=proposals[0].programme,
            key=key,
            priority=keys[0],
            proposals=keys,
            title=title,
            lead=lead,
            partners=[],
            due=None,
            audit=audit,
        )

    class ResultRecorded(RegistreAggregate.Created):
        """An action recorded from the body's own account, with the proposals behind it."""

        programme: str
        key: str
        priority: str
        proposals: list[str]
        title: str
        lead: str
        partners: list[str]
        due: str | None

    class Assigned(RegistreAggregate.Created):
        programme: str
        key: str
        priority: str
        title: str
        lead: str
        partners: list[str]
        due: str | None

    @event(Assigned)
    def __init__(
        self,
        programme: str,
        key: str,
        priority: str,
        title: str,
        lead: str,
        partners: list[str],
        due: str | None,
        audit: Audit,
        proposals: list[str] | None = None,
    ) -> None:
        self.programme = programme
        self.key = key
        self.priority = priority
        self.title = title
        self.lead = lead
        self.partners = partners
        self.due = date.fromisoformat(due) if due else None
        # The proposals the action is carried out for: its priority, or a result's.
        self.proposals = list(proposals) if proposals else [priority]
        # (record version, status, percent, note) for each progress report
        self.reports: list[tuple[int, ActionStatus, int, str]] = []

    @property
    def status(self) -> ActionStatus:
        live = [r for r in self.reports if r[0] not in self.annulled]
        return live[-1][1] if live else ActionStatus.PLANNED

    @property
    def progress(self) -> int:
        live = [r for r in self.reports if r[0] not in self.annulled]
        return live[-1][2] if live else 0

    def report(self, status: ActionStatus, percent: int, note: str, audit: Audit) -> None:
        self.require_live()
        if not 0 <= percent <= 100:
            raise InvalidInput("progress is a percentage from 0 to 100", field="percent")
        if self.status in (ActionStatus.DONE, ActionStatus.CANCELLED):
            raise RuleViolation(
                f"action {self.key} is {self.status.value}; it takes no more reports"
            )
        if status is ActionStatus.DONE and percent != 100:
            raise InvalidInput(
                f"a done action is at 100%, not {percent}%: report it in progress, or done at 100",
                field="percent",
            )
        if status is self.status and percent == self.progress and not note:
            raise RuleViolation(f"action {self.key} is already {status.value} at {percent}%")
        self._reported(status.value, percent, note, audit)

    class ProgressReported(RegistreAggregate.Event):
        status: str
        percent: int
        note: str

    @event(ProgressReported)
    def _reported(self, status: str, percent: int, note: str, audit: Audit) -> None:
        self.reports.append((next_version(self), ActionStatus(status), percent, note))

    def _refuse_annulment(self, version: int, kind: str) -> str | None:
        if any(r[0] == version for r in self.reports):
            return None
        return super()._refuse_annulment(version, kind)
