"""What the store hands back: stored records, log rows, import batches, and the ids and
timestamps they carry."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from screener.model import Record


def now() -> str:
    """UTC timestamp with microseconds, sortable as text."""
    return datetime.now(UTC).isoformat(timespec="microseconds")


def project_id(record_id: int) -> str:
    """The short, stable id users see and type: `R17`."""
    return f"R{record_id}"


def parse_project_id(value: str) -> int | None:
    v = value.strip()
    if v[:1] in ("R", "r") and v[1:].isdigit():
        return int(v[1:])
    return None


@dataclass(frozen=True, slots=True)
class StoredRecord:
    """A record as stored: its project id number, batch and source kind, and the record."""

    id: int
    batch_id: int
    source_kind: str
    record: Record

    @property
    def pid(self) -> str:
        return project_id(self.id)


@dataclass(frozen=True, slots=True)
class Event:
    """One row of the append-only screening log."""

    id: int
    ts: str
    record_id: int
    stage: str
    reviewer: str
    action: str
    decision: str
    reason: str
    note: str
    context: dict[str, Any]


@dataclass(frozen=True, slots=True)
class Batch:
    id: int
    path: str
    sha256: str
    source_label: str
    source_kind: str
    format: str
    encoding: str
    imported_at: str
    n_in_file: int
    n_imported: int
    n_skipped: int
    report: dict[str, Any]


@dataclass(frozen=True, slots=True)
class LinkEvent:
    id: int
    ts: str
    action: str
    record_id: int
    other_id: int
    method: str
    score: float
    actor: str
    detail: dict[str, Any]


@dataclass(frozen=True, slots=True)
class ReviewEvent:
    """One row of the review-level log (update rounds, blinding lifted)."""

    id: int
    ts: str
    action: str
    actor: str
    detail: dict[str, Any]
