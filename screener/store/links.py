"""The append-only log of duplicate links."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from sqlalchemy import func, insert, select

from screener.store import schema
from screener.store.connection import StoreBase
from screener.store.rows import LinkEvent, now


class LinksMixin(StoreBase):
    """Duplicate links: appended, never changed."""

    def append_links(self, rows: Sequence[dict[str, Any]]) -> None:
        stamped = [
            {
                "ts": now(),
                "method": "",
                "score": 1.0,
                "actor": "",
                **r,
                "detail": json.dumps(r.get("detail") or {}, ensure_ascii=False),
            }
            for r in rows
        ]
        if not stamped:
            return
        with self.write() as conn:
            for start in range(0, len(stamped), 5000):
                conn.execute(insert(schema.links), stamped[start : start + 5000])

    def last_link_id(self) -> int | None:
        with self.read() as conn:
            return conn.execute(select(func.max(schema.links.c.id))).scalar()

    def link_events(self) -> list[LinkEvent]:
        with self.read() as conn:
            rows = conn.execute(select(schema.links).order_by(schema.links.c.id)).all()
        return [LinkEvent(**{**r._mapping, "detail": json.loads(r.detail)}) for r in rows]
