"""Bad days for the store: a full disk, damaged pages, a store written by a newer screener.

Each ends in one line and a non-zero exit, never a traceback, and nothing half-written.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import event

from screener.project import Project
from screener.store import schema
from screener.store.store import DiskFull
from tests.conftest import write_config
from tests.pg import ris_text


def screener(folder: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "screener", "--config",
                           str(folder / "config.toml"), *args],
                          capture_output=True, text=True, timeout=300)  # fmt: skip


def one_line_error(p: subprocess.CompletedProcess[str], needle: str) -> None:
    assert p.returncode == 1, (p.returncode, p.stdout, p.stderr)
    assert "Traceback" not in p.stdout + p.stderr
    lines = [line for line in p.stderr.splitlines() if line.startswith("screener:")]
    assert lines and needle in lines[-1], p.stderr


def test_a_full_store_stores_nothing_of_the_import(tmp_path: Path) -> None:
    """SQLite's own 'database or disk is full' (a page limit stands in for the disk): the
    import is rolled back whole and the error says so, with how much to free."""
    project = Project.open(write_config(tmp_path))
    try:
        (tmp_path / "small.ris").write_text(ris_text(5), encoding="utf-8")
        project.import_file(tmp_path / "small.ris")
        pages = project.store.engine.connect().exec_driver_sql("PRAGMA page_count").scalar()

        @event.listens_for(project.store.engine, "connect")
        def _limit(dbapi_conn, _record) -> None:  # type: ignore[no-untyped-def]
            dbapi_conn.execute(f"PRAGMA max_page_count = {int(pages) + 5}")

        project.store.engine.dispose()
        (tmp_path / "big.ris").write_text(ris_text(3000, start=100), encoding="utf-8")
        with pytest.raises(DiskFull, match=r"disk full: nothing of this import was stored; free"):
            project.import_file(tmp_path / "big.ris")
        assert project.store.count_records() == 5 and len(project.store.batches()) == 1
    finally:
        project.close()


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    """A 4 MB tmpfs (as root where mounting is allowed); skipped elsewhere."""
    mount = tmp_path / f"disk-{uuid.uuid4().hex[:6]}"
    mount.mkdir()
    ok = shutil.which("mount") and os.geteuid() == 0 and subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=4m", "tmpfs", str(mount)], capture_output=True
    ).returncode == 0  # fmt: skip
    if not ok:
        pytest.skip("cannot mount a small tmpfs here (needs root and mount)")
    try:
        yield mount
    finally:
        subprocess.run(["umount", "-l", str(mount)], capture_output=True)


def test_a_full_disk_is_one_line_and_gives_the_space_back(small_disk: Path, tmp_path: Path) -> None:
    folder = small_disk / "review"
    folder.mkdir()
    write_config(folder)
    (tmp_path / "small.ris").write_text(ris_text(20), encoding="utf-8")
    assert screener(folder, "import", str(tmp_path / "small.ris")).returncode == 0
    (tmp_path / "big.ris").write_text(ris_text(20000, start=100), encoding="utf-8")  # ~4 MB
    p = screener(folder, "import", str(tmp_path / "big.ris"))
    one_line_error(p, "disk full: nothing of this import was stored")
    wal = folder / "screener.sqlite-wal"
    assert not wal.exists() or wal.stat().st_size < 1_000_000  # the rolled-back write is gone
    status = screener(folder, "status", "--json")
    assert status.returncode == 0 and '"records": 20' in status.stdout
    assert screener(folder, "decide", "R1", "include", "--reviewer", "reviewer1").returncode == 0


def damage(db: Path) -> None:
    """Overwrite the pages after the first few (the records' pages) with garbage."""
    with db.open("r+b") as fh:
        fh.seek(4096 * 3)
        fh.write(b"\xde\xad\xbe\xef" * 4096)


def test_a_damaged_store_refuses_writes_and_reads_say_so(tmp_path: Path) -> None:
    write_config(tmp_path)
    (tmp_path / "s.ris").write_text(ris_text(400), encoding="utf-8")
    assert screener(tmp_path, "import", str(tmp_path / "s.ris")).returncode == 0
    db = tmp_path / "screener.sqlite"
    with sqlite3.connect(db) as conn:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    damage(db)
    for args in (["decide", "R1", "include", "--reviewer", "reviewer1"],
                 ["import", str(tmp_path / "s.ris")]):  # fmt: skip
        one_line_error(screener(tmp_path, *args), "is damaged")
    for args in (["status"], ["prisma", "--json"], ["export", "--format", "csv", "-o", "-"],
                 ["decisions", "export", "--reviewer", "reviewer1", "-o", "-"],
                 ["conflicts", "--as", "senior"], ["dedup", "review"]):  # fmt: skip
        p = screener(tmp_path, *args)
        assert "Traceback" not in p.stdout + p.stderr, (args, p.stderr)
        assert "is damaged" in p.stderr, (args, p.stderr)
    verify = screener(tmp_path, "verify", "--as", "senior")
    assert verify.returncode == 1 and "Traceback" not in verify.stderr


def test_a_store_of_a_newer_screener_is_refused_by_either_marker(tmp_path: Path) -> None:
    write_config(tmp_path)
    assert screener(tmp_path, "status").returncode == 0
    with sqlite3.connect(tmp_path / "screener.sqlite") as conn:
        conn.execute(f"PRAGMA user_version = {schema.SCHEMA_VERSION + 1}")  # schema_info as is
    p = screener(tmp_path, "decide", "R1", "include", "--reviewer", "reviewer1")
    one_line_error(p, "newer than this screener understands")
