"""The store's tables (SQLAlchemy Core, so SQLite and PostgreSQL share one schema).

The schema is versioned from day one: `schema_info.schema_version` holds the version,
and `migrations.MIGRATIONS` lists the named steps from one version to the next.
"""

from __future__ import annotations

from sqlalchemy import (
    Column,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
)

metadata = MetaData()

schema_info = Table(
    "schema_info",
    metadata,
    Column("key", String(64), primary_key=True),
    Column("value", Text, nullable=False),
)

batches = Table(
    "batches",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("path", Text, nullable=False),
    Column("sha256", String(64), nullable=False, index=True),
    Column("source_label", Text, nullable=False),
    Column("source_kind", String(32), nullable=False),
    Column("format", String(16), nullable=False),
    Column("encoding", String(32), nullable=False),
    Column("imported_at", String(40), nullable=False),
    Column("n_in_file", Integer, nullable=False),
    Column("n_imported", Integer, nullable=False),
    Column("n_skipped", Integer, nullable=False),
    Column("report", Text, nullable=False),
)

# One import of a file per review, even when two processes import it at once (the check in
# `Store.add_batch` runs in the write transaction; this index is the server's guarantee).
# Batches without a hash (a previous review's records) are not concerned.
UNIQUE_BATCH_HASH = Index(
    "ux_batches_sha256", batches.c.sha256, unique=True,
    sqlite_where=batches.c.sha256 != "", postgresql_where=batches.c.sha256 != "",
)  # fmt: skip

records = Table(
    "records",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("batch_id", Integer, ForeignKey("batches.id"), nullable=False, index=True),
    Column("position", Integer, nullable=False),
    Column("source_id", Text, nullable=False),
    Column("database", Text, nullable=False),
    Column("source_kind", String(32), nullable=False),
    Column("source_file", Text, nullable=False),
    Column("title", Text, nullable=False),
    Column("abstract", Text, nullable=False),
    Column("authors", Text, nullable=False),
    Column("year", Integer),
    Column("journal", Text, nullable=False),
    Column("volume", Text, nullable=False),
    Column("issue", Text, nullable=False),
    Column("pages", Text, nullable=False),
    Column("doi", Text, nullable=False),
    Column("pmid", Text, nullable=False),
    Column("accession", Text, nullable=False),
    Column("keywords", Text, nullable=False),
    Column("language", Text, nullable=False),
    Column("publication_type", Text, nullable=False),
    Column("url", Text, nullable=False),
    Column("raw", Text, nullable=False),
)
# No indexes on doi/pmid/source_id: lookups by them load all keys once (IdIndex, dedup),
# and every index costs time on each of an import's inserts.

# Append-only log of every screening action: decisions, undos, resolutions, retrievals.
events = Table(
    "events",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("ts", String(40), nullable=False),
    Column("record_id", Integer, ForeignKey("records.id"), nullable=False),
    Column("stage", String(32), nullable=False),
    Column("reviewer", Text, nullable=False),
    Column("action", String(32), nullable=False),
    Column("decision", String(32), nullable=False),
    Column("reason", Text, nullable=False),
    Column("note", Text, nullable=False),
    Column("context", Text, nullable=False),
)
Index("ix_events_record_stage", events.c.record_id, events.c.stage)
Index("ix_events_reviewer_stage", events.c.reviewer, events.c.stage)

# Append-only log of duplicate links: `link` (record → primary), `unlink`, `distinct`.
links = Table(
    "links",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("ts", String(40), nullable=False),
    Column("action", String(16), nullable=False),
    Column("record_id", Integer, ForeignKey("records.id"), nullable=False),
    Column("other_id", Integer, ForeignKey("records.id"), nullable=False),
    Column("method", Text, nullable=False),
    Column("score", Float, nullable=False),
    Column("actor", Text, nullable=False),
    Column("detail", Text, nullable=False),
)
Index("ix_links_record", links.c.record_id)

# Pairs offered to a person as possible duplicates (the queue is these minus decided pairs).
dup_candidates = Table(
    "dup_candidates",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("ts", String(40), nullable=False),
    Column("record_a", Integer, ForeignKey("records.id"), nullable=False),
    Column("record_b", Integer, ForeignKey("records.id"), nullable=False),
    Column("score", Float, nullable=False),
    Column("detail", Text, nullable=False),
)

# Append-only log of review-level events: an update's new search round starts
# (`update_started`), blinding lifted or restored by the senior (`unblind`, `reblind`).
review_events = Table(
    "review_events",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("ts", String(40), nullable=False),
    Column("action", String(32), nullable=False),
    Column("actor", Text, nullable=False),
    Column("detail", Text, nullable=False),
)

SCHEMA_VERSION = 3
