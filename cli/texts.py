"""Texts of the command line's help that ``registre --help`` shows without
importing what the commands need."""

from __future__ import annotations

# The store's URL variable, as ``registre.adapters.stores.config.ENV_VAR`` reads it
# (kept here so that --help does not import the stores).
DATABASE_ENV = "REGISTRE_DATABASE_URL"


def example(*lines: str) -> str:
    """An epilog for --help; ``\\b`` keeps click from rewrapping the command lines."""
    return "\b\nExample:\n" + "\n".join(f"  {line}" for line in lines)


def database_help() -> str:
    return (
        f"Store URL: a SQLite file or postgresql://USER@HOST:PORT/DB?schema=S "
        f"(or set {DATABASE_ENV}; default registre.db here)."
    )
