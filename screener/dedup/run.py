"""Deduplicating a review's store: find groups, link duplicates to a primary, queue the rest.

Nothing is deleted. A group keeps its most complete record as the primary; the others are
linked to it in the append-only `links` log (with the evidence: which identifiers or
fields matched, and how well), and the primary inherits the fields it lacks from its
duplicates (its raw import stays as it was). Pairs that are likely but not certain, or
that a conflicting year, volume or page keeps apart, wait in `dup_candidates` for a
person. Re-running is idempotent: linked, distinct, unlinked and queued pairs are kept.
"""

from __future__ import annotations

import json
import time
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import insert

from screener.config.sources import ReviewSources as Review
from screener.dedup.links import distinct_pairs, primary_map, unlinked_pairs
from screener.dedup.match import (
    DEFAULT_REVIEW_FLOOR,
    DEFAULT_THRESHOLD,
    Item,
    Match,
    features,
    find_matches,
    group_matches,
)
from screener.dedup.stored import (
    _pair_fields,
    completeness,
    inherit,
    link_pairs,
    link_row,
    load_item,
    load_items,
    load_records,
    queued_pairs,
    write_fields,
)
from screener.errors import ConfigError, ScreenerError
from screener.ingest.previous import previous_batch_ids
from screener.store import schema
from screener.store.store import (
    LinkEvent,
    Store,
    now,
    project_id,
)


@dataclass
class DedupResult:
    """What one run did (the `screener dedup --json` shape)."""

    records: int = 0
    threshold: float = DEFAULT_THRESHOLD
    review_floor: float = DEFAULT_REVIEW_FLOOR
    pairs_compared: int = 0
    linked: int = 0
    groups: int = 0
    queued: int = 0
    queue: int = 0
    duplicates: int = 0
    inherited: int = 0
    seconds: float = 0.0
    links: list[dict[str, Any]] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        return {
            "records": self.records,
            "threshold": self.threshold,
            "review_threshold": self.review_floor,
            "pairs_compared": self.pairs_compared,
            "linked": self.linked,
            "groups": self.groups,
            "queued": self.queued,
            "queue": self.queue,
            "duplicates": self.duplicates,
            "primaries_completed": self.inherited,
            "seconds": round(self.seconds, 3),
            "links": self.links,
        }


def thresholds(project: Review, threshold: float | None) -> tuple[float, float]:
    """The automatic-merge threshold and the review floor (argument, then config)."""
    conf = getattr(project.config, "dedup", {}) or {}
    path = str(getattr(project.config, "path", ""))

    def number(raw: Any, key: str) -> float:
        ok = isinstance(raw, int | float) and not isinstance(raw, bool) and 0.0 < raw <= 1.0
        if not ok:
            raise ConfigError(f"must be a number above 0 and at most 1, not {raw!r}",
                              key=key, path=path)  # fmt: skip
        return float(raw)

    if threshold is not None:
        if not 0.0 < threshold <= 1.0:
            raise ScreenerError(f"--threshold must be above 0 and at most 1, not {threshold}")
        value = float(threshold)
    else:
        value = number(conf.get("threshold", DEFAULT_THRESHOLD), "dedup.threshold")
    floor = number(conf.get("review_threshold", DEFAULT_REVIEW_FLOOR), "dedup.review_threshold")
    return value, min(floor, value)


# -- the run ----------------------------------------------------------------------------------


def deduplicate(project: Review, threshold: float | None = None) -> DedupResult:
    """Find duplicates among the review's records; link the certain, queue the likely."""
    started = time.perf_counter()
    store: Store = project.store
    value, floor = thresholds(project, threshold)
    result = DedupResult(threshold=value, review_floor=floor)
    items = load_items(store)
    result.records = len(items)
    events = link_pairs(store)
    pmap = primary_map(events)
    blocked_ids = distinct_pairs(events) | unlinked_pairs(events)
    index = {it.id: i for i, it in enumerate(items)}
    feats = [features(it) for it in items]
    matches = find_matches(items, threshold=value, review_floor=floor, feats=feats)
    result.pairs_compared = len(matches)
    seed = [(index[d], index[p]) for d, p in pmap.items() if d in index and p in index]
    blocked = {
        frozenset(index[x] for x in pair)
        for pair in blocked_ids
        if all(x in index for x in pair) and len(pair) == 2
    }
    groups, merged, review = group_matches(
        feats, matches, seed=seed, blocked=blocked, threshold=value
    )

    previous = previous_batch_ids(store)
    link_rows, updates = _plan_links(store, items, pmap, groups, merged, result, previous)
    cand_rows = _plan_queue(store, items, groups, review, blocked_ids)
    result.queued = len(cand_rows)
    if link_rows or cand_rows or updates:
        with store.write() as conn:
            for start in range(0, len(link_rows), 5000):
                conn.execute(insert(schema.links), link_rows[start : start + 5000])
            for start in range(0, len(cand_rows), 5000):
                conn.execute(insert(schema.dup_candidates), cand_rows[start : start + 5000])
            write_fields(conn, updates)
    after = link_pairs(store)
    result.duplicates = len(primary_map(after))
    result.queue = len(review_queue_pairs(project, after))
    result.seconds = time.perf_counter() - started
    return result


def _plan_links(
    store: Store,
    items: list[Item],
    pmap: dict[int, int],
    groups: Any,
    merged: list[Match],
    result: DedupResult,
    previous_batches: frozenset[int] = frozenset(),
) -> tuple[list[dict[str, Any]], dict[int, dict[str, Any]]]:
    """The link events and field updates that this run's merges call for.

    A group that holds a record of the previous version keeps it as its primary: the new
    records are its duplicates and are never screened again.
    """
    if not merged:
        return [], {}
    touched = {groups.find(m.a) for m in merged}
    members: dict[int, list[int]] = defaultdict(list)
    for i in range(len(items)):
        root = groups.find(i)
        if root in touched:
            members[root].append(items[i].id)
    wanted = [rid for ms in members.values() for rid in ms]
    recs = load_records(store, wanted)
    edges: dict[int, list[Match]] = defaultdict(list)
    for m in merged:
        edges[groups.find(m.a)].append(m)
    link_rows: list[dict[str, Any]] = []
    updates: dict[int, dict[str, Any]] = {}
    for root, ids in members.items():
        subgroups: dict[int, list[int]] = defaultdict(list)
        for rid in ids:
            head = pmap.get(rid, rid)
            subgroups[head if head in recs else rid].append(rid)
        if len(subgroups) < 2:
            continue
        existing = [p for p, ms in subgroups.items() if len(ms) > 1]
        previous = [p for p in subgroups if recs[p].batch_id in previous_batches]
        pool = previous or existing or list(subgroups)
        primary = max(pool, key=lambda p: (len(subgroups[p]), completeness(recs[p])))
        sub_of = {rid: p for p, ms in subgroups.items() for rid in ms}
        donors = [recs[rid] for rid in ids if rid != primary]
        gained = inherit(recs[primary], donors)
        if gained:
            updates[primary] = {k: v for k, (v, _d) in gained.items()}
            result.inherited += 1
        group_pids = [project_id(r) for r in sorted(ids)]
        result.groups += 1
        for head in sorted(subgroups):
            if head == primary:
                continue
            evidence = [
                m for m in edges[root]
                if sub_of[items[m.a].id] == head or sub_of[items[m.b].id] == head
            ]  # fmt: skip
            best = evidence[0] if evidence else edges[root][0]
            a, b = recs[items[best.a].id], recs[items[best.b].id]
            from_sub = set(subgroups[head])
            detail = {
                **best.detail(),
                "matched": _pair_fields(a, b),
                "group": group_pids,
                "primary": project_id(primary),
                "inherited": {k: project_id(d) for k, (_v, d) in gained.items() if d in from_sub},
            }
            if not detail["inherited"]:
                del detail["inherited"]
            link_rows.append(
                link_row(
                    head, primary, method=best.method, score=best.score, actor="auto", detail=detail
                )
            )
            result.links.append(
                {
                    "duplicate": project_id(head),
                    "primary": project_id(primary),
                    "method": best.method,
                    "score": round(best.score, 4),
                }
            )
    result.linked = len(link_rows)
    return link_rows, updates


def _plan_queue(
    store: Store,
    items: list[Item],
    groups: Any,
    review: list[Match],
    blocked_ids: set[frozenset[int]],
) -> list[dict[str, Any]]:
    known = {frozenset((q["record_a"], q["record_b"])) for q in queued_pairs(store)}
    rows: list[dict[str, Any]] = []
    for m in review:
        a, b = sorted((items[m.a].id, items[m.b].id))
        pair = frozenset((a, b))
        if pair in known or pair in blocked_ids or groups.find(m.a) == groups.find(m.b):
            continue
        known.add(pair)
        rows.append({
            "ts": now(), "record_a": a, "record_b": b, "score": float(m.score),
            "detail": json.dumps(m.detail(), ensure_ascii=False, default=str),
        })  # fmt: skip
    return rows


def review_queue_pairs(
    project: Review, events: list[LinkEvent] | None = None
) -> list[dict[str, Any]]:
    """Queued pairs no person has decided and that are not already in one group."""
    events = events if events is not None else link_pairs(project.store)
    decided = distinct_pairs(events) | unlinked_pairs(events)
    pmap = primary_map(events)
    out = []
    for q in queued_pairs(project.store):
        a, b = q["record_a"], q["record_b"]
        if frozenset((a, b)) in decided or pmap.get(a, a) == pmap.get(b, b):
            continue
        out.append(q)
    return out


__all__ = [
    "DedupResult",
    "completeness",
    "deduplicate",
    "inherit",
    "link_row",
    "load_item",
    "review_queue_pairs",
    "write_fields",
]
