"""A replay killed mid-way (SIGKILL, no chance to clean up) resumes and gives
exactly the rows of an uninterrupted replay; readers keep the old complete
generation meanwhile. Every registered projection, on both stores."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from typing import Any

import pytest
from generator import generate

from registre.adapters.application import Registre
from registre.adapters.demo import record_fabrik_medvallee
from registre.adapters.stores.config import parse_url
from registre.projections import projector_for
from registre.projections.runner import Projector

LAYER = "integration"

pytestmark = pytest.mark.slow

# Replays one projection in pages of 20 events, pausing after each page so
# that the test sees it between two commits before it can finish.
REPLAY = """
import sys, time
from registre.adapters.application import Registre
from registre.adapters.stores.config import parse_url
from registre.projections import projector_for
from registre.projections.runner import Projector

apply = Projector._apply
def slow_apply(self, *args, **kwargs):
    apply(self, *args, **kwargs)
    time.sleep(0.01)
Projector._apply = slow_apply
with Registre.open(parse_url(sys.argv[1])) as service:
    projector_for(service.store).replay(sys.argv[2])
"""


def tables(projector: Projector, name: str) -> dict[str, list[tuple[Any, ...]]]:
    with projector.reading(name) as db:
        return {
            t: sorted((tuple(r.values()) for r in db.rows(f"SELECT * FROM {{{t}}}")), key=repr)
            for t in db.tables
        }


@pytest.fixture
def big_store(store_url: str) -> Iterator[tuple[str, Registre]]:
    service = Registre.open(parse_url(store_url))
    try:
        record_fabrik_medvallee(service)
        generate(service, "generated", 3000)
        yield store_url, service
    finally:
        service.close()


def kill_mid_replay(url: str, projector: Projector, name: str) -> int:
    """Starts a replay in another process and kills it between two pages;
    returns the position its committed pages had reached."""
    env = os.environ | {"REGISTRE_PROJECTION_PAGE_SIZE": "20"}
    process = subprocess.Popen([sys.executable, "-c", REPLAY, url, name], env=env)
    head = projector.head()
    try:
        deadline = time.monotonic() + 120  # a guard against a hung process, not a measure
        while time.monotonic() < deadline:
            assert process.poll() is None, f"the replay of {name} ended before it was killed"
            status = next(s for s in projector.status() if s.name == name)
            if status.rebuilding is not None and 0 < status.rebuilding < head:
                process.send_signal(signal.SIGKILL)
                process.wait()
                break
            time.sleep(0.005)
        else:
            pytest.fail(f"the replay of {name} never committed a page")
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    stopped = next(s for s in projector.status() if s.name == name).rebuilding
    assert stopped is not None and 0 < stopped < head
    return stopped


def test_a_killed_replay_resumes_to_the_rows_of_an_uninterrupted_one(
    big_store: tuple[str, Registre],
) -> None:
    url, service = big_store
    projector = projector_for(service.store)
    assert projector.head() > 3000
    expected = {}
    for name in projector.projections:
        projector.replay(name)
        expected[name] = tables(projector, name)

    for name in projector.projections:
        generation = next(s for s in projector.status() if s.name == name).generation
        kill_mid_replay(url, projector, name)
        # Readers still see the old generation, complete.
        assert tables(projector, name) == expected[name]
        assert next(s for s in projector.status() if s.name == name).generation == generation

        projector.replay(name)
        assert tables(projector, name) == expected[name]
        after = next(s for s in projector.status() if s.name == name)
        assert after.rebuilding is None and after.generation == generation + 1
