"""Read models rebuilt from the event log: action plan, provenance, tallies,
participation, audit log; and their queries. They read the log through the
small interface ``runner.LogStore`` declares, which the adapters' store
provides; nothing here imports the adapters."""

from __future__ import annotations

from registre.projections.runner import LogStore, Projection, Projector, SkipFn


def all_projections() -> list[Projection]:
    # Imported here: a command that only records never loads the read models.
    from registre.projections.audit_log import AuditLog
    from registre.projections.participation import Participation
    from registre.projections.plan import Plan
    from registre.projections.provenance import Provenance
    from registre.projections.tallies import Tallies

    return [AuditLog(), Plan(), Tallies(), Participation(), Provenance()]


def projector_for(store: LogStore, skipped: SkipFn | None = None) -> Projector:
    """Every projection, kept in the store given; ``skipped`` hears of an event
    a projection could not store and went past."""
    return Projector(store, all_projections(), skipped)
