"""The Fabrik MedVallée demonstration programme, as data.

Modelled on the published description of the real programme (Montpellier
Méditerranée Métropole, 2021–2022): three founders, three axes, six
progressive workshops, an online platform between them, an intermediate
video restitution, a steering committee and the Assises. The people and most
organisations are fictional. Keys are the human keys a clerk would type.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime

from registre.domain import Decision, OrganisationType, Outcome, SessionKind

SLUG = "fabrik-medvallee"
TITLE = "Fabrik MedVallée"
ORGANISER = "Montpellier Méditerranée Métropole"
FOUNDERS = {
    "metropole": "Montpellier Méditerranée Métropole",
    "etat": "État",
    "region": "Région Occitanie",
}
AXES = {"sante": "Santé", "environnement": "Environnement", "alimentation": "Alimentation"}

FACILITATORS = "Équipe d'animation de la Fabrik"
COPIL = "Comité de pilotage Med Vallée"

LT = OrganisationType
# key, name (personal data, kept outside the log), organisation, type
PARTICIPANTS: tuple[tuple[str, str, str, OrganisationType], ...] = (
    ("P-01", "Hélène Garnier", "Montpellier Méditerranée Métropole", LT.LOCAL_AUTHORITY),
    ("P-02", "Karim Benali", "Montpellier Méditerranée Métropole", LT.LOCAL_AUTHORITY),
    ("P-03", "Sophie Marchand", "Commune de Vallon-sur-Lez", LT.LOCAL_AUTHORITY),
    ("P-04", "Thierry Aubert", "Communauté de communes des Garrigues", LT.LOCAL_AUTHORITY),
    ("P-05", "Nadia Ferrand", "Région Occitanie", LT.LOCAL_AUTHORITY),
    ("P-06", "Julien Castan", "Département de l'Hérault", LT.LOCAL_AUTHORITY),
    ("P-07", "Claire Vidal", "Préfecture de région", LT.STATE),
    ("P-08", "Marc Delmas", "Agence régionale de santé", LT.STATE),
    ("P-09", "Léa Fontaine", "Nutrigarrigue", LT.STARTUP),
    ("P-10", "Hugo Perrin", "Méditomics", LT.STARTUP),
    ("P-11", "Inès Morel", "AquaSentinelle", LT.STARTUP),
    ("P-12", "Baptiste Roussel", "Clinéo Data", LT.STARTUP),
    ("P-13", "Sarah Lambert", "Bioprotéa", LT.STARTUP),
    ("P-14", "Yanis Haddad", "Santé Connectée Sud", LT.STARTUP),
    ("P-15", "Chloé Barbier", "Phyto-Lab Méditerranée", LT.STARTUP),
    ("P-16", "Antoine Giraud", "Urbagri", LT.STARTUP),
    ("P-17", "Manon Leclerc", "Épidémia", LT.STARTUP),
    ("P-18", "Rémi Salles", "Sol Vivant Technologies", LT.STARTUP),
    ("P-19", "Isabelle Cros", "Laiterie des Cévennes", LT.SME),
    ("P-20", "Olivier Pujol", "Méca-Bio Instruments", LT.SME),
    ("P-21", "Élodie Teissier", "Conserverie du Languedoc", LT.SME),
    ("P-22", "Patrick Rouquette", "Hydro-Conseil Occitanie", LT.SME),
    ("P-23", "Céline Maurin", "Imagerie Médicale du Lez", LT.SME),
    ("P-24", "François Delorme", "Pharmagène International", LT.LARGE_COMPANY),
    ("P-25", "Valérie Nguyen", "Agrosphère Groupe", LT.LARGE_COMPANY),
    ("P-26", "Stéphane Mercier", "Aquaterra Services", LT.LARGE_COMPANY),
    ("P-27", "Anne Dufour", "MedTech Global Systems", LT.LARGE_COMPANY),
    ("P-28", "Laurent Bonnet", "Nutrimonde", LT.LARGE_COMPANY),
    ("P-29", "Émilie Carrière", "Laboratoire Microbiomes et Santé", LT.RESEARCH_LAB),
    ("P-30", "Thomas Bouvier", "Institut d'agroécologie méditerranéenne", LT.RESEARCH_LAB),
    ("P-31", "Fatima Zerrouki", "Laboratoire d'épidémiologie environnementale", LT.RESEARCH_LAB),
    ("P-32", "Pierre-Yves Alric", "Centre de recherche en nutrition humaine Sud", LT.RESEARCH_LAB),
    ("P-33", "Julie Mas", "Laboratoire Eau et Territoires", LT.RESEARCH_LAB),
    ("P-34", "Mathieu Granier", "Institut des maladies infectieuses émergentes", LT.RESEARCH_LAB),
    ("P-35", "Aurélie Combes", "Laboratoire Plantes et Climat", LT.RESEARCH_LAB),
    ("P-36", "Nicolas Fabre", "Unité One Health Méditerranée", LT.RESEARCH_LAB),
    ("P-37", "Catherine Roque", "Université du Lez, faculté de médecine", LT.UNIVERSITY),
    ("P-38", "Guillaume Arnal", "Université du Lez, faculté des sciences", LT.UNIVERSITY),
    ("P-39", "Sandrine Paulet", "École supérieure d'agronomie méditerranéenne", LT.UNIVERSITY),
    ("P-40", "Vincent Laporte", "Institut universitaire de santé publique", LT.UNIVERSITY),
    ("P-41", "Amandine Vergnes", "École d'ingénieurs en environnement du Sud", LT.UNIVERSITY),
    ("P-42", "Bernard Causse", "Association Patients Partenaires 34", LT.ASSOCIATION),
    ("P-43", "Lucie Bastide", "Collectif Alimentation Durable", LT.ASSOCIATION),
    ("P-44", "Jean-Marc Olive", "Réseau des jardins partagés", LT.ASSOCIATION),
    ("P-45", "Samia Kaci", "Incubateur Santé Solidaire", LT.ASSOCIATION),
    ("P-46", "Hervé Lacombe", "Chambre de commerce et d'industrie Lez-Méditerranée", LT.CHAMBER),
    ("P-47", "Martine Sabatier", "Chambre d'agriculture des Garrigues", LT.CHAMBER),
    ("P-48", "Denis Roux", "Chambre de métiers et de l'artisanat du Lez", LT.CHAMBER),
)

ALL_AXES = ("sante", "environnement", "alimentation")


@dataclass(frozen=True)
class SessionPlan:
    key: str
    kind: SessionKind
    on: date
    title: str
    # Attendance is a fixed pattern over the participant numbers, so that each
    # session mixes kinds of organisations the way the real workshops did.
    attends: Callable[[int], bool]


SESSIONS: tuple[SessionPlan, ...] = (
    SessionPlan(
        "atelier-1",
        SessionKind.WORKSHOP,
        date(2021, 6, 17),
        "Atelier 1 : les facteurs de réussite de Med Vallée",
        lambda n: n % 6 != 0,
    ),
    SessionPlan(
        "atelier-2",
        SessionKind.WORKSHOP,
        date(2021, 9, 23),
        "Atelier 2 : les besoins des filières",
        lambda n: n % 5 != 1,
    ),
    SessionPlan(
        "plateforme",
        SessionKind.ONLINE,
        date(2021, 10, 4),
        "Plateforme numérique ouverte entre les ateliers",
        lambda n: n % 3 == 0 or n in (9, 15, 16, 42),
    ),
    SessionPlan(
        "atelier-3",
        SessionKind.WORKSHOP,
        date(2021, 10, 21),
        "Atelier 3 : hybrider les idées entre filières",
        lambda n: n % 7 != 3,
    ),
    SessionPlan(
        "visio-intermediaire",
        SessionKind.ONLINE,
        date(2021, 11, 10),
        "Visio de restitution intermédiaire",
        lambda n: n % 2 == 0,
    ),
    SessionPlan(
        "atelier-4",
        SessionKind.WORKSHOP,
        date(2021, 11, 25),
        "Atelier 4 : les priorités stratégiques",
        lambda n: n % 8 != 5,
    ),
    SessionPlan(
        "atelier-5",
        SessionKind.WORKSHOP,
        date(2022, 1, 20),
        "Atelier 5 : les plans d'actions opérationnels",
        lambda n: n % 4 != 2,
    ),
    SessionPlan(
        "atelier-6",
        SessionKind.WORKSHOP,
        date(2022, 2, 24),
        "Atelier 6 : la feuille de route",
        lambda n: n % 5 != 3,
    ),
    SessionPlan(
        "assises-2022",
        SessionKind.RESTITUTION,
        date(2022, 6, 23),
        "Assises Med Vallée",
        lambda n: True,
    ),
)

# key, session, axis (None: across the three), authors, text
CONTRIBUTIONS: tuple[tuple[str, str, str | None, tuple[str, ...], str], ...] = (
    ("C-01", "atelier-1", "sante", ("P-10", "P-29"),
     "Besoin : des lieux d'expérimentation partagés où start-up, laboratoires et soignants "
     "testent ensemble des solutions de santé globale."),
    ("C-02", "atelier-1", "environnement", ("P-11", "P-33"),
     "Besoin : une donnée environnementale (eau, air, sols) ouverte et partagée entre "
     "collectivités, chercheurs et entreprises du territoire."),
    ("C-03", "atelier-1", "alimentation", ("P-09", "P-19"),
     "Idée : structurer des circuits courts entre les producteurs des garrigues et la "
     "restauration collective, en suivant leurs bénéfices pour la santé."),
    ("C-04", "atelier-1", "sante", ("P-24",),
     "Facteur de réussite : une marque Med Vallée lisible à l'international pour attirer "
     "talents, chercheurs et investisseurs."),
    ("C-05", "atelier-2", "sante", ("P-12", "P-23"),
     "Besoin : un accès facilité aux données de santé pour la recherche, dans un cadre "
     "éthique et conforme au RGPD."),
    ("C-06", "atelier-2", "environnement", ("P-22", "P-26"),
     "Besoin : un guichet unique pour les projets d'innovation environnementale "
     "(financements, autorisations, partenaires)."),
    ("C-07", "atelier-2", "alimentation", ("P-25", "P-32"),
     "Idée : un programme de recherche partagé sur l'alimentation et la prévention des "
     "maladies chroniques."),
    ("C-08", "atelier-2", None, ("P-37", "P-38", "P-39"),
     "Besoin : des formations croisées santé, environnement et alimentation pour les "
     "étudiants comme pour les professionnels en poste."),
    ("C-09", "plateforme", "environnement", ("P-16",),
     "Idée : des fermes urbaines pilotes sur le foncier de la Métropole, suivies par les "
     "laboratoires."),
    ("C-10", "plateforme", "sante", ("P-42",),
     "Idée : associer les patients et leurs associations à la conception des solutions, "
     "dès l'amont."),
    ("C-11", "plateforme", "alimentation", ("P-15",),
     "Idée : une filière de plantes aromatiques et médicinales méditerranéennes, de la "
     "culture à l'extraction."),
    ("C-12", "atelier-3", "sante", ("P-17", "P-34", "P-08"),
     "Idée : un observatoire qui croise la surveillance des maladies émergentes et la "
     "qualité de l'eau."),
    ("C-13", "atelier-3", "environnement", ("P-30", "P-18"),
     "Idée : un réseau de parcelles d'expérimentation agroécologique ouvert aux start-up."),
    ("C-14", "atelier-3", "alimentation", ("P-21",),
     "Idée : une conserverie collective pour valoriser les invendus des producteurs "
     "locaux."),
    ("C-15", "atelier-3", None, ("P-43", "P-46"),
     "Besoin : un lieu totem Med Vallée pour se rencontrer entre filières, avec des "
     "rendez-vous réguliers."),
    ("C-16", "atelier-3", "sante", ("P-27", "P-14"),
     "Idée : un achat public innovant pour que les hôpitaux et les collectivités testent "
     "les solutions du territoire."),
    ("C-17", "atelier-4", "environnement", ("P-31",),
     "Idée : mesurer l'exposition des habitants aux polluants et la croiser avec les "
     "données de santé du territoire."),
    ("C-18", "atelier-4", "sante", ("P-45", "P-13"),
     "Besoin : accompagner les start-up de santé jusqu'au marquage CE et au remboursement."),
    ("C-19", "atelier-5", "alimentation", ("P-28", "P-40"),
     "Idée : des appels à projets communs aux fondateurs pour l'alimentation durable et la "
     "santé."),
    ("C-20", "atelier-5", "environnement", ("P-47", "P-04"),
     "Idée : un plan de gestion de l'eau agricole partagé entre la chambre d'agriculture et "
     "les intercommunalités."),
    ("C-21", "atelier-5", "sante", ("P-01", "P-05", "P-07"),
     "Idée : un fonds d'amorçage commun aux trois fondateurs pour les projets nés des "
     "ateliers."),
    ("C-22", "atelier-6", None, ("P-02", "P-46", "P-36"),
     "Besoin : une gouvernance Med Vallée qui associe les entreprises et les laboratoires "
     "au suivi du plan d'actions."),
    ("C-23", "atelier-6", "alimentation", ("P-44",),
     "Idée : des jardins partagés pédagogiques près des écoles, avec un volet nutrition."),
    ("C-24", "atelier-6", "sante", ("P-20", "P-35"),
     "Idée : une halle technologique partagée pour prototyper les dispositifs médicaux."),
)  # fmt: skip

# key, when, text: the new version, written by the same authors
AMENDMENTS: tuple[tuple[str, date, str], ...] = (
    ("C-01", date(2021, 9, 23),
     "Besoin : des lieux d'expérimentation partagés où start-up, laboratoires, soignants et "
     "patients testent ensemble des solutions de santé globale, en conditions réelles."),
    ("C-02", date(2021, 10, 4),
     "Besoin : une donnée environnementale (eau, air, sols) ouverte, mise à jour et partagée "
     "entre collectivités, chercheurs et entreprises, avec des règles d'usage communes."),
    ("C-12", date(2021, 11, 25),
     "Idée : un observatoire One Health du territoire qui croise la surveillance des maladies "
     "émergentes, la qualité de l'eau et les pratiques agricoles."),
)  # fmt: skip


# key, title, axis, cited contribution versions
PROPOSALS: tuple[tuple[str, str, str | None, tuple[str, ...]], ...] = (
    ("P-01", "Des plateformes d'expérimentation partagées en santé globale", "sante",
     ("C-01@2", "C-10@1", "C-16@1")),
    ("P-02", "Ouvrir et partager les données santé-environnement", "environnement",
     ("C-02@2", "C-05@1")),
    ("P-03", "Un observatoire One Health du territoire", "sante", ("C-12@2", "C-13@1")),
    ("P-04", "Une alimentation méditerranéenne favorable à la santé", "alimentation",
     ("C-03@1", "C-07@1", "C-11@1")),
    ("P-05", "Former aux croisements santé, environnement et alimentation", None, ("C-08@1",)),
    ("P-06", "Un lieu totem Med Vallée", None, ("C-15@1",)),
    ("P-07", "Une marque Med Vallée à l'international", "sante", ("C-04@1",)),
)  # fmt: skip

SYNTHESIS_DAY = datetime(2021, 11, 25, 8, 0)


ROUND = "priorites-atelier-4"
BALLOT = ("P-01", "P-02", "P-03", "P-04", "P-05", "P-06")
# Each participant spreads three dots; six fixed patterns, taken in turn.
DOT_PATTERNS: tuple[tuple[tuple[str, int], ...], ...] = (
    (("P-01", 2), ("P-03", 1)),
    (("P-02", 1), ("P-01", 1), ("P-04", 1)),
    (("P-03", 2), ("P-06", 1)),
    (("P-04", 1), ("P-02", 2)),
    (("P-01", 1), ("P-05", 1), ("P-03", 1)),
    (("P-06", 1), ("P-01", 2)),
)


COPIL_DAY = date(2022, 3, 17)
# proposal, outcome
VALIDATIONS: tuple[tuple[str, Outcome], ...] = (
    ("P-01", Outcome.VALIDATED),
    ("P-02", Outcome.VALIDATED),
    ("P-03", Outcome.VALIDATED),
    ("P-04", Outcome.VALIDATED),
    ("P-06", Outcome.VALIDATED),
    ("P-05", Outcome.RETURNED),
    ("P-08", Outcome.REJECTED),
)

FOUNDER_SOURCES = {
    "metropole": ("courrier-metropole-2022-04", "Vice-présidence Med Vallée, Métropole"),
    "etat": ("avis-prefecture-2022-04", "Préfecture de région Occitanie"),
    "region": ("commission-permanente-region-2022-05", "Commission permanente, Région"),
}
FOUNDER_DAYS = {
    "metropole": date(2022, 4, 12),
    "etat": date(2022, 4, 21),
    "region": date(2022, 5, 6),
}
APPROVE = {
    "metropole": "Conforme à la stratégie Med Vallée ; moyens inscrits au budget 2023.",
    "etat": "Cohérent avec les priorités de l'État en santé globale.",
    "region": "Cohérent avec la stratégie régionale d'innovation.",
}
# proposal -> founder -> (decision, rationale); the Région's decision on P-04 is awaited.
DECISIONS: dict[str, dict[str, tuple[Decision, str]]] = {
    "P-01": {f: (Decision.APPROVE, APPROVE[f]) for f in FOUNDERS},
    "P-02": {
        "metropole": (Decision.APPROVE, APPROVE["metropole"]),
        "etat": (Decision.APPROVE, "Cadre RGPD et hébergement des données de santé à préciser."),
        "region": (
            Decision.AMEND,
            "Préciser la gouvernance de l'entrepôt et la place des laboratoires publics.",
        ),
    },
    "P-03": {f: (Decision.APPROVE, APPROVE[f]) for f in FOUNDERS},
    "P-04": {
        "metropole": (Decision.APPROVE, APPROVE["metropole"]),
        "etat": (Decision.APPROVE, "En lien avec le programme national pour l'alimentation."),
    },
    "P-06": {f: (Decision.APPROVE, APPROVE[f]) for f in FOUNDERS},
}


# key, priority, title, lead, partners, due
ACTIONS: tuple[tuple[str, str, str, str, tuple[str, ...], date], ...] = (
    ("A-01", "P-01", "Ouvrir un premier living lab santé globale", ORGANISER,
     ("Université du Lez, faculté de médecine", "Association Patients Partenaires 34"),
     date(2023, 6, 30)),
    ("A-02", "P-01", "Lancer un appel à expérimentations auprès des start-up", ORGANISER,
     ("Incubateur Santé Solidaire",), date(2022, 12, 15)),
    ("A-03", "P-02", "Définir la gouvernance et le socle technique de l'entrepôt de données",
     "Région Occitanie", ("Laboratoire Eau et Territoires", "Agence régionale de santé"),
     date(2023, 3, 31)),
    ("A-04", "P-03", "Préfigurer l'observatoire One Health", "Unité One Health Méditerranée",
     ("Institut des maladies infectieuses émergentes", "Préfecture de région"),
     date(2023, 9, 30)),
    ("A-05", "P-06", "Choisir le site du lieu totem Med Vallée et sa programmation", ORGANISER,
     ("Chambre de commerce et d'industrie Lez-Méditerranée",), date(2023, 12, 31)),
)  # fmt: skip

ASSISES = date(2022, 6, 23)
