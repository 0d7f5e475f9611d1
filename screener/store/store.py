"""The review store: `Store` composed of its concerns, and `open_store`.

Each concern lives in its own module: the engine, transactions and health in
`screener.store.connection`, schema creation and migration in `versions`, batches and records
in `records`, the screening and review logs in `events`, duplicate links in `links`; the row
types in `rows`, the store's failures in `failures`, URL masking in `urls`. The names are
re-exported here.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from sqlalchemy import create_engine
from sqlalchemy.exc import DBAPIError, OperationalError

from screener.errors import StoreError
from screener.store.connection import BUSY_TIMEOUT_MS, StoreBase, _sqlite_engine
from screener.store.events import EventsMixin
from screener.store.failures import AlreadyImported, DiskFull, StoreDamaged
from screener.store.links import LinksMixin
from screener.store.records import RecordsMixin
from screener.store.rows import (
    Batch,
    Event,
    LinkEvent,
    ReviewEvent,
    StoredRecord,
    now,
    parse_project_id,
    project_id,
)
from screener.store.urls import masked, shown_url
from screener.store.versions import SchemaMixin


class Store(SchemaMixin, RecordsMixin, EventsMixin, LinksMixin, StoreBase):
    """Records, import batches and the append-only logs of one review."""


def file_sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def open_store(url: str, *, create: bool = True, synchronous: str = "FULL") -> Store:
    """Open (and create or migrate) the store at a SQLAlchemy URL."""
    if url.startswith("sqlite"):
        path = url.split("///", 1)[-1]
        if path and path != ":memory:":
            p = Path(path)
            if not p.exists() and not create:
                raise StoreError(f"no store at {p}")
            p.parent.mkdir(parents=True, exist_ok=True)
        if synchronous.upper() not in ("FULL", "NORMAL", "EXTRA"):
            raise StoreError(f"synchronous must be FULL, NORMAL or EXTRA, not {synchronous!r}")
        engine = _sqlite_engine(url, synchronous.upper())
    else:
        try:
            engine = create_engine(url, pool_pre_ping=True)
        except Exception as exc:  # driver missing, bad URL
            raise StoreError(
                f"cannot open store {shown_url(url)}: {masked(str(exc), url)}"
            ) from exc
    store = Store(engine, url)
    try:
        store.check_health()
        if store.damaged is not None and not Path(store.database).stat().st_size:
            store.damaged = None  # a new, empty file: nothing to damage
        store.ensure_schema()
    except OperationalError as exc:
        detail = " ".join(str(exc.orig).split())
        raise StoreError(f"cannot open store {shown_url(url)}: {masked(detail, url)}") from exc
    except DBAPIError as exc:  # unreadable: damaged beyond what quick_check could say
        raise StoreDamaged(str(exc.orig), store.database) from exc
    except StoreError as exc:
        if isinstance(exc, StoreDamaged):
            raise
        if isinstance(exc.__cause__, OperationalError):
            detail = " ".join(str(exc.__cause__.orig).split())
            raise StoreError(f"cannot open store {shown_url(url)}: {masked(detail, url)}") from exc
        raise
    return store


__all__ = [
    "BUSY_TIMEOUT_MS",
    "AlreadyImported",
    "Batch",
    "DiskFull",
    "Event",
    "LinkEvent",
    "ReviewEvent",
    "Store",
    "StoreDamaged",
    "StoredRecord",
    "file_sha256",
    "masked",
    "now",
    "open_store",
    "parse_project_id",
    "project_id",
    "shown_url",
]
