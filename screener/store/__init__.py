"""The review store: SQLite (WAL) by default, PostgreSQL behind the same interface."""

from screener.store.store import Store, open_store

__all__ = ["Store", "open_store"]
