"""A participant: a person acting for an organisation of a given type.

Name and contact are personal data and never enter an event: the ledger
hashes every event forever, so personal data lives beside the log, keyed by
the participant's pseudonymous key, where it can be erased on request (GDPR)
without breaking the record or its verification. The trail then says
"erased participant", and every count stays right.

An organisation of a single person (a sole trader, a citizen acting for
themself) names that person: its name is personal data too. Such a
participant is registered with ``RegisteredOrganisationWithheld``, which
keeps the organisation's type and says its name is withheld; the name goes
with the person's other personal data.
"""

from __future__ import annotations

from eventsourcing.domain import event

from registre.domain.audit import Audit
from registre.domain.base import RegistreAggregate
from registre.domain.errors import RuleViolation
from registre.domain.ids import check_key
from registre.domain.kinds import OrganisationType

ANONYMOUS_ORGANISATION = "anonymous voter"


class Participant(RegistreAggregate):
    KIND = "participant"

    @classmethod
    def register(
        cls,
        programme: str,
        key: str,
        organisation: str | None,
        organisation_type: OrganisationType,
        audit: Audit,
    ) -> Participant:
        """Registers a participant; ``organisation`` None when it is a single
        person, whose name stays out of the record."""
        check_key(key, "participant key")
        if organisation is None:
            return cls._create(
                cls.RegisteredOrganisationWithheld,
                programme=programme,
                key=key,
                organisation_type=organisation_type.value,
                audit=audit,
            )
        return cls(
            programme=programme,
            key=key,
            organisation=organisation,
            organisation_type=organisation_type.value,
            audit=audit,
        )

    @classmethod
    def register_anonymous(cls, programme: str, key: str, audit: Audit) -> Participant:
        """A participant known by a key alone: no name, no contact, no organisation.
        They can vote and attend; nothing personal is ever kept about them."""
        return cls.register(
            programme, key, ANONYMOUS_ORGANISATION, OrganisationType.ANONYMOUS, audit
        )

    @property
    def anonymous(self) -> bool:
        return self.organisation_type is OrganisationType.ANONYMOUS

    class Registered(RegistreAggregate.Created):
        programme: str
        key: str
        organisation: str
        organisation_type: str

    class RegisteredOrganisationWithheld(RegistreAggregate.Created):
        """Registered for an organisation of one person: its name is withheld."""

        programme: str
        key: str
        organisation_type: str

    @event(Registered)
    def __init__(
        self,
        programme: str,
        key: str,
        organisation_type: str,
        audit: Audit,
        organisation: str | None = None,
    ) -> None:
        self.programme = programme
        self.key = key
        self.organisation = organisation  # None: withheld, a single person's
        self.organisation_type = OrganisationType(organisation_type)
        self.erased = False

    @property
    def organisation_withheld(self) -> bool:
        return self.organisation is None

    def erase(self, reason: str, audit: Audit) -> None:
        if self.erased:
            raise RuleViolation(f"participant {self.key} was already erased")
        self._erased(reason, audit)

    class PersonalDataErased(RegistreAggregate.Event):
        reason: str

    @event(PersonalDataErased)
    def _erased(self, reason: str, audit: Audit) -> None:
        self.erased = True
