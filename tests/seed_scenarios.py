"""The five source programmes (shared/seeds), recorded as a clerk would, command by command.

Participants are fictional; institutions are the real ones named in the texts.
Each scenario is a list of `registre` command lines (without --database) and
what the record must then show.
"""

from __future__ import annotations

from dataclasses import dataclass, field

Line = list[str]


@dataclass
class Scenario:
    slug: str
    lines: list[Line] = field(default_factory=list)
    adopted: set[str] = field(default_factory=set)  # priorities the plan must hold
    traced: str = ""  # one adopted priority whose trace is checked
    trace_must_name: list[str] = field(default_factory=list)  # actors, sources, bodies

    def add(self, *words: str, actor: str = "greffe", **options: str) -> None:
        line = [*words, "--as", actor]
        for name, value in options.items():
            line += [f"--{name.replace('_', '-')}", value]
        self.lines.append(line)


def _participants(
    s: Scenario, people: list[tuple[str, str, str]], session: str, on: str
) -> list[str]:
    keys = []
    for i, (name, org, org_type) in enumerate(people, 1):
        key = f"P-{i:03d}"
        keys.append(key)
        s.add("participant", "register", s.slug, key, name=name, org=org, org_type=org_type)
    s.lines.append(
        ["session", "attend", s.slug, session, *keys, "--as", "greffe", "--occurred-at", on]
    )
    return keys


def fabrik_medvallee() -> Scenario:
    s = Scenario("medvallee")
    s.lines.append(
        [
            "programme",
            "open",
            s.slug,
            "--as",
            "greffe",
            "--title",
            "Fabrik MedVallée",
            "--organiser",
            "Montpellier Méditerranée Métropole",
            "--founder",
            "metropole=Montpellier Méditerranée Métropole",
            "--founder",
            "etat=État",
            "--founder",
            "region=Région Occitanie",
            "--rule",
            "unanimity",
        ]
    )
    for key, title in (
        ("sante", "Santé"),
        ("environnement", "Environnement"),
        ("alimentation", "Alimentation"),
    ):
        s.add("programme", "axis", s.slug, key, title=title)
    for i, on in enumerate(("2021-10-05", "2021-11-09", "2021-12-14"), 1):
        s.lines.append(
            [
                "session",
                "schedule",
                s.slug,
                f"atelier-{i}",
                "--as",
                "greffe",
                "--kind",
                "workshop",
                "--on",
                on,
                "--axis",
                "sante",
                "--axis",
                "environnement",
                "--axis",
                "alimentation",
            ]
        )
    s.add("session", "schedule", s.slug, "plateforme", kind="online", on="2021-11-20")
    people = [
        ("Claire Roux", "Montpellier Méditerranée Métropole", "local-authority"),
        ("Hugo Martin", "Start-up Nutrivia", "start-up"),
        ("Inès Belkacem", "Groupe Sanofi", "large-company"),
        ("Paul Girard", "Laboratoire One Health", "research-lab"),
        ("Lina Costa", "Université de Montpellier", "university"),
        ("Marc Viala", "Association Terres Solidaires", "association"),
        ("Nadia Ferrand", "CCI Hérault", "chamber"),
        ("Yann Le Bihan", "Start-up AquaSense", "start-up"),
    ]
    keys = _participants(s, people, "atelier-1", "2021-10-05")
    texts = [
        (
            "C-1",
            "sante",
            keys[1],
            "Des plateformes d'expérimentation partagées entre hôpitaux et start-up",
        ),
        ("C-2", "sante", keys[3], "Un accès simplifié aux cohortes de patients pour la recherche"),
        ("C-3", "environnement", keys[4], "Mesurer l'exposition environnementale des habitants"),
        ("C-4", "alimentation", keys[5], "Des circuits courts dans la restauration collective"),
    ]
    for key, axis, by, text in texts:
        s.add(
            "contribution",
            "submit",
            s.slug,
            key=key,
            session="atelier-1",
            axis=axis,
            by=by,
            text=text,
            occurred_at="2021-10-05",
            source=f"atelier-1/table-{key[-1]}",
        )
    s.add(
        "contribution",
        "amend",
        s.slug,
        "C-1",
        text="Des plateformes d'expérimentation partagées entre hôpitaux, laboratoires et start-up",
        occurred_at="2021-11-09",
        source="atelier-2/restitution",
    )
    s.lines.append(
        [
            "proposal",
            "synthesise",
            s.slug,
            "PR-1",
            "--as",
            "animation-fabrik",
            "--title",
            "Plateformes d'expérimentation en santé globale",
            "--axis",
            "sante",
            "--from",
            "C-1@2",
            "--from",
            "C-2",
            "--occurred-at",
            "2021-11-09",
            "--source",
            "atelier-2",
        ]
    )
    s.lines.append(
        [
            "proposal",
            "synthesise",
            s.slug,
            "PR-2",
            "--as",
            "animation-fabrik",
            "--title",
            "Observatoire santé-environnement",
            "--axis",
            "environnement",
            "--from",
            "C-3",
        ]
    )
    s.lines.append(
        [
            "proposal",
            "synthesise",
            s.slug,
            "PR-3",
            "--as",
            "animation-fabrik",
            "--title",
            "Alimentation durable",
            "--axis",
            "alimentation",
            "--from",
            "C-4",
        ]
    )
    s.lines.append(
        [
            "round",
            "open",
            s.slug,
            "R-1",
            "--as",
            "animation-fabrik",
            "--session",
            "atelier-3",
            "--method",
            "dots",
            "--limit",
            "3",
            "--proposal",
            "PR-1",
            "--proposal",
            "PR-2",
            "--proposal",
            "PR-3",
            "--occurred-at",
            "2021-12-14",
        ]
    )
    for i, key in enumerate(keys):
        s.lines.append(
            [
                "vote",
                "cast",
                s.slug,
                "R-1",
                "--as",
                "animation-fabrik",
                "--by",
                key,
                "--for",
                ("PR-1", "PR-2", "PR-1", "PR-3")[i % 4],
                "--value",
                "2",
                "--occurred-at",
                "2021-12-14",
                "--source",
                "atelier-3/gommettes",
            ]
        )
    s.add("round", "close", s.slug, "R-1", actor="animation-fabrik")
    for pr in ("PR-1", "PR-2"):
        s.lines.append(
            [
                "validate",
                s.slug,
                pr,
                "--as",
                "greffe",
                "--body",
                "Comité de pilotage Med Vallée",
                "--minutes",
                "CR-COPIL-2022-03",
                "--occurred-at",
                "2022-03-15",
            ]
        )
    for founder, who in (
        ("metropole", "Vice-présidence Med Vallée"),
        ("etat", "Préfecture de l'Hérault"),
        ("region", "Commission permanente"),
    ):
        s.lines.append(
            [
                "decide",
                s.slug,
                "PR-1",
                "--as",
                "greffe",
                "--founder",
                founder,
                "--approve",
                "--rationale",
                "Conforme à la stratégie Med Vallée",
                "--on-behalf-of",
                who,
                "--occurred-at",
                "2022-04-12",
                "--source",
                f"courrier-{founder}-2022-04",
            ]
        )
    s.lines.append(
        [
            "decide",
            s.slug,
            "PR-2",
            "--as",
            "greffe",
            "--founder",
            "metropole",
            "--approve",
            "--rationale",
            "Utile",
            "--occurred-at",
            "2022-04-12",
        ]
    )
    s.lines.append(
        [
            "action",
            "assign",
            s.slug,
            "A-1",
            "--as",
            "greffe",
            "--priority",
            "PR-1",
            "--title",
            "Ouvrir un living lab santé globale",
            "--lead",
            "Montpellier Méditerranée Métropole",
            "--partner",
            "CHU de Montpellier",
            "--due",
            "2023-06-30",
        ]
    )
    s.add("plan", "publish", s.slug, label="Assises Med Vallée 2022")
    s.adopted = {"PR-1"}
    s.traced = "PR-1"
    s.trace_must_name = [
        "animation-fabrik",
        "Comité de pilotage Med Vallée",
        "CR-COPIL-2022-03",
        "Préfecture de l'Hérault",
        "courrier-etat-2022-04",
        "atelier-2/restitution",
    ]
    return s


def labo258() -> Scenario:
    s = Scenario("labo258")
    s.add(
        "programme",
        "open",
        s.slug,
        title="Labo258 — entreprendre à Nantes",
        organiser="Ville de Nantes",
        founder="mairie=Ville de Nantes",
        rule="any",
    )
    for key, title in (
        ("financement", "Financer les premiers pas"),
        ("lieux", "Des lieux pour entreprendre"),
    ):
        s.add("programme", "axis", s.slug, key, title=title)
    s.add("session", "schedule", s.slug, "co-conception", kind="workshop", on="2019-03-14")
    s.add("session", "schedule", s.slug, "prototypage", kind="workshop", on="2019-05-23")
    people = [
        ("Anne Dupont", "Coopérative Ouest", "association"),
        ("Yves Le Goff", "Nautile", "start-up"),
        ("Sarah Benali", "Étudiante, Université de Nantes", "university"),
        ("Tom Leroy", "Travailleur indépendant", "citizen"),
        ("Julie Morel", "Chambre de métiers", "chamber"),
    ]
    keys = _participants(s, people, "co-conception", "2019-03-14")
    s.add(
        "contribution",
        "submit",
        s.slug,
        key="C-1",
        session="co-conception",
        axis="financement",
        by=f"{keys[0]},{keys[1]}",
        text="Un fonds de garantie pour les premiers prêts",
        occurred_at="2019-03-14",
        source="co-conception/fiche-3",
    )
    s.add(
        "contribution",
        "submit",
        s.slug,
        key="C-2",
        session="co-conception",
        axis="lieux",
        by=keys[2],
        text="Des locaux partagés dans chaque labo-quartier",
        occurred_at="2019-03-14",
    )
    s.add(
        "contribution",
        "submit",
        s.slug,
        key="C-3",
        session="co-conception",
        axis="financement",
        by=keys[3],
        text="Un microcrédit municipal",
        occurred_at="2019-03-14",
    )
    s.add(
        "proposal",
        "synthesise",
        s.slug,
        "K-1",
        title="Fonds de garantie",
        axis="financement",
        **{"from": "C-1"},
        actor="insperience",
    )
    s.add(
        "proposal",
        "synthesise",
        s.slug,
        "K-2",
        title="Microcrédit",
        axis="financement",
        **{"from": "C-3"},
        actor="insperience",
    )
    s.lines.append(
        [
            "proposal",
            "merge",
            s.slug,
            "K-3",
            "--as",
            "insperience",
            "--from",
            "K-1",
            "--from",
            "K-2",
            "--title",
            "Un fonds municipal pour les premiers pas",
            "--occurred-at",
            "2019-05-23",
            "--source",
            "prototypage/concept-12",
        ]
    )
    s.add(
        "proposal",
        "synthesise",
        s.slug,
        "K-4",
        title="Locaux partagés",
        axis="lieux",
        **{"from": "C-2"},
        actor="insperience",
    )
    s.lines.append(
        [
            "validate",
            s.slug,
            "K-3",
            "--as",
            "greffe",
            "--body",
            "Soirée de clôture Labo258",
            "--minutes",
            "CR-cloture-2019",
            "--occurred-at",
            "2019-06-27",
        ]
    )
    s.lines.append(
        [
            "decide",
            s.slug,
            "K-3",
            "--as",
            "greffe",
            "--founder",
            "mairie",
            "--approve",
            "--rationale",
            "Mise en œuvre engagée par la mairie",
            "--on-behalf-of",
            "Maire de Nantes",
            "--occurred-at",
            "2019-06-27",
            "--source",
            "soiree-cloture",
        ]
    )
    s.adopted = {"K-3"}
    s.traced = "K-3"
    s.trace_must_name = [
        "insperience",
        "Soirée de clôture Labo258",
        "CR-cloture-2019",
        "Maire de Nantes",
        "prototypage/concept-12",
        "co-conception/fiche-3",
    ]
    return s


def industrie_positive() -> Scenario:
    s = Scenario("industrie-positive")
    s.add(
        "programme",
        "open",
        s.slug,
        title="Conseil métropolitain de l'Industrie Positive",
        organiser="Montpellier Méditerranée Métropole",
        founder="metropole=Montpellier Méditerranée Métropole",
        rule="any",
    )
    for key, title in (
        ("image", "Changer l'image du territoire"),
        ("projets", "Faire naître des projets structurants"),
        ("intelligence", "Favoriser l'intelligence collective"),
    ):
        s.add("programme", "axis", s.slug, key, title=title)
    for key, on in (
        ("conseil-2019-10", "2019-10-01"),
        ("conseil-2019-11", "2019-11-05"),
        ("conseil-2019-12", "2019-12-03"),
        ("conseil-2020-02", "2020-02-04"),
    ):
        s.add("session", "schedule", s.slug, key, kind="council", on=on)
    members = [
        ("APF34", "association"),
        ("Bulane", "sme"),
        ("CCI Hérault", "chamber"),
        ("EDF", "large-company"),
        ("IBM", "large-company"),
        ("IDATE", "research-lab"),
        ("UIMM Montpellier", "association"),
        ("Orange", "large-company"),
    ]
    keys = _participants(
        s,
        [(f"Représentant·e {org}", org, t) for org, t in members],
        "conseil-2019-10",
        "2019-10-01",
    )
    s.add(
        "contribution",
        "submit",
        s.slug,
        key="C-1",
        session="conseil-2019-11",
        axis="image",
        by=keys[2],
        text="Promouvoir le made in Montpellier",
        occurred_at="2019-11-05",
        source="CR-conseil-2019-11",
    )
    s.add(
        "contribution",
        "submit",
        s.slug,
        key="C-2",
        session="conseil-2019-12",
        axis="projets",
        by=keys[3],
        text="Identifier les besoins prioritaires des entreprises",
        occurred_at="2019-12-03",
    )
    s.add(
        "proposal",
        "synthesise",
        s.slug,
        "F-1",
        title="Marque « Montpellier, l'industrie positive »",
        axis="image",
        **{"from": "C-1"},
        actor="secretariat-conseil",
    )
    s.add(
        "proposal",
        "reword",
        s.slug,
        "F-1",
        title="Une marque partagée « made in Montpellier »",
        actor="secretariat-conseil",
        occurred_at="2020-01-14",
    )
    s.add(
        "proposal",
        "synthesise",
        s.slug,
        "F-2",
        title="Offre d'outils économiques",
        axis="projets",
        **{"from": "C-2"},
        actor="secretariat-conseil",
    )
    s.lines.append(
        [
            "round",
            "open",
            s.slug,
            "R-1",
            "--as",
            "secretariat-conseil",
            "--session",
            "conseil-2020-02",
            "--method",
            "approval",
            "--limit",
            "1",
            "--proposal",
            "F-1",
            "--proposal",
            "F-2",
        ]
    )
    for i, key in enumerate(keys):
        s.lines.append(
            [
                "vote",
                "cast",
                s.slug,
                "R-1",
                "--as",
                "secretariat-conseil",
                "--by",
                key,
                "--for",
                "F-1" if i % 3 else "F-2",
            ]
        )
    s.add("round", "close", s.slug, "R-1", actor="secretariat-conseil")
    s.lines.append(
        [
            "validate",
            s.slug,
            "F-1",
            "--as",
            "greffe",
            "--body",
            "Conseil métropolitain de l'Industrie Positive",
            "--minutes",
            "CR-conseil-2020-02",
            "--occurred-at",
            "2020-02-04",
        ]
    )
    s.lines.append(
        [
            "decide",
            s.slug,
            "F-1",
            "--as",
            "greffe",
            "--founder",
            "metropole",
            "--approve",
            "--rationale",
            "Inscrite à la feuille de route",
            "--on-behalf-of",
            "Délégué à l'industrie",
            "--occurred-at",
            "2020-02-04",
            "--source",
            "feuille-de-route-2020",
        ]
    )
    s.add("plan", "publish", s.slug, label="Feuille de route 2020")
    s.adopted = {"F-1"}
    s.traced = "F-1"
    s.trace_must_name = [
        "secretariat-conseil",
        "Conseil métropolitain de l'Industrie Positive",
        "CR-conseil-2020-02",
        "Délégué à l'industrie",
        "CR-conseil-2019-11",
    ]
    return s


def cite_economie() -> Scenario:
    s = Scenario("cite-economie")
    s.add(
        "programme",
        "open",
        s.slug,
        title="Cité de l'économie et des métiers de demain",
        organiser="Région Occitanie",
        founder="region=Région Occitanie",
        rule="any",
    )
    for key, title in (
        ("tete-chercheuse", "Comment pourrions-nous anticiper les transformations en cours ?"),
        (
            "entrepreneuriat",
            "Comment pourrions-nous inclure et accompagner les petites entreprises ?",
        ),
        ("vigie", "Comment pourrions-nous réussir ce projet collectivement ?"),
    ):
        s.add("programme", "axis", s.slug, key, title=title)
    s.add("session", "schedule", s.slug, "enquete", kind="survey", on="2018-09-15")
    s.add("session", "schedule", s.slug, "forum", kind="forum", on="2018-11-05")
    people = [
        ("Chloé Bernard", "Laboratoire LIRMM", "research-lab"),
        ("Omar Haddad", "Atelier Numérique", "start-up"),
        ("Élise Faure", "Lycée professionnel", "other"),
        ("Rémi Garcia", "Association Solidarité Emploi", "association"),
    ]
    keys = _participants(s, people, "forum", "2018-11-05")
    s.add(
        "contribution",
        "submit",
        s.slug,
        key="C-1",
        session="forum",
        axis="entrepreneuriat",
        by=f"{keys[1]},{keys[3]}",
        text="Un accélérateur pour les TPE de la région",
        occurred_at="2018-11-05",
        source="forum/defi-3/table-2",
    )
    s.add(
        "contribution",
        "submit",
        s.slug,
        key="C-2",
        session="enquete",
        axis="tete-chercheuse",
        by=keys[0],
        text="Une veille partagée sur les métiers émergents",
        occurred_at="2018-09-15",
    )
    s.add(
        "proposal",
        "synthesise",
        s.slug,
        "I-1",
        title="L'accélérateur d'entrepreneuriat",
        axis="entrepreneuriat",
        **{"from": "C-1"},
        actor="lab-region",
    )
    s.add(
        "proposal",
        "synthesise",
        s.slug,
        "I-2",
        title="La tête chercheuse",
        axis="tete-chercheuse",
        **{"from": "C-2"},
        actor="lab-region",
    )
    s.lines.append(
        [
            "validate",
            s.slug,
            "I-1",
            "--as",
            "greffe",
            "--body",
            "Lab' de la Région",
            "--minutes",
            "cahier-idees-2018",
            "--occurred-at",
            "2018-12-10",
        ]
    )
    s.lines.append(
        [
            "validate",
            s.slug,
            "I-2",
            "--as",
            "greffe",
            "--body",
            "Lab' de la Région",
            "--minutes",
            "cahier-idees-2018",
            "--return",
            "--occurred-at",
            "2018-12-10",
        ]
    )
    s.lines.append(
        [
            "decide",
            s.slug,
            "I-1",
            "--as",
            "greffe",
            "--founder",
            "region",
            "--approve",
            "--rationale",
            "Retenu pour la préfiguration de la Cité",
            "--on-behalf-of",
            "Direction de l'économie",
            "--occurred-at",
            "2019-01-20",
            "--source",
            "deliberation-2019-01",
        ]
    )
    s.adopted = {"I-1"}
    s.traced = "I-1"
    s.trace_must_name = [
        "lab-region",
        "Lab' de la Région",
        "cahier-idees-2018",
        "Direction de l'économie",
        "forum/defi-3/table-2",
    ]
    return s


def assemblee_territoires() -> Scenario:
    s = Scenario("assemblee-territoires")
    s.add(
        "programme",
        "open",
        s.slug,
        title="Assemblée des Territoires d'Occitanie",
        organiser="Région Occitanie",
        founder="region=Région Occitanie",
        rule="any",
    )
    for key, title in (
        ("vivre-ensemble", "Le bien-être et le vivre ensemble dans les territoires"),
        ("gouvernance", "Une gouvernance participative et transparente"),
        ("circuits-courts", "Les circuits courts et la valorisation des ressources locales"),
    ):
        s.add("programme", "axis", s.slug, key, title=title)
    s.add(
        "session",
        "schedule",
        s.slug,
        "ateliers-production",
        kind="workshop",
        on="2019-11-04",
        facilitator="Mouves",
    )
    people = [(f"Élu·e {i}", f"Commune {i}", "elected-official") for i in range(1, 7)]
    keys = _participants(s, people, "ateliers-production", "2019-11-04")
    s.add(
        "contribution",
        "submit",
        s.slug,
        key="C-1",
        session="ateliers-production",
        axis="circuits-courts",
        by=f"{keys[0]},{keys[1]}",
        text="Une plateforme régionale des producteurs locaux pour la restauration scolaire",
        occurred_at="2019-11-04",
        source="atelier-circuits-courts/post-it-7",
    )
    s.add(
        "contribution",
        "submit",
        s.slug,
        key="C-2",
        session="ateliers-production",
        axis="gouvernance",
        by=keys[2],
        text="Des budgets participatifs intercommunaux",
        occurred_at="2019-11-04",
    )
    s.add(
        "contribution",
        "withdraw",
        s.slug,
        "C-2",
        reason="Doublon d'une contribution d'un autre atelier",
    )
    s.add(
        "proposal",
        "synthesise",
        s.slug,
        "T-1",
        title="Plateforme des producteurs locaux",
        axis="circuits-courts",
        **{"from": "C-1"},
        actor="mouves",
    )
    s.lines.append(
        [
            "round",
            "open",
            s.slug,
            "R-1",
            "--as",
            "mouves",
            "--session",
            "ateliers-production",
            "--method",
            "agree",
            "--proposal",
            "T-1",
        ]
    )
    for i, key in enumerate(keys):
        s.lines.append(
            [
                "vote",
                "cast",
                s.slug,
                "R-1",
                "--as",
                "mouves",
                "--by",
                key,
                "--for",
                "T-1",
                "--value",
                "disagree" if i == 5 else "agree",
            ]
        )
    s.add("round", "close", s.slug, "R-1", actor="mouves")
    s.lines.append(
        [
            "validate",
            s.slug,
            "T-1",
            "--as",
            "greffe",
            "--body",
            "Assemblée des Territoires",
            "--minutes",
            "CR-AT-2019-11",
            "--occurred-at",
            "2019-11-04",
        ]
    )
    s.lines.append(
        [
            "decide",
            s.slug,
            "T-1",
            "--as",
            "greffe",
            "--founder",
            "region",
            "--approve",
            "--rationale",
            "Intégrée au plan régional",
            "--on-behalf-of",
            "Présidence de Région",
            "--occurred-at",
            "2020-01-15",
            "--source",
            "commission-permanente-2020-01",
        ]
    )
    s.adopted = {"T-1"}
    s.traced = "T-1"
    s.trace_must_name = [
        "mouves",
        "Assemblée des Territoires",
        "CR-AT-2019-11",
        "Présidence de Région",
        "atelier-circuits-courts/post-it-7",
    ]
    return s


SCENARIOS = {
    "fabrik-medvallee": fabrik_medvallee,
    "labo258": labo258,
    "industrie-positive": industrie_positive,
    "cite-economie": cite_economie,
    "assemblee-territoires": assemblee_territoires,
}
