"""The suite in three layers, and the stores each layer runs on.

- ``unit``: the domain, and the handlers, service, projections and importers
  through the real ``Registre`` on a SQLite file kept in memory (``/dev/shm``).
  The bulk of the suite, and the default for a test's ``service``.
- ``integration``: the store itself (recorders, triggers, concurrency, roles,
  replays, verification, checkpoints, schema), and the places where SQLite and
  PostgreSQL must give the same answers: every test on both stores.
- ``e2e``: the ``registre`` command, end to end, on a SQLite file; the tests
  whose path differs on PostgreSQL say so with ``@pytest.mark.stores(...)``.

A module says its layer with ``LAYER = "unit"`` (or ``"integration"``,
``"e2e"``), and one test of it may say another with ``@pytest.mark.integration``
(and so on); a module that says nothing is ``integration``, on both stores, as
every store-backed test used to be. Each test gets the mark of its one layer:
``pytest -m unit`` runs one layer. ``@pytest.mark.stores("sqlite", "postgres")``
overrides the stores of a test or a module; the fixtures ``store_kind``,
``store_url`` and ``service`` follow it.

Stores that many tests start from (the demonstration programme, the command
line's set-up, the five source programmes) are recorded once per run and
store kind, and each test gets a copy of its own (``Recordings``): a SQLite
file copied, a PostgreSQL database made from the recording as a template. A
test cannot change what another one reads.

PostgreSQL is a real server: the one named by ``REGISTRE_TEST_POSTGRES_URL``
(a URL to a maintenance database such as ``postgresql://postgres@host:5432/postgres``),
or else the local one at 127.0.0.1:5432. The suite creates its own database for
the run, one schema per test, and drops it (and the recordings' copies) at the
end. Where no server answers, PostgreSQL tests skip on a developer's machine and
fail in CI (``CI=true``), where skipping would hide a missing server.
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import pytest

from registre.adapters.application import Registre
from registre.adapters.stores.config import parse_url

# The benchmarks' generator of consultations lives with the benchmarks.
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "bench"))

DEFAULT_ADMIN_URL = "postgresql://postgres@127.0.0.1:5432/postgres"
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")

LAYERS = ("unit", "integration", "e2e")
DEFAULT_LAYER = "integration"
STORES = {"unit": ("ram",), "integration": ("sqlite", "postgres"), "e2e": ("sqlite",)}
KINDS = ("ram", "sqlite", "postgres")
# A folder in memory for the unit tests' SQLite files: the same code path as a
# file on disk, without waiting for the disk. (Not ``:memory:``: there the
# library makes reads wait for the writer, and a projection's catch-up, which
# reads the log inside its write transaction, times out.)
RAM = Path("/dev/shm")


def ram_dir() -> Path | None:
    """The folder in memory, if this machine has one we may write to."""
    return RAM if RAM.is_dir() and os.access(RAM, os.W_OK) else None


# -- layers ---------------------------------------------------------------------------


def layer_of(definition: pytest.Item) -> str:
    """A test's own layer mark, else its module's ``LAYER``, else ``integration``."""
    own = [m.name for m in definition.own_markers if m.name in LAYERS]
    if len(own) > 1:
        raise pytest.UsageError(f"{definition.nodeid} is in more than one layer: {own}")
    if own:
        return own[0]
    module = getattr(definition, "module", None)
    layer: str = getattr(module, "LAYER", DEFAULT_LAYER)
    if layer not in LAYERS:
        raise pytest.UsageError(f"{definition.nodeid}: LAYER {layer!r} is not one of {LAYERS}")
    return layer


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """Parametrizes ``store_kind`` by the test's layer, or its ``stores`` mark."""
    if "store_kind" not in metafunc.fixturenames:
        return
    marker = metafunc.definition.get_closest_marker("stores")
    kinds: tuple[str, ...] = (
        tuple(marker.args) if marker is not None else STORES[layer_of(metafunc.definition)]
    )
    unknown = set(kinds) - set(KINDS)
    if unknown:
        raise pytest.UsageError(f"{metafunc.definition.nodeid}: unknown stores {sorted(unknown)}")
    metafunc.parametrize(
        "store_kind",
        [pytest.param(k, marks=pytest.mark.postgres) if k == "postgres" else k for k in kinds],
    )


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Every test carries the mark of its one layer, so that ``-m unit`` selects a layer
    (before ``-m`` deselects)."""
    for item in items:
        layer = layer_of(item)
        if item.get_closest_marker(layer) is None:
            item.add_marker(layer)


# -- PostgreSQL -------------------------------------------------------------------------


def _admin_url() -> str:
    return os.environ.get("REGISTRE_TEST_POSTGRES_URL", DEFAULT_ADMIN_URL)


def _with_db(url: str, dbname: str, query: str = "") -> str:
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, f"/{dbname}", query, ""))


def _run_name() -> str:
    return f"registre_test_{os.getpid()}_{uuid.uuid4().hex[:8]}"


@pytest.fixture(scope="session")
def postgres_admin() -> Iterator[Any]:
    """An autocommit connection to the maintenance database, for the run."""
    import psycopg

    admin = _admin_url()
    try:
        conn = psycopg.connect(admin, autocommit=True, connect_timeout=5)
    except psycopg.Error as error:
        message = f"no PostgreSQL server at {admin}: {str(error).strip()}"
        if IN_CI:
            pytest.fail(message + " (CI must not skip PostgreSQL tests)")
        pytest.skip(message)
    with conn:
        yield conn


@pytest.fixture(scope="session")
def postgres_database(postgres_admin: Any) -> Iterator[str]:
    """A fresh database for this test run; yields its URL (no schema)."""
    name = _run_name()
    postgres_admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield _with_db(_admin_url(), name)
    finally:
        postgres_admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def postgres_url(postgres_database: str) -> str:
    """A URL to a schema of its own in the run's database."""
    return f"{postgres_database}?schema=t_{uuid.uuid4().hex[:12]}"


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return str(tmp_path / "registre.db")


# -- the store of a test, by its layer --------------------------------------------------


@pytest.fixture(scope="session")
def ram_folder(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """The run's folder in memory (on disk where there is no /dev/shm)."""
    ram = ram_dir()
    if ram is None:
        yield tmp_path_factory.mktemp("ram")
        return
    folder = Path(tempfile.mkdtemp(prefix="registre-tests-", dir=ram))
    try:
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture
def store_url(store_kind: str, request: pytest.FixtureRequest) -> str:
    """The URL of an empty store of the test's kind (see the layers above)."""
    if store_kind == "ram":
        folder: Path = request.getfixturevalue("ram_folder")
        return str(folder / f"registre-{uuid.uuid4().hex[:12]}.db")
    name = "sqlite_url" if store_kind == "sqlite" else "postgres_url"
    url: str = request.getfixturevalue(name)
    return url


@pytest.fixture
def service(store_url: str) -> Iterator[Registre]:
    """The real service on an empty store of the test's kind."""
    svc = Registre.open(parse_url(store_url))
    try:
        yield svc
    finally:
        svc.close()


# -- recordings shared by many tests ----------------------------------------------------


@dataclass
class Recording:
    """A store recorded once: its URL (never given to a test) and what recording it said."""

    kind: str
    url: str
    output: Any


@dataclass
class Recordings:
    """Stores recorded once per run and kind, and copied for each test that uses them.

    SQLite: the file is copied. PostgreSQL: the recording is a database of its
    own, used as the template of a new database for each copy (its schema and
    tables come along). The deployment's signing key is copied with the store,
    as its name follows the store's location.
    """

    folder: Path
    request: pytest.FixtureRequest
    recorded: dict[tuple[str, str], Recording] = field(default_factory=dict)
    databases: list[str] = field(default_factory=list)
    admin: Any = None

    def _admin(self) -> Any:
        """A connection of its own to the maintenance database (the run's one may be
        closed before the recordings are dropped); fails or skips as the run's does."""
        if self.admin is None:
            import psycopg

            self.request.getfixturevalue("postgres_admin")
            self.admin = psycopg.connect(_admin_url(), autocommit=True, connect_timeout=5)
        return self.admin

    def _new_database(self, template: str | None = None) -> str:
        name = _run_name()
        clause = f' TEMPLATE "{template}"' if template else ""
        self._admin().execute(f'CREATE DATABASE "{name}"{clause}')
        self.databases.append(name)
        return name

    def recording(self, name: str, kind: str, record: Callable[[str], Any]) -> Recording:
        key = (name, kind)
        if key not in self.recorded:
            if kind == "sqlite":
                url = str(self.folder / f"{name}.db")
            elif kind == "postgres":
                url = _with_db(_admin_url(), self._new_database(), "schema=registre")
            else:
                raise pytest.UsageError(f"a recording is kept on sqlite or postgres, not {kind}")
            self.recorded[key] = Recording(kind, url, record(url))
        return self.recorded[key]

    def copy(
        self, name: str, kind: str, record: Callable[[str], Any], to: Path | None = None
    ) -> tuple[str, Any]:
        """A new store holding the recording ``name`` (recorded by ``record(url)``
        the first time), and what recording it said; for SQLite, in the file ``to``
        if given."""
        original = self.recording(name, kind, record)
        if kind == "sqlite":
            url = str(to or self.folder / f"{name}-{uuid.uuid4().hex[:12]}.db")
            for suffix in ("", "-wal", "-shm"):
                source = Path(original.url + suffix)
                if source.exists():
                    shutil.copyfile(source, url + suffix)
        else:
            template = urlsplit(original.url).path.lstrip("/")
            url = _with_db(_admin_url(), self._new_database(template), "schema=registre")
        # The copy is the same deployment: it finds the recording's keys by its name.
        return url, original.output

    def drop(self) -> None:
        if self.admin is not None:
            with self.admin:
                for name in self.databases:
                    self.admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="session")
def recordings(
    tmp_path_factory: pytest.TempPathFactory, request: pytest.FixtureRequest
) -> Iterator[Recordings]:
    shared = Recordings(tmp_path_factory.mktemp("recordings"), request)
    try:
        yield shared
    finally:
        shared.drop()


def record_demo(url: str) -> list[str]:
    """`registre demo` into an empty store; the lines it printed."""
    import json

    from click.testing import CliRunner

    from registre.cli.main import main

    result = CliRunner().invoke(main, ["--json", "--database", url, "demo"])
    assert result.exit_code == 0, result.stderr
    lines: list[str] = json.loads(result.stdout)["lines"]
    return lines


@pytest.fixture
def demo_url(recordings: Recordings, store_kind: str) -> str:
    """A store of its own holding the demonstration programme, as `registre demo` records it.

    Unit tests read it from a SQLite file: the demo is recorded once per run."""
    kind = "sqlite" if store_kind == "ram" else store_kind
    url, _ = recordings.copy("demo", kind, record_demo)
    return url


@pytest.fixture
def set_up_url(recordings: Recordings, store_kind: str) -> str:
    """A store of its own holding the command line tests' programme up to its first
    vote (``cli_support.SETUP``), recorded once per run and kind."""
    from cli_support import record_set_up

    kind = "sqlite" if store_kind == "ram" else store_kind
    url, _ = recordings.copy("cli-set-up", kind, record_set_up)
    return url


@pytest.fixture(scope="session", autouse=True)
def _session_key_dir(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """Signing keys made by `registre init` go to a folder of the test run, not the
    user's; the same folder for the whole run, as recordings outlive a test."""
    if "REGISTRE_KEY_DIR" in os.environ:
        yield
        return
    os.environ["REGISTRE_KEY_DIR"] = str(tmp_path_factory.getbasetemp() / "keys")
    try:
        yield
    finally:
        os.environ.pop("REGISTRE_KEY_DIR", None)
