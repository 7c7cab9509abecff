"""The PostgreSQL session settings a store URL gives: the defaults Registre
chooses, and the URL's own values where it names them."""

from __future__ import annotations

import pytest

from registre.adapters.stores import open_store
from registre.adapters.stores.config import parse_url

LAYER = "integration"
pytestmark = pytest.mark.stores("postgres")


def _setting(url: str, name: str) -> str:
    store = open_store(parse_url(url))
    try:
        with store.transaction() as cursor:
            cursor.execute(f"SHOW {name}")
            row = cursor.fetchone()
    finally:
        store.close()
    return str(next(iter(row.values())) if isinstance(row, dict) else row[0])


def test_a_reading_transaction_may_pause_a_minute_by_default(store_url: str) -> None:
    # The library's 5 s cut a long import's funding on a busy machine.
    assert _setting(store_url, "idle_in_transaction_session_timeout") == "1min"


def test_the_url_sets_its_own_pause(store_url: str) -> None:
    url = f"{store_url}&idle_in_transaction_session_timeout=7"
    assert _setting(url, "idle_in_transaction_session_timeout") == "7s"
