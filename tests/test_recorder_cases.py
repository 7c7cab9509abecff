"""The ``eventsourcing`` library's own recorder test cases, run against the
ledgered recorders on SQLite (file and in-memory) and PostgreSQL.

The recorders add a ledger table, refusal triggers and a locking function to
the library's recorders; these cases show they still honour every promise the
library's recorders make (ordering, gaps, concurrency, topics filters...).

``AggregateRecorderTestCase`` is for aggregate recorders only (it expects
``insert_events`` to return no positions); ``ApplicationRecorderTestCase``
extends its checks to application recorders such as these, and the library
runs it, not the aggregate case, on its own application recorders.

Every case runs, the library's concurrency and performance ones included
(a few seconds in all), except ``test_concurrent_no_conflicts`` on SQLite:
see ``READERS_OUTLIVE``.
"""

from __future__ import annotations

import os
import tempfile
import uuid
from typing import Any

import psycopg
import pytest
from eventsourcing.persistence import (
    AggregateRecorder,
    ApplicationRecorder,
    ProcessRecorder,
    TrackingRecorder,
)
from eventsourcing.postgres import (
    PostgresAggregateRecorder,
    PostgresDatastore,
    PostgresFactory,
    PostgresProcessRecorder,
    PostgresTrackingRecorder,
)
from eventsourcing.sqlite import (
    SQLiteAggregateRecorder,
    SQLiteDatastore,
    SQLiteFactory,
    SQLiteProcessRecorder,
    SQLiteTrackingRecorder,
)
from eventsourcing.tests.persistence import (
    ApplicationRecorderTestCase,
    InfrastructureFactoryTestCase,
    NonInterleavingNotificationIDsBaseCase,
)
from eventsourcing.utils import Environment

from registre.adapters.stores.config import parse_url
from registre.adapters.stores.postgres_recorder import LedgeredPostgresRecorder
from registre.adapters.stores.recorders import LedgeredSQLiteRecorder

LAYER = "integration"

# The case leaves its reader threads running when it ends; on SQLite they then
# read through connections that tearDown closes, and sqlite3 crashes the whole
# run (SIGSEGV) now and then. PostgreSQL runs it; NonInterleaving covers
# concurrent writers on SQLite.
READERS_OUTLIVE = "its reader threads outlive it and crash sqlite3 at tearDown"

# -- SQLite -------------------------------------------------------------------------------


class SQLiteFile:
    db_name: str = ""
    datastore: SQLiteDatastore

    def setUp(self) -> None:
        self._dir = tempfile.TemporaryDirectory()
        self.db_name = os.path.join(self._dir.name, "recorder.db")
        self.datastore = SQLiteDatastore(self.db_name)
        super().setUp()  # type: ignore[misc]

    def tearDown(self) -> None:
        super().tearDown()  # type: ignore[misc]
        self.datastore.close()
        self._dir.cleanup()

    def create_recorder(self) -> LedgeredSQLiteRecorder:
        recorder = LedgeredSQLiteRecorder(self.datastore)
        recorder.create_table()
        return recorder


class SQLiteMemory(SQLiteFile):
    def setUp(self) -> None:
        self._dir = tempfile.TemporaryDirectory()
        # Shared cache, so the cases' threads see one database, as the library does.
        name = f"file:registre_{uuid.uuid4().hex}?mode=memory&cache=shared"
        self.datastore = SQLiteDatastore(name)


class TestSQLiteFileApplicationCases(SQLiteFile, ApplicationRecorderTestCase[Any]):
    @pytest.mark.skip(reason=READERS_OUTLIVE)
    def test_concurrent_no_conflicts(self, initial_position: int = 0) -> None: ...


class TestSQLiteFileNonInterleaving(SQLiteFile, NonInterleavingNotificationIDsBaseCase):
    pass


class TestSQLiteMemoryApplicationCases(SQLiteMemory, ApplicationRecorderTestCase[Any]):
    @pytest.mark.skip(reason=READERS_OUTLIVE)
    def test_concurrent_no_conflicts(self, initial_position: int = 0) -> None: ...


class TestSQLiteMemoryNonInterleaving(SQLiteMemory, NonInterleavingNotificationIDsBaseCase):
    pass


class TrackingSubclass(SQLiteTrackingRecorder):
    pass


class TestSQLiteFactory(InfrastructureFactoryTestCase[SQLiteFactory]):
    def setUp(self) -> None:
        self._dir = tempfile.TemporaryDirectory()
        config = parse_url(os.path.join(self._dir.name, "factory.db"))
        self.env = Environment("Registre", config.env)
        super().setUp()

    def tearDown(self) -> None:
        super().tearDown()
        self._dir.cleanup()

    def expected_factory_class(self) -> type[SQLiteFactory]:
        return SQLiteFactory

    def expected_aggregate_recorder_class(self) -> type[AggregateRecorder]:
        return SQLiteAggregateRecorder

    def expected_application_recorder_class(self) -> type[ApplicationRecorder]:
        return LedgeredSQLiteRecorder

    def expected_tracking_recorder_class(self) -> type[TrackingRecorder]:
        return SQLiteTrackingRecorder

    def tracking_recorder_subclass(self) -> type[TrackingRecorder]:
        return TrackingSubclass

    def expected_process_recorder_class(self) -> type[ProcessRecorder]:
        return SQLiteProcessRecorder


# -- PostgreSQL ---------------------------------------------------------------------------


class PostgresSchema:
    """A schema of its own in the run's database (``postgres_database`` in
    conftest: it fails in CI rather than skip when no server answers)."""

    database_url: str
    schema: str
    datastore: PostgresDatastore
    env: Environment

    @pytest.fixture(autouse=True)
    def _database(self, postgres_database: str) -> None:
        self.database_url = postgres_database

    def url(self) -> str:
        return f"{self.database_url}?schema={self.schema}"

    def setUp(self) -> None:
        self.schema = f"rc_{uuid.uuid4().hex[:12]}"
        env = parse_url(self.url()).env
        with psycopg.connect(self.database_url, autocommit=True) as conn:
            conn.execute(f"CREATE SCHEMA {self.schema}")
        self.datastore = PostgresDatastore(
            env["POSTGRES_DBNAME"],
            env["POSTGRES_HOST"],
            env["POSTGRES_PORT"],
            env["POSTGRES_USER"],
            env["POSTGRES_PASSWORD"],
            schema=self.schema,
            pool_size=4,
            lock_timeout=10,
        )
        # For the factory case: the environment the application gives it.
        self.env = Environment("Registre", env)
        super().setUp()  # type: ignore[misc]

    def tearDown(self) -> None:
        super().tearDown()  # type: ignore[misc]
        self.datastore.close()
        with psycopg.connect(self.database_url, autocommit=True) as conn:
            conn.execute(f"DROP SCHEMA IF EXISTS {self.schema} CASCADE")

    def create_recorder(self) -> LedgeredPostgresRecorder:
        recorder = LedgeredPostgresRecorder(self.datastore, events_table_name="stored_events")
        recorder.create_table()
        return recorder


@pytest.mark.postgres
class TestPostgresApplicationCases(PostgresSchema, ApplicationRecorderTestCase[Any]):
    pass


@pytest.mark.postgres
class TestPostgresNonInterleaving(PostgresSchema, NonInterleavingNotificationIDsBaseCase):
    pass


class PgTrackingSubclass(PostgresTrackingRecorder):
    pass


@pytest.mark.postgres
class TestPostgresFactory(PostgresSchema, InfrastructureFactoryTestCase[PostgresFactory]):
    def expected_factory_class(self) -> type[PostgresFactory]:
        return PostgresFactory

    def expected_aggregate_recorder_class(self) -> type[AggregateRecorder]:
        return PostgresAggregateRecorder

    def expected_application_recorder_class(self) -> type[ApplicationRecorder]:
        return LedgeredPostgresRecorder

    def expected_tracking_recorder_class(self) -> type[TrackingRecorder]:
        return PostgresTrackingRecorder

    def tracking_recorder_subclass(self) -> type[TrackingRecorder]:
        return PgTrackingSubclass

    def expected_process_recorder_class(self) -> type[ProcessRecorder]:
        return PostgresProcessRecorder
