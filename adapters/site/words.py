"""The site's own words, in French; every other text is the programme's, as recorded."""

from __future__ import annotations

from registre.projections.trace import Step

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
SESSION_KINDS = {
    "workshop": "atelier",
    "council": "conseil",
    "forum": "forum",
    "online": "en ligne",
    "survey": "enquête",
    "restitution": "restitution",
}
RULES = {
    "unanimity": "à l'unanimité des fondateurs",
    "majority": "à la majorité des fondateurs",
    "any": "dès qu'un fondateur l'approuve",
}
DECISIONS = {"approve": "approuve", "reject": "rejette", "amend": "demande à l'amender"}
OUTCOMES = {"validated": "validée", "returned": "renvoyée", "rejected": "rejetée"}
ACTION_STATUS = {
    "planned": "prévue",
    "in-progress": "en cours",
    "done": "réalisée",
    "cancelled": "abandonnée",
}
METHODS = {
    "approval": "vote par approbation",
    "dots": "vote par gommettes",
    "score": "vote par notes",
    "agree": "vote d'accord ou de désaccord",
}
STRUCTURES = {"open": "", "merged": "fusionnée", "split": "scindée"}


def organisation_type(key: str) -> str:
    return ORGANISATION_TYPES.get(key, key)


def word(table: dict[str, str], key: str | None) -> str:
    return table.get(key, key) if key else ""


def plural(n: int, one: str, many: str) -> str:
    return f"{n} {one if n in (0, 1) else many}"


def _list(items: object) -> str:
    return ", ".join(str(i) for i in items) if isinstance(items, list) else str(items)


def step_phrase(s: Step, founders: dict[str, str]) -> str:
    """What one step of a lineage did, in a sentence."""
    d, k = s.detail, s.kind
    if s.subject_kind == "contribution":
        if k == "Submitted":
            return (
                f"Contribution {s.subject} déposée en séance {d.get('session')} "
                f"par {_list(d.get('authors', []))}"
            )
        if k == "Amended":
            return f"Contribution {s.subject} amendée (version {d.get('text_version')})"
        if k == "Withdrawn":
            return f"Contribution {s.subject} retirée : {d.get('reason')}"
    if s.subject_kind == "round":
        if k == "Opened":
            return f"Vote {s.subject} ouvert ({word(METHODS, d.get('method'))})"
        if k == "Closed":
            return f"Vote {s.subject} clos"
    if s.subject_kind == "ballot" and k == "VoteRetracted":
        return f"Un vote sur {d.get('proposal')} est retiré par {s.subject.split('/', 1)[-1]}"
    if s.subject_kind == "action":
        if k == "Assigned":
            due = f", échéance {d['due']}" if d.get("due") else ""
            return f"Action {s.subject} confiée à {d.get('lead')} : « {d.get('title')} »{due}"
        if k == "ProgressReported":
            note = f" : {d['note']}" if d.get("note") else ""
            return (
                f"Action {s.subject} {word(ACTION_STATUS, d.get('status'))} "
                f"({d.get('percent')} %){note}"
            )
    if k == "RecordAnnulled":
        target = d.get("target_position")
        return f"Correction : l'inscription n° {target} est annulée ({d.get('reason')})"
    return _proposal_phrase(s, founders)


def _proposal_phrase(s: Step, founders: dict[str, str]) -> str:
    d, k, p = s.detail, s.kind, s.subject
    if k == "Synthesised":
        parents, title = _list(d.get("parents", [])), d.get("title")
        if d.get("origin") == "merge":
            return f"Proposition {p} née de la fusion de {parents} : « {title} »"
        if d.get("origin") == "split":
            return f"Proposition {p} issue de la scission de {parents} : « {title} »"
        cited = [f"{c['contribution']} (version {c['version']})" for c in d.get("sources", [])]
        return f"Proposition {p} synthétisée à partir de {_list(cited)} : « {d.get('title')} »"
    if k == "Reworded":
        return f"Proposition {p} reformulée : « {d.get('title')} »"
    if k == "MergedInto":
        return f"Proposition {p} fusionnée dans {d.get('target')}"
    if k == "Absorbed":
        return f"Proposition {p} reprend {_list(d.get('sources', []))}"
    if k == "SplitInto":
        return f"Proposition {p} scindée en {_list(d.get('parts', []))}"
    if k == "Validated":
        return (
            f"Proposition {p} {word(OUTCOMES, d.get('outcome'))} par {d.get('body')} "
            f"(compte rendu {d.get('minutes')})"
        )
    if k == "FounderDecided":
        who = founders.get(str(d.get("founder")), str(d.get("founder")))
        revised = " (décision révisée)" if d.get("revises_position") else ""
        return f"{who} {word(DECISIONS, d.get('decision'))}{revised} : {d.get('rationale')}"
    if k == "Adopted":
        return f"Proposition {p} adoptée comme priorité du plan d'action"
    if k == "AdoptionWithdrawn":
        return f"Adoption de {p} retirée : la règle de décision n'est plus remplie"
    return f"{s.subject_kind} {s.subject} : {k}"
