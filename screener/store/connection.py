"""One store interface over SQLAlchemy Core for SQLite and PostgreSQL.

SQLite runs in WAL mode with `synchronous=FULL` by default: a decision is on disk when
`decide` returns, so a crash, a kill or a power cut loses at most the keystroke in flight.
The price is one fsync per decision (about 4 ms on this project's CI disk). A review may
choose `durability = "normal"` (`synchronous=NORMAL`): still safe across crashes and
kill -9, since WAL commits are atomic, but the last decisions may be lost in a power cut. Writers
take the lock up front (`BEGIN IMMEDIATE`) and wait up to `busy_timeout` for it, so two
reviewers' processes never see "database is locked".
"""

from __future__ import annotations

import hashlib
import sqlite3
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, event, func, select
from sqlalchemy.exc import DBAPIError, OperationalError

from screener.errors import PermissionDenied, StoreError
from screener.store.failures import _DAMAGE, DiskFull, StoreDamaged, _checked, _mark_checked
from screener.store.urls import masked, shown_url

BUSY_TIMEOUT_MS = 60_000


def _lock_key(kind: str, value: str) -> int:
    """A 63-bit key for PostgreSQL's advisory locks."""
    digest = hashlib.sha256(f"screener:{kind}:{value}".encode()).digest()
    return int.from_bytes(digest[:8], "big") & 0x7FFF_FFFF_FFFF_FFFF


def _new_id(result: Any) -> int:
    """The primary key an INSERT created."""
    return int(result.inserted_primary_key[0])


class StoreBase:
    """The engine of one review's store: transactions, health, locks (the concerns of `Store`
    build on it)."""

    def __init__(self, engine: Engine, url: str) -> None:
        self.engine = engine
        self.url = url
        self.is_sqlite = engine.dialect.name == "sqlite"
        self.damaged: str | None = None  # what SQLite's quick_check found, if anything
        self._wrote = False
        self._disk_full = False

    # -- transactions -------------------------------------------------------------------

    @contextmanager
    def write(self) -> Iterator[Connection]:
        """A write transaction; on SQLite it takes the write lock at once and waits for it."""
        if not self.is_sqlite:
            with self._refusals(), self.engine.begin() as conn:
                yield conn
            return
        if self.damaged is not None:
            raise StoreDamaged(self.damaged, self.database)
        conn = self.engine.connect()
        try:
            with self._refusals():
                for attempt in range(20):
                    try:
                        conn.exec_driver_sql("BEGIN IMMEDIATE")
                        break
                    except OperationalError as exc:  # busy beyond busy_timeout: back off, retry
                        if "locked" not in str(exc) or attempt == 19:
                            raise StoreError(f"the store is busy: {exc.orig}") from exc
                        time.sleep(0.05 * (attempt + 1))
                try:
                    yield conn
                    conn.exec_driver_sql("COMMIT")
                except BaseException:
                    with suppress(DBAPIError):  # a rollback after a full disk may fail too
                        conn.exec_driver_sql("ROLLBACK")
                    raise
            self._wrote = True
        finally:
            conn.close()
            if self._disk_full:
                self._truncate_wal()

    @contextmanager
    def read(self) -> Iterator[Connection]:
        with self._refusals(), self.engine.connect() as conn:
            yield conn

    @contextmanager
    def _refusals(self) -> Iterator[None]:
        """The server's refusals (missing privilege, row-level security) as one line; a lost
        connection as a store error with the URL's password masked."""
        try:
            yield
        except DBAPIError as exc:
            if self.is_sqlite:
                message = str(exc.orig)
                if "database or disk is full" in message:
                    self._disk_full = True
                    raise DiskFull(self.database) from exc
                if any(sign in message for sign in _DAMAGE):
                    raise StoreDamaged(message, self.database) from exc
                raise
            first = (str(exc.orig).strip().splitlines() or [""])[0]
            if getattr(exc.orig, "sqlstate", None) == "42501":
                raise PermissionDenied(
                    f"the database refused this login: {masked(first, self.url)}"
                ) from exc
            if isinstance(exc, OperationalError):
                raise StoreError(f"store {self.shown_url}: {masked(first, self.url)}") from exc
            raise

    @property
    def shown_url(self) -> str:
        """The store's URL with its password masked."""
        return shown_url(self.url)

    def close(self) -> None:
        if self.is_sqlite and self.database and self.damaged is None and self._wrote:
            _mark_checked(self.database)  # our own writes keep a healthy store healthy
        self.engine.dispose()

    # -- health -------------------------------------------------------------------------

    @property
    def database(self) -> str:
        """The SQLite file ('' for a server or an in-memory store)."""
        name = self.engine.url.database if self.is_sqlite else None
        return name if name and name != ":memory:" else ""

    def check_health(self) -> None:
        """SQLite's quick_check, unless the file is as this code last left it or found it
        healthy (a marker beside it records its size and time): a damaged store refuses
        every write; reads go on, and fail with one line where the damage is."""
        if not self.database or _checked(self.database):
            return
        try:
            with self.engine.connect() as conn:
                rows = [r[0] for r in conn.exec_driver_sql("PRAGMA quick_check")]
        except DBAPIError as exc:
            rows = [str(exc.orig)]
        if rows == ["ok"]:
            _mark_checked(self.database)
        else:
            self.damaged = "; ".join(rows[:3])

    def _truncate_wal(self) -> None:
        """After a full disk, give the space of the rolled-back write back (WAL truncated)."""
        self._disk_full = False
        with suppress(DBAPIError), self.engine.connect() as conn:
            conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")

    @contextmanager
    def build_lock(self) -> Iterator[None]:
        """Held while a review is built from its config, so that processes opening a new
        review at once build it once (SQLite: a lock file beside the store; PostgreSQL: a
        session advisory lock)."""
        if self.is_sqlite:
            database = self.engine.url.database
            if not database or database == ":memory:":
                yield
                return
            import fcntl

            with open(f"{database}.build.lock", "a+") as fh:
                fcntl.flock(fh, fcntl.LOCK_EX)
                try:
                    yield
                finally:
                    fcntl.flock(fh, fcntl.LOCK_UN)
            return
        with self.engine.connect() as conn:
            key = _lock_key("build", str(self.engine.url.database))
            conn.execute(select(func.pg_advisory_lock(key)))
            try:
                yield
            finally:
                conn.execute(select(func.pg_advisory_unlock(key)))

    # -- integrity ----------------------------------------------------------------------

    def integrity_check(self) -> list[str]:
        """Problems the database engine itself reports (empty when healthy)."""
        if not self.is_sqlite:
            return []
        with self.read() as conn:
            rows = [r[0] for r in conn.exec_driver_sql("PRAGMA integrity_check")]
        return [] if rows == ["ok"] else rows


def _sqlite_engine(url: str, synchronous: str = "FULL") -> Engine:
    engine = create_engine(
        url,
        connect_args={"timeout": BUSY_TIMEOUT_MS / 1000, "check_same_thread": False},
        isolation_level="AUTOCOMMIT",
    )

    @event.listens_for(engine, "connect")
    def _pragmas(dbapi_conn: Any, _record: Any) -> None:
        cur = dbapi_conn.cursor()
        cur.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
        # Switching a new file to WAL needs a moment alone with it; when several processes
        # create one store at once, SQLite can answer "locked" without waiting: retry.
        for attempt in range(100):
            try:
                cur.execute("PRAGMA journal_mode=WAL")
                break
            except sqlite3.OperationalError as exc:
                if "locked" not in str(exc) or attempt == 99:
                    raise
                time.sleep(0.02 * (1 + attempt % 10))
        cur.execute(f"PRAGMA synchronous={synchronous}")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
        cur.close()

    return engine
