"""The site's own words, in French; every other text is the programme's, as
recorded. What each record says comes from the phrase catalogue
(``projections/phrases.py``), which the command line uses too."""

from __future__ import annotations

from registre.projections import phrases
from registre.projections.trace import Step


def _french(table: dict[str, tuple[str, str]]) -> dict[str, str]:
    return {key: fr for key, (fr, _) in table.items()}


DECISIONS = _french(phrases.DECISIONS)
OUTCOMES = _french(phrases.OUTCOMES)
ACTION_STATUS = _french(phrases.ACTION_STATUS)
METHODS = _french(phrases.METHODS)

ORGANISATION_TYPES = {
    "local-authority": "Collectivités territoriales",
    "state": "Services de l'État",
    "elected-official": "Élus",
    "start-up": "Start-up",
    "sme": "PME",
    "large-company": "Grandes entreprises",
    "research-lab": "Laboratoires de recherche",
    "university": "Universités",
    "association": "Associations",
    "chamber": "Chambres consulaires",
    "citizen": "Citoyens",
    "other": "Autres",
    "anonymous": "Votants anonymes",
}
SESSION_KINDS = _french(phrases.SESSION_KINDS)
RULES = {
    "unanimity": "à l'unanimité des fondateurs",
    "majority": "à la majorité des fondateurs",
    "any": "dès qu'un fondateur l'approuve",
}
STRUCTURES = {"open": "", "merged": "fusionnée", "split": "scindée"}


def organisation_type(key: str) -> str:
    return ORGANISATION_TYPES.get(key, key)


def word(table: dict[str, str], key: str | None) -> str:
    return table.get(key, key) if key else ""


def plural(n: int, one: str, many: str | None = None) -> str:
    """ "1 proposition", "2 propositions"."""
    return phrases.plural(n, one, many)


def de(text: str) -> str:
    """ "d'Assemblée citoyenne", "de Fabrik MedVallée"."""
    return phrases.de(text)


def a(text: str) -> str:
    """ "à la Métropole", "au Havre"."""
    return phrases.a(text)


def step_phrase(s: Step, founders: dict[str, str]) -> str:
    """What one step of a lineage did, in a sentence of the phrase catalogue."""
    return phrases.describe(s.subject_kind, s.subject, s.kind, s.detail, "fr", founders)
