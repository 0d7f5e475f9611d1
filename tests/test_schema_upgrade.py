"""Schema upgrades: an older store is backed up then migrated in place; a newer one refused.

An "older" store is fabricated by registering a test migration to the next version
(monkeypatching `MIGRATIONS` and `SCHEMA_VERSION`): a store written at the current version is
then older than the code. The real migrations are tested from a version-1 store.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from sqlalchemy import Connection, inspect, text

from screener.cli import main
from screener.errors import StoreError
from screener.model import Record
from screener.store import migrations, open_store, schema
from screener.store.migrations import Migration, check_migrations
from tests import pg
from tests.pg import add_records, make_review

backend_url = pg.backend_url  # the fixture


def add_flag_column(conn: Connection) -> None:
    conn.execute(text("ALTER TABLE records ADD COLUMN test_flag TEXT NOT NULL DEFAULT 'new'"))


def fill(url: str, n: int = 3) -> None:
    store = open_store(url)
    add_records(store, [Record(title=f"t{i}") for i in range(n)])
    store.append_event(record_id=1, stage="title_abstract", reviewer="alice", action="decide",
                       decision="include")  # fmt: skip
    store.close()


CURRENT = schema.SCHEMA_VERSION
NEXT = CURRENT + 1


def as_version_2(monkeypatch: pytest.MonkeyPatch, apply=add_flag_column) -> None:
    """Pretend the code is one version ahead of the stores `fill` writes."""
    monkeypatch.setattr(schema, "SCHEMA_VERSION", NEXT)
    monkeypatch.setattr(
        migrations, "MIGRATIONS", [*migrations.MIGRATIONS, Migration(NEXT, "add_test_flag", apply)]
    )


def test_the_real_migration_list_is_coherent() -> None:
    assert check_migrations(migrations.MIGRATIONS, schema.SCHEMA_VERSION) == []
    bad = [Migration(3, "x", add_flag_column), Migration(3, "x", add_flag_column),
           Migration(4, "not a name", add_flag_column)]  # fmt: skip
    problems = check_migrations(bad, 3)
    assert len(problems) == 3 and "not a name" in problems[1] and "share a name" in problems[2]


def test_older_store_is_backed_up_then_migrated(
    backend_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    fill(backend_url)
    as_version_2(monkeypatch)
    store = open_store(backend_url)
    try:
        assert store.schema_version() == NEXT
        assert "test_flag" in {c["name"] for c in inspect(store.engine).get_columns("records")}
        with store.read() as conn:
            flags = [r[0] for r in conn.execute(text("SELECT test_flag FROM records ORDER BY id"))]
        assert flags == ["new"] * 3
        assert store.count_records() == 3 and len(store.events()) == 1  # nothing lost
        if store.is_sqlite:
            assert store.engine.url.database is not None
            db = Path(store.engine.url.database)
            backup = db.with_name(db.name + f".v{CURRENT}.bak")
            assert backup.exists()
            with sqlite3.connect(backup) as old:
                assert old.execute(
                    "SELECT value FROM schema_info WHERE key='schema_version'"
                ).fetchone() == (str(CURRENT),)
                assert old.execute("SELECT count(*) FROM records").fetchone() == (3,)
                cols = [r[1] for r in old.execute("PRAGMA table_info(records)")]
                assert "test_flag" not in cols
            with sqlite3.connect(db) as new:
                assert new.execute("PRAGMA user_version").fetchone() == (NEXT,)
        else:
            schemas = [
                s
                for s in inspect(store.engine).get_schema_names()
                if s.startswith(f"screener_backup_v{CURRENT}_")
            ]
            assert len(schemas) == 1
            with store.read() as conn:
                n = conn.execute(text(f'SELECT count(*) FROM "{schemas[0]}".records')).scalar()
                version = conn.execute(
                    text(
                        f"SELECT value FROM \"{schemas[0]}\".schema_info WHERE key='schema_version'"
                    )
                ).scalar()
            assert (n, version) == (3, str(CURRENT))
    finally:
        store.close()
    again = open_store(backend_url)  # already at version 2: opened as it is
    try:
        assert again.schema_version() == NEXT
    finally:
        again.close()


def test_failed_migration_leaves_the_old_version(
    backend_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    fill(backend_url)

    def broken(conn: Connection) -> None:
        add_flag_column(conn)
        raise RuntimeError("step failed half-way")

    as_version_2(monkeypatch, broken)
    with pytest.raises(RuntimeError):
        open_store(backend_url)
    monkeypatch.undo()
    store = open_store(backend_url)
    try:
        assert store.schema_version() == CURRENT
        assert "test_flag" not in {c["name"] for c in inspect(store.engine).get_columns("records")}
        assert store.count_records() == 3
    finally:
        store.close()


def test_second_backup_does_not_overwrite_the_first(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    db = tmp_path / "s.sqlite"
    (tmp_path / f"s.sqlite.v{CURRENT}.bak").write_text("an earlier backup")
    fill(f"sqlite:///{db}")
    as_version_2(monkeypatch)
    open_store(f"sqlite:///{db}").close()
    assert (tmp_path / f"s.sqlite.v{CURRENT}.bak").read_text() == "an earlier backup"
    assert len(list(tmp_path.glob(f"s.sqlite.v{CURRENT}.*.bak"))) == 1


def test_newer_store_is_refused(backend_url: str) -> None:
    fill(backend_url)
    store = open_store(backend_url)
    with store.write() as conn:
        conn.execute(
            schema.schema_info.update()
            .where(schema.schema_info.c.key == "schema_version")
            .values(value=str(schema.SCHEMA_VERSION + 5))
        )
    store.close()
    with pytest.raises(StoreError, match="newer than this screener understands"):
        open_store(backend_url)


def test_newer_store_refused_by_the_cli(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    db = tmp_path / "r" / "s.sqlite"
    config = make_review(tmp_path / "r", f"sqlite:///{db}", n_records=2)
    assert main(["--config", str(config), "status"]) == 0
    with sqlite3.connect(db) as conn:
        conn.execute("UPDATE schema_info SET value='99' WHERE key='schema_version'")
    capsys.readouterr()
    assert main(["--config", str(config), "status"]) == 1
    err = capsys.readouterr().err
    assert "schema version 99" in err and "upgrade screener" in err


def test_a_version_1_store_gets_every_later_step(tmp_path: Path) -> None:
    """The real migrations on a store as version 1 wrote it: the review event log (v2) and
    the unique index on the import hash (v3)."""
    db = tmp_path / "old.sqlite"
    fill(f"sqlite:///{db}")
    with sqlite3.connect(db) as conn:  # turn it back into what version 1 created
        conn.execute("DROP TABLE review_events")
        conn.execute("DROP INDEX ux_batches_sha256")
        conn.execute("UPDATE schema_info SET value='1' WHERE key='schema_version'")
        conn.execute("PRAGMA user_version = 1")
    store = open_store(f"sqlite:///{db}")
    try:
        assert store.schema_version() == CURRENT >= 2
        assert "review_events" in inspect(store.engine).get_table_names()
        indexes = {i["name"]: i for i in inspect(store.engine).get_indexes("batches")}
        assert indexes["ux_batches_sha256"]["unique"]
        assert store.count_records() == 3 and len(store.events()) == 1
        assert (tmp_path / "old.sqlite.v1.bak").exists()
    finally:
        store.close()


def test_a_store_holding_a_file_twice_still_opens(tmp_path: Path) -> None:
    """Imports that raced before version 3 may have stored a file twice: the migration keeps
    both batches (verify reports them) rather than failing to open the store."""
    db = tmp_path / "twice.sqlite"
    fill(f"sqlite:///{db}")
    with sqlite3.connect(db) as conn:
        conn.execute("DROP INDEX ux_batches_sha256")
        for _ in range(2):
            conn.execute(
                "INSERT INTO batches (path, sha256, source_label, source_kind, format, encoding, "
                "imported_at, n_in_file, n_imported, n_skipped, report) VALUES "
                "('a.ris', 'abc', 'DB', 'database', 'ris', 'utf-8', 'now', 0, 0, 0, '{}')"
            )
        conn.execute("UPDATE schema_info SET value='2' WHERE key='schema_version'")
        conn.execute("PRAGMA user_version = 2")
    store = open_store(f"sqlite:///{db}")
    try:
        assert store.schema_version() == CURRENT
        assert [b.sha256 for b in store.batches()].count("abc") == 2
    finally:
        store.close()
