"""What a deduplication run reads and writes in the store: the items to match, the records
and pairs already linked or queued, the primary of a group and the fields it inherits, and
the link rows."""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Sequence
from typing import Any

from sqlalchemy import bindparam, select

from screener.dedup.items import Item
from screener.model import Record
from screener.store import schema
from screener.store.store import LinkEvent, Store, StoredRecord, now

# Fields a primary inherits from its duplicates when it lacks them.
INHERITED = ("doi", "pmid", "abstract", "authors", "year", "journal", "volume", "issue",
             "pages", "keywords", "language")  # fmt: skip
_RECORD_FIELDS = ("source_id", "database", "source_file", "title", "abstract", "year", "journal",
                  "volume", "issue", "pages", "doi", "pmid", "accession", "language",
                  "publication_type", "url")  # fmt: skip
_COMPLETE = ("title", "abstract", "authors", "year", "journal", "volume", "issue", "pages",
             "doi", "pmid")  # fmt: skip


# -- reading --------------------------------------------------------------------------------


def load_items(store: Store) -> list[Item]:
    """Every record that takes part in deduplication, a previous review's search included.

    A new record that matches a record of the previous search is linked to it (the previous
    record is made the primary), so it is counted as a duplicate and never screened again.
    """
    c = schema.records.c
    query = select(
        c.id, c.source_kind, c.database, c.title, c.authors, c.year, c.journal, c.volume,
        c.pages, c.doi, c.pmid, c.accession, c.abstract, c.publication_type, c.source_id,
    ).order_by(c.id)  # fmt: skip
    items: list[Item] = []
    with store.read() as conn:
        for row in conn.execute(query):
            authors = json.loads(row.authors) if row.authors and row.authors != "[]" else []
            items.append(
                Item(
                    id=row.id, title=row.title, authors=authors[:12], year=row.year,
                    journal=row.journal, volume=row.volume, pages=row.pages, doi=row.doi,
                    pmid=row.pmid, accession=row.accession, database=row.database,
                    abstract=row.abstract, publication_type=row.publication_type,
                    source_id=row.source_id,
                )
            )  # fmt: skip
    return items


def item_of(record_id: int, r: Record) -> Item:
    """The fields dedup compares, from a record (authors capped at 12)."""
    return Item(
        id=record_id,
        title=r.title,
        authors=r.authors[:12],
        year=r.year,
        journal=r.journal,
        volume=r.volume,
        pages=r.pages,
        doi=r.doi,
        pmid=r.pmid,
        accession=r.accession,
        database=r.database,
        abstract=r.abstract,
        publication_type=r.publication_type,
        source_id=r.source_id,
    )


def load_item(rec: StoredRecord) -> Item:
    return item_of(rec.id, rec.record)


def link_pairs(store: Store) -> list[LinkEvent]:
    """The link log without timestamps and details: enough to know the groups (fast)."""
    t = schema.links.c
    query = select(t.id, t.action, t.record_id, t.other_id).order_by(t.id)
    with store.read() as conn:
        return [LinkEvent(r.id, "", r.action, r.record_id, r.other_id, "", 0.0, "", {})
                for r in conn.execute(query)]  # fmt: skip


def load_records(store: Store, ids: Sequence[int]) -> dict[int, StoredRecord]:
    """Records by id without their raw import (what choosing a primary and inheriting need)."""
    c = schema.records.c
    cols = [c.id, c.batch_id, c.source_kind, c.authors, c.keywords,
            *(getattr(c, f) for f in _RECORD_FIELDS)]  # fmt: skip
    wanted = set(ids)
    out: dict[int, StoredRecord] = {}

    def add(rows: Any) -> None:
        for row in rows:
            if row.id not in wanted:
                continue
            m = row._mapping
            rec = Record(**{f: m[f] for f in _RECORD_FIELDS})
            rec.authors = json.loads(m["authors"])
            rec.keywords = json.loads(m["keywords"])
            out[row.id] = StoredRecord(row.id, row.batch_id, row.source_kind, rec)

    with store.read() as conn:
        if len(wanted) > 2000:
            add(conn.execute(select(*cols)))
        else:
            ordered = sorted(wanted)
            for start in range(0, len(ordered), 900):
                chunk = ordered[start : start + 900]
                add(conn.execute(select(*cols).where(c.id.in_(chunk))))
    return out


def queued_pairs(store: Store) -> list[dict[str, Any]]:
    t = schema.dup_candidates
    with store.read() as conn:
        rows = conn.execute(select(t).order_by(t.c.id)).all()
    return [{**r._mapping, "detail": json.loads(r.detail or "{}")} for r in rows]


# -- primaries and inheritance ----------------------------------------------------------------


def completeness(rec: StoredRecord) -> tuple[int, int, int]:
    """More filled fields first, then a longer abstract, then the earlier record."""
    r = rec.record
    filled = sum(1 for f in _COMPLETE if getattr(r, f) not in ("", None, []))
    return (filled, len(r.abstract), -rec.id)


def _value(rec: StoredRecord, name: str) -> Any:
    return getattr(rec.record, name)


def _empty(value: Any) -> bool:
    return value in ("", None, [])


def inherit(primary: StoredRecord, donors: Sequence[StoredRecord]) -> dict[str, tuple[Any, int]]:
    """Fields the primary lacks → (value, donor id), from the most complete donor first."""
    out: dict[str, tuple[Any, int]] = {}
    ranked = sorted(donors, key=completeness, reverse=True)
    for name in INHERITED:
        if not _empty(_value(primary, name)):
            continue
        for d in ranked:
            v = _value(d, name)
            if not _empty(v):
                out[name] = (v, d.id)
                break
    return out


def _db_value(name: str, value: Any) -> Any:
    if name in ("authors", "keywords"):
        return json.dumps(value, ensure_ascii=False)
    return value


def write_fields(conn: Any, updates: dict[int, dict[str, Any]]) -> None:
    """Fill primaries' fields in the open transaction (one statement per field set)."""
    by_cols: dict[tuple[str, ...], list[dict[str, Any]]] = defaultdict(list)
    for rid, fields in updates.items():
        if not fields:
            continue
        cols = tuple(sorted(fields))
        by_cols[cols].append({"b_rid": rid, **{f"b_{k}": _db_value(k, fields[k]) for k in cols}})
    t = schema.records
    for cols, rows in by_cols.items():
        stmt = (
            t.update()
            .where(t.c.id == bindparam("b_rid"))
            .values(**{k: bindparam(f"b_{k}") for k in cols})
        )
        conn.execute(stmt, rows)


def link_row(
    dup: int, primary: int, *, method: str, score: float, actor: str, detail: dict[str, Any]
) -> dict[str, Any]:
    return {
        "ts": now(), "action": "link", "record_id": dup, "other_id": primary, "method": method,
        "score": float(score), "actor": actor,
        "detail": json.dumps(detail, ensure_ascii=False, default=str),
    }  # fmt: skip


def _pair_fields(a: StoredRecord, b: StoredRecord) -> dict[str, Any]:
    return {"records": [a.pid, b.pid], "databases": [a.record.database, b.record.database]}
