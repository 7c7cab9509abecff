"""Read models rebuilt from the event log: action plan, provenance, tallies,
participation, audit log; and their queries."""

from __future__ import annotations

from registre.adapters.service import Service
from registre.projections.audit_log import AuditLog
from registre.projections.participation import Participation
from registre.projections.plan import Plan
from registre.projections.provenance import Provenance
from registre.projections.runner import Projection, Projector
from registre.projections.tallies import Tallies


def all_projections() -> list[Projection]:
    return [AuditLog(), Plan(), Tallies(), Participation(), Provenance()]


def projector_for(service: Service) -> Projector:
    """The projections of the store the service writes to."""
    schema = (
        service.config.env.get("POSTGRES_SCHEMA") if service.config.kind == "postgres" else None
    )
    return Projector(service.app, service.config.kind, schema, all_projections())
