"""The append-only logs: screening events (the decision log) and review-level events."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import Connection, func, insert, select

from screener.store import schema
from screener.store.connection import StoreBase, _new_id
from screener.store.rows import Event, ReviewEvent, now


class EventsMixin(StoreBase):
    """The screening log and the review-level log."""

    def append_event(
        self,
        *,
        record_id: int,
        stage: str,
        reviewer: str,
        action: str,
        decision: str = "",
        reason: str = "",
        note: str = "",
        context: dict[str, Any] | None = None,
        conn: Connection | None = None,
    ) -> int:
        row = {
            "ts": now(),
            "record_id": record_id,
            "stage": stage,
            "reviewer": reviewer,
            "action": action,
            "decision": decision,
            "reason": reason,
            "note": note,
            "context": json.dumps(context or {}, ensure_ascii=False),
        }
        if conn is not None:
            return _new_id(conn.execute(insert(schema.events).values(**row)))
        with self.write() as c:
            return _new_id(c.execute(insert(schema.events).values(**row)))

    def append_events(
        self,
        rows: Sequence[dict[str, Any]],
        *,
        review_event: tuple[str, str, dict[str, Any]] | None = None,
    ) -> None:
        """Append many events in one transaction (all or nothing), with `review_event`
        (action, actor, detail) in the same transaction when given."""
        stamped = [
            {
                "ts": now(),
                "decision": "",
                "reason": "",
                "note": "",
                **r,
                "context": json.dumps(r.get("context") or {}, ensure_ascii=False),
            }
            for r in rows
        ]
        with self.write() as conn:
            for start in range(0, len(stamped), 5000):
                conn.execute(insert(schema.events), stamped[start : start + 5000])
            if review_event is not None:
                action, actor, detail = review_event
                conn.execute(insert(schema.review_events).values(
                    ts=now(), action=action, actor=actor,
                    detail=json.dumps(detail, ensure_ascii=False),
                ))  # fmt: skip

    def events(
        self,
        *,
        stage: str | None = None,
        reviewer: str | None = None,
        record_ids: Iterable[int] | None = None,
        actions: Iterable[str] | None = None,
    ) -> list[Event]:
        c = schema.events.c
        query = select(schema.events).order_by(c.id)
        if stage is not None:
            query = query.where(c.stage == stage)
        if reviewer is not None:
            query = query.where(c.reviewer == reviewer)
        if actions is not None:
            query = query.where(c.action.in_(list(actions)))
        if record_ids is not None:
            query = query.where(c.record_id.in_(list(record_ids)))
        with self.read() as conn:
            rows = conn.execute(query).all()
        return [Event(**{**r._mapping, "context": json.loads(r.context)}) for r in rows]

    def last_event_id(self) -> int | None:
        with self.read() as conn:
            return conn.execute(select(func.max(schema.events.c.id))).scalar()

    def append_review_event(self, action: str, actor: str, detail: dict[str, Any]) -> int:
        with self.write() as conn:
            return _new_id(
                conn.execute(
                    insert(schema.review_events).values(
                        ts=now(), action=action, actor=actor,
                        detail=json.dumps(detail, ensure_ascii=False),
                    )
                )
            )  # fmt: skip

    def review_events(self) -> list[ReviewEvent]:
        with self.read() as conn:
            rows = conn.execute(
                select(schema.review_events).order_by(schema.review_events.c.id)
            ).all()
        return [ReviewEvent(**{**r._mapping, "detail": json.loads(r.detail)}) for r in rows]
