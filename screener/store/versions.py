"""Creating a new store's schema and migrating an older one, one step at a time."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import Connection, insert, select

from screener.errors import StoreError
from screener.store import schema
from screener.store.connection import StoreBase
from screener.store.rows import now


class SchemaMixin(StoreBase):
    """The schema version: created, checked, migrated."""

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
