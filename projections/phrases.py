"""What each kind of record says, in French and in English.

One catalogue for every view that words the record: the command line
(``history``, ``trace``), the trace's formats (text, PROV, DOT, Mermaid) and
the public site. Each entry gives both languages side by side, so they cannot
drift apart. Texts recorded in the programme (titles, reasons, minutes, names)
are quoted as they were recorded; only the words around them are this
catalogue's.

French follows its grammar: ``de`` elides before a vowel or a mute h
(``d'Assemblée``, ``d'Hérault``, but ``de Hauts-de-Seine``) and contracts with
an article (``du Havre``); a count agrees with its noun (``1 proposition``,
``2 propositions``; French counts 0 as singular, English as plural).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any, Literal

Lang = Literal["fr", "en"]
LANGS: tuple[Lang, ...] = ("fr", "en")

# -- grammar ----------------------------------------------------------------------

VOWELS = "aeiouyàâäéèêëîïôöùûüœæ"
# Words whose h is aspirated take no elision ("de Hauts-de-France"); every
# other h is mute ("d'Hérault", "l'hôpital").
ASPIRATED_H = (
    *("hache", "haie", "haine", "hall", "halle", "hameau", "hanche", "handicap"),
    *("hangar", "harpe", "hasard", "haut", "hausse", "havre", "héros", "hêtre"),
    *("hibou", "hockey", "hollande", "homard", "honte", "hors", "hotte", "houle"),
    *("hublot", "huit", "hurle", "hutte"),
)


def elides(word: str) -> bool:
    """Whether a French article or ``de`` elides before this word."""
    w = word.lstrip(" «“\"'(").lower()
    if not w:
        return False
    if w[0] == "h":
        return not w.startswith(ASPIRATED_H)
    return w[0] in VOWELS


def de(text: str) -> str:
    """``de`` before a name, as French writes it: "d'Assemblée", "du Havre",
    "des Hauts", "de la Région", "de Fabrik"."""
    for article, contracted in (("Le ", "du "), ("le ", "du "), ("Les ", "des "), ("les ", "des ")):
        if text.startswith(article):
            return contracted + text[len(article) :]
    return f"d'{text}" if elides(text) else f"de {text}"


def a(text: str) -> str:
    """``à`` before a name, contracted with an article: "au Havre", "aux Hauts",
    "à la Région", "à Montpellier"."""
    for article, contracted in (("Le ", "au "), ("le ", "au "), ("Les ", "aux "), ("les ", "aux ")):
        if text.startswith(article):
            return contracted + text[len(article) :]
    return f"à {text}"


def plural(n: int, one: str, many: str | None = None, lang: Lang = "fr") -> str:
    """A count with its noun: "1 proposition", "2 propositions", "0 proposition";
    in English "0 proposals"."""
    singular = n in (0, 1) if lang == "fr" else n == 1
    return f"{n} {one if singular else (many or one + 's')}"


def listing(items: Iterable[Any]) -> str:
    """Items as a list: "a, b", or "—" when there are none."""
    text = ", ".join(str(i) for i in items)
    return text or "—"


MONTHS = [
    *("janvier", "février", "mars", "avril", "mai", "juin"),
    *("juillet", "août", "septembre", "octobre", "novembre", "décembre"),
]


def date_fr(text: str | None) -> str:
    """'2021-06-17…' as '17 juin 2021' (and the first of the month as '1er')."""
    if not text:
        return ""
    try:
        d = date.fromisoformat(text[:10])
    except ValueError:
        return text
    return f"{'1er' if d.day == 1 else d.day} {MONTHS[d.month - 1]} {d.year}"


# -- the words of the consultation -------------------------------------------------------

# Each table: key as recorded -> (French, English). English keeps the recorded
# identifier, which is what the command line prints and accepts.
SUBJECTS: dict[str, tuple[str, str]] = {
    "programme": ("programme", "programme"),
    "session": ("séance", "session"),
    "participant": ("participant", "participant"),
    "contribution": ("contribution", "contribution"),
    "proposal": ("proposition", "proposal"),
    "round": ("vote", "round"),
    "ballot": ("bulletin", "ballot"),
    "action": ("action", "action"),
    "commandreceipt": ("reçu de commande", "command receipt"),
}
DECISIONS = {
    "approve": ("approuve", "approve"),
    "reject": ("rejette", "reject"),
    "amend": ("demande d'amender", "amend"),
}
OUTCOMES = {
    "validated": ("validée", "validated"),
    "returned": ("renvoyée", "returned"),
    "rejected": ("rejetée", "rejected"),
}
STATES = {  # where a proposal stands (domain.reading.State)
    "annulled": ("annulée", "annulled"),
    "merged": ("fusionnée", "merged"),
    "split": ("scindée", "split"),
    "draft": ("en discussion", "draft"),
    "returned": ("renvoyée pour être retravaillée", "returned"),
    "rejected": ("rejetée", "rejected"),
    "validated": ("validée, en attente des fondateurs", "validated"),
    "rejected-by-founders": ("rejetée par un fondateur", "rejected by founders"),
    "amendment-requested": ("amendement demandé", "amendment requested"),
    "adopted": ("adoptée", "adopted"),
    "adoption-withdrawn": ("adoption retirée", "adoption withdrawn"),
}
RULES = {
    "unanimity": ("unanimité des fondateurs", "unanimity"),
    "majority": ("majorité des fondateurs", "majority"),
    "any": ("approbation d'un fondateur", "any"),
}
METHODS = {
    "approval": ("vote par approbation", "approval"),
    "dots": ("vote par gommettes", "dots"),
    "score": ("vote par notes", "score"),
    "agree": ("vote d'accord ou de désaccord", "agree"),
    "ordinal": ("vote par classement", "ordinal"),
}
ACTION_STATUS = {
    "planned": ("prévue", "planned"),
    "in-progress": ("en cours", "in-progress"),
    "done": ("réalisée", "done"),
    "cancelled": ("abandonnée", "cancelled"),
}
SESSION_KINDS = {
    "workshop": ("atelier", "workshop"),
    "council": ("conseil", "council"),
    "forum": ("forum", "forum"),
    "online": ("en ligne", "online"),
    "survey": ("enquête", "survey"),
    "restitution": ("restitution", "restitution"),
}
ORGANISATION_TYPES = {
    "local-authority": ("collectivité territoriale", "local-authority"),
    "state": ("services de l'État", "state"),
    "elected-official": ("élu", "elected-official"),
    "start-up": ("start-up", "start-up"),
    "sme": ("PME", "sme"),
    "large-company": ("grande entreprise", "large-company"),
    "research-lab": ("laboratoire de recherche", "research-lab"),
    "university": ("université", "university"),
    "association": ("association", "association"),
    "chamber": ("chambre consulaire", "chamber"),
    "citizen": ("citoyen", "citizen"),
    "other": ("autre", "other"),
    "anonymous": ("votant anonyme", "anonymous"),
}


def word(table: Mapping[str, tuple[str, str]], key: Any, lang: Lang = "fr") -> str:
    """A recorded value in words; an unknown value is shown as recorded."""
    if key is None or key == "":
        return ""
    pair = table.get(str(key))
    if pair is None:
        return str(key)
    return pair[0] if lang == "fr" else pair[1]


def subject(kind: str, key: str, lang: Lang) -> str:
    """ "Proposition P-01" in French, "proposal P-01" in English."""
    noun = word(SUBJECTS, kind, lang)
    return f"{noun[:1].upper()}{noun[1:]} {key}" if lang == "fr" else f"{noun} {key}"


# -- the catalogue of records ----------------------------------------------------------


@dataclass(frozen=True)
class Said:
    """A record as a phrase needs it: what it is about and what it holds."""

    subject_kind: str
    subject: str
    kind: str
    detail: Mapping[str, Any]
    founders: Mapping[str, str]  # founder key -> name, for French


Say = Callable[[Said], tuple[str, str]]  # (the French sentence, the English predicate)


@dataclass(frozen=True)
class Entry:
    name: tuple[str, str]  # what kind of record it is, as a noun (French, English)
    say: Say


CATALOGUE: dict[tuple[str, str], Entry] = {}
ANY = "*"  # an entry for a kind of record every aggregate has (a correction)


def _entry(subject_kind: str, kind: str, fr: str, en: str) -> Callable[[Say], Say]:
    def register(say: Say) -> Say:
        CATALOGUE[(subject_kind, kind)] = Entry((fr, en), say)
        return say

    return register


def entry(subject_kind: str, kind: str) -> Entry | None:
    """The entry of a kind of record; when the aggregate is not known, the
    first of that kind (only "Opened" names two, a programme's and a round's)."""
    found = CATALOGUE.get((subject_kind, kind)) or CATALOGUE.get((ANY, kind))
    return found or next((e for (_, k), e in CATALOGUE.items() if k == kind), None)


def name(subject_kind: str, kind: str, lang: Lang) -> str:
    """What kind of record this is, as a noun: "décision d'un fondateur"."""
    found = entry(subject_kind, kind)
    if found is None:
        return kind
    return found.name[0] if lang == "fr" else found.name[1]


def headline(subject_kind: str, key: str, kind: str, lang: Lang) -> str:
    """A record named by its kind alone, when its content is not at hand:
    "proposal P-01: founder's decision"."""
    sep = " : " if lang == "fr" else ": "
    return f"{subject(subject_kind, key, lang)}{sep}{name(subject_kind, kind, lang)}"


def describe(
    subject_kind: str,
    key: str,
    kind: str,
    detail: Mapping[str, Any],
    lang: Lang,
    founders: Mapping[str, str] | None = None,
) -> str:
    """What a record did, in one sentence of the language asked for.

    French reads as a sentence ("Proposition P-01 validée par …"); English is
    the command line's "proposal P-01: validated by …"."""
    found = entry(subject_kind, kind)
    if found is None:
        return headline(subject_kind, key, kind, lang)
    fr, en = found.say(Said(subject_kind, key, kind, detail, founders or {}))
    return fr if lang == "fr" else f"{subject(subject_kind, key, 'en')}: {en}"


def _quote(text: Any, lang: Lang = "en") -> str:
    return f"« {text} »" if lang == "fr" else f"«{text}»"


def _founder(s: Said) -> str:
    key = str(s.detail.get("founder"))
    return s.founders.get(key, key)


# Programme


@_entry("programme", "Opened", "ouverture du programme", "programme opened")
def _programme_opened(s: Said) -> tuple[str, str]:
    d = s.detail
    rule = d.get("rule")
    return (
        f"Programme {s.subject} ouvert : {_quote(d['title'], 'fr')}, organisé par "
        f"{d['organiser']} ; règle de décision : {word(RULES, rule)}",
        f"opened {_quote(d['title'])} by {d['organiser']} ({rule})",
    )


@_entry(
    "programme", "PartOfRecorded", "rattachement à un programme plus large", "part of a programme"
)
def _part_of_recorded(s: Said) -> tuple[str, str]:
    larger = s.detail.get("part_of")
    return (
        f"Programme {s.subject} rattaché au programme {larger}, dont il fait partie",
        f"part of programme {larger}",
    )


@_entry("programme", "PartAdded", "ajout d'une partie de la structure", "part added")
def _part_added(s: Said) -> tuple[str, str]:
    d = s.detail
    level = str(d.get("level") or "axe")
    parent = d.get("parent")
    key = f" {d['key']}" if d.get("key") else ""
    under_fr = f", sous {parent}" if parent else ""
    under_en = f" under {parent}" if parent else ""
    return (
        f"{level[:1].upper()}{level[1:]}{key} ajouté{under_fr} : {_quote(d['title'], 'fr')}",
        f"{level}{key} added{under_en}: {_quote(d['title'])}",
    )


@_entry("programme", "WitnessRegistered", "clé de témoin d'un fondateur", "witness key")
def _witness_registered(s: Said) -> tuple[str, str]:
    d = s.detail
    return (
        f"Le fondateur {d['founder']} contresigne le journal avec la clé de témoin {d['name']}",
        f"founder {d['founder']} cosigns the log as witness {d['name']}",
    )


@_entry("programme", "AxisAdded", "ajout d'un axe", "axis added")
def _axis_added(s: Said) -> tuple[str, str]:
    d = s.detail
    axis = f" {d['key']}" if d.get("key") else ""
    return (
        f"Axe{axis} ajouté au programme : {_quote(d['title'], 'fr')}",
        f"axis{axis} added: {_quote(d['title'])}",
    )


@_entry("programme", "PlanPublished", "publication du plan d'action", "plan published")
def _plan_published(s: Said) -> tuple[str, str]:
    d = s.detail
    return (
        f"Plan d'action publié (version {d['number']}) : {_quote(d['label'], 'fr')}",
        f"plan published (version {d['number']}): {_quote(d['label'])}",
    )


# Sessions and participants


@_entry("session", "Scheduled", "séance prévue", "session scheduled")
def _session_scheduled(s: Said) -> tuple[str, str]:
    d = s.detail
    return (
        f"Séance {s.subject} prévue le {date_fr(str(d['on']))} "
        f"({word(SESSION_KINDS, d['kind'])}) : {_quote(d['title'], 'fr')}",
        f"scheduled ({d['kind']}) on {d['on']}: {_quote(d['title'])}",
    )


@_entry("session", "AttendanceRecorded", "liste de présence", "attendance listed")
def _attendance(s: Said) -> tuple[str, str]:
    people = list(s.detail["participants"])
    return (
        f"Séance {s.subject} : {plural(len(people), 'présent inscrit', 'présents inscrits')} "
        f"({listing(people)})",
        f"{plural(len(people), 'attendance', lang='en')} listed ({listing(people)})",
    )


@_entry("participant", "Registered", "inscription d'un participant", "participant registered")
def _registered(s: Said) -> tuple[str, str]:
    kind = s.detail["organisation_type"]
    return (
        f"Participant {s.subject} inscrit ({word(ORGANISATION_TYPES, kind)})",
        f"registered ({kind})",
    )


@_entry(
    "participant",
    "RegisteredOrganisationWithheld",
    "inscription d'un participant",
    "participant registered",
)
def _registered_withheld(s: Said) -> tuple[str, str]:
    kind = s.detail["organisation_type"]
    return (
        f"Participant {s.subject} inscrit ({word(ORGANISATION_TYPES, kind)}, organisation "
        "d'une seule personne, non nommée)",
        f"registered ({kind}, organisation of one person, withheld)",
    )


@_entry("participant", "PersonalDataErased", "effacement de données personnelles", "data erased")
def _erased(s: Said) -> tuple[str, str]:
    reason = s.detail["reason"]
    return (
        f"Données personnelles du participant {s.subject} effacées : {reason}",
        f"personal data erased: {reason}",
    )


# Contributions


@_entry("contribution", "Submitted", "dépôt d'une contribution", "contribution submitted")
def _submitted(s: Said) -> tuple[str, str]:
    d = s.detail
    authors = list(d["authors"])
    return (
        f"Contribution {s.subject} déposée en séance {d['session']} par {listing(authors)}",
        f"submitted (version 1) in session {d['session']} by {listing(authors)}",
    )


@_entry("contribution", "Amended", "amendement d'une contribution", "amendment")
def _amended(s: Said) -> tuple[str, str]:
    n = s.detail.get("text_version")  # the text's number, as the provenance counts it
    version = f" (version {n})" if n else ""
    return f"Contribution {s.subject} amendée{version}", f"amended{version}"


@_entry("contribution", "Withdrawn", "retrait d'une contribution", "withdrawal")
def _withdrawn(s: Said) -> tuple[str, str]:
    reason = s.detail["reason"]
    return f"Contribution {s.subject} retirée : {reason}", f"withdrawn: {reason}"


# Proposals


@_entry("proposal", "Synthesised", "synthèse d'une proposition", "proposal synthesised")
def _synthesised(s: Said) -> tuple[str, str]:
    d, p = s.detail, s.subject
    parents, title = list(d["parents"]), d["title"]
    if d["origin"] == "merge":
        return (
            f"Proposition {p} née de la fusion de {listing(parents)} : {_quote(title, 'fr')}",
            f"created by merging {listing(parents)}: {_quote(title)}",
        )
    if d["origin"] == "split":
        return (
            f"Proposition {p} issue de la scission de {listing(parents)} : {_quote(title, 'fr')}",
            f"split out of {listing(parents)}: {_quote(title)}",
        )
    sources = list(d["sources"])
    fr = [
        f"{c['contribution']} (version {c['version']}"
        + (", retirée quand elle fut citée)" if c.get("withdrawn") else ")")
        for c in sources
    ]
    en = [
        f"{c['contribution']}@{c['version']}"
        + (" (withdrawn when cited)" if c.get("withdrawn") else "")
        for c in sources
    ]
    return (
        f"Proposition {p} synthétisée à partir de {listing(fr)} : {_quote(title, 'fr')}",
        f"synthesised {_quote(title)} from {listing(en)}",
    )


@_entry("proposal", "Reworded", "reformulation d'une proposition", "rewording")
def _reworded(s: Said) -> tuple[str, str]:
    title = s.detail["title"]
    return (
        f"Proposition {s.subject} reformulée : {_quote(title, 'fr')}",
        f"reworded: {_quote(title)}",
    )


@_entry("proposal", "TallyAttested", "soutiens attestés par la source", "tally attested")
def _tally_attested(s: Said) -> tuple[str, str]:
    d = s.detail
    return (
        f"Proposition {s.subject} : {d['count']} soutiens attestés par {d['source']}",
        f"{d['count']} supports attested by {d['source']}",
    )


@_entry("proposal", "MergedInto", "fusion dans une autre proposition", "merge")
def _merged_into(s: Said) -> tuple[str, str]:
    target = s.detail["target"]
    return f"Proposition {s.subject} fusionnée dans {target}", f"merged into {target}"


@_entry("proposal", "Absorbed", "reprise d'autres propositions", "absorption")
def _absorbed(s: Said) -> tuple[str, str]:
    sources = list(s.detail["sources"])
    return (
        f"Proposition {s.subject} reprend {listing(sources)}",
        f"absorbed {listing(sources)}",
    )


@_entry("proposal", "SplitInto", "scission d'une proposition", "split")
def _split_into(s: Said) -> tuple[str, str]:
    parts = list(s.detail["parts"])
    return (
        f"Proposition {s.subject} scindée en {listing(parts)}",
        f"split into {listing(parts)}",
    )


@_entry("proposal", "Validated", "avis de validation", "validation verdict")
def _validated(s: Said) -> tuple[str, str]:
    d = s.detail
    outcome = d["outcome"]
    return (
        f"Proposition {s.subject} {word(OUTCOMES, outcome)} par {d['body']} "
        f"(compte rendu {d['minutes']})",
        f"{outcome} by {d['body']} (minutes {d['minutes']})",
    )


@_entry("proposal", "FounderDecided", "décision d'un fondateur", "founder's decision")
def _founder_decided(s: Said) -> tuple[str, str]:
    d = s.detail
    decision, rationale, revises = d["decision"], d["rationale"], d.get("revises_position")
    verb = word(DECISIONS, decision)
    if revises is not None:
        return (
            f"{_founder(s)} révise sa décision (inscription n° {revises}) et "
            f"{verb} la proposition {s.subject} : {rationale}",
            f"founder {d['founder']} revised the decision of #{revises} "
            f"to '{decision}': {rationale}",
        )
    return (
        f"{_founder(s)} {verb} la proposition {s.subject} : {rationale}",
        f"founder {d['founder']} decided '{decision}': {rationale}",
    )


@_entry("proposal", "Adopted", "adoption comme priorité", "adoption")
def _adopted(s: Said) -> tuple[str, str]:
    d = s.detail
    founders = list(d["founders"])
    names = [s.founders.get(f, f) for f in founders]
    return (
        f"Proposition {s.subject} adoptée comme priorité du plan d'action "
        f"({word(RULES, d['rule'])} : {listing(names)})",
        f"adopted as a priority ({d['rule']}: {listing(founders)})",
    )


@_entry("proposal", "AdoptionWithdrawn", "retrait de l'adoption", "adoption withdrawn")
def _adoption_withdrawn(s: Said) -> tuple[str, str]:
    rule = s.detail["rule"]
    return (
        f"Proposition {s.subject} retirée du plan d'action : la règle "
        f"({word(RULES, rule)}) n'est plus remplie",
        f"adoption withdrawn ({rule} no longer met)",
    )


# Votes


@_entry("round", "Opened", "ouverture d'un vote", "round opened")
def _round_opened(s: Said) -> tuple[str, str]:
    d = s.detail
    proposals = list(d["proposals"])
    return (
        f"Vote {s.subject} ouvert ({word(METHODS, d['method'])}) sur "
        f"{plural(len(proposals), 'proposition')} : {listing(proposals)}",
        f"opened ({d['method']}) on {listing(proposals)}",
    )


@_entry("round", "Closed", "clôture d'un vote", "round closed")
def _round_closed(s: Said) -> tuple[str, str]:
    return f"Vote {s.subject} clos", "closed"


def _amount(n: int) -> str:
    """A sum as French writes it: 12 500 (a narrow no-break space by thousands)."""
    return f"{n:,}".replace(",", "\u202f")


@_entry("round", "TermsFixed", "conditions d'un vote", "round terms")
def _round_terms(s: Said) -> tuple[str, str]:
    d = s.detail
    fr, en = [], []
    if d.get("min_votes"):
        fr.append(f"au moins {plural(int(d['min_votes']), 'choix', 'choix')} par bulletin")
        en.append(f"at least {d['min_votes']} per ballot")
    if d.get("max_per_proposal"):
        fr.append(f"au plus {d['max_per_proposal']} par proposition")
        en.append(f"at most {d['max_per_proposal']} per proposal")
    if d.get("budget") is not None:
        fr.append(f"budget de {_amount(int(d['budget']))}")
        en.append(f"budget {int(d['budget']):,}")
    if d.get("costs"):
        fr.append(f"{plural(len(d['costs']), 'projet chiffré', 'projets chiffrés')}")
        en.append(f"{len(d['costs'])} costed")
    return (
        f"Conditions du vote {s.subject} : {', '.join(fr) or 'aucune'}",
        f"terms: {', '.join(en) or 'none'}",
    )


@_entry("round", "FundingSelected", "projets financés", "funding selected")
def _funding_selected(s: Said) -> tuple[str, str]:
    funded = list(s.detail["funded"])
    spent = int(s.detail["spent"])
    return (
        f"Vote {s.subject} : {plural(len(funded), 'projet financé', 'projets financés')} "
        f"({listing(funded)}), pour {_amount(spent)}",
        f"funded {listing(funded)} for {spent:,}",
    )


def _voter(s: Said) -> tuple[str, str]:
    """A ballot's key is "ROUND/PARTICIPANT"."""
    round_, _, participant = s.subject.partition("/")
    return round_, participant


@_entry("ballot", "Started", "bulletin de vote", "ballot started")
def _ballot_started(s: Said) -> tuple[str, str]:
    round_, participant = _voter(s)
    return (
        f"Bulletin de {participant} ouvert au vote {round_}",
        f"{participant}'s ballot in round {round_}",
    )


@_entry("ballot", "VoteCast", "vote", "vote cast")
def _vote_cast(s: Said) -> tuple[str, str]:
    round_, participant = _voter(s)
    d = s.detail
    return (
        f"{participant} vote {d['value']} pour {d['proposal']} au vote {round_}",
        f"{participant} voted {d['value']} for {d['proposal']}",
    )


@_entry("ballot", "VoteRetracted", "retrait d'un vote", "vote retracted")
def _vote_retracted(s: Said) -> tuple[str, str]:
    round_, participant = _voter(s)
    proposal = s.detail["proposal"]
    return (
        f"{participant} retire son vote sur {proposal} au vote {round_}",
        f"{participant} retracted the vote on {proposal}",
    )


# Actions


@_entry("action", "Assigned", "action confiée", "action assigned")
def _assigned(s: Said) -> tuple[str, str]:
    d = s.detail
    partners = list(d.get("partners") or [])
    due = d.get("due")
    return (
        f"Action {s.subject} confiée {a(str(d['lead']))}"
        + (f" avec {listing(partners)}" if partners else "")
        + f" : {_quote(d['title'], 'fr')}"
        + (f", échéance le {date_fr(str(due))}" if due else ""),
        f"assigned {_quote(d['title'])} to {d['lead']}"
        + (f" with {listing(partners)}" if partners else "")
        + (f", due {due}" if due else ""),
    )


@_entry("action", "ResultRecorded", "résultat rendu par l'organisme", "result recorded")
def _result_recorded(s: Said) -> tuple[str, str]:
    d = s.detail
    proposals = list(d.get("proposals") or [])
    return (
        f"Résultat {s.subject} rendu par {d['lead']} pour {listing(proposals)} : "
        f"{_quote(d['title'], 'fr')}",
        f"result {_quote(d['title'])} recorded by {d['lead']} for {listing(proposals)}",
    )


@_entry("action", "ProgressReported", "avancement d'une action", "progress report")
def _progress(s: Said) -> tuple[str, str]:
    d = s.detail
    note = d.get("note")
    return (
        f"Action {s.subject} {word(ACTION_STATUS, d['status'])} ({d['percent']} %)"
        + (f" : {note}" if note else ""),
        f"{d['status']} {d['percent']}%" + (f": {note}" if note else ""),
    )


# Receipts and corrections


@_entry("commandreceipt", "Received", "reçu de commande", "command receipt")
def _received(s: Said) -> tuple[str, str]:
    command = s.detail["name"]
    return (
        f"Commande {_quote(command, 'fr')} reçue (identifiant {s.subject})",
        f"command '{command}' received: {s.detail['summary']}",
    )


@_entry(ANY, "RecordAnnulled", "correction", "correction")
def _annulled(s: Said) -> tuple[str, str]:
    d = s.detail
    target_kind, reason = str(d["target_kind"]), d["reason"]
    position = d.get("target_position")
    what = name(s.subject_kind, target_kind, "fr")
    target_fr = (
        f"l'inscription n° {position}" if position else f"la version {d['target_version']}"
    ) + f" ({what})"
    target_en = f"#{position}" if position else f"record {d['target_version']}"
    return (
        f"Correction : {target_fr} est annulée : {reason}",
        f"correction: annuls {target_en} ({target_kind}): {reason}",
    )
