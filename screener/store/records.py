"""Import batches and their records: stored in chunks, read back as `StoredRecord`s."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Sequence
from typing import Any

import orjson
from sqlalchemy import Connection, func, insert, select

from screener.model import Record, SourceKind
from screener.store import schema
from screener.store.connection import StoreBase, _lock_key, _new_id
from screener.store.failures import AlreadyImported
from screener.store.rows import Batch, StoredRecord, now

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


class RecordsMixin(StoreBase):
    """Import batches and records."""

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
