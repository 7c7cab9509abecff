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

On PostgreSQL, the command line's tests (``e2e``) run as the application role
that ``registre init --create-role`` makes, not as the tables' owner: the
role of the run (``app_role``, dropped at the end) is granted each store the
way ``init`` grants it, and the test gets a URL as that role (trust
authentication on the test server). The other layers run as the owner.

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


@dataclass
class AppRole:
    """The PostgreSQL role the command line's tests run as, made on first use."""

    name: str
    created: bool = False
    password: str = field(default_factory=lambda: uuid.uuid4().hex)

    def url(self, owner_url: str) -> str:
        """``owner_url``'s store (created if new), granted to the role as ``registre
        init --create-role`` grants it; the same store as a URL of the role."""
        from registre.adapters.stores import open_store
        from registre.adapters.stores.schema import grant_application_role

        with open_store(parse_url(owner_url), maintenance=True) as store:
            grant_application_role(store, self.name)
            with store.transaction(commit=True) as cursor:
                # For a server that asks for one (the local one trusts 127.0.0.1).
                cursor.execute(f"ALTER ROLE \"{self.name}\" PASSWORD '{self.password}'")
        self.created = True
        parts = urlsplit(owner_url)
        netloc = f"{self.name}:{self.password}@{parts.hostname}:{parts.port or 5432}"
        return urlunsplit((parts.scheme, netloc, parts.path, parts.query, ""))


@pytest.fixture(scope="session")
def app_role() -> Iterator[AppRole]:
    """The application role of this run. The databases it owns objects in are
    dropped before it (they depend on this fixture); then it is dropped."""
    role = AppRole(f"registre_app_{os.getpid()}_{uuid.uuid4().hex[:6]}")
    yield role
    if role.created:
        import psycopg

        with psycopg.connect(_admin_url(), autocommit=True, connect_timeout=5) as admin:
            admin.execute(f'DROP ROLE IF EXISTS "{role.name}"')


def as_app_role(request: pytest.FixtureRequest, store_kind: str) -> bool:
    """Whether the test's PostgreSQL store is used through the application role."""
    return store_kind == "postgres" and layer_of(request.node) == "e2e"


@pytest.fixture(scope="session")
def postgres_database(postgres_admin: Any, app_role: AppRole) -> Iterator[str]:
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
    if as_app_role(request, store_kind):
        role: AppRole = request.getfixturevalue("app_role")
        return role.url(url)
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
    role: AppRole
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
        """``kind`` is sqlite, postgres, or postgres-role: recorded by the application
        role (``AppRole``), which each copy then runs as."""
        key = (name, kind)
        if key not in self.recorded:
            if kind == "sqlite":
                url = str(self.folder / f"{name}.db")
            elif kind in ("postgres", "postgres-role"):
                url = _with_db(_admin_url(), self._new_database(), "schema=registre")
                if kind == "postgres-role":
                    url = self.role.url(url)
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
            parts = urlsplit(original.url)
            template = parts.path.lstrip("/")
            url = _with_db(_admin_url(), self._new_database(template), "schema=registre")
            if kind == "postgres-role":
                # The copy holds the grants and the role's read models: the role runs it.
                copied = urlsplit(url)
                url = urlunsplit((copied.scheme, parts.netloc, copied.path, copied.query, ""))
        # The copy is the same deployment: it finds the recording's keys by its name.
        return url, original.output

    def drop(self) -> None:
        if self.admin is not None:
            with self.admin:
                for name in self.databases:
                    self.admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="session")
def recordings(
    tmp_path_factory: pytest.TempPathFactory, request: pytest.FixtureRequest, app_role: AppRole
) -> Iterator[Recordings]:
    shared = Recordings(tmp_path_factory.mktemp("recordings"), request, app_role)
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


def _recording_kind(request: pytest.FixtureRequest, store_kind: str) -> str:
    if store_kind == "ram":
        return "sqlite"
    return "postgres-role" if as_app_role(request, store_kind) else store_kind


@pytest.fixture
def demo_url(recordings: Recordings, store_kind: str, request: pytest.FixtureRequest) -> str:
    """A store of its own holding the demonstration programme, as `registre demo` records it.

    Unit tests read it from a SQLite file: the demo is recorded once per run."""
    url, _ = recordings.copy("demo", _recording_kind(request, store_kind), record_demo)
    return url


@pytest.fixture
def set_up_url(recordings: Recordings, store_kind: str, request: pytest.FixtureRequest) -> str:
    """A store of its own holding the command line tests' programme up to its first
    vote (``cli_support.SETUP``), recorded once per run and kind."""
    from cli_support import record_set_up

    url, _ = recordings.copy("cli-set-up", _recording_kind(request, store_kind), record_set_up)
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
