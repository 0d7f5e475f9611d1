"""The checks of `screener verify` on the store itself: engine, schema, references, batches."""

from __future__ import annotations

from collections import defaultdict

from sqlalchemy import select

from screener.store import Store, schema
from screener.store.store import project_id
from screener.verify.report import VerifyReport


def check_engine(store: Store, report: VerifyReport) -> None:
    for line in store.integrity_check():
        report.add("engine", f"integrity check: {line}")
    if store.is_sqlite:
        with store.read() as conn:
            for table, rowid, parent, _fk in conn.exec_driver_sql("PRAGMA foreign_key_check"):
                report.add("engine", f"{table} row {rowid} references a missing {parent} row")


def check_schema(store: Store, report: VerifyReport) -> None:
    version = store.schema_version()
    if version != schema.SCHEMA_VERSION:
        report.add("schema", f"schema version {version}, expected {schema.SCHEMA_VERSION}")


def check_references(store: Store, report: VerifyReport) -> set[int]:
    """Rows pointing at missing records or batches; returns the ids of existing records."""
    r, b = schema.records, schema.batches
    with store.read() as conn:
        record_ids = {row[0] for row in conn.execute(select(r.c.id))}
        batch_ids = {row[0] for row in conn.execute(select(b.c.id))}
        for rid, batch in conn.execute(select(r.c.id, r.c.batch_id)):
            if batch not in batch_ids:
                report.add("references", f"record {project_id(rid)}: no import batch {batch}")
        e = schema.events
        for eid, rid in conn.execute(select(e.c.id, e.c.record_id).order_by(e.c.id)):
            if rid not in record_ids:
                report.add("references", f"event {eid}: no record {project_id(rid)}")
        lk = schema.links
        for lid, a, o in conn.execute(select(lk.c.id, lk.c.record_id, lk.c.other_id)):
            for x in (a, o):
                if x not in record_ids:
                    report.add("references", f"link {lid}: no record {project_id(x)}")
        d = schema.dup_candidates
        for cid, a, o in conn.execute(select(d.c.id, d.c.record_a, d.c.record_b)):
            for x in (a, o):
                if x not in record_ids:
                    report.add(
                        "references", f"duplicate candidate {cid}: no record {project_id(x)}"
                    )
    return record_ids


def check_batches(store: Store, report: VerifyReport) -> None:
    per_batch: dict[int, int] = defaultdict(int)
    for _rid, batch_id, *_ in store.record_keys():
        per_batch[batch_id] += 1
    batches = store.batches()
    by_hash: dict[str, list[int]] = defaultdict(list)
    for batch in batches:
        if batch.sha256:
            by_hash[batch.sha256].append(batch.id)
    for sha, ids in by_hash.items():
        if len(ids) > 1:
            first = next(b for b in batches if b.id == ids[0])
            report.add(
                "batches",
                f"{first.path}: the same file imported {len(ids)} times (batches "
                f"{', '.join(map(str, ids))}, sha256 {sha[:12]}…): its records are counted "
                f"{len(ids)} times",
            )
    for batch in batches:
        held = per_batch.get(batch.id, 0)
        if held != batch.n_imported:
            report.add(
                "batches",
                f"batch {batch.id} ({batch.path}): {held} records stored, "
                f"its report says {batch.n_imported} were imported",
            )
        if batch.n_in_file != batch.n_imported + batch.n_skipped:
            report.add(
                "batches",
                f"batch {batch.id}: {batch.n_in_file} records in file ≠ "
                f"{batch.n_imported} imported + {batch.n_skipped} skipped",
            )
