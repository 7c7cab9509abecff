"""Writes the workbooks of the five source programmes (adapters/demo/programmes/).

Run once, by hand, when the programmes change: the workbooks are the committed
data, recorded by `registre demo NAME` through `registre import sheet`, and a
clerk can open, copy and change them. The people and their words are
fictional (names drawn from lists of common French names, with a fixed seed);
the institutions are the real ones the source texts name, and the
organisations are of the kinds the texts list.

    .venv/bin/python tools/build_programmes.py
"""

from __future__ import annotations

import io
import random
import re
import sys
import zipfile
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

from openpyxl import Workbook

OUT = Path(__file__).resolve().parents[1] / "adapters" / "demo" / "programmes"
FIXED = datetime(2026, 12, 1)  # the workbooks' own metadata, so a rebuild changes nothing

# The columns written for each kind, in the order of `registre import template`.
COLUMNS: dict[str, list[str]] = {
    "programme": ["title", "organiser", "founders", "rule", "part_of", "date"],
    "axes": ["key", "title", "parent", "level", "date"],
    "sessions": ["key", "kind", "on", "title", "axes", "facilitators", "date"],
    "participants": [
        "key",
        "name",
        "organisation",
        "organisation_type",
        "contact",
        "organisation_is_person",
        "date",
    ],
    "attendance": ["session", "participant", "date"],
    "contributions": ["key", "session", "authors", "text", "axis", "date"],
    "proposals": ["key", "title", "sources", "text", "axis", "date"],
    "rounds": ["key", "session", "method", "proposals", "limit", "date", "closed"],
    "votes": ["round", "participant", "proposal", "value", "date"],
    "validations": ["proposal", "body", "minutes", "outcome", "date"],
    "decisions": ["proposal", "founder", "decision", "rationale", "revise", "date"],
    "actions": ["key", "priority", "title", "lead", "partners", "due", "date"],
    "progress": ["action", "status", "percent", "note", "date"],
}

FIRST = [
    "Camille",
    "Léa",
    "Manon",
    "Chloé",
    "Emma",
    "Inès",
    "Jade",
    "Louise",
    "Sarah",
    "Clara",
    "Julie",
    "Anne",
    "Claire",
    "Sophie",
    "Nathalie",
    "Isabelle",
    "Céline",
    "Marion",
    "Pauline",
    "Lucie",
    "Elodie",
    "Aurélie",
    "Sandrine",
    "Valérie",
    "Hélène",
    "Agathe",
    "Margaux",
    "Juliette",
    "Mathilde",
    "Noémie",
    "Audrey",
    "Laure",
    "Cécile",
    "Karine",
    "Nadia",
    "Samira",
    "Leïla",
    "Thomas",
    "Nicolas",
    "Julien",
    "Maxime",
    "Antoine",
    "Pierre",
    "Hugo",
    "Lucas",
    "Louis",
    "Paul",
    "Arthur",
    "Mathieu",
    "Sébastien",
    "Olivier",
    "Laurent",
    "Stéphane",
    "Christophe",
    "Frédéric",
    "Vincent",
    "Guillaume",
    "Romain",
    "Benoît",
    "Jérôme",
    "Damien",
    "Xavier",
    "Yann",
    "Loïc",
    "Gaël",
    "Erwan",
    "Mehdi",
    "Karim",
    "Rachid",
    "Jean",
    "Bruno",
    "François",
    "Philippe",
    "Alain",
    "Éric",
    "Patrick",
    "Denis",
    "Thierry",
    "Cédric",
    "Adrien",
    "Quentin",
    "Bastien",
]
LAST = [
    "Martin",
    "Bernard",
    "Dubois",
    "Thomas",
    "Robert",
    "Richard",
    "Petit",
    "Durand",
    "Leroy",
    "Moreau",
    "Simon",
    "Laurent",
    "Lefebvre",
    "Michel",
    "Garcia",
    "David",
    "Bertrand",
    "Roux",
    "Vincent",
    "Fournier",
    "Morel",
    "Girard",
    "André",
    "Lefèvre",
    "Mercier",
    "Dupont",
    "Lambert",
    "Bonnet",
    "François",
    "Martinez",
    "Legrand",
    "Garnier",
    "Faure",
    "Rousseau",
    "Blanc",
    "Guérin",
    "Muller",
    "Henry",
    "Roussel",
    "Nicolas",
    "Perrin",
    "Morin",
    "Mathieu",
    "Clément",
    "Gauthier",
    "Dumont",
    "Lopez",
    "Fontaine",
    "Chevalier",
    "Robin",
    "Masson",
    "Sanchez",
    "Gérard",
    "Nguyen",
    "Boyer",
    "Denis",
    "Lemaire",
    "Duval",
    "Joly",
    "Gautier",
    "Roger",
    "Roche",
    "Roy",
    "Noël",
    "Meyer",
    "Lucas",
    "Meunier",
    "Jean",
    "Pérez",
    "Marchand",
    "Dufour",
    "Blanchard",
    "Marie",
    "Barbier",
    "Brun",
    "Dumas",
    "Brunet",
    "Schmitt",
    "Leroux",
    "Colin",
    "Fernandez",
    "Pierre",
    "Renard",
    "Arnaud",
    "Rolland",
    "Caron",
    "Aubert",
    "Giraud",
    "Leclerc",
    "Vidal",
    "Bourgeois",
    "Renaud",
    "Lemoine",
    "Picard",
    "Gaillard",
    "Philippe",
    "Leclercq",
    "Lacroix",
    "Fabre",
    "Dupuis",
    "Olivier",
    "Rodriguez",
    "Da-Silva",
    "Hubert",
    "Louis",
    "Charles",
    "Guillot",
    "Rivière",
    "Le-Gall",
    "Guillaume",
    "Adam",
    "Rey",
    "Moulin",
    "Gonzalez",
    "Berger",
    "Lecomte",
    "Menard",
    "Fleury",
    "Deschamps",
    "Carpentier",
    "Julien",
    "Benoit",
    "Paris",
    "Maillard",
    "Marchal",
    "Aubry",
    "Vasseur",
    "Le-Roux",
    "Renault",
    "Jacquet",
    "Collet",
    "Prévost",
    "Poirier",
    "Charpentier",
    "Royer",
    "Huet",
    "Baron",
    "Dupuy",
    "Pons",
    "Paul",
    "Laine",
    "Carré",
    "Breton",
    "Rémy",
    "Schneider",
    "Perrot",
    "Guyot",
    "Barre",
    "Marty",
    "Cousin",
    "Bouvier",
    "Salaün",
    "Cabrol",
    "Escande",
    "Azaïs",
    "Bousquet",
    "Combes",
    "Vialle",
    "Teissier",
    "Fabregat",
    "Sabatier",
    "Tournier",
    "Cazals",
    "Lafont",
    "Rouquette",
]


def clean(surname: str) -> str:
    return surname.replace("-", " ")


class People:
    """Distinct, plausible French names, always the same for the same seed."""

    def __init__(self, seed: int) -> None:
        self.random = random.Random(seed)
        self.used: set[tuple[str, str]] = set()

    def name(self) -> str:
        while True:
            pair = (self.random.choice(FIRST), clean(self.random.choice(LAST)))
            if pair not in self.used:
                self.used.add(pair)
                return f"{pair[0]} {pair[1]}"


def mail(name: str, domain: str) -> str:
    plain = name.lower().translate(str.maketrans("éèêëàâïîôöûüç", "eeeeaaiioouuc"))
    return plain.replace(" ", ".").replace("'", "") + "@" + domain


@dataclass
class Book:
    """One programme's workbook: rows per kind, written in the importer's order."""

    slug: str
    rows: dict[str, list[list[Any]]] = field(default_factory=dict)

    def add(self, sheet: str, /, **values: Any) -> None:
        unknown = set(values) - set(COLUMNS[sheet])
        if unknown:
            raise ValueError(f"{sheet}: unknown columns {sorted(unknown)}")
        self.rows.setdefault(sheet, []).append([values.get(c) for c in COLUMNS[sheet]])

    def save(self) -> Path:
        book = Workbook()
        book.remove(book.active)  # type: ignore[arg-type]
        for kind, columns in COLUMNS.items():
            if kind not in self.rows:
                continue
            sheet = book.create_sheet(kind)
            sheet.append(columns)
            for row in self.rows[kind]:
                sheet.append([";".join(v) if isinstance(v, list | tuple) else v for v in row])
            for i, _ in enumerate(columns):
                letter = sheet.cell(row=1, column=i + 1).column_letter
                sheet.column_dimensions[letter].width = 22
        book.properties.creator = "Registre"
        book.properties.created = FIXED
        book.properties.modified = FIXED
        OUT.mkdir(parents=True, exist_ok=True)
        path = OUT / f"{self.slug}.xlsx"
        written = io.BytesIO()
        book.save(written)
        path.write_bytes(_fixed(written.getvalue()))
        return path


def _fixed(data: bytes) -> bytes:
    """The workbook with its save time and the archive's dates fixed, so that
    building it again gives the same bytes."""
    stamp = FIXED.strftime("%Y-%m-%dT%H:%M:%SZ")
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(out, "w") as target:
        for item in source.infolist():
            content = source.read(item.filename)
            if item.filename == "docProps/core.xml":
                content = re.sub(
                    rb"(<dcterms:modified[^>]*>)[^<]*", rb"\g<1>" + stamp.encode(), content
                )
            info = zipfile.ZipInfo(item.filename, date_time=FIXED.timetuple()[:6])
            info.compress_type = zipfile.ZIP_DEFLATED
            target.writestr(info, content)
    return out.getvalue()


# -- shared steps -----------------------------------------------------------------------


def register(
    b: Book,
    people: People,
    orgs: Sequence[tuple[str, str, int]],
    on: date,
    domain_of: dict[str, str] | None = None,
    start: int = 1,
    person_types: Iterable[str] = (),
) -> list[str]:
    """Registers ``count`` people of each (organisation, type, count); returns their keys."""
    keys: list[str] = []
    alone = set(person_types)
    for organisation, kind, count in orgs:
        for _ in range(count):
            key = f"P-{start + len(keys):03d}"
            name = people.name()
            domain = (domain_of or {}).get(organisation, "example.org")
            b.add(
                "participants",
                key=key,
                name=name,
                organisation=organisation,
                organisation_type=kind,
                contact=mail(name, domain),
                organisation_is_person="oui" if organisation in alone else None,
                date=on,
            )
            keys.append(key)
    return keys


def attend(b: Book, session: str, keys: Iterable[str], on: date) -> list[str]:
    present = list(keys)
    for key in present:
        b.add("attendance", session=session, participant=key, date=on)
    return present


# How a table would carry an idea out, noted after it (one in several says nothing more).
HOW = [
    "",
    " ; à tester d'abord sur un site pilote",
    " ; en s'appuyant sur ce qui existe déjà",
    "",
    " ; avec un référent identifié pour le suivre",
    " ; en associant les usagers dès le départ",
    "",
    " ; avec un bilan public au bout d'un an",
    " ; en mutualisant les moyens entre partenaires",
]


def contribute(
    b: Book,
    rng: random.Random,
    prefix: str,
    session: str,
    present: Sequence[str],
    ideas: Mapping[str, Sequence[str]],
    count: int,
    on: date,
    table: str = "Table",
    tables: int = 10,
) -> dict[str, list[str]]:
    """``count`` contributions spread over the parts of ``ideas``; returns part -> keys."""
    parts = list(ideas)
    made: dict[str, list[str]] = {p: [] for p in parts}
    existing = len(b.rows.get("contributions", []))
    for i in range(count):
        part = parts[i % len(parts)]
        texts = ideas[part]
        text = texts[(i // len(parts)) % len(texts)]
        key = f"{prefix}-{existing + i + 1:03d}"
        authors = rng.sample(list(present), rng.choice((1, 1, 2, 2, 3)))
        b.add(
            "contributions",
            key=key,
            session=session,
            authors=authors,
            text=f"{table} {i % tables + 1} : {text}{HOW[(existing + i) % len(HOW)]}",
            axis=part,
            date=on,
        )
        made[part].append(key)
    return made


def dots(
    b: Book,
    rng: random.Random,
    round_key: str,
    voters: Sequence[str],
    weights: dict[str, float],
    limit: int,
    on: date,
) -> None:
    """Each voter spreads up to ``limit`` dots, drawn by the proposals' weights."""
    keys = list(weights)
    for voter in voters:
        spent = rng.choice((limit, limit, limit, limit - 1))
        chosen: dict[str, int] = {}
        for proposal in rng.choices(keys, weights=[weights[k] for k in keys], k=spent):
            chosen[proposal] = chosen.get(proposal, 0) + 1
        for proposal, value in chosen.items():
            b.add(
                "votes", round=round_key, participant=voter, proposal=proposal, value=value, date=on
            )


def approvals(
    b: Book,
    rng: random.Random,
    round_key: str,
    voters: Sequence[str],
    weights: dict[str, float],
    limit: int,
    on: date,
) -> None:
    keys = list(weights)
    for voter in voters:
        chosen: set[str] = set()
        while len(chosen) < limit:
            chosen.add(rng.choices(keys, weights=[weights[k] for k in keys])[0])
        for proposal in sorted(chosen):
            b.add("votes", round=round_key, participant=voter, proposal=proposal, date=on)


def _words(text: str) -> set[str]:
    cleaned = re.sub(r"[^\w]+", " ", text.lower())
    return {w for w in cleaned.split() if len(w) > 3}


def sources(b: Book, made: dict[str, list[str]], part: str, about: str, n: int = 3) -> list[str]:
    """The contributions a proposal cites: the ``n`` of its part that say most of
    what it says (the facilitators' synthesis gathers like ideas)."""
    texts = {row[0]: row[3].split(" ; ")[0] for row in b.rows["contributions"]}
    wanted = _words(about)
    keys = made[part]
    ranked = sorted(keys, key=lambda k: -len(wanted & _words(texts[k])))
    return sorted(ranked[:n])


# -- Fabrik MedVallée (Montpellier, 2021–2022) -------------------------------------------

MEDVALLEE_PARTS: dict[str, tuple[str, list[tuple[str, str, list[str]]]]] = {
    # filière -> (title, [(axis, title, ideas)])
    "sante": (
        "Santé",
        [
            (
                "sante-numerique",
                "Santé numérique et données",
                [
                    "Ouvrir aux start-up un accès encadré aux données de santé du CHU",
                    "Un entrepôt commun de données santé-environnement pour la recherche",
                    "Former les soignants aux outils numériques co-développés sur le territoire",
                    "Des règles communes d'accès aux données entre public et privé",
                ],
            ),
            (
                "sante-clinique",
                "Recherche clinique et dispositifs médicaux",
                [
                    "Un guichet unique pour monter un essai clinique avec le CHU",
                    "Des plateaux d'expérimentation partagés entre hôpitaux et entreprises",
                    "Accompagner la certification des dispositifs médicaux des PME",
                    "Raccourcir les délais de convention entre laboratoires et industriels",
                ],
            ),
            (
                "sante-prevention",
                "Prévention et parcours de soins",
                [
                    "Mesurer l'exposition environnementale des habitants par quartier",
                    "Des programmes de prévention co-construits avec les associations de patients",
                    "Expérimenter la télésurveillance en zone rurale",
                    "Relier médecine de ville et recherche sur les maladies chroniques",
                ],
            ),
        ],
    ),
    "environnement": (
        "Environnement",
        [
            (
                "env-eau",
                "Eau et ressources",
                [
                    "Un observatoire partagé de la qualité de l'eau et de ses effets sanitaires",
                    "Valoriser les savoir-faire du territoire en gestion de l'eau à l'export",
                    "Des démonstrateurs de réutilisation des eaux usées traitées",
                    "Associer agriculteurs et chercheurs à la sobriété en eau",
                ],
            ),
            (
                "env-climat",
                "Climat et biodiversité",
                [
                    "Étudier les effets des canicules sur la santé des habitants",
                    "Un programme commun sur les maladies vectorielles liées au climat",
                    "Des îlots de fraîcheur évalués avec les laboratoires",
                    "Mettre la biodiversité urbaine au service de la santé",
                ],
            ),
            (
                "env-circulaire",
                "Économie circulaire et déchets",
                [
                    "Réduire les déchets plastiques des établissements de soin",
                    "Une filière locale de valorisation des biodéchets",
                    "Mutualiser la logistique retour entre entreprises",
                    "Des achats publics qui favorisent les produits réparables",
                ],
            ),
        ],
    ),
    "alimentation": (
        "Alimentation",
        [
            (
                "alim-agroecologie",
                "Agriculture et agroécologie",
                [
                    "Des fermes pilotes en agroécologie suivies par les chercheurs",
                    "Un réseau de parcelles d'essai partagées entre start-up et agriculteurs",
                    "Accompagner la conversion des exploitations aux pratiques sans pesticides",
                    "Croiser données agronomiques et données de santé",
                ],
            ),
            (
                "alim-circuits",
                "Alimentation durable et circuits courts",
                [
                    "Des circuits courts dans la restauration collective",
                    "Une plateforme logistique pour les producteurs locaux",
                    "Un label Med Vallée pour l'alimentation durable",
                    "Rapprocher conserveries et maraîchers du territoire",
                ],
            ),
            (
                "alim-nutrition",
                "Nutrition et santé",
                [
                    "Des essais nutritionnels avec les cantines scolaires",
                    "Un centre d'expertise nutrition-santé ouvert aux entreprises",
                    "Prévenir l'obésité infantile avec les acteurs de l'alimentation",
                    "Évaluer les bénéfices santé des produits régionaux",
                ],
            ),
        ],
    ),
    "socle": (
        "Facteurs de réussite de Med Vallée",
        [
            (
                "socle-talents",
                "Attractivité et talents",
                [
                    "Des formations croisées santé-environnement-alimentation",
                    "Attirer des chercheurs internationaux avec un accueil clé en main",
                    "Faire connaître les métiers de la santé globale aux lycéens",
                    "Un annuaire vivant des compétences de l'écosystème",
                ],
            ),
            (
                "socle-financement",
                "Financement de l'innovation",
                [
                    "Un fonds d'amorçage dédié à la santé globale",
                    "Des appels à projets communs aux trois filières",
                    "Aider les PME à monter des projets européens",
                    "Rapprocher investisseurs et laboratoires lors de rencontres régulières",
                ],
            ),
            (
                "socle-lieux",
                "Lieux et communauté",
                [
                    "Un lieu totem Med Vallée ouvert à tout l'écosystème",
                    "Prolonger les ateliers sur une plateforme numérique ouverte",
                    "Des visites croisées entre laboratoires, start-up et collectivités",
                    "Une communauté animée par filière avec des référents",
                ],
            ),
        ],
    ),
}

MEDVALLEE_PROPOSALS: dict[str, list[tuple[str, str]]] = {
    # axis -> two (title, text) of the facilitators' synthesis
    "sante-numerique": [
        (
            "Un entrepôt de données santé-environnement ouvert à la recherche",
            "Rassembler les données environnementales et de santé du territoire, avec des "
            "règles d'accès partagées entre recherche, collectivités et entreprises.",
        ),
        (
            "Former les soignants au numérique en santé",
            "Des modules de formation continue co-construits avec les start-up du territoire.",
        ),
    ],
    "sante-clinique": [
        (
            "Un guichet unique pour l'innovation clinique",
            "Une porte d'entrée unique vers le CHU et les laboratoires pour monter un essai.",
        ),
        (
            "Des plateaux d'expérimentation partagés",
            "Mutualiser entre hôpitaux, laboratoires et entreprises les lieux de test.",
        ),
    ],
    "sante-prevention": [
        (
            "Un programme de mesure de l'exposition environnementale",
            "Mesurer l'exposition des habitants par quartier et en publier les résultats.",
        ),
        (
            "La télésurveillance en zone rurale",
            "Expérimenter avec les maisons de santé des Cévennes et du Lodévois.",
        ),
    ],
    "env-eau": [
        (
            "Un observatoire de l'eau et de la santé",
            "Relier qualité de l'eau, usages et effets sanitaires dans un observatoire ouvert.",
        ),
        (
            "Des démonstrateurs de réutilisation des eaux traitées",
            "Deux sites pilotes, suivis par les laboratoires, avec les agriculteurs.",
        ),
    ],
    "env-climat": [
        (
            "Chaleur et santé : un programme de recherche-action",
            "Étudier les effets des canicules et évaluer les îlots de fraîcheur.",
        ),
        (
            "Une veille commune sur les maladies vectorielles",
            "Chercheurs, ARS et collectivités partagent données et alertes.",
        ),
    ],
    "env-circulaire": [
        (
            "Moins de plastique à l'hôpital",
            "Réduire et valoriser les déchets plastiques des établissements de soin.",
        ),
        (
            "Une filière locale des biodéchets",
            "Collecter et valoriser les biodéchets des cantines et des marchés.",
        ),
    ],
    "alim-agroecologie": [
        (
            "Un réseau de fermes pilotes en agroécologie",
            "Des fermes suivies par les chercheurs et ouvertes aux essais des start-up.",
        ),
        (
            "Croiser données agronomiques et données de santé",
            "Un programme commun entre instituts agronomiques et laboratoires de santé.",
        ),
    ],
    "alim-circuits": [
        (
            "Des circuits courts dans la restauration collective",
            "Approvisionner cantines et hôpitaux auprès des producteurs du territoire.",
        ),
        (
            "Un label Med Vallée pour l'alimentation durable",
            "Un label exigeant, évalué par un comité indépendant.",
        ),
    ],
    "alim-nutrition": [
        (
            "Un centre d'expertise nutrition-santé",
            "Ouvert aux entreprises pour évaluer les bénéfices santé de leurs produits.",
        ),
        (
            "Prévenir l'obésité infantile avec les cantines",
            "Des essais nutritionnels menés avec les écoles volontaires.",
        ),
    ],
    "socle-talents": [
        (
            "Des formations croisées en santé globale",
            "Des cursus communs aux trois filières, avec l'université et les écoles.",
        ),
        (
            "Un accueil clé en main des talents internationaux",
            "Logement, emploi du conjoint et scolarité pris en charge par un guichet.",
        ),
    ],
    "socle-financement": [
        (
            "Un fonds d'amorçage santé globale",
            "Un fonds abondé par les collectivités et des investisseurs privés.",
        ),
        (
            "Des appels à projets communs aux trois filières",
            "Financer les projets qui croisent santé, environnement et alimentation.",
        ),
    ],
    "socle-lieux": [
        (
            "Un lieu totem Med Vallée",
            "Un lieu ouvert à tout l'écosystème, avec des espaces de travail partagés.",
        ),
        (
            "Une communauté animée en continu",
            "Une plateforme numérique et des référents par filière entre les rencontres.",
        ),
    ],
}


def medvallee() -> Book:
    b = Book("medvallee")
    rng = random.Random(2021)
    opened = date(2021, 5, 20)
    b.add(
        "programme",
        title="Fabrik MedVallée",
        organiser="Montpellier Méditerranée Métropole",
        founders="metropole=Montpellier Méditerranée Métropole; etat=État; region=Région Occitanie",
        rule="unanimity",
        date=opened,
    )
    axes: list[str] = []
    for key, (title, children) in MEDVALLEE_PARTS.items():
        level = "socle commun" if key == "socle" else "filière"
        b.add("axes", key=key, title=title, level=level, date=opened)
        for axis, axis_title, _ in children:
            b.add(
                "axes", key=axis, title=axis_title, parent=key, level="axe stratégique", date=opened
            )
            axes.append(axis)
    ideas = {axis: texts for _, children in MEDVALLEE_PARTS.values() for axis, _, texts in children}
    facilitators = ["Équipe d'animation de la Fabrik", "Équipe Med Vallée de la Métropole"]
    workshops = [
        ("atelier-1", date(2021, 6, 24), "Atelier 1 : vision et facteurs de réussite"),
        ("atelier-2", date(2021, 9, 23), "Atelier 2 : les priorités de chaque filière"),
        ("atelier-3", date(2021, 10, 21), "Atelier 3 : hybrider les filières"),
        ("atelier-4", date(2021, 12, 9), "Atelier 4 : des propositions d'actions"),
        ("atelier-5", date(2022, 1, 27), "Atelier 5 : prioriser"),
        ("atelier-6", date(2022, 3, 10), "Atelier 6 : le plan d'actions opérationnel"),
    ]
    for key, on, title in workshops:
        b.add(
            "sessions",
            key=key,
            kind="workshop",
            on=on,
            title=title,
            facilitators=facilitators,
            date=opened,
        )
    b.add(
        "sessions",
        key="plateforme",
        kind="online",
        on=date(2021, 9, 1),
        title="Plateforme numérique entre les ateliers",
        date=opened,
    )
    b.add(
        "sessions",
        key="visio-restitution",
        kind="online",
        on=date(2021, 11, 18),
        title="Visio de restitution intermédiaire",
        facilitators=facilitators,
        date=opened,
    )
    b.add(
        "sessions",
        key="assises",
        kind="restitution",
        on=date(2022, 6, 23),
        title="Assises Med Vallée",
        facilitators=["Équipe Med Vallée de la Métropole"],
        date=opened,
    )

    people = People(34)
    orgs: list[tuple[str, str, int]] = [
        ("Montpellier Méditerranée Métropole", "local-authority", 14),
        ("Région Occitanie", "local-authority", 8),
        ("Département de l'Hérault", "local-authority", 4),
        ("Ville de Montpellier", "local-authority", 4),
        ("Préfecture de l'Hérault", "state", 4),
        ("Agence régionale de santé Occitanie", "state", 6),
        ("Direction régionale de l'économie (DREETS Occitanie)", "state", 3),
        ("CHU de Montpellier", "state", 10),
        ("Université de Montpellier", "university", 16),
        ("Institut Agro Montpellier", "university", 6),
        ("Université Paul-Valéry Montpellier 3", "university", 4),
        ("Inserm Occitanie Méditerranée", "research-lab", 8),
        ("CNRS Occitanie Est", "research-lab", 8),
        ("INRAE Occitanie-Montpellier", "research-lab", 10),
        ("IRD", "research-lab", 6),
        ("Cirad", "research-lab", 8),
        ("BRGM Occitanie", "research-lab", 3),
        ("CCI Hérault", "chamber", 5),
        ("Chambre d'agriculture de l'Hérault", "chamber", 4),
        ("Chambre de métiers et de l'artisanat de l'Hérault", "chamber", 3),
        ("AD'OCC", "other", 6),
        ("Business & Innovation Centre de Montpellier", "other", 5),
        ("Pôle Eurobiomed", "association", 4),
        ("Pôle Aqua-Valley", "association", 3),
        ("Pôle Agri Sud-Ouest Innovation", "association", 3),
        ("France Assos Santé Occitanie", "association", 3),
    ]
    kinds = {
        "start-up": ("Start-up", 92, 1),
        "sme": ("PME", 60, 1),
        "large-company": ("Groupe", 14, 2),
        "association": ("Association", 28, 1),
        "research-lab": ("Laboratoire", 20, 1),
    }
    stems = [
        "Nutrivia",
        "AquaSense",
        "Cardiolab",
        "Hydrogea",
        "Vitalis",
        "Agrinov",
        "Medisoft",
        "Biosanté",
        "Ecotrace",
        "Phytolia",
        "Datamed",
        "Clim'Action",
        "Oceanis",
        "Genomix",
        "Sylva",
        "Terravia",
        "Nutrisens",
        "Microbia",
        "Immunotech",
        "Kinésis",
        "Thermia",
        "Vigisanté",
        "Sanaé",
        "Ombelle",
        "Garrigue",
        "Lagune",
        "Cévenole",
        "Mistral",
        "Tramontane",
        "Pic-Saint-Loup",
        "Salagou",
        "Lirou",
        "Mosson",
        "Lez",
        "Hérault",
        "Orb",
        "Aigoual",
        "Larzac",
        "Camargue",
        "Thau",
        "Palavas",
        "Pérols",
        "Lattes",
        "Jacou",
        "Grabels",
        "Fabrègues",
        "Vendargues",
        "Castries",
    ]
    rng_org = random.Random(77)
    for kind, (label, count, per) in kinds.items():
        for i in range(count):
            stem = stems[(i * 7 + len(label)) % len(stems)]
            if kind == "research-lab":
                name = f"Laboratoire {stem} (UMR {5000 + i * 37})"
            elif kind == "association":
                name = f"Association {stem} {('Solidaire', 'Santé', 'Nature', 'Avenir')[i % 4]}"
            elif kind == "large-company":
                name = f"Groupe {stem} {('Santé', 'Environnement', 'Alimentaire')[i % 3]}"
            else:
                name = f"{label} {stem}{'' if i < len(stems) else ' ' + str(i // len(stems) + 1)}"
            orgs.append((name, kind, per + (1 if rng_org.random() < 0.15 else 0)))
    everyone = register(b, people, orgs, date(2021, 6, 10))
    assert len(everyone) >= 400, len(everyone)

    # Who came to which workshop: each actor of the listing to one workshop at least.
    present: dict[str, list[str]] = {}
    for i, (key, on, _) in enumerate(workshops):
        share = (0.34, 0.30, 0.30, 0.28, 0.32, 0.26)[i]
        came = {p for p in everyone if rng.random() < share}
        came |= set(everyone[i::6])  # no actor of the listing left out
        present[key] = attend(b, key, sorted(came), on)
    present["visio-restitution"] = attend(
        b, "visio-restitution", sorted(rng.sample(everyone, 96)), date(2021, 11, 18)
    )
    contributions: dict[str, list[str]] = {a: [] for a in axes}
    for key, on, _ in workshops[:4]:
        made = contribute(b, rng, "C", key, present[key], ideas, 48, on)
        for axis, keys in made.items():
            contributions[axis] += keys
    online = contribute(
        b, rng, "C", "plateforme", everyone, ideas, 36, date(2021, 11, 30), table="Fil"
    )
    for axis, keys in online.items():
        contributions[axis] += keys
    # Who took part on the platform: the authors of its threads, and their readers.
    writers = {a for row in b.rows["contributions"] if row[1] == "plateforme" for a in row[2]}
    readers = set(rng.sample(everyone, 60))
    attend(b, "plateforme", sorted(writers | readers), date(2021, 11, 30))

    synthesis = date(2022, 1, 20)
    proposals: list[str] = []
    n = 0
    for axis in axes:
        for title, text in MEDVALLEE_PROPOSALS[axis]:
            n += 1
            key = f"P-{n:02d}"
            b.add(
                "proposals",
                key=key,
                title=title,
                sources=sources(b, contributions, axis, f"{title} {text}"),
                text=text,
                axis=axis,
                date=synthesis,
            )
            proposals.append(key)
    vote_day = date(2022, 1, 27)
    b.add(
        "rounds",
        key="R-priorites",
        session="atelier-5",
        method="dots",
        proposals=proposals,
        limit=3,
        date=vote_day,
        closed=vote_day,
    )
    weights = {p: 1.0 + 6.0 * ((i * 5) % len(proposals) < 14) for i, p in enumerate(proposals)}
    dots(b, rng, "R-priorites", present["atelier-5"], weights, 3, vote_day)

    # The COPIL validates the priorities, the founders decide.
    copil = "Comité de pilotage Med Vallée"
    chosen = [p for p in proposals if weights[p] > 1]
    rejected = next(p for p in proposals if weights[p] == 1)
    returned = chosen[-1]
    for p in chosen:
        outcome = "returned" if p == returned else "validated"
        b.add(
            "validations",
            proposal=p,
            body=copil,
            minutes="CR-COPIL-2022-03",
            outcome=outcome,
            date=date(2022, 3, 24),
        )
    b.add(
        "validations",
        proposal=rejected,
        body=copil,
        minutes="CR-COPIL-2022-03",
        outcome="rejected",
        date=date(2022, 3, 24),
    )
    b.add(
        "validations",
        proposal=returned,
        body=copil,
        minutes="CR-COPIL-2022-05",
        outcome="validated",
        date=date(2022, 5, 12),
    )
    founder_days = {
        "metropole": date(2022, 4, 14),
        "etat": date(2022, 4, 28),
        "region": date(2022, 5, 19),
    }
    refused = chosen[3]  # the État does not approve it: unanimity is not met
    amended = chosen[0]  # the Région asks for an amendment, then approves
    for founder, on in founder_days.items():
        for p in chosen:
            day = max(on, date(2022, 5, 19)) if p == returned else on
            if founder == "etat" and p == refused:
                b.add(
                    "decisions",
                    proposal=p,
                    founder=founder,
                    decision="reject",
                    rationale="Relève des compétences de l'ARS, qui conduit déjà ce programme.",
                    date=day,
                )
            elif founder == "region" and p == amended:
                b.add(
                    "decisions",
                    proposal=p,
                    founder=founder,
                    decision="amend",
                    rationale="Préciser la gouvernance des données avant tout engagement.",
                    date=day,
                )
            else:
                b.add(
                    "decisions",
                    proposal=p,
                    founder=founder,
                    decision="approve",
                    rationale="Conforme à la stratégie Med Vallée.",
                    date=day,
                )
    b.add(
        "decisions",
        proposal=amended,
        founder="region",
        decision="approve",
        rationale="La gouvernance de l'entrepôt a été précisée au COPIL de juin 2022.",
        revise="oui",
        date=date(2022, 6, 9),
    )

    adopted = [p for p in chosen if p != refused]
    leads = [
        "Montpellier Méditerranée Métropole",
        "Région Occitanie",
        "CHU de Montpellier",
        "Université de Montpellier",
        "AD'OCC",
        "INRAE Occitanie-Montpellier",
    ]
    titles = dict(
        (f"P-{i + 1:02d}", t)
        for i, t in enumerate(t for a in axes for t, _ in MEDVALLEE_PROPOSALS[a])
    )
    a = 0
    for i, p in enumerate(adopted):
        for step in ("Lancer", "Évaluer")[: 1 + (i % 3 == 0)]:
            a += 1
            b.add(
                "actions",
                key=f"A-{a:02d}",
                priority=p,
                title=f"{step} : {titles[p]}",
                lead=leads[i % len(leads)],
                partners=[leads[(i + 1) % len(leads)]],
                due=date(2023 + (step == "Évaluer"), 6 + i % 6, 30),
                date=date(2022, 6, 16),
            )
    for k in range(1, a + 1, 2):
        status, percent = ("done", 100) if k % 5 == 0 else ("in-progress", 20 + 10 * (k % 6))
        b.add(
            "progress",
            action=f"A-{k:02d}",
            status=status,
            percent=percent,
            note="Point d'étape présenté aux Assises Med Vallée.",
            date=date(2022, 6, 23),
        )
    attend(b, "assises", sorted(rng.sample(everyone, 260)), date(2022, 6, 23))
    return b


# -- Labo258 (Nantes, 2019) --------------------------------------------------------------

LABO258_AXES = [
    ("entrepreneuriat", "Entreprendre à Nantes"),
    ("logement", "Se loger"),
    ("mobilites", "Se déplacer"),
    ("transition", "Transition écologique"),
    ("solidarites", "Solidarités"),
    ("culture", "Culture et patrimoine"),
    ("jeunesse", "Éducation et jeunesse"),
    ("sante", "Santé et bien-être"),
    ("sport", "Sport et loisirs"),
    ("numerique", "Numérique"),
    ("alimentation", "Alimentation"),
    ("democratie", "Démocratie locale"),
]
NANTES_QUARTIERS = [
    ("centre-ville", "Centre-ville"),
    ("bellevue-chantenay", "Bellevue – Chantenay – Sainte-Anne"),
    ("dervallieres-zola", "Dervallières – Zola"),
    ("hauts-paves-saint-felix", "Hauts-Pavés – Saint-Félix"),
    ("breil-barberie", "Breil – Barberie"),
    ("nantes-nord", "Nantes Nord"),
    ("nantes-erdre", "Nantes Erdre"),
    ("doulon-bottiere", "Doulon – Bottière"),
    ("nantes-sud", "Nantes Sud"),
    ("ile-de-nantes", "Île de Nantes"),
    ("malakoff-saint-donatien", "Malakoff – Saint-Donatien"),
]

# thème -> (title, [axe de travail -> (title, [concept (key, title, text)])])
Concept = tuple[str, str, str]
ENTREPRENDRE: list[tuple[str, str, list[tuple[str, str, list[Concept]]]]] = [
    (
        "financer",
        "Financer son projet",
        [
            (
                "financer-amorcage",
                "Trouver les premiers fonds",
                [
                    (
                        "pret-honneur",
                        "Un prêt d'honneur municipal",
                        "Un prêt sans intérêt ni garantie pour les premiers mois d'activité.",
                    ),
                    (
                        "financement-participatif",
                        "Une plateforme de financement participatif nantaise",
                        "Les Nantais investissent dans les projets de leur quartier.",
                    ),
                ],
            ),
            (
                "financer-banques",
                "Dialoguer avec les banques",
                [
                    (
                        "garantie-ville",
                        "Un fonds de garantie de la Ville",
                        "La Ville garantit une part des premiers prêts bancaires.",
                    ),
                ],
            ),
        ],
    ),
    (
        "accompagner",
        "Être accompagné",
        [
            (
                "accompagner-guichet",
                "S'y retrouver parmi les dispositifs",
                [
                    (
                        "guichet-unique",
                        "Un guichet unique de l'entrepreneuriat",
                        "Une seule porte d'entrée pour tous les dispositifs d'accompagnement.",
                    ),
                    (
                        "carte-acteurs",
                        "La carte des acteurs de l'accompagnement",
                        "Une carte en ligne, tenue à jour, de qui accompagne qui.",
                    ),
                ],
            ),
            (
                "accompagner-mentorat",
                "Être conseillé par des pairs",
                [
                    (
                        "mentorat",
                        "Un réseau de mentors entrepreneurs",
                        "Des chefs d'entreprise accompagnent un créateur pendant un an.",
                    ),
                    (
                        "binomes",
                        "Des binômes junior-senior",
                        "Associer un salarié senior à un jeune créateur.",
                    ),
                ],
            ),
        ],
    ),
    (
        "former",
        "Se former",
        [
            (
                "former-ecoles",
                "Entreprendre dès l'école",
                [
                    (
                        "mini-entreprises",
                        "Des mini-entreprises au collège",
                        "Chaque collège accueille une mini-entreprise par an.",
                    ),
                    (
                        "campus-creation",
                        "Un campus de la création d'entreprise",
                        "Étudiants et stagiaires testent leur projet avec les écoles nantaises.",
                    ),
                ],
            ),
        ],
    ),
    (
        "lieux",
        "Trouver un lieu",
        [
            (
                "lieux-tiers",
                "Des lieux partagés",
                [
                    (
                        "tiers-lieux",
                        "Des tiers-lieux de quartier",
                        "Un espace de travail partagé dans chaque quartier.",
                    ),
                    (
                        "locaux-vacants",
                        "Des locaux vacants ouverts aux créateurs",
                        "Des baux précaires à loyer modéré dans les rez-de-chaussée vides.",
                    ),
                ],
            ),
            (
                "lieux-test",
                "Tester avant de s'installer",
                [
                    (
                        "boutiques-test",
                        "Des boutiques à l'essai",
                        "Six mois pour tester un commerce avant de signer un bail.",
                    ),
                ],
            ),
        ],
    ),
    (
        "reseaux",
        "Se mettre en réseau",
        [
            (
                "reseaux-rencontres",
                "Se rencontrer",
                [
                    (
                        "apero-entrepreneurs",
                        "Les rendez-vous des entrepreneurs de quartier",
                        "Une rencontre mensuelle ouverte, dans un lieu différent.",
                    ),
                    (
                        "annuaire",
                        "Un annuaire ouvert des entrepreneurs nantais",
                        "Qui fait quoi, pour trouver un associé, un client ou un fournisseur.",
                    ),
                ],
            ),
        ],
    ),
    (
        "numerique",
        "Numérique",
        [
            (
                "numerique-outils",
                "Des outils numériques accessibles",
                [
                    (
                        "kit-numerique",
                        "Un kit numérique du créateur",
                        "Site, facturation et comptabilité à prix négocié.",
                    ),
                    (
                        "ateliers-numeriques",
                        "Des ateliers numériques pour les artisans",
                        "Vendre en ligne, apprendre entre pairs, dans les médiathèques.",
                    ),
                ],
            ),
        ],
    ),
    (
        "ess",
        "Économie sociale et solidaire",
        [
            (
                "ess-cooperatives",
                "Entreprendre à plusieurs",
                [
                    (
                        "cooperatives",
                        "Un accompagnement dédié aux coopératives",
                        "Monter une SCOP ou une SCIC avec l'appui de la Ville.",
                    ),
                    (
                        "clauses-sociales",
                        "Des clauses sociales dans les marchés",
                        "Réserver une part des achats publics aux structures de l'ESS.",
                    ),
                ],
            ),
        ],
    ),
    (
        "inclusion",
        "Égalité des chances",
        [
            (
                "inclusion-quartiers",
                "Entreprendre dans les quartiers prioritaires",
                [
                    (
                        "couveuse-quartiers",
                        "Une couveuse dans les quartiers prioritaires",
                        "Tester son activité sous un statut protégé, près de chez soi.",
                    ),
                    (
                        "microcredit",
                        "Le microcrédit accompagné",
                        "Un relais du microcrédit dans chaque mairie de quartier.",
                    ),
                ],
            ),
            (
                "inclusion-femmes",
                "Entreprendre au féminin",
                [
                    (
                        "femmes-entrepreneures",
                        "Un programme pour les femmes entrepreneures",
                        "Formation, mentorat et garde d'enfants pendant les formations.",
                    ),
                ],
            ),
        ],
    ),
    (
        "commande",
        "Commande publique",
        [
            (
                "commande-acces",
                "Ouvrir les marchés aux jeunes entreprises",
                [
                    (
                        "marches-simplifies",
                        "Des marchés publics simplifiés",
                        "Des petits lots et un dossier de candidature allégé.",
                    ),
                    (
                        "premier-client",
                        "La Ville, premier client",
                        "Des commandes d'expérimentation aux jeunes entreprises locales.",
                    ),
                ],
            ),
        ],
    ),
    (
        "transmission",
        "Transmettre et reprendre",
        [
            (
                "transmission-reprise",
                "Reprendre une entreprise",
                [
                    (
                        "bourse-reprise",
                        "Une bourse locale de la reprise",
                        "Mettre en relation cédants et repreneurs du territoire.",
                    ),
                ],
            ),
        ],
    ),
    (
        "international",
        "S'ouvrir à l'international",
        [
            (
                "international-export",
                "Exporter depuis Nantes",
                [
                    (
                        "passeport-export",
                        "Un passeport export pour les jeunes entreprises",
                        "Un premier salon à l'étranger pris en charge.",
                    ),
                    (
                        "accueil-talents",
                        "L'accueil des entrepreneurs étrangers",
                        "Un accueil en anglais et un accompagnement administratif.",
                    ),
                ],
            ),
        ],
    ),
    (
        "culture",
        "Culture entrepreneuriale",
        [
            (
                "culture-echec",
                "Droit à l'erreur",
                [
                    (
                        "rebond",
                        "Un programme rebond après un échec",
                        "Accompagner les entrepreneurs qui repartent après une défaillance.",
                    ),
                ],
            ),
            (
                "culture-recits",
                "Raconter l'entrepreneuriat",
                [
                    (
                        "recits",
                        "Des portraits d'entrepreneurs nantais",
                        "Une série de portraits diffusés par la Ville et la presse locale.",
                    ),
                    (
                        "trophees",
                        "Des trophées de l'entrepreneuriat de quartier",
                        "Récompenser chaque année une initiative par quartier.",
                    ),
                ],
            ),
        ],
    ),
]
PERSONAE = [
    ("persona-etudiante", "L'étudiante qui crée pendant ses études"),
    ("persona-salarie", "Le salarié qui veut se lancer"),
    ("persona-independante", "L'indépendante qui veut grandir"),
    ("persona-dirigeant", "Le dirigeant de PME qui recrute"),
    ("persona-repreneur", "Le repreneur d'entreprise"),
    ("persona-quartier", "L'entrepreneuse d'un quartier prioritaire"),
]
VECTEURS = [
    ("vecteur-simplifier", "Simplifier les démarches"),
    ("vecteur-visibilite", "Rendre visibles les acteurs"),
    ("vecteur-proximite", "Agir au plus près des quartiers"),
    ("vecteur-financement", "Mobiliser l'épargne locale"),
    ("vecteur-cooperation", "Coopérer plutôt que concurrencer"),
    ("vecteur-exemplarite", "Une collectivité exemplaire"),
    ("vecteur-droit-erreur", "Le droit à l'erreur"),
]


def labo258() -> list[Book]:
    founders = "ville=Ville de Nantes"
    umbrella = Book("labo258")
    opened = date(2019, 1, 15)
    umbrella.add(
        "programme",
        title="Labo258",
        organiser="Ville de Nantes",
        founders=founders,
        rule="any",
        date=opened,
    )
    for key, title in LABO258_AXES:
        umbrella.add("axes", key=key, title=title, level="axe de réflexion", date=opened)
    umbrella.add(
        "sessions",
        key="premiere-session",
        kind="forum",
        on=date(2019, 2, 2),
        title="Première session du Labo258",
        date=opened,
    )
    books = [umbrella]
    for i, (key, name) in enumerate(NANTES_QUARTIERS):
        lab = Book(f"labo258-{key}")
        lab.add(
            "programme",
            title=f"Labo-quartier {name}",
            organiser=f"Ville de Nantes, équipe de quartier {name}",
            founders=founders,
            rule="any",
            part_of="labo258",
            date=date(2019, 2, 11),
        )
        lab.add(
            "sessions",
            key="atelier-quartier",
            kind="workshop",
            on=date(2019, 3, 4) + (date(2019, 1, 8) - date(2019, 1, 1)) * i,
            title=f"Atelier du labo-quartier {name}",
            date=date(2019, 2, 11),
        )
        books.append(lab)
    books.append(entreprendre())
    return books


def entreprendre() -> Book:
    b = Book("labo258-entreprendre")
    rng = random.Random(258)
    opened = date(2019, 3, 1)
    b.add(
        "programme",
        title="Labo258 : entreprendre à Nantes",
        organiser="Ville de Nantes",
        founders="ville=Ville de Nantes",
        rule="any",
        part_of="labo258",
        date=opened,
    )
    concepts: list[tuple[str, str, str, str]] = []  # (key, title, text, axis)
    axes: list[str] = []
    for theme, title, _ in ENTREPRENDRE:
        b.add("axes", key=theme, title=title, level="thème", date=opened)
    for theme, _, work_axes in ENTREPRENDRE:
        for axis, axis_title, cs in work_axes:
            b.add(
                "axes",
                key=axis,
                title=axis_title,
                parent=theme,
                level="axe de travail",
                date=opened,
            )
            axes.append(axis)
            concepts += [(k, t, x, axis) for k, t, x in cs]
    for key, title, _, axis in concepts:
        b.add("axes", key=key, title=title, parent=axis, level="concept", date=date(2019, 4, 25))
    for key, title in PERSONAE:
        b.add("axes", key=key, title=title, level="persona", date=opened)
    for key, title in VECTEURS:
        b.add("axes", key=key, title=title, level="vecteur d'évolution", date=date(2019, 4, 25))
    assert (len(ENTREPRENDRE), len(axes), len(concepts)) == (12, 17, 29)

    facilitators = ["The insperience.co"]
    sessions = [
        (
            "co-conception",
            "workshop",
            date(2019, 3, 21),
            "Atelier de co-conception : entreprendre à Nantes",
        ),
        ("prototypage", "workshop", date(2019, 5, 16), "Atelier de prototypage"),
        ("cloture", "restitution", date(2019, 7, 4), "Soirée de clôture"),
    ]
    for key, kind, on, title in sessions:
        b.add(
            "sessions",
            key=key,
            kind=kind,
            on=on,
            title=title,
            facilitators=facilitators if kind == "workshop" else [],
            date=opened,
        )
    people = People(44)
    orgs = [
        ("Université de Nantes", "university", 4),
        ("Audencia", "university", 2),
        ("École Centrale de Nantes", "university", 1),
        ("Stage, Atelier Fil & Bois", "sme", 1),
        ("Stage, Nantes Saint-Nazaire Développement", "other", 1),
        ("Stage, Coopérative Ouvrière Nantaise", "association", 1),
        ("Stage, Agence Tri-Mobile", "start-up", 1),
        ("Banque Populaire Grand Ouest", "large-company", 2),
        ("Airbus Nantes", "large-company", 2),
        ("Harmonie Mutuelle", "large-company", 2),
        ("Bureau d'études Loire Structures", "sme", 2),
        ("Agence Ouest Médias", "sme", 2),
        ("Boulangerie du Bouffay", "sme", 1),
        ("Imprimerie Graslin", "sme", 1),
        ("Start-up Lunii Kids", "start-up", 1),
        ("Start-up Naoned Mobility", "start-up", 2),
        ("Start-up Erdre Data", "start-up", 2),
        ("Start-up Cale Sèche", "start-up", 1),
        ("Réseau Entreprendre Atlantique", "association", 1),
        ("Les Ecossolies", "association", 1),
        ("CCI Nantes St-Nazaire", "chamber", 1),
        ("Chambre de métiers et de l'artisanat de Loire-Atlantique", "chamber", 1),
    ]
    independents = [(f"Indépendant {i}", "sme", 1) for i in range(1, 8)]
    keys = register(
        b,
        people,
        orgs + independents,
        date(2019, 3, 21),
        person_types=[o for o, _, _ in independents],
    )
    assert len(keys) == 40, len(keys)
    present = {}
    for key, _, on, _ in sessions:
        share = {"co-conception": 38, "prototypage": 34, "cloture": 40}[key]
        present[key] = attend(b, key, sorted(rng.sample(keys, share)), on)

    ideas: dict[str, list[str]] = {}
    for _, title, text, axis in concepts:
        ideas.setdefault(axis, []).append(f"{title} : {text}")
    for key, title in PERSONAE:
        ideas[key] = [
            f"Ce qu'attend {title[0].lower() + title[1:]} : des interlocuteurs "
            "identifiés et des démarches plus courtes"
        ]
    made = contribute(
        b, rng, "C", "co-conception", present["co-conception"], ideas, 92, date(2019, 3, 21)
    )
    lever_ideas = {key: [f"Vecteur d'évolution : {title}"] for key, title in VECTEURS}
    made |= contribute(
        b,
        rng,
        "C",
        "prototypage",
        present["prototypage"],
        lever_ideas,
        14,
        date(2019, 5, 16),
        table="Prototype",
    )
    for i, (key, title, text, axis) in enumerate(concepts, 1):
        b.add(
            "proposals",
            key=f"K-{i:02d}",
            title=title,
            sources=sources(b, made, axis, f"{title} {text}", 3),
            text=text,
            axis=key,
            date=date(2019, 4, 25),
        )
    keys_k = [f"K-{i:02d}" for i in range(1, len(concepts) + 1)]
    vote = date(2019, 5, 16)
    b.add(
        "rounds",
        key="R-prototypes",
        session="prototypage",
        method="dots",
        proposals=keys_k,
        limit=5,
        date=vote,
        closed=vote,
    )
    favourites = {
        "K-04",
        "K-06",
        "K-09",
        "K-10",
        "K-13",
        "K-16",
        "K-20",
        "K-21",
        "K-23",
        "K-24",
        "K-28",
        "K-12",
        "K-17",
    }
    weights = {k: 8.0 if k in favourites else 1.0 for k in keys_k}
    dots(b, rng, "R-prototypes", present["prototypage"], weights, 5, vote)
    copil = "Comité de pilotage du Labo258"
    for k in sorted(favourites):
        outcome = "rejected" if k == "K-17" else "validated"
        b.add(
            "validations",
            proposal=k,
            body=copil,
            minutes="CR-COPIL-LABO258-2019-06",
            outcome=outcome,
            date=date(2019, 6, 20),
        )
    for k in sorted(favourites - {"K-17"}):
        if k == "K-12":
            b.add(
                "decisions",
                proposal=k,
                founder="ville",
                decision="reject",
                rationale="Relève de Nantes Métropole, compétente pour le développement "
                "économique ; la proposition lui est transmise.",
                date=date(2019, 7, 4),
            )
        elif k == "K-28":
            b.add(
                "decisions",
                proposal=k,
                founder="ville",
                decision="amend",
                rationale="Ouvrir les portraits aux entrepreneurs de l'ESS et des quartiers.",
                date=date(2019, 7, 4),
            )
        else:
            b.add(
                "decisions",
                proposal=k,
                founder="ville",
                decision="approve",
                rationale="Retenue par la Maire à la soirée de clôture du Labo258.",
                date=date(2019, 7, 4),
            )
    b.add(
        "decisions",
        proposal="K-28",
        founder="ville",
        decision="approve",
        revise="oui",
        rationale="La série inclut désormais l'ESS et les quartiers prioritaires.",
        date=date(2019, 9, 12),
    )
    titles = {f"K-{i:02d}": t for i, (_, t, _, _) in enumerate(concepts, 1)}
    adopted = sorted(favourites - {"K-17", "K-12"})
    for i, k in enumerate(adopted, 1):
        b.add(
            "actions",
            key=f"A-{i:02d}",
            priority=k,
            title=f"Expérimenter : {titles[k]}",
            lead="Ville de Nantes",
            partners=["Nantes Métropole"] if i % 2 else [],
            due=date(2020, 6, 30),
            date=date(2019, 9, 12),
        )
        if i % 3 != 0:
            b.add(
                "progress",
                action=f"A-{i:02d}",
                status="in-progress",
                percent=10 * (i % 5 + 1),
                note="Expérimentation lancée par la direction de l'économie.",
                date=date(2019, 12, 10),
            )
    return b


# -- Industrie Positive (Montpellier, 2019–2020) ------------------------------------------

# The members the Métropole's announcement names, with the kind of organisation each is.
INDUSTRIE_MEMBERS = [
    ("APF34", "association"),
    ("Bulane", "sme"),
    ("Chambre de Commerce et d'Industrie de l'Hérault", "chamber"),
    ("Chambre de Métiers et de l'Artisanat de l'Hérault", "chamber"),
    ("Cyleone", "sme"),
    ("EDF", "large-company"),
    ("Equadim", "sme"),
    ("Groupe Méridis", "sme"),
    ("IBM", "large-company"),
    ("IDATE", "research-lab"),
    ("Main Gauche", "sme"),
    ("Meliès BA", "sme"),
    ("Orange", "large-company"),
    ("RadioAct & Netia", "sme"),
    ("Seclab", "start-up"),
    ("Synia", "start-up"),
    ("UIMM Montpellier", "other"),
    ("UNICEM", "other"),
]
INDUSTRIE_AXES = [
    (
        "image",
        "Changer l'image du territoire et promouvoir un made in Montpellier qualitatif, "
        "responsable et durable",
        [
            ("marketing-durable", "Construire une stratégie de marketing durable"),
            (
                "actions-phares",
                "Identifier des actions phares pour changer l'image industrielle du territoire",
            ),
            ("made-in-montpellier", "Promouvoir le made in Montpellier"),
        ],
    ),
    (
        "projets",
        "Accompagner et faire naître des projets structurants",
        [
            ("besoins-entreprises", "Identifier les besoins prioritaires des entreprises"),
            ("offre-outils", "Co-construire une offre et des outils économiques"),
        ],
    ),
    (
        "intelligence-collective",
        "Favoriser l'intelligence collective entre acteurs économiques",
        [
            ("ecosysteme", "Renforcer l'écosystème et son bouillonnement"),
            ("partage-solidarite", "Forger l'esprit de partage et de solidarité entre acteurs"),
        ],
    ),
]
INDUSTRIE_IDEAS = {
    "marketing-durable": [
        "Une charte commune de communication responsable",
        "Mesurer l'empreinte des entreprises membres et la publier",
    ],
    "actions-phares": [
        "Des portes ouvertes des usines de la Métropole",
        "Une semaine de l'industrie positive avec les collèges",
    ],
    "made-in-montpellier": [
        "Une marque made in Montpellier pour les produits locaux",
        "Une vitrine des savoir-faire dans la gare Sud de France",
    ],
    "besoins-entreprises": [
        "Une enquête annuelle sur les besoins des industriels",
        "Des locaux d'activité pour les entreprises qui grandissent",
    ],
    "offre-outils": [
        "Un guichet industriel à la Métropole",
        "Un fonds de prêts pour la modernisation des ateliers",
    ],
    "ecosysteme": [
        "Des rencontres régulières entre start-up et industriels",
        "Un annuaire partagé des compétences industrielles",
    ],
    "partage-solidarite": [
        "Mutualiser des équipements entre entreprises voisines",
        "Un parrainage des jeunes entreprises par les grands groupes",
    ],
}
INDUSTRIE_PROPOSALS = [
    ("marketing-durable", "Une charte de la communication responsable"),
    ("actions-phares", "Les portes ouvertes de l'industrie positive"),
    ("actions-phares", "Une semaine de l'industrie avec les collèges"),
    ("made-in-montpellier", "La marque Montpellier, l'industrie positive"),
    ("made-in-montpellier", "Une vitrine des savoir-faire"),
    ("besoins-entreprises", "Un baromètre annuel des besoins des industriels"),
    ("besoins-entreprises", "Des locaux d'activité pour grandir"),
    ("offre-outils", "Un guichet industriel unique"),
    ("offre-outils", "Un fonds de modernisation des ateliers"),
    ("ecosysteme", "Les rencontres start-up et industriels"),
    ("partage-solidarite", "Une plateforme de mutualisation d'équipements"),
    ("partage-solidarite", "Le parrainage des jeunes entreprises"),
]


def industrie_positive() -> Book:
    b = Book("industrie-positive")
    rng = random.Random(2019)
    opened = date(2019, 9, 16)
    b.add(
        "programme",
        title="Montpellier, l'Industrie Positive",
        organiser="Montpellier Méditerranée Métropole",
        founders="metropole=Montpellier Méditerranée Métropole",
        rule="any",
        date=opened,
    )
    for key, title, themes in INDUSTRIE_AXES:
        b.add("axes", key=key, title=title, level="axe stratégique", date=opened)
        for theme, theme_title in themes:
            b.add("axes", key=theme, title=theme_title, parent=key, level="thématique", date=opened)
    councils = [
        (
            "conseil-2019-10",
            date(2019, 10, 1),
            "Installation du Conseil",
            ["image", "projets", "intelligence-collective"],
        ),
        ("conseil-2019-11", date(2019, 11, 5), "Conseil de novembre : changer l'image", ["image"]),
        (
            "conseil-2019-12",
            date(2019, 12, 3),
            "Conseil de décembre : des projets structurants",
            ["projets"],
        ),
        (
            "conseil-2020-01",
            date(2020, 1, 14),
            "Conseil de janvier : l'intelligence collective",
            ["intelligence-collective"],
        ),
        (
            "conseil-2020-02",
            date(2020, 2, 11),
            "Conseil de février : la feuille de route",
            ["image", "projets", "intelligence-collective"],
        ),
        (
            "conseil-2020-03",
            date(2020, 3, 10),
            "Conseil de mars : adoption de la feuille de route",
            ["image", "projets", "intelligence-collective"],
        ),
    ]
    for key, on, title, axes in councils:
        b.add(
            "sessions",
            key=key,
            kind="council",
            on=on,
            title=title,
            axes=axes if len(axes) == 1 else [],  # a council on one axis names it
            facilitators=["Direction de l'économie de la Métropole"],
            date=opened,
        )
    people = People(1810)
    orgs = [
        (name, kind, 2 if i % 3 == 0 else 1) for i, (name, kind) in enumerate(INDUSTRIE_MEMBERS)
    ]
    keys = register(b, people, orgs, date(2019, 10, 1))
    present: dict[str, list[str]] = {}
    for key, on, _, _ in councils:
        present[key] = attend(b, key, sorted(rng.sample(keys, rng.randint(17, len(keys)))), on)
    made: dict[str, list[str]] = {}
    for key, on, _, axes in councils[1:4]:
        ideas = {t: INDUSTRIE_IDEAS[t] for a, _, ts in INDUSTRIE_AXES if a in axes for t, _ in ts}
        made |= contribute(
            b, rng, "C", key, present[key], ideas, 6 * len(ideas), on, table="Groupe", tables=4
        )
    proposals = []
    for i, (theme, title) in enumerate(INDUSTRIE_PROPOSALS, 1):
        key = f"F-{i:02d}"
        b.add(
            "proposals",
            key=key,
            title=title,
            sources=sources(b, made, theme, title + " " + INDUSTRIE_IDEAS[theme][i % 2], 2),
            text="Action proposée pour la feuille de route de Montpellier, l'Industrie Positive.",
            axis=theme,
            date=date(2020, 1, 28),
        )
        proposals.append(key)
    vote = date(2020, 2, 11)
    b.add(
        "rounds",
        key="R-feuille-de-route",
        session="conseil-2020-02",
        method="approval",
        proposals=proposals,
        limit=5,
        date=vote,
        closed=vote,
    )
    weights = {p: (4.0 if i % 4 else 1.0) for i, p in enumerate(proposals)}
    approvals(b, rng, "R-feuille-de-route", present["conseil-2020-02"], weights, 5, vote)
    body = "Conseil Métropolitain de l'Industrie Positive"
    retained = [p for p in proposals if weights[p] > 1]
    for p in retained:
        b.add(
            "validations",
            proposal=p,
            body=body,
            minutes="CR-CMIP-2020-03",
            outcome="validated",
            date=date(2020, 3, 10),
        )
    b.add(
        "validations",
        proposal=proposals[0],
        body=body,
        minutes="CR-CMIP-2020-03",
        outcome="rejected",
        date=date(2020, 3, 10),
    )
    for p in retained:
        if p == "F-08":  # the guichet industriel
            b.add(
                "decisions",
                proposal=p,
                founder="metropole",
                decision="amend",
                rationale="Associer la Région et AD'OCC au guichet avant de le créer.",
                date=date(2020, 3, 26),
            )
            b.add(
                "decisions",
                proposal=p,
                founder="metropole",
                decision="approve",
                revise="oui",
                rationale="Convention signée avec la Région et AD'OCC.",
                date=date(2020, 6, 18),
            )
        else:
            b.add(
                "decisions",
                proposal=p,
                founder="metropole",
                decision="approve",
                rationale="Inscrite à la feuille de route adoptée en conseil de Métropole.",
                date=date(2020, 3, 26),
            )
    titles = {p: t for p, (_, t) in zip(proposals, INDUSTRIE_PROPOSALS, strict=True)}
    for i, p in enumerate(retained, 1):
        member = INDUSTRIE_MEMBERS[(i * 5) % len(INDUSTRIE_MEMBERS)][0]
        b.add(
            "actions",
            key=f"A-{i:02d}",
            priority=p,
            title=f"Mettre en œuvre : {titles[p]}",
            lead="Montpellier Méditerranée Métropole",
            partners=[member],
            due=date(2021, 6, 30),
            date=date(2020, 6, 18),
        )
        if i % 2:
            b.add(
                "progress",
                action=f"A-{i:02d}",
                status="in-progress" if i < 7 else "planned",
                percent=30 if i < 7 else 0,
                note="Reporté en partie par la crise sanitaire." if i >= 5 else "Lancé.",
                date=date(2020, 12, 15),
            )
    return b


# -- Cité de l'économie et des métiers de demain (Occitanie, 2018) ------------------------

DEFIS = [
    (
        "tete-chercheuse",
        "La tête chercheuse : comment pourrions-nous nous donner les moyens "
        "d'anticiper les impacts des transformations en cours ?",
        [
            "Un observatoire régional des métiers émergents",
            "Des chercheurs en résidence à la Cité",
            "Une veille partagée entre laboratoires et entreprises",
            "Des scénarios prospectifs par filière",
        ],
    ),
    (
        "crash-test",
        "Le crash test des innovations pédagogiques : comment pourrions-nous faire "
        "évoluer les formations, les pédagogies, le partage des connaissances ?",
        [
            "Un laboratoire de pédagogies ouvert aux enseignants",
            "Des formations courtes co-construites avec les entreprises",
            "Partager les ressources pédagogiques en accès libre",
            "Tester de nouveaux formats avec des lycéens",
        ],
    ),
    (
        "accelerateur",
        "L'accélérateur d'entrepreneuriat : comment pourrions-nous inclure et "
        "accompagner les petites entreprises ?",
        [
            "Un diagnostic numérique gratuit pour les TPE",
            "Des permanences d'experts à la Cité",
            "Un programme d'accélération pour les artisans",
            "Mettre en relation TPE et étudiants",
        ],
    ),
    (
        "exploratoire",
        "L'exploratoire des métiers : comment pourrions-nous inclure et accompagner les citoyens ?",
        [
            "Des parcours de découverte des métiers de demain",
            "Un simulateur de reconversion professionnelle",
            "Des rencontres avec des professionnels pour les demandeurs d'emploi",
            "Accueillir les familles le samedi",
        ],
    ),
    (
        "cite-connectee",
        "La cité connectée : comment pourrions-nous connecter la Cité au "
        "territoire régional et international ?",
        [
            "Des antennes de la Cité dans les départements",
            "Un programme d'échanges avec des cités étrangères",
            "Des événements retransmis dans les lycées de la région",
            "Un réseau des tiers-lieux partenaires",
        ],
    ),
    (
        "vigie-collective",
        "La vigie collective : comment pourrions-nous réussir ce projet collectivement ?",
        [
            "Un conseil des partenaires de la Cité",
            "Des rendez-vous réguliers ouverts à tous",
            "Évaluer la Cité avec ses usagers",
            "Une charte d'engagement des partenaires",
        ],
    ),
]


def cite_economie() -> Book:
    b = Book("cite-economie")
    rng = random.Random(2018)
    opened = date(2018, 6, 4)
    b.add(
        "programme",
        title="Cité de l'économie et des métiers de demain",
        organiser="Région Occitanie, Lab' de la Région",
        founders="region=Région Occitanie",
        rule="any",
        date=opened,
    )
    for key, title, _ in DEFIS:
        b.add("axes", key=key, title=title, level="défi", date=date(2018, 10, 1))
    b.add(
        "sessions",
        key="enquete",
        kind="survey",
        on=date(2018, 9, 17),
        title="Enquête dans l'écosystème, sur la plaquette fiction de la Cité",
        date=opened,
    )
    b.add(
        "sessions",
        key="forum",
        kind="forum",
        on=date(2018, 11, 5),
        title="Forum des partenaires de la Cité",
        facilitators=["Lab' de la Région"],
        date=opened,
    )
    b.add(
        "sessions",
        key="cahier-idees",
        kind="restitution",
        on=date(2018, 12, 18),
        title="Remise du cahier d'idées",
        date=opened,
    )
    people = People(5118)
    stems = [
        "Garonne",
        "Canal",
        "Pyrénées",
        "Causses",
        "Minervois",
        "Lauragais",
        "Cerdagne",
        "Aubrac",
        "Corbières",
        "Vallespir",
        "Comminges",
        "Quercy",
        "Rouergue",
        "Albigeois",
        "Camargue",
        "Gévaudan",
        "Lomagne",
        "Bigorre",
        "Armagnac",
        "Razès",
        "Cévennes",
        "Larzac",
        "Confluent",
        "Fenouillèdes",
    ]
    orgs: list[tuple[str, str, int]] = [
        ("Région Occitanie", "local-authority", 6),
        ("Toulouse Métropole", "local-authority", 2),
        ("Montpellier Méditerranée Métropole", "local-authority", 2),
        ("Rectorat de l'académie de Montpellier", "state", 3),
        ("Rectorat de l'académie de Toulouse", "state", 2),
        ("Pôle emploi Occitanie", "state", 3),
        ("Université de Montpellier", "university", 5),
        ("Université Toulouse Capitole", "university", 4),
        ("Université Toulouse III Paul Sabatier", "university", 4),
        ("Université de Perpignan Via Domitia", "university", 2),
        ("CNRS Occitanie Ouest", "research-lab", 3),
        ("INRAE Occitanie-Toulouse", "research-lab", 3),
        ("CCI Occitanie", "chamber", 3),
        ("Chambre régionale de métiers et de l'artisanat d'Occitanie", "chamber", 3),
        ("AD'OCC", "other", 4),
    ]
    orgs += [(f"Laboratoire {s}", "research-lab", 2) for s in stems[:14]]
    orgs += [(f"Lycée professionnel du {s}", "other", 2) for s in stems[:16]]
    orgs += [(f"Start-up {s} Tech", "start-up", 1) for s in stems]
    orgs += [(f"Atelier {s}", "sme", 1) for s in stems]
    orgs += [(f"Association {s} Emploi", "association", 1) for s in stems]
    orgs += [(f"Collectif {s} Solidaire", "association", 1) for s in stems[:12]]
    keys = register(b, people, orgs, date(2018, 9, 17))
    assert 190 <= len(keys) <= 200, len(keys)
    asked = attend(b, "enquete", sorted(rng.sample(keys, 60)), date(2018, 9, 17))
    forum = attend(b, "forum", keys, date(2018, 11, 5))
    attend(b, "cahier-idees", sorted(rng.sample(keys, 84)), date(2018, 12, 18))
    ideas = {k: texts for k, _, texts in DEFIS}
    made = contribute(
        b, rng, "E", "enquete", asked, ideas, 36, date(2018, 9, 28), table="Entretien", tables=60
    )
    for defi, ks in contribute(
        b, rng, "C", "forum", forum, ideas, 168, date(2018, 11, 5), table="Table", tables=24
    ).items():
        made[defi] += ks
    proposals = []
    for d, (defi, _, texts) in enumerate(DEFIS):
        for i, text in enumerate(texts):
            key = f"I-{d * 4 + i + 1:02d}"
            b.add(
                "proposals",
                key=key,
                title=text,
                sources=sources(b, made, defi, text, 4),
                text="Idée du cahier d'idées, issue des tables du forum.",
                axis=defi,
                date=date(2018, 11, 5),
            )
            proposals.append(key)
    vote = date(2018, 11, 5)
    b.add(
        "rounds",
        key="R-forum",
        session="forum",
        method="dots",
        proposals=proposals,
        limit=3,
        date=vote,
        closed=vote,
    )
    weights = {p: (6.0 if i % 4 < 2 else 1.0) for i, p in enumerate(proposals)}
    dots(b, rng, "R-forum", forum, weights, 3, vote)
    body = "Comité de pilotage de la Cité"
    retained = [p for p in proposals if weights[p] > 1]
    for p in retained:
        b.add(
            "validations",
            proposal=p,
            body=body,
            minutes="CR-COPIL-CITE-2018-12",
            outcome="validated",
            date=date(2018, 12, 18),
        )
    b.add(
        "validations",
        proposal=proposals[3],
        body=body,
        minutes="CR-COPIL-CITE-2018-12",
        outcome="rejected",
        date=date(2018, 12, 18),
    )
    for p in retained:
        if p == retained[5]:
            b.add(
                "decisions",
                proposal=p,
                founder="region",
                decision="reject",
                rationale="Les chambres consulaires tiennent déjà ces permanences.",
                date=date(2019, 2, 8),
            )
        elif p == retained[8]:
            b.add(
                "decisions",
                proposal=p,
                founder="region",
                decision="amend",
                rationale="Chiffrer les antennes départementales avant de s'engager.",
                date=date(2019, 2, 8),
            )
            b.add(
                "decisions",
                proposal=p,
                founder="region",
                decision="approve",
                revise="oui",
                rationale="Trois antennes chiffrées et inscrites au budget 2019.",
                date=date(2019, 4, 12),
            )
        else:
            b.add(
                "decisions",
                proposal=p,
                founder="region",
                decision="approve",
                rationale="Retenue pour le programme de la Cité.",
                date=date(2019, 2, 8),
            )
    titles = {p: t for p, t in zip(proposals, [t for _, _, ts in DEFIS for t in ts], strict=True)}
    adopted = [p for p in retained if p != retained[5]]
    for i, p in enumerate(adopted, 1):
        b.add(
            "actions",
            key=f"A-{i:02d}",
            priority=p,
            title=titles[p],
            lead="Région Occitanie",
            partners=["AD'OCC"] if i % 3 == 0 else [],
            due=date(2020, 12, 31),
            date=date(2019, 4, 12),
        )
        if i % 2:
            b.add(
                "progress",
                action=f"A-{i:02d}",
                status="in-progress",
                percent=25,
                note="Intégrée au programme de préfiguration de la Cité.",
                date=date(2019, 10, 1),
            )
    return b


# -- Assemblée des Territoires (Occitanie, 2016) ------------------------------------------

TERRITOIRES_THEMES = [
    (
        "bien-etre",
        "Le bien-être et le vivre ensemble dans les territoires",
        [
            "Des maisons de services au public dans chaque bassin de vie",
            "Soutenir les commerces de centre-bourg",
            "Des lieux de rencontre entre générations",
            "Faciliter l'accès aux soins dans les zones rurales",
            "Développer le sport et la culture dans les petites communes",
        ],
    ),
    (
        "gouvernance",
        "Une gouvernance participative et transparente entre les acteurs de l'action publique",
        [
            "Publier les décisions et les budgets sous une forme lisible",
            "Des conseils citoyens à l'échelle intercommunale",
            "Mutualiser l'ingénierie entre communes rurales et villes",
            "Former les élus à la concertation",
            "Un contrat de réciprocité entre aires urbaines et zones rurales",
        ],
    ),
    (
        "circuits-courts",
        "Les circuits courts et la valorisation des ressources locales",
        [
            "Des produits locaux dans les cantines des lycées et des écoles",
            "Des plateformes logistiques partagées pour les producteurs",
            "Valoriser le bois local dans la construction publique",
            "Des marchés de producteurs itinérants",
            "Une monnaie locale complémentaire soutenue par les collectivités",
        ],
    ),
]
# Communes, intercommunalités and départements of Occitanie, whose elected officials sat.
OCCITANIE = [
    "Albi",
    "Alès",
    "Auch",
    "Lavelanet",
    "Béziers",
    "Cahors",
    "Carcassonne",
    "Castres",
    "Figeac",
    "Foix",
    "Gaillac",
    "Lodève",
    "Lourdes",
    "Lunel",
    "Mende",
    "Millau",
    "Montauban",
    "Narbonne",
    "Nîmes",
    "Pamiers",
    "Perpignan",
    "Rodez",
    "Saint-Gaudens",
    "Sète",
    "Tarbes",
    "Villefranche-de-Rouergue",
    "Agde",
    "Bagnols-sur-Cèze",
    "Beaucaire",
    "Blagnac",
    "Colomiers",
    "Castelnaudary",
    "Limoux",
    "Lézignan-Corbières",
    "Muret",
    "Revel",
    "Saint-Girons",
    "Lannemezan",
    "Condom",
    "Moissac",
    "Decazeville",
    "Florac",
    "Le-Vigan",
    "Ganges",
    "Uzès",
    "Prades",
    "Céret",
    "Quillan",
    "Lavaur",
    "Graulhet",
    "Mazamet",
    "Marvejols",
    "Saint-Affrique",
    "Espalion",
    "Gourdon",
    "Souillac",
    "Bagnères-de-Bigorre",
    "Mirande",
    "Lectoure",
    "Castelsarrasin",
    "Caussade",
    "Frontignan",
    "Clermont-l'Hérault",
    "Pézenas",
    "Bédarieux",
    "Saint-Pons-de-Thomières",
    "Vic-en-Bigorre",
    "Argelès-sur-Mer",
    "Elne",
    "Rivesaltes",
]
SHORT_THEMES = {
    "bien-etre": "bien-être et vivre ensemble",
    "gouvernance": "gouvernance participative",
    "circuits-courts": "circuits courts et ressources locales",
}
DEPARTEMENTS = [
    "Ariège",
    "Aude",
    "Aveyron",
    "Gard",
    "Haute-Garonne",
    "Gers",
    "Hérault",
    "Lot",
    "Lozère",
    "Hautes-Pyrénées",
    "Pyrénées-Orientales",
    "Tarn",
    "Tarn-et-Garonne",
]


def assemblee_territoires() -> Book:
    b = Book("assemblee-territoires")
    rng = random.Random(2016)
    opened = date(2016, 10, 3)
    day = date(2016, 11, 4)
    b.add(
        "programme",
        title="Assemblée des Territoires d'Occitanie",
        organiser="Région Occitanie / Pyrénées-Méditerranée",
        founders="region=Région Occitanie",
        rule="any",
        date=opened,
    )
    for key, title, _ in TERRITOIRES_THEMES:
        b.add("axes", key=key, title=title, level="thème", date=opened)
    people = People(1611)
    facilitators = [f"{people.name()}, entrepreneur social du Mouves" for _ in range(8)]
    themes = ["bien-etre", "gouvernance", "circuits-courts"]
    workshops = []
    for i, facilitator in enumerate(facilitators):
        theme = themes[i % 3]
        key = f"atelier-{i + 1}"
        b.add(
            "sessions",
            key=key,
            kind="workshop",
            on=day,
            title=f"Atelier de production {i + 1} : {SHORT_THEMES[theme]}",
            axes=[theme],
            facilitators=[facilitator],
            date=opened,
        )
        workshops.append((key, theme))
    b.add(
        "sessions",
        key="pleniere",
        kind="forum",
        on=day,
        title="Séance plénière de l'Assemblée des Territoires",
        facilitators=["Présidence de la Région"],
        date=opened,
    )
    orgs: list[tuple[str, str, int]] = []
    for town in OCCITANIE:
        name = town.replace("-", " ") if town == "Le-Vigan" else town
        orgs.append((f"Commune de {name}", "elected-official", 1))
    for dep in DEPARTEMENTS:
        orgs.append((f"Conseil départemental : {dep}", "elected-official", 2))
    intercos = [
        "Communauté d'agglomération du Grand Narbonne",
        "Carcassonne Agglo",
        "Communauté d'agglomération Hérault Méditerranée",
        "Grand Auch Cœur de Gascogne",
        "Communauté de communes du Lodévois et Larzac",
        "Rodez Agglomération",
        "Communauté de communes Causses Aigoual Cévennes",
        "Tarbes-Lourdes-Pyrénées",
        "Grand Montauban",
        "Communauté de communes du Pays de Lunel",
        "Perpignan Méditerranée Métropole",
        "Nîmes Métropole",
        "Toulouse Métropole",
        "Montpellier Méditerranée Métropole",
        "Sète Agglopôle Méditerranée",
        "Communauté de communes Cœur de Lozère",
    ]
    orgs += [(name, "elected-official", 2) for name in intercos]
    total = sum(n for _, _, n in orgs)
    orgs.append(("Région Occitanie", "elected-official", 158 - total))
    keys = register(b, people, orgs, day)
    assert len(keys) == 158, len(keys)
    shuffled = keys[:]
    rng.shuffle(shuffled)
    made: dict[str, list[str]] = {t: [] for t in themes}
    for i, (key, theme) in enumerate(workshops):
        present = attend(b, key, sorted(shuffled[i::8]), day)
        theme_ideas = {theme: next(ts for k, _, ts in TERRITOIRES_THEMES if k == theme)}
        for t, ks in contribute(
            b, rng, f"C{i + 1}", key, present, theme_ideas, 20, day, table="Groupe", tables=4
        ).items():
            made[t] += ks
    attend(b, "pleniere", keys, day)
    proposals = []
    for d, (theme, _, texts) in enumerate(TERRITOIRES_THEMES):
        for i, text in enumerate(texts):
            key = f"T-{d * 5 + i + 1:02d}"
            b.add(
                "proposals",
                key=key,
                title=text,
                sources=sources(b, made, theme, text, 3),
                text="Proposition des ateliers de production, présentée en plénière.",
                axis=theme,
                date=day,
            )
            proposals.append(key)
    b.add(
        "rounds",
        key="R-pleniere",
        session="pleniere",
        method="dots",
        proposals=proposals,
        limit=3,
        date=day,
        closed=day,
    )
    weights = {p: (5.0 if i % 5 < 3 else 1.0) for i, p in enumerate(proposals)}
    dots(b, rng, "R-pleniere", keys, weights, 3, day)
    body = "Bureau de l'Assemblée des Territoires"
    retained = [p for p in proposals if weights[p] > 1]
    for p in retained:
        b.add(
            "validations",
            proposal=p,
            body=body,
            minutes="CR-BUREAU-ADT-2016-12",
            outcome="validated",
            date=date(2016, 12, 9),
        )
    b.add(
        "validations",
        proposal=proposals[4],
        body=body,
        minutes="CR-BUREAU-ADT-2016-12",
        outcome="rejected",
        date=date(2016, 12, 9),
    )
    for p in retained:
        if p == retained[4]:
            b.add(
                "decisions",
                proposal=p,
                founder="region",
                decision="amend",
                rationale="Expérimenter d'abord sur deux intercommunalités volontaires.",
                date=date(2017, 2, 3),
            )
            b.add(
                "decisions",
                proposal=p,
                founder="region",
                decision="approve",
                revise="oui",
                rationale="Deux intercommunalités volontaires désignées.",
                date=date(2017, 4, 7),
            )
        elif p == retained[7]:
            b.add(
                "decisions",
                proposal=p,
                founder="region",
                decision="reject",
                rationale="Déjà financées par l'aide régionale à la logistique des producteurs.",
                date=date(2017, 2, 3),
            )
        else:
            b.add(
                "decisions",
                proposal=p,
                founder="region",
                decision="approve",
                rationale="Inscrite au plan d'action régional pour les territoires.",
                date=date(2017, 2, 3),
            )
    titles = {
        p: t
        for p, t in zip(proposals, [t for _, _, ts in TERRITOIRES_THEMES for t in ts], strict=True)
    }
    adopted = [p for p in retained if p != retained[7]]
    for i, p in enumerate(adopted, 1):
        b.add(
            "actions",
            key=f"A-{i:02d}",
            priority=p,
            title=titles[p],
            lead="Région Occitanie",
            partners=["Départements d'Occitanie"] if i % 2 else [],
            due=date(2018, 12, 31),
            date=date(2017, 4, 7),
        )
        b.add(
            "progress",
            action=f"A-{i:02d}",
            status="done" if i % 4 == 0 else "in-progress",
            percent=100 if i % 4 == 0 else 40,
            note="Bilan présenté à l'Assemblée de 2017.",
            date=date(2017, 11, 10),
        )
    return b


PROGRAMMES: dict[str, Callable[[], list[Book]]] = {
    "medvallee": lambda: [medvallee()],
    "labo258": labo258,
    "industrie-positive": lambda: [industrie_positive()],
    "cite-economie": lambda: [cite_economie()],
    "assemblee-territoires": lambda: [assemblee_territoires()],
}


def main(names: Sequence[str]) -> None:
    for name in names or PROGRAMMES:
        for book in PROGRAMMES[name]():
            path = book.save()
            counts = ", ".join(f"{len(rows)} {kind}" for kind, rows in book.rows.items())
            print(f"wrote {path.relative_to(OUT.parents[2])}: {counts}")


if __name__ == "__main__":
    main(sys.argv[1:])
