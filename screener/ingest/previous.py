"""The previous version of an updated review: which records it holds, and how they get in.

A review update (PRISMA 2020 'updated review' layout) screens only what is new since the
previous version. Two ways lead there, both ending in the same place: records of the previous
version are never screened again, new records that match them are linked to them as
duplicates, and PRISMA counts the previous version's studies in their own box.

- **A new review that names the previous one** (config `[previous]`): its `files` (the
  previous search's exports) and/or its `review` (the previous review's config.toml) are
  imported as batches of source kind `previous` when the store is built.
- **New searches imported into the same review**: `screener update` logs an
  `update_started` event; every batch imported before it is the previous version.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

from screener.model import Record, SourceKind
from screener.store import Store
from screener.store.store import StoredRecord

UPDATE_STARTED = "update_started"


def previous_batch_ids(store: Store) -> frozenset[int]:
    """Batches that are the previous version: of kind `previous`, or imported before the
    latest `update_started` event."""
    kinds = store.batch_kinds()
    last = max((e.detail.get("last_batch", 0) for e in store.review_events()
                if e.action == UPDATE_STARTED), default=0)  # fmt: skip
    return frozenset(b for b, kind in kinds if kind == SourceKind.PREVIOUS or b <= last)


def start_update(store: Store, actor: str, note: str = "") -> dict[str, Any]:
    """Log that a new search round starts: what is in the store now is the previous version."""
    kinds = store.batch_kinds()
    last = max((b for b, _k in kinds), default=0)
    detail = {"last_batch": last, "note": note}
    store.append_review_event(UPDATE_STARTED, actor, detail)
    return detail


def previous_review_records(screened: Iterable[StoredRecord], config_path: Path) -> list[Record]:
    """The records a previous review screened (its `screenable()`: no duplicates), each
    marked with the previous review's config path."""
    records = [sr.record for sr in screened]
    for rec in records:
        rec.raw = {**rec.raw, "screener_previous_review": [str(config_path)]}
    return records
