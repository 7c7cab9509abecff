"""Stores for the tests: every store-backed test runs on SQLite and PostgreSQL.

PostgreSQL is a real server: the one named by ``REGISTRE_TEST_POSTGRES_URL``
(a URL to a maintenance database such as ``postgresql://postgres@host:5432/postgres``),
or else the local one at 127.0.0.1:5432. The suite creates its own database for
the run, one schema per test, and drops the database at the end. Where no
server answers, PostgreSQL tests skip on a developer's machine and fail in CI
(``CI=true``), where skipping would hide a missing server.
"""

from __future__ import annotations

import os
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest

from registre.adapters.application import Registre
from registre.adapters.stores.config import parse_url

# The benchmarks' generator of consultations lives with the benchmarks.
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "bench"))

DEFAULT_ADMIN_URL = "postgresql://postgres@127.0.0.1:5432/postgres"
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")


def _admin_url() -> str:
    return os.environ.get("REGISTRE_TEST_POSTGRES_URL", DEFAULT_ADMIN_URL)


def _with_db(url: str, dbname: str, query: str = "") -> str:
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, f"/{dbname}", query, ""))


@pytest.fixture(scope="session")
def postgres_database() -> Iterator[str]:
    """A fresh database for this test run; yields its URL (no schema)."""
    import psycopg

    admin = _admin_url()
    try:
        conn = psycopg.connect(admin, autocommit=True, connect_timeout=5)
    except psycopg.Error as error:
        message = f"no PostgreSQL server at {admin}: {str(error).strip()}"
        if IN_CI:
            pytest.fail(message + " (CI must not skip PostgreSQL tests)")
        pytest.skip(message)
    name = f"registre_test_{os.getpid()}_{uuid.uuid4().hex[:8]}"
    with conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield _with_db(admin, name)
    finally:
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def postgres_url(postgres_database: str) -> str:
    """A URL to a schema of its own in the run's database."""
    return f"{postgres_database}?schema=t_{uuid.uuid4().hex[:12]}"


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return str(tmp_path / "registre.db")


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def store_url(request: pytest.FixtureRequest) -> str:
    """The URL of an empty store, once per kind of store."""
    name = "sqlite_url" if request.param == "sqlite" else "postgres_url"
    url: str = request.getfixturevalue(name)
    return url


@pytest.fixture
def service(store_url: str) -> Iterator[Registre]:
    svc = Registre.open(parse_url(store_url))
    try:
        yield svc
    finally:
        svc.close()


@pytest.fixture(autouse=True)
def _key_dir(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    """Signing keys made by `registre init` go to a folder of the test run, not the user's."""
    if "REGISTRE_KEY_DIR" not in os.environ:
        monkeypatch.setenv("REGISTRE_KEY_DIR", str(tmp_path_factory.getbasetemp() / "keys"))
