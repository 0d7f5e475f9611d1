"""Copy a review's store to another database (SQLite → PostgreSQL), losslessly.

Every table is copied row by row with its ids unchanged (project ids like `R17` and the
order of the append-only logs are ids), in one transaction on the target: either the
whole review arrives or nothing does. On PostgreSQL the id sequences are then moved past
the copied ids, so the next decision gets a fresh id. `compare_stores` checks the result
row by row.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from sqlalchemy import Connection, Integer, Table, func, insert, select, text

from screener.errors import StoreError
from screener.store import schema
from screener.store.store import Store

BATCH = 2000


def _tables() -> list[Table]:
    """Every table, parents before children (so foreign keys hold at every insert)."""
    return list(schema.metadata.sorted_tables)


def _order(table: Table) -> list[Any]:
    return list(table.primary_key.columns)


def _rows(conn: Connection, table: Table) -> Iterator[list[dict[str, Any]]]:
    """The table's rows in primary-key order, in batches, streamed (not all in memory)."""
    result = conn.execution_options(yield_per=BATCH).execute(select(table).order_by(*_order(table)))
    for part in result.partitions(BATCH):
        yield [dict(r._mapping) for r in part]


def _count(conn: Connection, table: Table) -> int:
    return int(conn.execute(select(func.count()).select_from(table)).scalar_one())


def _check_text(table: Table, rows: list[dict[str, Any]]) -> None:
    """PostgreSQL cannot store NUL characters in text: refuse before writing anything."""
    for row in rows:
        for key, value in row.items():
            if isinstance(value, str) and "\x00" in value:
                pk = ", ".join(f"{c.name}={row[c.name]}" for c in _order(table))
                raise StoreError(
                    f"{table.name} ({pk}), column {key!r}, contains a NUL character, which "
                    "PostgreSQL cannot store; nothing was copied"
                )


def fix_sequences(conn: Connection) -> None:
    """PostgreSQL: set each id sequence so the next id follows the largest copied one."""
    for table in _tables():
        pk = _order(table)
        if len(pk) != 1 or not isinstance(pk[0].type, Integer):
            continue
        name, col = table.name, pk[0].name
        conn.execute(
            text(
                f"SELECT setval(pg_get_serial_sequence(:t, :c), "
                f"COALESCE((SELECT MAX({col}) FROM {name}), 1), "
                f"(SELECT MAX({col}) FROM {name}) IS NOT NULL)"
            ),
            {"t": name, "c": col},
        )


def copy_store(
    source: Store, target: Store, *, progress: Callable[[str, int], None] | None = None
) -> dict[str, int]:
    """Copy every row of `source` into the empty store `target`; return rows per table.

    Both stores must be at this screener's schema version (opening them migrates older
    ones). The target must hold no review yet: a half-filled target is refused, not merged.
    """
    version = schema.SCHEMA_VERSION
    for store, what in ((source, "source"), (target, "target")):
        got = store.schema_version()
        if got != version:
            raise StoreError(f"the {what} store has schema version {got}, expected {version}")
    with target.read() as tconn:
        filled = {
            t.name: n for t in _tables() if t is not schema.schema_info and (n := _count(tconn, t))
        }
    if filled:
        listed = ", ".join(f"{k}: {v}" for k, v in filled.items())
        raise StoreError(
            f"the target store already holds data ({listed}); migrate into an empty database"
        )
    to_pg = target.engine.dialect.name == "postgresql"
    counts: dict[str, int] = {}
    with source.read() as sconn, target.write() as tconn:
        for table in _tables():
            n = 0
            if table is schema.schema_info:
                tconn.execute(table.delete())
            for rows in _rows(sconn, table):
                if to_pg:
                    _check_text(table, rows)
                tconn.execute(insert(table), rows)
                n += len(rows)
                if progress:
                    progress(table.name, n)
            counts[table.name] = n
        if to_pg:
            fix_sequences(tconn)
    return counts


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, float) or isinstance(b, float):
        try:
            return float(a) == float(b)
        except (TypeError, ValueError):
            return False
    return bool(a == b)


def compare_stores(a: Store, b: Store, *, limit: int = 20) -> list[str]:
    """Differences between two stores, table by table and row by row (empty when equal)."""
    problems: list[str] = []
    with a.read() as aconn, b.read() as bconn:
        for table in _tables():
            na, nb = _count(aconn, table), _count(bconn, table)
            if na != nb:
                problems.append(f"{table.name}: {na} rows vs {nb} rows")
            rows_a, rows_b = _flatten(_rows(aconn, table)), _flatten(_rows(bconn, table))
            for ra, rb in zip(rows_a, rows_b, strict=False):
                cols = [k for k in ra if not _same(ra[k], rb.get(k))]
                if cols:
                    pk = ", ".join(f"{c.name}={ra[c.name]}" for c in _order(table))
                    problems.append(f"{table.name} ({pk}): differs in {', '.join(cols)}")
                    if len(problems) >= limit:
                        return problems
    return problems


def _flatten(batches: Iterator[list[dict[str, Any]]]) -> Iterator[dict[str, Any]]:
    for batch in batches:
        yield from batch
