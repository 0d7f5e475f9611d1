"""The checks of `screener verify` on the logs: events, reviewers, full text, links."""

from __future__ import annotations

import json
from bisect import bisect_right
from collections import defaultdict
from typing import Any

from sqlalchemy import select

from screener.config import Config
from screener.dedup.links import primary_map
from screener.model import Decision, SourceKind, Stage
from screener.screening.state import (
    AUTO_EXCLUDE,
    DECIDE,
    NOT_RETRIEVED,
    NOTE,
    RESOLVE,
    RETRIEVAL,
    RETRIEVED,
    UNDO,
    UNRESOLVE,
    replay,
)
from screener.store import Store, schema
from screener.store.store import Event, LinkEvent, project_id
from screener.verify.report import VerifyReport

REVIEWER_ACTIONS = {DECIDE, UNDO, NOTE, RETRIEVAL}
SENIOR_ACTIONS = {RESOLVE, UNRESOLVE}
ACTIONS = REVIEWER_ACTIONS | SENIOR_ACTIONS | {AUTO_EXCLUDE}
LINK_ACTIONS = {"link", "unlink", "distinct"}


def raw_events(store: Store, report: VerifyReport) -> list[Event]:
    """Every event, each checked for form; malformed ones are reported and left out."""
    good: list[Event] = []
    stages = {s.value for s in Stage}
    decisions = {d.value for d in Decision}
    with store.read() as conn:
        rows = conn.execute(select(schema.events).order_by(schema.events.c.id)).all()
    for row in rows:
        m = dict(row._mapping)
        where = f"event {m['id']} ({project_id(m['record_id'])}, {m['stage']})"
        try:
            context = json.loads(m["context"] or "{}")
        except (TypeError, ValueError):
            report.add("events", f"{where}: its context is not JSON")
            continue
        action, value = m["action"], m["decision"]
        if m["stage"] not in stages:
            report.add("events", f"{where}: unknown stage {m['stage']!r}")
            continue
        if action not in ACTIONS:
            report.add("events", f"{where}: unknown action {action!r}")
            continue
        if action == DECIDE and value not in decisions:
            report.add("events", f"{where}: {value!r} is not a decision")
            continue
        if action == RESOLVE and value not in (Decision.INCLUDE, Decision.EXCLUDE):
            report.add("events", f"{where}: a resolution must be include or exclude, not {value!r}")
            continue
        if action == RETRIEVAL and value not in (RETRIEVED, NOT_RETRIEVED):
            report.add("events", f"{where}: {value!r} is not a retrieval state")
            continue
        if action == RETRIEVAL and m["stage"] != Stage.FULL_TEXT:
            report.add("events", f"{where}: a retrieval outside full text")
            continue
        if (
            action in (DECIDE, RESOLVE)
            and m["stage"] == Stage.FULL_TEXT
            and value == Decision.EXCLUDE
            and not (m["reason"] or "").strip()
        ):
            report.add("events", f"{where}: a full-text exclusion without a reason")
        good.append(Event(**{**m, "context": context}))
    return good


def check_reviewers(config: Config, events: list[Event], report: VerifyReport) -> None:
    for ev in events:
        where = f"event {ev.id} ({project_id(ev.record_id)}, {ev.stage})"
        who = config.reviewer(ev.reviewer)
        if ev.action in REVIEWER_ACTIONS and who is None:
            report.add("reviewers", f"{where}: {ev.action} by {ev.reviewer!r}, not a reviewer")
        elif ev.action in SENIOR_ACTIONS and (who is None or not who.is_senior):
            report.add(
                "reviewers", f"{where}: {ev.action} by {ev.reviewer!r}, not a senior reviewer"
            )


def _links_at(links: list[LinkEvent]) -> tuple[list[str], Any]:
    """Link timestamps, and a cached function: n links applied → (primary map, groups)."""
    stamps = [lk.ts for lk in links]
    cache: dict[int, tuple[dict[int, int], dict[int, list[int]]]] = {}

    def state(n: int) -> tuple[dict[int, int], dict[int, list[int]]]:
        if n not in cache:
            pm = primary_map(links[:n])
            groups: dict[int, list[int]] = defaultdict(list)
            for dup, primary in pm.items():
                groups[primary].append(dup)
            cache.clear()  # events come in order: only the latest state is needed again
            cache[n] = (pm, groups)
        return cache[n]

    return stamps, state


def check_full_text(
    config: Config,
    store: Store,
    events: list[Event],
    links: list[LinkEvent],
    report: VerifyReport,
) -> None:
    """Each full-text action on a record whose title/abstract outcome was include then."""
    required = config.stages[Stage.TITLE_ABSTRACT].reviewers_required
    maybe = config.maybe_to_full_text
    kinds = {rid: kind for rid, _b, kind, *_ in store.record_keys()}
    links = sorted(links, key=lambda lk: (lk.ts, lk.id))
    stamps, state = _links_at(links)
    ta_events: dict[int, list[Event]] = defaultdict(list)
    for ev in events:
        if ev.stage == Stage.TITLE_ABSTRACT:
            ta_events[ev.record_id].append(ev)
            continue
        if ev.action not in (DECIDE, RESOLVE, RETRIEVAL):
            continue
        pm, groups = state(bisect_right(stamps, ev.ts))
        primary = pm.get(ev.record_id, ev.record_id)
        members = [primary, *groups.get(primary, [])]
        history = sorted((e for m in members for e in ta_events.get(m, [])), key=lambda e: e.id)
        rs = replay(history, pm).get((primary, Stage.TITLE_ABSTRACT.value))
        why = ""
        if kinds.get(primary) == SourceKind.PREVIOUS:
            why = "it comes from the previous review (never screened)"
        elif rs is None:
            why = "it had no title/abstract decision"
        elif rs.auto is not None and rs.resolution is None:
            why = "it had been excluded by a rule"
        else:
            outcome = rs.outcome(required, maybe)
            if not outcome.is_include:
                why = f"its title/abstract outcome was {outcome.value}"
        if why:
            report.add(
                "full_text",
                f"event {ev.id}: full-text {ev.action} on {project_id(ev.record_id)} by "
                f"{ev.reviewer!r}, but {why} at that time",
            )


def check_links(links: list[LinkEvent], record_ids: set[int], report: VerifyReport) -> None:
    current: dict[int, int] = {}
    for lk in links:
        if lk.action not in LINK_ACTIONS:
            report.add("links", f"link {lk.id}: unknown action {lk.action!r}")
            continue
        if lk.action == "link":
            if lk.record_id == lk.other_id:
                report.add("links", f"link {lk.id}: {project_id(lk.record_id)} linked to itself")
                continue
            current[lk.record_id] = lk.other_id
        elif lk.action == "unlink":
            current.pop(lk.record_id, None)
    reported: set[int] = set()
    for start in current:
        path: list[int] = []
        seen: set[int] = set()
        node = start
        while node in current and node not in seen:
            seen.add(node)
            path.append(node)
            node = current[node]
        if node in seen and node not in reported:
            cycle = path[path.index(node) :]
            reported.update(cycle)
            listed = " → ".join(project_id(x) for x in [*cycle, node])
            report.add("links", f"duplicate links form a cycle: {listed}")
