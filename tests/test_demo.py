"""The demonstration programme records a complete, consistent Fabrik MedVallée."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import pytest
from conftest import Recordings, record_demo

from registre.adapters.application import Registre
from registre.adapters.demo import ACTOR, record_fabrik_medvallee
from registre.adapters.demo.data import COPIL, PARTICIPANTS, SLUG
from registre.adapters.stores.config import parse_url
from registre.domain import Action, Contribution, Programme, Proposal, Round, Status
from registre.domain.errors import AlreadyExists

LAYER = "unit"


@dataclass
class Demo:
    service: Registre
    lines: list[str]


@pytest.fixture(scope="module")
def recorded(recordings: Recordings) -> Iterator[Demo]:
    """A copy of the demo as `registre demo` records it (once per run, see conftest),
    open for the module; the tests below only read it."""
    url, lines = recordings.copy("demo", "sqlite", record_demo)
    service = Registre.open(parse_url(url))
    try:
        yield Demo(service, lines)
    finally:
        service.close()


@pytest.fixture
def service(recorded: Demo) -> Iterator[Registre]:
    """The module's demo store; a test that wrote to it would fail here."""
    head = recorded.service.store.head()
    yield recorded.service
    assert recorded.service.store.head() == head, "a test of the demo wrote to the shared store"


@pytest.fixture
def demo(recorded: Demo) -> list[str]:
    return recorded.lines


def _events(service: Registre) -> list[tuple[int, Any]]:
    return list(service.notifications())


def test_the_demo_opens_the_programme_with_its_three_founders_and_axes(
    service: Registre, demo: list[str]
) -> None:
    programme = service.load(Programme, SLUG, SLUG)
    assert programme is not None
    assert programme.organiser == "Montpellier Méditerranée Métropole"
    assert programme.founders == {
        "metropole": "Montpellier Méditerranée Métropole",
        "etat": "État",
        "region": "Région Occitanie",
    }
    assert programme.rule.value == "unanimity"
    assert programme.axes == {
        "sante": "Santé",
        "environnement": "Environnement",
        "alimentation": "Alimentation",
    }
    assert programme.plan_versions == ["Assises Med Vallée 2022"]


def test_the_demo_adopts_priorities_under_unanimity_and_leaves_one_awaiting_a_founder(
    service: Registre, demo: list[str]
) -> None:
    proposals = {key: service.load(Proposal, SLUG, key) for key in ("P-01", "P-02", "P-03")}
    proposals |= {key: service.load(Proposal, SLUG, key) for key in ("P-04", "P-06")}
    adopted = sorted(k for k, p in proposals.items() if p is not None and p.adopted)
    assert adopted == ["P-01", "P-02", "P-03", "P-06"]

    awaiting = proposals["P-04"]
    assert awaiting is not None and awaiting.status is Status.VALIDATED
    assert sorted(awaiting.current_decisions()) == ["etat", "metropole"]

    revised = proposals["P-02"]
    assert revised is not None
    region = [d.decision.value for d in revised.decisions if d.founder == "region"]
    assert region == ["amend", "approve"]  # the earlier decision stays on record


def test_the_demo_records_lineage_with_versions_a_reword_and_a_merge(
    service: Registre, demo: list[str]
) -> None:
    first = service.load(Proposal, SLUG, "P-01")
    assert first is not None
    assert {"contribution": "C-01", "version": 2, "withdrawn": False} in first.sources

    merged = service.load(Proposal, SLUG, "P-07")
    target = service.load(Proposal, SLUG, "P-06")
    assert merged is not None and merged.status is Status.MERGED and merged.merged_into == "P-06"
    assert target is not None and target.absorbed == ["P-07"]

    reworded = service.load(Proposal, SLUG, "P-02")
    assert reworded is not None and "RGPD" in reworded.title

    withdrawn = service.load(Contribution, SLUG, "C-14")
    amended = service.load(Contribution, SLUG, "C-12")
    assert withdrawn is not None and withdrawn.withdrawn
    assert amended is not None and len(amended.texts) == 2


def test_the_demo_validations_cite_the_steering_committee_minutes(
    service: Registre, demo: list[str]
) -> None:
    outcomes = {}
    for key in ("P-01", "P-05", "P-08"):
        proposal = service.load(Proposal, SLUG, key)
        assert proposal is not None and proposal.current_validation is not None
        assert proposal.current_validation.body == COPIL
        assert proposal.current_validation.minutes == "CR-COPIL-2022-03"
        outcomes[key] = proposal.status.value
    assert outcomes == {"P-01": "validated", "P-05": "returned", "P-08": "rejected"}


def test_the_demo_counts_participants_by_organisation_type_from_the_log(
    service: Registre, demo: list[str]
) -> None:
    registered = [
        e for _, e in _events(service) if type(e).__qualname__ == "Participant.Registered"
    ]
    by_type = Counter(str(e.organisation_type) for e in registered)
    assert len(registered) == len(PARTICIPANTS) == 48
    assert by_type == {
        "local-authority": 6,
        "state": 2,
        "start-up": 10,
        "sme": 5,
        "large-company": 5,
        "research-lab": 8,
        "university": 5,
        "association": 4,
        "chamber": 3,
    }


def test_the_demo_votes_respect_the_dots_limit_and_keep_the_retraction(
    service: Registre, demo: list[str]
) -> None:
    round_ = service.load(Round, SLUG, "priorites-atelier-4")
    assert round_ is not None and round_.closed and round_.limit == 3
    events = [e for _, e in _events(service)]
    kinds = Counter(type(e).__qualname__ for e in events)
    assert kinds["Ballot.VoteRetracted"] == 1
    dots: Counter[str] = Counter()
    for e in events:
        if type(e).__qualname__ == "Ballot.VoteCast":
            dots[str(e.originator_id)] += e.value
        elif type(e).__qualname__ == "Ballot.VoteRetracted":
            dots[str(e.originator_id)] -= 1  # the retracted vote was one dot
    assert dots and max(dots.values()) <= 3


def test_the_demo_dates_each_record_when_it_happened_and_names_its_clerk(
    service: Registre, demo: list[str]
) -> None:
    events = [e for _, e in _events(service)]
    assert {e.audit.actor for e in events} == {ACTOR}
    occurred = [e.audit.occurred_at for e in events]
    assert min(occurred) >= datetime(2021, 1, 1, tzinfo=UTC)
    assert max(occurred) < datetime(2023, 1, 1, tzinfo=UTC)
    assert all(e.audit.recorded_at > datetime(2023, 1, 1, tzinfo=UTC) for e in events)
    sources = {e.audit.source for e in events}
    assert {"CR-COPIL-2022-03", "atelier-4/tableau-gommettes"} <= sources
    on_behalf = {e.audit.on_behalf_of for e in events if type(e).__qualname__.startswith("Prop")}
    assert "Région Occitanie" not in on_behalf  # founders act through named representatives
    assert "Commission permanente, Région" in on_behalf


def test_the_demo_assigns_actions_with_leads_and_due_dates(
    service: Registre, demo: list[str]
) -> None:
    action = service.load(Action, SLUG, "A-03")
    assert action is not None
    assert action.priority == "P-02" and action.lead == "Région Occitanie"
    assert action.due is not None and action.due.year == 2023


def test_the_demo_summary_says_what_was_recorded_and_where(
    service: Registre, demo: list[str]
) -> None:
    text = "\n".join(demo)
    last = max(position for position, _ in _events(service))
    assert f"to {last}" in text
    assert "48 registered" in text
    assert "P-02" in text and "region amend, revised to approve" in text
    assert "awaiting region" in text


def test_the_demo_refuses_to_record_the_programme_twice(service: Registre, demo: list[str]) -> None:
    before = len(_events(service))
    with pytest.raises(AlreadyExists, match="--database"):
        record_fabrik_medvallee(service)
    assert len(_events(service)) == before
