"""A held batch (an import checking every row before it writes any) keeps
its checked chunks and the aggregates they changed on disk, not in memory,
and still checks each row on the state the rows before it leave; on SQLite
and PostgreSQL."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pytest
from service_support import ctx, max_position, open_programme

from registre.adapters.application import Registre
from registre.adapters.application import commands as c
from registre.adapters.application.service import kept_between_chunks
from registre.adapters.importers.runner import run
from registre.adapters.importers.sheet import plan_sheet
from registre.domain import Ballot, Participant
from registre.domain.errors import RegistreError

LAYER = "unit"

P = "flux"


def _people(n: int) -> list[c.Command]:
    return [c.RegisterAnonymous(programme=P, key=f"V-{i}") for i in range(n)]


def _round(service: Registre) -> None:
    service.handle(
        c.SubmitContribution(programme=P, key="C1", session="W1", authors=["org"], text="Idée"),
        ctx(),
    )
    for key in ("F1", "F2"):
        service.handle(
            c.SynthesiseProposal(programme=P, key=key, title=key, sources=["C1"]),  # type: ignore[list-item]
            ctx(),
        )
    service.handle(
        c.OpenRound(
            programme=P,
            key="R1",
            session="W1",
            method="approval",  # type: ignore[arg-type]
            limit=2,
            proposals=["F1", "F2"],
        ),
        ctx(),
    )


def test_a_held_batch_keeps_its_chunks_on_disk_until_the_end(service: Registre) -> None:
    open_programme(service, P)
    service.handle(
        c.RegisterParticipant(
            programme=P,
            key="org",
            organisation="Ville",
            organisation_type="local-authority",  # type: ignore[arg-type]
        ),
        ctx(),
    )
    _round(service)
    before = max_position(service)
    with service.batch(hold=True) as batch:
        spill = Path(batch.spill.path) if batch.spill else None
        assert spill is not None and spill.exists()
        for n, command in enumerate(_people(6)):
            batch.handle(command, ctx(command_id=f"people-{n // 2}"))
            if n % 2 == 1:
                batch.flush(f"chunk-{n // 2}", "two people")
                # Between chunks only the few aggregates most commands read stay in memory.
                assert all(isinstance(a, kept_between_chunks()) for a in batch.uow.touched.values())
        # A row of a later chunk reads what an earlier, unsaved chunk recorded...
        batch.handle(c.CastVote(programme=P, round="R1", participant="V-0", proposal="F1"), ctx())
        batch.handle(c.CastVote(programme=P, round="R1", participant="V-0", proposal="F2"), ctx())
        # ...and the rules still see it: a third approval is over the limit of 2.
        with pytest.raises(RegistreError):
            batch.handle(
                c.CastVote(programme=P, round="R1", participant="V-0", proposal="F1"), ctx()
            )
        batch.flush("chunk-votes", "votes")
        assert max_position(service) == before  # nothing written while checking
        assert batch.held_events == 6 + 3  # six registrations, a ballot started, two votes
        mode = os.stat(spill).st_mode & 0o777
        assert mode == 0o600
    assert not spill.exists()
    assert max_position(service) == before + 9 + 4  # and the four receipts
    for i in range(6):
        assert service.load(Participant, P, f"V-{i}") is not None
    ballot = service.load(Ballot, P, Ballot.key_for("R1", "V-0"))
    assert ballot is not None


def test_a_refused_import_leaves_no_file_behind_and_writes_nothing(
    service: Registre, tmp_path: Path
) -> None:
    open_programme(service, P)
    rows = "".join(f"V-{i},,,anonymous\n" for i in range(7)) + "V-3,,,anonymous\n"
    sheet = tmp_path / "participants.csv"
    sheet.write_text("key,name,organisation,organisation_type\n" + rows, encoding="utf-8")
    before = max_position(service)
    spills = set(Path(tempfile.gettempdir()).glob("registre-import-*.spill"))
    with pytest.raises(RegistreError) as refused:
        run(service, plan_sheet(P, str(sheet), None), ctx(), chunk_rows=2)
    # The duplicate, three chunks after the first V-3, is found from the disk.
    assert str(refused.value) == f"{sheet}:9: programme {P} already has a participant 'V-3'"
    assert max_position(service) == before
    assert set(Path(tempfile.gettempdir()).glob("registre-import-*.spill")) <= spills
