"""Named, transactional schema migrations.

A store records its version in `schema_info` (and, on SQLite, in `PRAGMA user_version`).
Opening a store of an older version first takes a backup — a copy of the SQLite file
beside it (`screener.sqlite.v1.bak`), or on PostgreSQL a copy of every table into a
schema `screener_backup_v1_<time>` of the same database — then applies each named step
in order, each in its own transaction together with the version bump, so a failed step
leaves the store at the previous version. A store of a newer version is refused.

To change the schema: bump `schema.SCHEMA_VERSION` to N, change the tables in
`schema.py` (new stores are created at version N directly), and append
`Migration(N, "what_it_does", apply)` here, where `apply(conn)` turns a version N-1
store into a version N one. `check_migrations()` (run by the tests) keeps the list and
the version coherent.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import Connection, inspect


@dataclass(frozen=True)
class Migration:
    version: int
    name: str
    apply: Callable[[Connection], None]


def add_review_events(conn: Connection) -> None:
    """v2: the log of review-level events (update rounds, blinding lifted)."""
    from screener.store import schema

    schema.review_events.create(conn)


def unique_batch_hash(conn: Connection) -> None:
    """v3: one import per file. A store that already holds a file twice (imports raced before
    this version) keeps both; `screener verify` reports them."""
    from sqlalchemy import func, select

    from screener.store import schema

    b = schema.batches.c
    twice = conn.execute(
        select(b.sha256).where(b.sha256 != "").group_by(b.sha256).having(func.count() > 1)
    ).first()
    if twice is None:
        schema.UNIQUE_BATCH_HASH.create(conn)


# Version 1 is the initial schema created by `metadata.create_all`; later steps append here.
MIGRATIONS: list[Migration] = [
    Migration(2, "add_review_events", add_review_events),
    Migration(3, "unique_batch_hash", unique_batch_hash),
]


def check_migrations(migrations: list[Migration], current: int) -> list[str]:
    """Problems with a migration list: steps must go 2, 3, … up to `current`, named."""
    problems = []
    versions = [m.version for m in migrations]
    if versions != list(range(2, current + 1)):
        problems.append(f"migration versions {versions} should be {list(range(2, current + 1))}")
    for m in migrations:
        if not m.name.isidentifier():
            problems.append(
                f"migration {m.version} needs a name like 'add_column_x', not {m.name!r}"
            )
    names = [m.name for m in migrations]
    if len(set(names)) != len(names):
        problems.append("two migrations share a name")
    return problems


def sqlite_backup_path(db: Path, version: int) -> Path:
    """`screener.sqlite.v1.bak` beside the store, never overwriting an earlier backup."""
    target = db.with_name(f"{db.name}.v{version}.bak")
    if target.exists():
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%f")
        target = db.with_name(f"{db.name}.v{version}.{stamp}.bak")
    return target


def backup_in_database(conn: Connection, version: int) -> str:
    """PostgreSQL: copy every table into a new schema of the same database; its name."""
    name = f"screener_backup_v{version}_{datetime.now(UTC).strftime('%Y%m%d%H%M%S%f')}"
    quote = conn.dialect.identifier_preparer.quote
    conn.exec_driver_sql(f"CREATE SCHEMA {quote(name)}")
    for table in inspect(conn).get_table_names():
        conn.exec_driver_sql(f"CREATE TABLE {quote(name)}.{quote(table)} AS TABLE {quote(table)}")
    return name
