"""The store's own failures (a full disk, a damaged file, a file imported twice) and the
marker that remembers a SQLite file was last found healthy."""

from __future__ import annotations

import os
import shutil
from contextlib import suppress
from pathlib import Path

from screener.errors import StoreError
from screener.store.rows import Batch

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
