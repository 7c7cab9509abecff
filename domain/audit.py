"""Audit metadata carried by every recorded event."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any


@dataclass(frozen=True)
class Audit:
    """Who recorded an event, for whom, when it happened, when it was recorded,
    where it came from, and under which command.

    ``occurred_at`` is when it happened in the consultation (the workshop
    date); ``recorded_at`` is when the clerk recorded it, often days later.
    ``source`` is a minutes reference, a session, or ``file:row`` for imports.
    """

    actor: str
    occurred_at: datetime
    recorded_at: datetime
    command_id: str
    on_behalf_of: str | None = None
    source: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Audit:
        return cls(**data)
