"""The phrase catalogue: French grammar (elision, contraction, plurals) and a
phrase in both languages for every event class of the domain, tried on the
stored events of an earlier version."""

from __future__ import annotations

import json
import re
from uuid import uuid4

import pytest
from eventsourcing.persistence import StoredEvent
from make_topic_fixture import FIXTURE, event_classes

from registre.adapters.application import Registre
from registre.adapters.stores.config import parse_url
from registre.projections.audit_log import CREATION
from registre.projections.audit_log import describe as kind_of
from registre.projections.phrases import (
    LANGS,
    a,
    de,
    describe,
    elides,
    entry,
    headline,
    name,
    plural,
)

LAYER = "unit"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Assemblée citoyenne", "d'Assemblée citoyenne"),
        ("Hérault Transport", "d'Hérault Transport"),  # mute h
        ("hôpital de Lunel", "d'hôpital de Lunel"),
        ("Hauts-de-France", "de Hauts-de-France"),  # aspirated h
        ("Fabrik MedVallée", "de Fabrik MedVallée"),
        ("Écoles du Lez", "d'Écoles du Lez"),
        ("Université du Lez", "d'Université du Lez"),
        ("Le Havre Seine Métropole", "du Havre Seine Métropole"),
        ("Les Ateliers du Sud", "des Ateliers du Sud"),
        ("la Métropole", "de la Métropole"),
        ("«Oser» Occitanie", "d'«Oser» Occitanie"),
    ],
)
def test_de_elides_before_a_vowel_or_a_mute_h_and_contracts_an_article(
    text: str, expected: str
) -> None:
    assert de(text) == expected


def test_a_contracts_an_article_and_elision_needs_a_word() -> None:
    assert a("Le Havre") == "au Havre"
    assert a("Les Ateliers") == "aux Ateliers"
    assert a("Montpellier Méditerranée Métropole") == "à Montpellier Méditerranée Métropole"
    assert not elides("") and not elides("  ") and elides("  Yves")


@pytest.mark.parametrize("n", [0, 1, 2, 17, 1000])
def test_a_count_agrees_with_its_noun(n: int) -> None:
    fr = plural(n, "proposition")
    en = plural(n, "proposal", lang="en")
    assert fr == f"{n} proposition{'s' if n > 1 else ''}"  # French counts 0 as singular
    assert en == f"{n} proposal{'' if n == 1 else 's'}"
    irregular = plural(n, "priorité adoptée", "priorités adoptées")
    assert irregular.endswith("priorités adoptées" if n > 1 else "priorité adoptée")


def stored_events() -> list[object]:
    lines = [json.loads(x) for x in FIXTURE.read_text("utf-8").splitlines() if x.strip()]
    service = Registre.open(parse_url("sqlite:///:memory:"))
    try:
        return [
            service.store.app.mapper.to_domain_event(
                StoredEvent(
                    originator_id=uuid4(),
                    originator_version=r["originator_version"],
                    topic=r["topic"],
                    state=r["state"].encode("utf-8"),
                )
            )
            for r in lines
        ]
    finally:
        service.close()


def test_every_event_class_of_the_domain_has_a_phrase_in_both_languages() -> None:
    classes = event_classes()
    assert len(classes) >= 20
    for cls in classes:
        owner, kind = kind_of(cls.__new__(cls))
        assert entry(owner, kind) is not None, f"{owner} {kind} has no phrase"
        fr, en = name(owner, kind, "fr"), name(owner, kind, "en")
        assert fr and en and fr != kind and en != kind, (owner, kind, fr, en)


CAMEL = re.compile(r"\b[A-Z][a-z]+[A-Z][A-Za-z]*\b")  # an event class's name, such as AxisAdded


def test_every_stored_event_reads_in_both_languages_without_a_class_name() -> None:
    events = stored_events()
    assert events
    for event in events:
        owner, kind = kind_of(event)
        detail = {k: v for k, v in vars(event).items() if k not in CREATION}
        key = str(getattr(event, "key", None) or getattr(event, "command_id", "x"))
        for lang in LANGS:
            said = describe(owner, key, kind, detail, lang, {"m": "Métropole"})
            assert said and "{" not in said, (owner, kind, lang, said)
            assert said != headline(owner, key, kind, lang), (owner, kind, lang)
        french = describe(owner, key, kind, detail, "fr")
        assert not CAMEL.findall(french.replace("MedVallée", "")), french
        assert not re.search(r"\b(?:de|le|la) [AEIOUÉÈaeiouéè]", french), french


def test_french_and_english_say_the_same_facts() -> None:
    detail = {"founder": "m", "decision": "reject", "rationale": "Hors budget", "validation": 2}
    fr = describe("proposal", "P-1", "FounderDecided", detail, "fr", {"m": "Métropole"})
    en = describe("proposal", "P-1", "FounderDecided", detail, "en", {"m": "Métropole"})
    assert fr == "Métropole rejette la proposition P-1 : Hors budget"
    assert en == "proposal P-1: founder m decided 'reject': Hors budget"
    revised = describe("proposal", "P-1", "FounderDecided", detail | {"revises_position": 9}, "fr")
    assert "révise sa décision (inscription n° 9)" in revised
    annulled = {"target_version": 3, "target_kind": "Validated", "reason": "doublon"}
    assert describe(
        "proposal", "P-1", "RecordAnnulled", annulled | {"target_position": 41}, "fr"
    ) == ("Correction : l'inscription n° 41 (avis de validation) est annulée : doublon")
    assert headline("proposal", "P-1", "Validated", "en") == "proposal P-1: validation verdict"
