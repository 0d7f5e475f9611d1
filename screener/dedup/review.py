"""A person's side of deduplication: the queue of possible duplicates, confirm, split, undo.

Every action is an event in the append-only `links` log with the reviewer as its actor:
`confirm` links (a pair leaves the queue), `split` records `distinct` (never offered or
merged again), `undo` unlinks a duplicate from its primary (and gives back the fields its
primary had inherited from it). Nothing is ever deleted.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, Protocol

from sqlalchemy import insert

from screener.config.sources import ReviewSources
from screener.dedup.links import direct_links
from screener.dedup.match import compare, features
from screener.dedup.run import (
    completeness,
    inherit,
    link_row,
    load_item,
    review_queue_pairs,
    write_fields,
)
from screener.errors import NotFound, ScreenerError
from screener.model import Reviewer
from screener.store import schema
from screener.store.store import StoredRecord, now, parse_project_id, project_id

SHOWN = ("title", "first_author", "year", "journal", "volume", "issue", "pages", "doi", "pmid",
         "accession", "database")  # fmt: skip


class Review(ReviewSources, Protocol):
    """What the duplicate review needs of a review: its store and config, who may act, the links
    (a `screener.screening.review.Review` is one)."""

    def reviewer(self, name: str | None = None) -> Reviewer: ...

    def primary_of(self) -> dict[int, int]: ...


def record_id(project: Review, value: str) -> int:
    """A project id (`R17`, or a bare number) → record id, the record itself (no primary)."""
    rid = parse_project_id(str(value))
    if rid is None and str(value).strip().isdigit():
        rid = int(str(value).strip())
    if rid is None or not project.store.has_record(rid):
        raise NotFound(f"no record {value!r} in this review (project ids look like R17)")
    return rid


def shown_fields(rec: StoredRecord) -> dict[str, Any]:
    r = rec.record
    return {
        "title": r.title, "first_author": r.first_author, "year": r.year, "journal": r.journal,
        "volume": r.volume, "issue": r.issue, "pages": r.pages, "doi": r.doi, "pmid": r.pmid,
        "accession": r.accession, "database": r.database,
    }  # fmt: skip


@dataclass(frozen=True)
class QueueItem:
    """One pair waiting for a person, with what differs between the two records."""

    a: StoredRecord
    b: StoredRecord
    score: float
    detail: dict[str, Any]

    @property
    def differing(self) -> list[str]:
        fa, fb = shown_fields(self.a), shown_fields(self.b)
        return [k for k in SHOWN if fa[k] != fb[k]]

    def as_json(self) -> dict[str, Any]:
        fa, fb = shown_fields(self.a), shown_fields(self.b)
        return {
            "a": self.a.pid,
            "b": self.b.pid,
            "score": round(self.score, 4),
            "why": self.detail,
            "differing": self.differing,
            "fields": {k: [fa[k], fb[k]] for k in SHOWN},
        }


def queue(project: Review) -> list[QueueItem]:
    """The possible duplicates no person has decided yet, most likely first."""
    pending = review_queue_pairs(project)
    ids = {x for q in pending for x in (q["record_a"], q["record_b"])}
    recs = {r.id: r for r in project.store.records(ids)}
    items = [QueueItem(recs[q["record_a"]], recs[q["record_b"]], q["score"], q["detail"])
             for q in pending]  # fmt: skip
    items.sort(key=lambda it: (-it.score, it.a.id, it.b.id))
    return items


def _group_of(project: Review, rid: int) -> tuple[int, list[int]]:
    pmap = project.primary_of()
    primary = pmap.get(rid, rid)
    return primary, [primary, *sorted(d for d, p in pmap.items() if p == primary)]


def confirm(project: Review, a: str, b: str, *, reviewer: str) -> dict[str, Any]:
    """A person says A and B are one study: link their groups (the fuller primary stays)."""
    who = project.reviewer(reviewer)
    ra, rb = record_id(project, a), record_id(project, b)
    if ra == rb:
        raise ScreenerError("a record cannot be a duplicate of itself")
    pa, ga = _group_of(project, ra)
    pb, gb = _group_of(project, rb)
    if pa == pb:
        raise ScreenerError(
            f"{project_id(ra)} and {project_id(rb)} are already one group (primary {project_id(pa)})"
        )
    recs = {r.id: r for r in project.store.records(ga + gb)}
    ranked = sorted(
        (pa, pb), key=lambda p: (len(ga if p == pa else gb) > 1, completeness(recs[p])),
        reverse=True,
    )  # fmt: skip
    primary, head = ranked
    fa, fb = features(load_item(recs[ra])), features(load_item(recs[rb]))
    evidence = compare(fa, fb)
    donors = [recs[x] for x in ga + gb if x != primary]
    gained = inherit(recs[primary], donors)
    queued = [q for q in review_queue_pairs(project)
              if {q["record_a"], q["record_b"]} == {ra, rb}]  # fmt: skip
    detail: dict[str, Any] = {
        "confirmed": [project_id(ra), project_id(rb)],
        "primary": project_id(primary),
        "group": [project_id(x) for x in sorted(ga + gb)],
        **{k: v for k, v in evidence.detail().items() if k != "method"},
    }
    if gained:
        detail["inherited"] = {k: project_id(d) for k, (_v, d) in gained.items()}
    score = queued[0]["score"] if queued else evidence.score
    row = link_row(head, primary, method="manual", score=score, actor=who.name, detail=detail)
    with project.store.write() as conn:
        conn.execute(insert(schema.links), [row])
        if gained:
            write_fields(conn, {primary: {k: v for k, (v, _d) in gained.items()}})
    return {"linked": project_id(head), "primary": project_id(primary), "by": who.name,
            "inherited": sorted(gained)}  # fmt: skip


def split(project: Review, a: str, b: str, *, reviewer: str) -> dict[str, Any]:
    """A person says A and B are different: `distinct` (and unlink if they were linked)."""
    who = project.reviewer(reviewer)
    ra, rb = record_id(project, a), record_id(project, b)
    if ra == rb:
        raise ScreenerError("a record cannot be distinct from itself")
    out: dict[str, Any] = {"distinct": [project_id(ra), project_id(rb)], "by": who.name}
    pa, _ = _group_of(project, ra)
    pb, _ = _group_of(project, rb)
    if pa == pb:  # they are linked now: take the one that is not the primary out
        leave, stay = (rb, ra) if rb != pa else (ra, rb)
        done = undo(project, project_id(leave), reviewer=reviewer,
                    _reason=f"split from {project_id(stay)}")  # fmt: skip
        out["unlinked"] = done["unlinked"]
    row = {
        "ts": now(), "action": "distinct", "record_id": ra, "other_id": rb, "method": "manual",
        "score": 0.0, "actor": who.name,
        "detail": json.dumps({"reason": "a person judged these records different"}),
    }  # fmt: skip
    with project.store.write() as conn:
        conn.execute(insert(schema.links), [row])
    return out


def undo(project: Review, a: str, *, reviewer: str, _reason: str = "") -> dict[str, Any]:
    """Unlink a duplicate from its primary (an `unlink` event; fields inherited go back)."""
    who = project.reviewer(reviewer)
    ra = record_id(project, a)
    current = direct_links(project.store.link_events())
    ev = current.get(ra)
    if ev is None:
        dups = sorted(d for d, p in project.primary_of().items() if p == ra)
        if dups:
            listed = ", ".join(project_id(d) for d in dups[:10])
            raise ScreenerError(
                f"{project_id(ra)} is the primary of {listed}: undo one of those instead"
            )
        raise ScreenerError(f"{project_id(ra)} is not linked to another record")
    primary = project.primary_of().get(ev.other_id, ev.other_id)
    restore = _fields_to_restore(project, ra, primary, current)
    detail: dict[str, Any] = {"undoes": ev.id, "was": project_id(ev.other_id)}
    if _reason:
        detail["reason"] = _reason
    if restore:
        detail["restored"] = sorted(restore)
    row = {
        "ts": now(), "action": "unlink", "record_id": ra, "other_id": ev.other_id,
        "method": "manual", "score": 0.0, "actor": who.name, "detail": json.dumps(detail),
    }  # fmt: skip
    with project.store.write() as conn:
        conn.execute(insert(schema.links), [row])
        if restore:
            write_fields(conn, {primary: restore})
    return {"unlinked": project_id(ra), "from": project_id(ev.other_id), "by": who.name,
            "restored": sorted(restore)}  # fmt: skip


def _fields_to_restore(
    project: Review, rid: int, primary: int, current: dict[int, Any]
) -> dict[str, Any]:
    """Fields the primary inherited from `rid` (or records leaving with it) to empty again."""
    pmap = project.primary_of()
    leaving = {rid} | {d for d, _p in pmap.items() if _chain_through(d, rid, current)}
    staying = {primary} | {d for d, p in pmap.items() if p == primary} - leaving
    donors: dict[str, set[int]] = {}
    for ev in project.store.link_events():
        if ev.action == "link" and (ev.other_id == primary or ev.record_id in leaving):
            for name, pid in (ev.detail.get("inherited") or {}).items():
                src = parse_project_id(pid)
                if src is not None:
                    donors.setdefault(name, set()).add(src)
    recs = {r.id: r for r in project.store.records(leaving | staying)}
    prim = recs.get(primary)
    if prim is None:
        return {}
    out: dict[str, Any] = {}
    for name, srcs in donors.items():
        if not srcs & leaving:
            continue
        value = getattr(prim.record, name)
        from_leaving = any(getattr(recs[s].record, name) == value for s in srcs & leaving)
        from_staying = any(
            getattr(recs[s].record, name) == value for s in staying - {primary} if s in recs
        )
        if from_leaving and not from_staying:
            out[name] = [] if name in ("authors", "keywords") else (None if name == "year" else "")
    return out


def _chain_through(dup: int, rid: int, current: dict[int, Any]) -> bool:
    seen = set()
    x = dup
    while x in current and x not in seen:
        seen.add(x)
        x = current[x].other_id
        if x == rid:
            return True
    return False


__all__ = ["QueueItem", "confirm", "queue", "split", "undo"]
