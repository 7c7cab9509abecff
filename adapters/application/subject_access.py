"""Everything Registre holds about one person (a subject access request).

``subject_access(registre, programme, participant)`` gathers, for a
participant of a programme:

- their personal data, opened with their key: name, contact and, for an
  organisation of one person, its name (or what became of it: erased, never
  given, or unreadable because the key directory lost their key);
- their registration as the record keeps it: organisation (or that it is
  withheld), its type, when and by whom it was recorded;
- the erasure, if any: when it happened, when and by whom it was recorded,
  why, and what it destroyed;
- every event of the record that names them: their own (registration,
  erasure, corrections), the attendance listings, contributions and ballots
  that name them, and the receipts of the commands that recorded those.

It reads the log itself, from the first event, so it answers from the whole
record and needs no projection.
"""

from __future__ import annotations

from datetime import date, datetime
from enum import Enum
from typing import Any
from uuid import UUID

from registre.adapters.application.service import Registre
from registre.adapters.stores import personal_data as personal
from registre.adapters.stores.keys import KeyMissing
from registre.domain import CommandReceipt, Participant, Programme
from registre.domain.audit import Audit
from registre.domain.errors import NotFound
from registre.domain.ids import check_key, entity_id

# Fields of an event that list the participants it names.
NAMING_FIELDS = ("participant", "participants", "authors")
_LEFT_OUT = {"originator_id", "originator_version", "timestamp", "audit", "originator_topic"}
ERASED_WHAT = (
    "their name, their contact and, for an organisation of one person, its name: "
    "the sealed data was deleted from the store and the key that opened it destroyed"
)


def _plain(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, UUID):
        return str(value)
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    return value


def _audit(audit: Audit) -> dict[str, Any]:
    return {
        "occurred_at": audit.occurred_at.isoformat(),
        "recorded_at": audit.recorded_at.isoformat(),
        "recorded_by": audit.actor,
        "on_behalf_of": audit.on_behalf_of,
        "source": audit.source,
        "command_id": audit.command_id,
    }


def _event(position: int, event: Any) -> dict[str, Any]:
    owner, _, kind = type(event).__qualname__.rpartition(".")
    fields = {k: _plain(v) for k, v in vars(event).items() if k not in _LEFT_OUT}
    return {
        "position": position,
        "about": owner.lower(),
        "kind": kind,
        **_audit(event.audit),
        "fields": fields,
    }


def _names(event: Any, participant: str) -> bool:
    for name in NAMING_FIELDS:
        value = getattr(event, name, None)
        if value == participant or (isinstance(value, list) and participant in value):
            return True
    return False


def subject_access(registre: Registre, programme: str, participant: str) -> dict[str, Any]:
    """Everything held about ``participant`` of ``programme`` (see the module)."""
    check_key(programme, "programme")
    check_key(participant, "participant key")
    if registre.load(Programme, programme, "") is None:
        raise NotFound(f"no programme {programme!r} in this store")
    found = registre.load(Participant, programme, participant)
    if found is None:
        raise NotFound(f"programme {programme} has no participant {participant!r}")

    own = {entity_id(programme, Participant.KIND, participant)}
    in_programme: set[UUID] = set()
    commands: set[str] = set()
    events: list[dict[str, Any]] = []
    registration: dict[str, Any] = {}
    erasure: dict[str, Any] | None = None
    for position, event in registre.notifications():
        origin = event.originator_id
        if getattr(event, "programme", None) == programme and event.originator_version == 1:
            in_programme.add(origin)
            if getattr(event, "participant", None) == participant:
                own.add(origin)  # a ballot of theirs: its votes name them too
        named = origin in own or (origin in in_programme and _names(event, participant))
        if isinstance(event, CommandReceipt.Received):
            named = event.command_id in commands and event.programme == programme
        if not named:
            continue
        commands.add(event.audit.command_id)
        events.append(_event(position, event))
        if isinstance(event, Participant.Registered | Participant.RegisteredOrganisationWithheld):
            registration = {"position": position, **_audit(event.audit)}
        if isinstance(event, Participant.PersonalDataErased):
            erasure = {
                "position": position,
                **_audit(event.audit),
                "reason": event.reason,
                "what": ERASED_WHAT,
            }

    store = registre.store
    with store.transaction() as cursor:
        sealed = personal.sealed_rows(cursor, store.dialect, programme, participant)
    data: dict[str, Any] = {"name": None, "contact": None, "organisation": None}
    if erasure is not None:
        status = "erased"
    elif participant not in sealed:
        status = "none given"
    else:
        try:
            data = personal.opened(
                store.keys, programme, participant, sealed[participant]
            ).as_dict()
            status = "held"
        except KeyMissing as missing:
            status = f"unreadable: {missing}"
    return {
        "programme": programme,
        "participant": participant,
        "personal_data": {
            "status": status,
            **data,
            "kept_in": f"{personal.TABLE} (sealed), its key in {store.keys.folder}",
        },
        "registration": {
            **registration,
            "organisation": found.organisation,
            "organisation_withheld": found.organisation_withheld,
            "organisation_type": found.organisation_type.value,
        },
        "erasure": erasure,
        "events": events,
    }
