"""Aggregate ids derived from the programme and a human key.

``uuid5(programme/kind/key)`` finds ``P-017`` with no lookup table, and
recording the same thing twice collides by construction in the event store.
"""

from __future__ import annotations

import re
from uuid import UUID, uuid5

from registre.domain.bounds import shown
from registre.domain.errors import InvalidInput

NAMESPACE = UUID("6f1d3c52-8a0e-5c1b-9a57-2f0e4c1d7b90")

KEY_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,79}$")


def check_key(key: str, what: str = "key") -> str:
    """Keys are short, printable and safe in paths and URLs."""
    if not KEY_PATTERN.match(key):
        raise InvalidInput(
            f"{what} {shown(key)} is not valid: use 1 to 80 letters, digits, '.', '_' or '-', "
            "starting with a letter or digit"
        )
    return key


def programme_id(slug: str) -> UUID:
    return uuid5(NAMESPACE, f"programme/{slug}")


def entity_id(slug: str, kind: str, key: str) -> UUID:
    return uuid5(NAMESPACE, f"programme/{slug}/{kind}/{key}")


def command_receipt_id(command_id: str) -> UUID:
    return uuid5(NAMESPACE, f"command/{command_id}")
