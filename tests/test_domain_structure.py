"""A programme's structure nests: parts under parts, each at a level named in the
programme's own words; a programme may be part of a larger one; and the one
reading of a structure (paths, depths, counts per level) every view uses."""

from __future__ import annotations

import pytest
from domain_support import audit, programme

from registre.domain import DecisionRule, Programme
from registre.domain.errors import AlreadyExists, InvalidInput, NotFound, RuleViolation
from registre.domain.structure import Part, Structure, plural_level

LAYER = "unit"


def labo() -> Programme:
    p = Programme.open("labo", "Labo258", "Ville", {"v": "Ville"}, DecisionRule.ANY, audit())
    p.add_axis("T1", "Financer", audit(), level="thème")
    p.add_axis("T2", "Se former", audit(), level="thème")
    p.add_axis("A1", "Prêts d'honneur", audit(), parent="T1", level="axe de travail")
    p.add_axis("A2", "Fonds local", audit(), parent="T1", level="axe de travail")
    p.add_axis("C1", "Un guichet", audit(), parent="A1", level="concept")
    return p


def test_parts_nest_under_parts_with_their_level_words() -> None:
    p = labo()
    s = p.structure
    assert [part.title for part in s.path("C1")] == ["Financer", "Prêts d'honneur", "Un guichet"]
    assert s.path_title("C1") == "Financer > Prêts d'honneur > Un guichet"
    assert (s.depth("T1"), s.depth("A2"), s.depth("C1")) == (0, 1, 2)
    assert [c.key for c in s.children("T1")] == ["A1", "A2"]
    assert [c.key for c in s.children()] == ["T1", "T2"]
    assert s.under("T1") == ["A1", "C1", "A2"]
    assert [(part.key, d) for part, d in s.walk()] == [
        ("T1", 0),
        ("A1", 1),
        ("C1", 2),
        ("A2", 1),
        ("T2", 0),
    ]
    assert s.levels() == [("thème", 2), ("axe de travail", 2), ("concept", 1)]
    assert s.levels_phrase() == "2 thèmes, 2 axes de travail, 1 concept"
    # Every part is an axis a session, contribution or proposal may cite.
    p.require_axis("C1")
    assert p.axes["C1"] == "Un guichet"


def test_a_flat_axis_records_the_event_it_always_did() -> None:
    p = programme()
    p.add_axis("env", "Environnement", audit(), level="axe")
    kinds = [type(e).__name__ for e in p.collect_events()]
    assert kinds[-1] == "AxisAdded"
    assert p.parts["env"] == Part("env", "Environnement")
    assert not p.structure.nested


def test_a_nested_part_records_its_parent_and_level() -> None:
    p = programme()
    p.collect_events()
    p.add_axis("jardins", "Jardins partagés", audit(), parent="food", level="concept")
    (event,) = p.collect_events()
    assert isinstance(event, Programme.PartAdded)
    assert (event.key, event.parent, event.level) == ("jardins", "food", "concept")
    assert p.structure.nested


def test_a_part_under_an_unknown_parent_is_refused() -> None:
    p = programme()
    with pytest.raises(NotFound) as refused:
        p.add_axis("x", "X", audit(), parent="sea")
    assert str(refused.value) == (
        "programme medvallee has no part 'sea' to put 'x' under (parts: food, health)"
    )
    assert refused.value.field == "parent"
    assert "x" not in p.axes


def test_a_part_cannot_hang_under_itself() -> None:
    p = programme()
    # A new key under itself: refused before anything else, as unknown.
    with pytest.raises(NotFound):
        p.add_axis("loop", "Boucle", audit(), parent="loop")
    # An existing key is never placed again.
    with pytest.raises(AlreadyExists):
        p.add_axis("health", "Santé", audit(), parent="food")
    assert p.structure.path_title("health") == "Santé"


def test_the_reading_never_loops_on_a_cycle_in_stored_parts() -> None:
    # Parts as a view might hold them, wrongly: the reading still ends.
    s = Structure([Part("a", "A", parent="b"), Part("b", "B", parent="a")])
    assert [p.key for p in s.path("a")] == ["b", "a"]
    assert s.would_cycle("a", "b")
    assert [(p.key, d) for p, d in s.walk()] == [("a", 0), ("b", 1)]
    assert s.under("a") == ["b"]


def test_a_level_must_be_named() -> None:
    p = programme()
    with pytest.raises(InvalidInput) as refused:
        p.add_axis("x", "X", audit(), level="  ")
    assert refused.value.field == "level"
    with pytest.raises(InvalidInput):
        p.add_axis("x", "X", audit(), level="n" * 81)


def test_a_programme_can_be_part_of_a_larger_one() -> None:
    lab = Programme.open(
        "labo-nord", "Labo Nord", "Ville", {"v": "Ville"}, DecisionRule.ANY, audit(), part_of="labo"
    )
    assert lab.part_of == "labo"
    kinds = [type(e).__name__ for e in lab.collect_events()]
    assert kinds == ["Opened", "PartOfRecorded"]
    assert programme().part_of is None


def test_a_programme_cannot_be_part_of_itself() -> None:
    with pytest.raises(RuleViolation, match="cannot be part of itself") as refused:
        Programme.open("labo", "L", "V", {"v": "V"}, DecisionRule.ANY, audit(), part_of="labo")
    assert refused.value.field == "part_of"


@pytest.mark.parametrize(
    ("level", "count", "said"),
    [
        ("thème", 12, "12 thèmes"),
        ("axe de travail", 17, "17 axes de travail"),
        ("concept", 1, "1 concept"),
        ("levier", 7, "7 leviers"),
        ("persona", 6, "6 personas"),
        ("défi", 6, "6 défis"),
        ("axe stratégique", 3, "3 axes stratégiques"),
        ("canal", 2, "2 canaux"),
        ("niveau", 2, "2 niveaux"),
        ("laboratoire de quartier", 11, "11 laboratoires de quartier"),
        ("index", 2, "2 index"),
        ("atelier d'idéation", 2, "2 ateliers d'idéation"),
    ],
)
def test_levels_are_counted_in_french(level: str, count: int, said: str) -> None:
    assert plural_level(level, count) == said


def test_a_refusal_names_a_few_parts_of_a_large_structure() -> None:
    p = programme()
    for n in range(30):
        p.add_axis(f"c{n:02d}", f"Concept {n}", audit(), parent="food", level="concept")
    with pytest.raises(NotFound) as refused:
        p.add_axis("x", "X", audit(), parent="sea")
    assert str(refused.value).endswith("c10, c11 and 20 more)")
