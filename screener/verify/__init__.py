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

`report.py` holds the report, `store_checks.py` the first four checks, `log_checks.py` the
events, reviewers, full-text and link checks; the outcome and PRISMA checks are here.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from screener.model import Outcome, Stage
from screener.screening.review import Review
from screener.store.store import Event, LinkEvent
from screener.verify.log_checks import check_full_text, check_links, check_reviewers, raw_events
from screener.verify.report import CHECKS, Problem, VerifyReport, guard
from screener.verify.store_checks import (
    check_batches,
    check_engine,
    check_references,
    check_schema,
)

__all__ = ["CHECKS", "Problem", "VerifyReport", "verify"]


def _check_outcomes(project: Review, report: VerifyReport) -> dict[str, dict[str, int]]:
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


def _check_prisma(project: Review, report: VerifyReport) -> dict[str, Any] | None:
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


@contextmanager
def _replayed_once(project: Review) -> Iterator[None]:
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


def verify(project: Review) -> VerifyReport:
    """Run every check on the review's store; nothing is written."""
    with _replayed_once(project):
        return _verify(project)


def _verify(project: Review) -> VerifyReport:
    report = VerifyReport()
    guard(report, "engine", lambda: check_engine(project.store, report), None)
    guard(report, "schema", lambda: check_schema(project.store, report), None)
    no_ids: set[int] = set()
    record_ids = guard(
        report, "references", lambda: check_references(project.store, report), no_ids
    )
    guard(report, "batches", lambda: check_batches(project.store, report), None)
    no_events: list[Event] = []
    no_links: list[LinkEvent] = []
    events = guard(report, "events", lambda: raw_events(project.store, report), no_events)
    links = guard(report, "links", project.store.link_events, no_links)
    guard(report, "reviewers", lambda: check_reviewers(project.config, events, report), None)
    present = [ev for ev in events if ev.record_id in record_ids]
    guard(
        report,
        "full_text",
        lambda: check_full_text(project.config, project.store, present, links, report),
        None,
    )
    guard(report, "links", lambda: check_links(links, record_ids, report), None)
    no_outcomes: dict[str, dict[str, int]] = {}
    outcomes = guard(report, "outcomes", lambda: _check_outcomes(project, report), no_outcomes)
    prisma = None
    if not report.counted["outcomes"]:
        prisma = guard(report, "prisma", lambda: _check_prisma(project, report), None)
    report.summary = {
        "store": project.store.shown_url,
        "records": len(record_ids),
        "events": len(events),
        "links": len(links),
        "outcomes": outcomes,
        **({"prisma": prisma} if prisma is not None else {}),
    }
    return report
