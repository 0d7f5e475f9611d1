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
import json
import os
import shutil
import sqlite3
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import orjson
from sqlalchemy import Connection, Engine, create_engine, event, func, insert, select
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, DBAPIError, OperationalError

from screener.errors import PermissionDenied, StoreError
from screener.model import Record, SourceKind
from screener.store import schema

BUSY_TIMEOUT_MS = 60_000
_RECORD_FIELDS = [
    "source_id",
    "database",
    "source_file",
    "title",
    "abstract",
    "year",
    "journal",
    "volume",
    "issue",
    "pages",
    "doi",
    "pmid",
    "accession",
    "language",
    "publication_type",
    "url",
]


def shown_url(url: str) -> str:
    """A store URL fit to print: its password, if any, masked as `***`."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except (ArgumentError, ValueError):
        return url.replace(_password(url), "***") if _password(url) else url


def _password(url: str) -> str:
    """The password a URL carries ('' for none), found even where make_url fails."""
    try:
        return str(make_url(url).password or "")
    except (ArgumentError, ValueError):
        netloc = url.partition("://")[2].partition("/")[0]
        userinfo, at, _host = netloc.rpartition("@")
        return userinfo.partition(":")[2] if at else ""


def masked(message: str, url: str) -> str:
    """`message` with the URL's password masked wherever it appears (a driver's error may
    quote the connection string)."""
    password = _password(url)
    if password:
        from urllib.parse import quote, unquote

        for form in {password, quote(password, safe=""), unquote(password)}:
            if form:
                message = message.replace(form, "***")
    return message


def now() -> str:
    """UTC timestamp with microseconds, sortable as text."""
    return datetime.now(UTC).isoformat(timespec="microseconds")


def project_id(record_id: int) -> str:
    """The short, stable id users see and type: `R17`."""
    return f"R{record_id}"


def parse_project_id(value: str) -> int | None:
    v = value.strip()
    if v[:1] in ("R", "r") and v[1:].isdigit():
        return int(v[1:])
    return None


@dataclass(frozen=True, slots=True)
class StoredRecord:
    """A record as stored: its project id number, batch and source kind, and the record."""

    id: int
    batch_id: int
    source_kind: str
    record: Record

    @property
    def pid(self) -> str:
        return project_id(self.id)


@dataclass(frozen=True, slots=True)
class Event:
    """One row of the append-only screening log."""

    id: int
    ts: str
    record_id: int
    stage: str
    reviewer: str
    action: str
    decision: str
    reason: str
    note: str
    context: dict[str, Any]


@dataclass(frozen=True, slots=True)
class Batch:
    id: int
    path: str
    sha256: str
    source_label: str
    source_kind: str
    format: str
    encoding: str
    imported_at: str
    n_in_file: int
    n_imported: int
    n_skipped: int
    report: dict[str, Any]


@dataclass(frozen=True, slots=True)
class LinkEvent:
    id: int
    ts: str
    action: str
    record_id: int
    other_id: int
    method: str
    score: float
    actor: str
    detail: dict[str, Any]


@dataclass(frozen=True, slots=True)
class ReviewEvent:
    """One row of the review-level log (update rounds, blinding lifted)."""

    id: int
    ts: str
    action: str
    actor: str
    detail: dict[str, Any]


_DAMAGE = ("malformed", "file is not a database", "disk I/O error", "database corruption")


class DiskFull(StoreError):
    """The disk filled up during a write: the transaction was rolled back, nothing stored."""

    def __init__(self, database: str, what: str = "this command", needed_mb: int = 0) -> None:
        folder = Path(database).parent if database else Path(".")
        try:
            free = shutil.disk_usage(folder).free // 1_000_000
        except OSError:
            free = 0
        need = f"free {needed_mb} MB" if needed_mb else "free some space"
        super().__init__(
            f"disk full: nothing of {what} was stored; {need} on {folder} ({free} MB free now) "
            "and run it again"
        )
        self.database, self.needed_mb = database, needed_mb


class StoreDamaged(StoreError):
    """The store failed SQLite's integrity check: no write is accepted."""

    def __init__(self, problem: str, database: str) -> None:
        backups = (
            sorted(Path(database).parent.glob(Path(database).name + ".*bak")) if database else []
        )
        hint = f"; the latest backup is {backups[-1]}" if backups else ""
        super().__init__(
            f"the store {database or ''} is damaged ({' '.join(problem.split())[:200]}): nothing "
            f"is written to it; run `screener verify --as SENIOR` to see what is wrong, and "
            f"restore a backup or a copy{hint}"
        )


def _health_signature(database: str) -> str:
    parts = []
    for path in (database, database + "-wal"):
        try:
            st = os.stat(path)
            parts.append(f"{st.st_ino}:{st.st_size}:{st.st_mtime_ns}")
        except FileNotFoundError:
            parts.append("-")
    return " ".join(parts)


def _checked(database: str) -> bool:
    try:
        return Path(database + ".checked").read_text() == _health_signature(database)
    except OSError:
        return False


def _mark_checked(database: str) -> None:
    marker = Path(database + ".checked")
    tmp = marker.with_name(marker.name + f".{os.getpid()}")
    with suppress(OSError):
        tmp.write_text(_health_signature(database))
        tmp.replace(marker)


class AlreadyImported(StoreError):
    """The same bytes were imported before (perhaps a moment ago, by another process)."""

    def __init__(self, batch: Batch) -> None:
        super().__init__(f"already imported as batch {batch.id} ({batch.source_label})")
        self.batch = batch


def _lock_key(kind: str, value: str) -> int:
    """A 63-bit key for PostgreSQL's advisory locks."""
    digest = hashlib.sha256(f"screener:{kind}:{value}".encode()).digest()
    return int.from_bytes(digest[:8], "big") & 0x7FFF_FFFF_FFFF_FFFF


def _new_id(result: Any) -> int:
    """The primary key an INSERT created."""
    return int(result.inserted_primary_key[0])


def _dumps(value: Any) -> str:
    """JSON text of a record field (orjson: the import's hot path serialises three per record)."""
    return orjson.dumps(value).decode("utf-8")


# In the stored raw fields, a value identical to the record's (non-empty) title or abstract
# column is kept once, in the column: `raw[SAME]` maps the field to the column it equals.
# This halves what an import writes. Those columns are only ever filled when empty (dedup
# inheritance), never changed once set, so the reference stays exact.
SAME = "\u0000same"
_SHARED_COLUMNS = ("abstract", "title")


def _compact_raw(rec: Record) -> dict[str, Any]:
    raw = rec.raw
    same: dict[str, str] = {}
    for key, value in raw.items():
        single = value[0] if isinstance(value, list) and len(value) == 1 else None
        if isinstance(single, str) and single:
            for column in _SHARED_COLUMNS:
                if single == getattr(rec, column):
                    same[key] = column
                    break
    if not same:
        return raw
    compact: dict[str, Any] = {k: v for k, v in raw.items() if k not in same}
    compact[SAME] = same
    return compact


def _expand_raw(raw: dict[str, Any], rec: Record) -> dict[str, Any]:
    same = raw.pop(SAME, None)
    if same:
        for key, column in same.items():
            raw[key] = [getattr(rec, column)]
    return raw


_EXTRA_COLUMNS = ("batch_id", "position", "source_kind", "authors", "keywords", "raw")


def _record_row(rec: Record, batch_id: int, position: int, kind: str) -> dict[str, Any]:
    row = {f: getattr(rec, f) for f in _RECORD_FIELDS}
    row.update(
        batch_id=batch_id,
        position=position,
        source_kind=kind,
        authors=_dumps(rec.authors),
        keywords=_dumps(rec.keywords),
        raw=_dumps(_compact_raw(rec)),
    )
    return row


def _row_record(row: Any) -> StoredRecord:
    m = row._mapping
    rec = Record(**{f: m[f] for f in _RECORD_FIELDS})
    rec.authors = orjson.loads(m["authors"])
    rec.keywords = orjson.loads(m["keywords"])
    rec.raw = _expand_raw(orjson.loads(m["raw"]), rec)
    return StoredRecord(m["id"], m["batch_id"], m["source_kind"], rec)


class Store:
    """Records, import batches and the append-only logs of one review."""

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

    # -- schema -------------------------------------------------------------------------

    def schema_version(self) -> int:
        with self.read() as conn:
            row = conn.execute(
                select(schema.schema_info.c.value).where(
                    schema.schema_info.c.key == "schema_version"
                )
            ).first()
        return int(row[0]) if row else 0

    def _lock_schema(self, conn: Connection) -> None:
        """Serialise schema creation and migration between processes (SQLite: BEGIN IMMEDIATE
        already does; PostgreSQL: a transaction-scoped advisory lock)."""
        if not self.is_sqlite:
            conn.exec_driver_sql("SELECT pg_advisory_xact_lock(7305116)")

    @staticmethod
    def _version_in(conn: Connection) -> int:
        row = conn.execute(
            select(schema.schema_info.c.value).where(schema.schema_info.c.key == "schema_version")
        ).first()
        return int(row[0]) if row else 0

    def ensure_schema(self) -> None:
        from sqlalchemy import inspect

        existing = set(inspect(self.engine).get_table_names())
        if "schema_info" not in existing:
            if existing - {"schema_info"}:
                raise StoreError(
                    f"{self.shown_url}: not a screener store (tables {sorted(existing)})"
                )
            with self.write() as conn:
                self._lock_schema(conn)
                if "schema_info" in inspect(conn).get_table_names():
                    return  # another process created the store meanwhile
                schema.metadata.create_all(conn)
                conn.execute(
                    insert(schema.schema_info),
                    [
                        {"key": "schema_version", "value": str(schema.SCHEMA_VERSION)},
                        {"key": "created_at", "value": now()},
                    ],
                )
                if self.is_sqlite:
                    conn.exec_driver_sql(f"PRAGMA user_version = {schema.SCHEMA_VERSION}")
            return
        version = self.schema_version()
        if self.is_sqlite:  # both markers: a newer screener may have moved either
            with self.engine.connect() as conn:
                version = max(
                    version, int(conn.exec_driver_sql("PRAGMA user_version").scalar() or 0)
                )
        if version > schema.SCHEMA_VERSION:
            raise StoreError(
                f"{self.shown_url}: this store has schema version {version}, newer than this screener "
                f"understands ({schema.SCHEMA_VERSION}); upgrade screener to open it"
            )
        if version < schema.SCHEMA_VERSION:
            self._migrate(version)

    def _migrate(self, version: int) -> None:
        from screener.store import migrations

        if self.is_sqlite and self.engine.url.database:
            backup = migrations.sqlite_backup_path(Path(self.engine.url.database), version)
            with self.engine.connect() as conn:
                conn.exec_driver_sql("VACUUM INTO ?", (str(backup),))
        elif not self.is_sqlite:
            with self.write() as conn:
                migrations.backup_in_database(conn, version)
        steps = [m for m in migrations.MIGRATIONS if m.version > version]
        for step in sorted(steps, key=lambda m: m.version):
            with self.write() as conn:
                self._lock_schema(conn)
                if self._version_in(conn) >= step.version:
                    continue  # another process applied this step meanwhile
                step.apply(conn)
                conn.execute(
                    schema.schema_info.update()
                    .where(schema.schema_info.c.key == "schema_version")
                    .values(value=str(step.version))
                )
                if self.is_sqlite:
                    conn.exec_driver_sql(f"PRAGMA user_version = {step.version}")

    # -- batches and records ------------------------------------------------------------

    def batch_by_hash(self, sha256: str) -> Batch | None:
        with self.read() as conn:
            row = conn.execute(
                select(schema.batches).where(schema.batches.c.sha256 == sha256)
            ).first()
        return self._batch(row) if row else None

    def batches(self) -> list[Batch]:
        with self.read() as conn:
            rows = conn.execute(select(schema.batches).order_by(schema.batches.c.id)).all()
        return [self._batch(r) for r in rows]

    @staticmethod
    def _batch(row: Any) -> Batch:
        m = dict(row._mapping)
        m["report"] = json.loads(m["report"])
        return Batch(**m)

    def add_batch(
        self,
        *,
        path: str,
        sha256: str,
        source_label: str,
        source_kind: SourceKind | str,
        format: str,
        encoding: str,
        records: Iterable[Record],
        finish: Callable[[], tuple[int, dict[str, Any]]],
    ) -> tuple[int, int]:
        """Store one file's records in one transaction, streaming them in chunks.

        `finish()` is called after the last record and returns (records in file, report).
        Any exception rolls the whole file back. Returns (batch id, records stored).
        """
        kind = str(source_kind)
        with self.write() as conn:
            # The check and the insert in one write transaction: two imports of one file at
            # once store it once (SQLite: the write lock; PostgreSQL: an advisory lock per
            # file, and a unique index on the hash behind it).
            if sha256:
                if not self.is_sqlite:
                    conn.execute(select(func.pg_advisory_xact_lock(_lock_key("import", sha256))))
                earlier = conn.execute(
                    select(schema.batches).where(schema.batches.c.sha256 == sha256)
                ).first()
                if earlier is not None:
                    raise AlreadyImported(self._batch(earlier))
            batch_id = _new_id(
                conn.execute(
                    insert(schema.batches).values(
                        path=path,
                        sha256=sha256,
                        source_label=source_label,
                        source_kind=kind,
                        format=format,
                        encoding=encoding,
                        imported_at=now(),
                        n_in_file=0,
                        n_imported=0,
                        n_skipped=0,
                        report="{}",
                    )
                )
            )
            stored = 0
            chunk: list[Record] = []
            for rec in records:
                rec.database = source_label
                chunk.append(rec)
                if len(chunk) == 5000:
                    self._insert_records(conn, chunk, batch_id, kind, stored)
                    stored += len(chunk)
                    chunk = []
            if chunk:
                self._insert_records(conn, chunk, batch_id, kind, stored)
                stored += len(chunk)
            n_in_file, report = finish()
            conn.execute(
                schema.batches.update()
                .where(schema.batches.c.id == batch_id)
                .values(
                    n_in_file=n_in_file,
                    n_imported=stored,
                    n_skipped=n_in_file - stored,
                    report=json.dumps(report, ensure_ascii=False),
                )
            )
        return batch_id, stored

    def _insert_records(
        self, conn: Connection, chunk: Sequence[Record], batch_id: int, kind: str, offset: int
    ) -> None:
        """Bulk insert; on SQLite straight through the driver's executemany (5x faster)."""
        if not chunk:
            return
        if self.is_sqlite:
            cols = [*_RECORD_FIELDS, *_EXTRA_COLUMNS]
            sql = f"INSERT INTO records ({', '.join(cols)}) VALUES ({', '.join('?' * len(cols))})"
            conn.exec_driver_sql(
                sql,
                [
                    (
                        *(getattr(r, f) for f in _RECORD_FIELDS),
                        batch_id,
                        offset + i,
                        kind,
                        _dumps(r.authors),
                        _dumps(r.keywords),
                        _dumps(_compact_raw(r)),
                    )
                    for i, r in enumerate(chunk)
                ],
            )
        else:
            rows = [_record_row(r, batch_id, offset + i, kind) for i, r in enumerate(chunk)]
            conn.execute(insert(schema.records), rows)

    def count_records(self) -> int:
        with self.read() as conn:
            return int(conn.execute(select(func.count()).select_from(schema.records)).scalar_one())

    def records(self, ids: Iterable[int] | None = None) -> list[StoredRecord]:
        """All records (or the given ids) in project id order."""
        query = select(schema.records).order_by(schema.records.c.id)
        with self.read() as conn:
            if ids is None:
                return [_row_record(r) for r in conn.execute(query)]
            wanted = sorted(set(ids))
            out: list[StoredRecord] = []
            for start in range(0, len(wanted), 900):
                chunk = wanted[start : start + 900]
                out.extend(
                    _row_record(r)
                    for r in conn.execute(query.where(schema.records.c.id.in_(chunk)))
                )
            return out

    def record(self, record_id: int) -> StoredRecord | None:
        got = self.records([record_id])
        return got[0] if got else None

    def has_record(self, record_id: int) -> bool:
        with self.read() as conn:
            return (
                conn.execute(
                    select(schema.records.c.id).where(schema.records.c.id == record_id)
                ).first()
                is not None
            )

    def record_batches(self) -> list[tuple[int, int]]:
        """(id, batch_id) of every record: the cheapest full scan (the batch_id index)."""
        c = schema.records.c
        with self.read() as conn:
            return [(r[0], r[1]) for r in conn.execute(select(c.id, c.batch_id).order_by(c.id))]

    def batch_kinds(self) -> list[tuple[int, str]]:
        """(id, source_kind) of every import batch."""
        c = schema.batches.c
        with self.read() as conn:
            return [(r[0], r[1]) for r in conn.execute(select(c.id, c.source_kind).order_by(c.id))]

    def record_keys(self) -> list[tuple[int, int, str, str, str, str]]:
        """(id, batch_id, source_kind, source_id, pmid, doi) for every record: cheap lookups."""
        c = schema.records.c
        with self.read() as conn:
            rows = conn.execute(
                select(c.id, c.batch_id, c.source_kind, c.source_id, c.pmid, c.doi).order_by(c.id)
            ).all()
        return [(r[0], r[1], r[2], r[3], r[4], r[5]) for r in rows]

    def update_record_fields(self, record_id: int, fields: dict[str, Any]) -> None:
        """Fill fields a primary inherits from its duplicates (the raw import is untouched)."""
        with self.write() as conn:
            conn.execute(
                schema.records.update().where(schema.records.c.id == record_id).values(**fields)
            )

    # -- screening events -----------------------------------------------------------------

    def append_event(
        self,
        *,
        record_id: int,
        stage: str,
        reviewer: str,
        action: str,
        decision: str = "",
        reason: str = "",
        note: str = "",
        context: dict[str, Any] | None = None,
        conn: Connection | None = None,
    ) -> int:
        row = {
            "ts": now(),
            "record_id": record_id,
            "stage": stage,
            "reviewer": reviewer,
            "action": action,
            "decision": decision,
            "reason": reason,
            "note": note,
            "context": json.dumps(context or {}, ensure_ascii=False),
        }
        if conn is not None:
            return _new_id(conn.execute(insert(schema.events).values(**row)))
        with self.write() as c:
            return _new_id(c.execute(insert(schema.events).values(**row)))

    def append_events(
        self,
        rows: Sequence[dict[str, Any]],
        *,
        review_event: tuple[str, str, dict[str, Any]] | None = None,
    ) -> None:
        """Append many events in one transaction (all or nothing), with `review_event`
        (action, actor, detail) in the same transaction when given."""
        stamped = [
            {
                "ts": now(),
                "decision": "",
                "reason": "",
                "note": "",
                **r,
                "context": json.dumps(r.get("context") or {}, ensure_ascii=False),
            }
            for r in rows
        ]
        with self.write() as conn:
            for start in range(0, len(stamped), 5000):
                conn.execute(insert(schema.events), stamped[start : start + 5000])
            if review_event is not None:
                action, actor, detail = review_event
                conn.execute(insert(schema.review_events).values(
                    ts=now(), action=action, actor=actor,
                    detail=json.dumps(detail, ensure_ascii=False),
                ))  # fmt: skip

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

    def events(
        self,
        *,
        stage: str | None = None,
        reviewer: str | None = None,
        record_ids: Iterable[int] | None = None,
        actions: Iterable[str] | None = None,
    ) -> list[Event]:
        c = schema.events.c
        query = select(schema.events).order_by(c.id)
        if stage is not None:
            query = query.where(c.stage == stage)
        if reviewer is not None:
            query = query.where(c.reviewer == reviewer)
        if actions is not None:
            query = query.where(c.action.in_(list(actions)))
        if record_ids is not None:
            query = query.where(c.record_id.in_(list(record_ids)))
        with self.read() as conn:
            rows = conn.execute(query).all()
        return [Event(**{**r._mapping, "context": json.loads(r.context)}) for r in rows]

    # -- duplicate links ------------------------------------------------------------------

    def append_links(self, rows: Sequence[dict[str, Any]]) -> None:
        stamped = [
            {
                "ts": now(),
                "method": "",
                "score": 1.0,
                "actor": "",
                **r,
                "detail": json.dumps(r.get("detail") or {}, ensure_ascii=False),
            }
            for r in rows
        ]
        if not stamped:
            return
        with self.write() as conn:
            for start in range(0, len(stamped), 5000):
                conn.execute(insert(schema.links), stamped[start : start + 5000])

    def last_event_id(self) -> int | None:
        with self.read() as conn:
            return conn.execute(select(func.max(schema.events.c.id))).scalar()

    def last_link_id(self) -> int | None:
        with self.read() as conn:
            return conn.execute(select(func.max(schema.links.c.id))).scalar()

    def link_events(self) -> list[LinkEvent]:
        with self.read() as conn:
            rows = conn.execute(select(schema.links).order_by(schema.links.c.id)).all()
        return [LinkEvent(**{**r._mapping, "detail": json.loads(r.detail)}) for r in rows]

    # -- review-level events -------------------------------------------------------------

    def append_review_event(self, action: str, actor: str, detail: dict[str, Any]) -> int:
        with self.write() as conn:
            return _new_id(
                conn.execute(
                    insert(schema.review_events).values(
                        ts=now(), action=action, actor=actor,
                        detail=json.dumps(detail, ensure_ascii=False),
                    )
                )
            )  # fmt: skip

    def review_events(self) -> list[ReviewEvent]:
        with self.read() as conn:
            rows = conn.execute(
                select(schema.review_events).order_by(schema.review_events.c.id)
            ).all()
        return [ReviewEvent(**{**r._mapping, "detail": json.loads(r.detail)}) for r in rows]

    # -- integrity ----------------------------------------------------------------------

    def integrity_check(self) -> list[str]:
        """Problems the database engine itself reports (empty when healthy)."""
        if not self.is_sqlite:
            return []
        with self.read() as conn:
            rows = [r[0] for r in conn.exec_driver_sql("PRAGMA integrity_check")]
        return [] if rows == ["ok"] else rows


def file_sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


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
    "now",
    "open_store",
    "parse_project_id",
    "project_id",
    "shown_url",
]
