"""Where the record is kept: SQLite by default, PostgreSQL in production.

``config`` reads the store's URL, ``dialect`` knows how the two stores differ,
``schema`` creates and upgrades the tables, ``recorders`` write a command's
events with their ledger leaves and personal data in one transaction, and
``store`` opens it all.
"""

from registre.adapters.stores.config import StoreConfig, StoreUnavailable, parse_url, resolve_url
from registre.adapters.stores.store import RegistreApp, Store, open_store

__all__ = [
    "RegistreApp",
    "Store",
    "StoreConfig",
    "StoreUnavailable",
    "open_store",
    "parse_url",
    "resolve_url",
]
