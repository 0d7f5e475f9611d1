"""`screener verify`: replay the whole log and check that the store is consistent.

Nothing here changes the store. Each check is named; a problem names the check, what is
wrong and where (record, event or link id), so a damaged or tampered store can be
understood before anything else is done with it. The checks:

- `engine`: the database's own integrity check and foreign-key check (SQLite);
- `schema`: the store is at this screener's schema version;
- `references`: every event, link, duplicate candidate and record points at an existing row;
- `batches`: each import batch holds as many records as its report says;
- `events`: every event has a known stage and action and a valid value for it;
- `reviewers`: decisions only by reviewers of the config, resolutions only by its seniors;
- `full_text`: full-text decisions, resolutions and retrievals only on records that had
  passed title/abstract screening when they were made (duplicate links as they were then);
- `links`: the duplicate links form no cycle and link no record to itself;
- `outcomes`: every record's outcome at both stages can be recomputed from the log;
- `prisma`: the PRISMA 2020 counts, recomputed, add up.
"""

from __future__ import annotations

import json
from bisect import bisect_right
from collections import defaultdict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, TypeVar

from sqlalchemy import select
from sqlalchemy.exc import DBAPIError

from screener.dedup.links import primary_map
from screener.model import Decision, Outcome, SourceKind, Stage
from screener.project import Project
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
from screener.store import schema
from screener.store.store import Event, LinkEvent, StoreDamaged, project_id

CHECKS = [
    "engine", "schema", "references", "batches", "events", "reviewers", "full_text", "links",
    "outcomes", "prisma",
]  # fmt: skip
REVIEWER_ACTIONS = {DECIDE, UNDO, NOTE, RETRIEVAL}
SENIOR_ACTIONS = {RESOLVE, UNRESOLVE}
ACTIONS = REVIEWER_ACTIONS | SENIOR_ACTIONS | {AUTO_EXCLUDE}
LINK_ACTIONS = {"link", "unlink", "distinct"}
MAX_LISTED = 200
T = TypeVar("T")


@dataclass(frozen=True)
class Problem:
    check: str
    message: str

    def as_json(self) -> dict[str, str]:
        return {"check": self.check, "message": self.message}


@dataclass
class VerifyReport:
    """What `verify` found: problems per check and the recomputed figures."""

    problems: list[Problem] = field(default_factory=list)
    counted: dict[str, int] = field(default_factory=lambda: {c: 0 for c in CHECKS})
    summary: dict[str, Any] = field(default_factory=dict)
    skipped: dict[str, str] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not any(self.counted.values())

    def add(self, check: str, message: str) -> None:
        self.counted[check] += 1
        if self.counted[check] <= MAX_LISTED:
            self.problems.append(Problem(check, message))

    def as_json(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "checks": {c: (n or "ok") for c, n in self.counted.items()}
            | {c: f"skipped: {why}" for c, why in self.skipped.items()},
            "problems": [p.as_json() for p in self.problems],
            "summary": self.summary,
        }


def _raw_events(project: Project, report: VerifyReport) -> list[Event]:
    """Every event, each checked for form; malformed ones are reported and left out."""
    good: list[Event] = []
    stages = {s.value for s in Stage}
    decisions = {d.value for d in Decision}
    with project.store.read() as conn:
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


def _check_engine(project: Project, report: VerifyReport) -> None:
    store = project.store
    for line in store.integrity_check():
        report.add("engine", f"integrity check: {line}")
    if store.is_sqlite:
        with store.read() as conn:
            for table, rowid, parent, _fk in conn.exec_driver_sql("PRAGMA foreign_key_check"):
                report.add("engine", f"{table} row {rowid} references a missing {parent} row")


def _check_schema(project: Project, report: VerifyReport) -> None:
    version = project.store.schema_version()
    if version != schema.SCHEMA_VERSION:
        report.add("schema", f"schema version {version}, expected {schema.SCHEMA_VERSION}")


def _check_references(project: Project, report: VerifyReport) -> set[int]:
    """Rows pointing at missing records or batches; returns the ids of existing records."""
    r, b = schema.records, schema.batches
    with project.store.read() as conn:
        record_ids = {row[0] for row in conn.execute(select(r.c.id))}
        batch_ids = {row[0] for row in conn.execute(select(b.c.id))}
        for rid, batch in conn.execute(select(r.c.id, r.c.batch_id)):
            if batch not in batch_ids:
                report.add("references", f"record {project_id(rid)}: no import batch {batch}")
        e = schema.events
        for eid, rid in conn.execute(select(e.c.id, e.c.record_id).order_by(e.c.id)):
            if rid not in record_ids:
                report.add("references", f"event {eid}: no record {project_id(rid)}")
        lk = schema.links
        for lid, a, o in conn.execute(select(lk.c.id, lk.c.record_id, lk.c.other_id)):
            for x in (a, o):
                if x not in record_ids:
                    report.add("references", f"link {lid}: no record {project_id(x)}")
        d = schema.dup_candidates
        for cid, a, o in conn.execute(select(d.c.id, d.c.record_a, d.c.record_b)):
            for x in (a, o):
                if x not in record_ids:
                    report.add(
                        "references", f"duplicate candidate {cid}: no record {project_id(x)}"
                    )
    return record_ids


def _check_batches(project: Project, report: VerifyReport) -> None:
    per_batch: dict[int, int] = defaultdict(int)
    for _rid, batch_id, *_ in project.store.record_keys():
        per_batch[batch_id] += 1
    batches = project.store.batches()
    by_hash: dict[str, list[int]] = defaultdict(list)
    for batch in batches:
        if batch.sha256:
            by_hash[batch.sha256].append(batch.id)
    for sha, ids in by_hash.items():
        if len(ids) > 1:
            first = next(b for b in batches if b.id == ids[0])
            report.add(
                "batches",
                f"{first.path}: the same file imported {len(ids)} times (batches "
                f"{', '.join(map(str, ids))}, sha256 {sha[:12]}…): its records are counted "
                f"{len(ids)} times",
            )
    for batch in batches:
        held = per_batch.get(batch.id, 0)
        if held != batch.n_imported:
            report.add(
                "batches",
                f"batch {batch.id} ({batch.path}): {held} records stored, "
                f"its report says {batch.n_imported} were imported",
            )
        if batch.n_in_file != batch.n_imported + batch.n_skipped:
            report.add(
                "batches",
                f"batch {batch.id}: {batch.n_in_file} records in file ≠ "
                f"{batch.n_imported} imported + {batch.n_skipped} skipped",
            )


def _check_reviewers(project: Project, events: list[Event], report: VerifyReport) -> None:
    config = project.config
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


def _check_full_text(
    project: Project, events: list[Event], links: list[LinkEvent], report: VerifyReport
) -> None:
    """Each full-text action on a record whose title/abstract outcome was include then."""
    config = project.config
    required = config.stages[Stage.TITLE_ABSTRACT].reviewers_required
    maybe = config.maybe_to_full_text
    kinds = {rid: kind for rid, _b, kind, *_ in project.store.record_keys()}
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


def _check_links(links: list[LinkEvent], record_ids: set[int], report: VerifyReport) -> None:
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


def _check_outcomes(project: Project, report: VerifyReport) -> dict[str, dict[str, int]]:
    counts: dict[str, dict[str, int]] = {}
    for stage in Stage:
        try:
            outcomes = project.outcomes(stage)
        except Exception as exc:  # a log that cannot be replayed is exactly what we look for
            report.add("outcomes", f"{stage.value}: the log cannot be replayed: {exc!r}")
            continue
        tally = {o.value: 0 for o in Outcome}
        for o in outcomes.values():
            tally[o.value] += 1
        tally["total"] = len(outcomes)
        counts[stage.value] = tally
    return counts


def _check_prisma(project: Project, report: VerifyReport) -> dict[str, Any] | None:
    try:
        from screener.prisma.flow import arithmetic_problems, compute_flow
    except ImportError:
        report.skipped["prisma"] = "the PRISMA module is not installed"
        return None
    try:
        flow = compute_flow(project, check=False)
    except Exception as exc:
        report.add("prisma", f"the PRISMA counts cannot be computed: {exc!r}")
        return None
    for line in arithmetic_problems(flow):
        report.add("prisma", line)
    data = flow.as_json()
    keys = ("database_results", "duplicates", "records_screened", "records_excluded",
            "dbr_assessed", "dbr_excluded", "new_studies", "total_studies")  # fmt: skip
    return {k: data[k] for k in keys if k in data}


def _guard(report: VerifyReport, check: str, run: Callable[[], T], default: T) -> T:
    """Run one check; a store too damaged to be read is a finding of that check."""
    try:
        return run()
    except DBAPIError as exc:
        report.add(check, f"the store cannot be read: {exc.orig}")
    except StoreDamaged as exc:
        report.add(check, f"the store cannot be read: {exc.__cause__ or exc}")
    except (ValueError, KeyError, TypeError) as exc:
        report.add(check, f"unreadable data: {exc!r}")
    return default


@contextmanager
def _replayed_once(project: Project) -> Iterator[None]:
    """Within verify (which writes nothing), replay each stage's log only once."""
    cache: dict[tuple[str, Stage], Any] = {}
    originals = {name: getattr(project, name) for name in ("states", "outcomes")}

    def memo(name: str) -> Callable[[Stage], Any]:
        def call(stage: Stage) -> Any:
            if (name, stage) not in cache:
                cache[(name, stage)] = originals[name](stage)
            return cache[(name, stage)]

        return call

    for name in originals:
        setattr(project, name, memo(name))
    try:
        yield
    finally:
        for name in originals:
            delattr(project, name)


def verify(project: Project) -> VerifyReport:
    """Run every check on the review's store; nothing is written."""
    with _replayed_once(project):
        return _verify(project)


def _verify(project: Project) -> VerifyReport:
    report = VerifyReport()
    _guard(report, "engine", lambda: _check_engine(project, report), None)
    _guard(report, "schema", lambda: _check_schema(project, report), None)
    no_ids: set[int] = set()
    record_ids = _guard(report, "references", lambda: _check_references(project, report), no_ids)
    _guard(report, "batches", lambda: _check_batches(project, report), None)
    no_events: list[Event] = []
    no_links: list[LinkEvent] = []
    events = _guard(report, "events", lambda: _raw_events(project, report), no_events)
    links = _guard(report, "links", project.store.link_events, no_links)
    _guard(report, "reviewers", lambda: _check_reviewers(project, events, report), None)
    present = [ev for ev in events if ev.record_id in record_ids]
    _guard(report, "full_text", lambda: _check_full_text(project, present, links, report), None)
    _guard(report, "links", lambda: _check_links(links, record_ids, report), None)
    no_outcomes: dict[str, dict[str, int]] = {}
    outcomes = _guard(report, "outcomes", lambda: _check_outcomes(project, report), no_outcomes)
    prisma = None
    if not report.counted["outcomes"]:
        prisma = _guard(report, "prisma", lambda: _check_prisma(project, report), None)
    report.summary = {
        "store": project.store.shown_url,
        "records": len(record_ids),
        "events": len(events),
        "links": len(links),
        "outcomes": outcomes,
        **({"prisma": prisma} if prisma is not None else {}),
    }
    return report
