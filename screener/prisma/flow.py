"""The PRISMA 2020 flow of a review, derived from the store and checked for arithmetic.

Every number comes from the records, the duplicate-link log and the screening event log
(through the domain's `Review`), never from stored counters. The keys are those of the
`data` column of the PRISMA2020 R package's template (`PRISMA.csv`).

The count types live in `screener.prisma.counts` (re-exported here); this module derives
them from a review.

Columns of the diagram:
- databases and registers (`dbr_*`): records whose source kind is database or register;
- other methods (`other_*`): citation searching, websites, organisations;
- previous studies: an updated review's previous version (config `[previous]`); records
  imported with source kind `previous` are that version's search, never screened again,
  and new records linked to them count as duplicates.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from screener.config import NOT_RETRIEVED as NOT_RETRIEVED_REASON
from screener.model import Outcome, SourceKind, Stage
from screener.prisma.arithmetic import arithmetic_problems, check_arithmetic
from screener.prisma.counts import (
    DBR_KINDS,
    NO_REASON,
    OTHER_KINDS,
    PENDING_LABELS,
    TOTAL,
    ColumnCounts,
    PrismaFlow,
    column_of,
    with_total,
)
from screener.screening.blinding import View
from screener.screening.review import Review
from screener.screening.state import NOT_RETRIEVED, RecordStage

# -- derivation --------------------------------------------------------------------------


def exclusion_reason(rs: RecordStage | None, order: list[str]) -> str:
    """The resolution's reason, else the reviewers' common reason, else the first's."""
    if rs is None:
        return NO_REASON
    if rs.resolution is not None and rs.resolution.reason.strip():
        return rs.resolution.reason.strip()
    votes = rs.votes
    excludes = [v for v in votes.values() if not v.includes and v.reason.strip()]
    if not excludes:
        if rs.auto is not None and rs.auto.reason.strip():
            return rs.auto.reason.strip()
        return NO_REASON
    reasons = {v.reason.strip() for v in excludes}
    if len(reasons) == 1:
        return reasons.pop()
    rank = {name: i for i, name in enumerate(order)}
    first = min(excludes, key=lambda v: (rank.get(v.reviewer, len(rank)), v.event_id))
    return first.reason.strip()


def _not_retrieved(rs: RecordStage | None, outcome: Outcome | None) -> bool:
    if rs is None:
        return False
    if rs.retrieval is not None:
        return rs.retrieval.reason == NOT_RETRIEVED
    # An exclusion for the reason "Report not retrieved" is the same thing said otherwise.
    if outcome is not None and outcome.is_exclude:
        return exclusion_reason(rs, []).casefold() == NOT_RETRIEVED_REASON.casefold()
    return False


def compute_flow(project: Review, *, check: bool = True, view: View | None = None) -> PrismaFlow:
    """Every PRISMA 2020 box from the store; raises PrismaArithmeticError if they disagree.

    `view`: the reader; the boxes that count outcomes at a stage blinded to them are emptied
    (None: everything, for the core's own use).
    """
    flow = _compute_flow(project, check=check)
    return flow.blind(view.hidden) if view is not None else flow


def _compute_flow(project: Review, *, check: bool) -> PrismaFlow:
    config = project.config
    store = project.store
    flow = PrismaFlow(title=config.title)
    members: dict[str, list[int]] = {}

    def note(key: str, rid: int) -> None:
        members.setdefault(key, []).append(rid)

    batches = store.batches()
    previous_batches = project.previous_batches()
    if config.previous is not None or previous_batches:
        flow.updated = True
        _previous_version(flow, project, batches)

    labels = {b.id: b.source_label for b in batches}
    dups = project.primary_of()
    auto = project.auto_excluded()
    ta = project.outcomes(Stage.TITLE_ABSTRACT)
    kinds: dict[int, str] = {}
    database: Counter[str] = Counter()
    register: Counter[str] = Counter()
    other_kind: Counter[str] = Counter()

    for rid, batch_id, kind, *_ in store.record_keys():
        if batch_id in previous_batches:
            kind = SourceKind.PREVIOUS  # the previous version's search, whatever its source
        kinds[rid] = kind
        col_name = column_of(kind)
        if col_name == "previous":
            flow.previous_search_records += 1
            note("previous.search", rid)
            continue
        col = flow.dbr if col_name == "dbr" else flow.other
        col.identified += 1
        note(f"{col_name}.identified", rid)
        if col_name == "other":
            other_kind[kind] += 1
            note(f"source.{kind}", rid)
        elif kind == SourceKind.REGISTER:
            label = labels.get(batch_id, "Register")
            register[label] += 1
            note(f"source.register/{label}", rid)
        else:  # a database (or a kind this version does not know: counted as one)
            label = labels.get(batch_id, "Database")
            database[label] += 1
            note(f"source.database/{label}", rid)
        if rid in dups:
            col.duplicates += 1
            note(f"{col_name}.duplicates", rid)
        elif rid in auto:
            col.excluded_automatic += 1
            note(f"{col_name}.excluded_automatic", rid)

    for rid, outcome in ta.items():
        col_name = column_of(kinds.get(rid, SourceKind.DATABASE))
        if col_name == "previous":
            continue
        col = flow.dbr if col_name == "dbr" else flow.other
        col.screened += 1
        note(f"{col_name}.screened", rid)
        if outcome.is_exclude:
            col.excluded += 1
            note(f"{col_name}.excluded", rid)
        elif outcome is Outcome.PENDING:
            col.ta_awaiting += 1
            note(f"{col_name}.ta_awaiting", rid)
        elif outcome is Outcome.CONFLICT:
            col.ta_conflicts += 1
            note(f"{col_name}.ta_conflicts", rid)

    for dup, primary in dups.items():
        col_name = column_of(kinds.get(dup, SourceKind.DATABASE))
        if col_name != "previous" and kinds.get(primary) == SourceKind.PREVIOUS:
            (flow.dbr if col_name == "dbr" else flow.other).duplicates_previous += 1
            note(f"{col_name}.duplicates_previous", dup)

    flow.database_specific = dict(database)
    flow.register_specific = dict(register)
    flow.website_results = other_kind[SourceKind.WEBSITE]
    flow.organisation_results = other_kind[SourceKind.ORGANISATION]
    flow.citations_results = other_kind[SourceKind.CITATION]

    order = [r.name for r in config.reviewers]
    ft_states = project.states(Stage.FULL_TEXT)
    ft = project.outcomes(Stage.FULL_TEXT)
    for rid in project.at_full_text():
        col_name = column_of(kinds.get(rid, SourceKind.DATABASE))
        if col_name == "previous":
            continue
        col = flow.dbr if col_name == "dbr" else flow.other
        col.sought += 1
        note(f"{col_name}.sought", rid)
        rs = ft_states.get(rid)
        ft_outcome = ft.get(rid)
        if _not_retrieved(rs, ft_outcome):
            col.not_retrieved += 1
            note(f"{col_name}.not_retrieved", rid)
            continue
        col.assessed += 1
        note(f"{col_name}.assessed", rid)
        # excluded by a rule at full text (no outcome, not resolved), or excluded
        if ft_outcome is None or ft_outcome.is_exclude:
            reason = exclusion_reason(rs, order)
            col.excluded_reasons[reason] += 1
            note(f"{col_name}.excluded_reasons/{reason}", rid)
        elif ft_outcome.is_include:
            col.included += 1
            note(f"{col_name}.included", rid)
        elif ft_outcome is Outcome.PENDING:
            col.ft_awaiting += 1
            note(f"{col_name}.ft_awaiting", rid)
        else:
            col.ft_conflicts += 1
            note(f"{col_name}.ft_conflicts", rid)

    flow.members = members
    if check:
        check_arithmetic(flow)
    return flow


def _previous_version(flow: PrismaFlow, project: Review, batches: list[Any]) -> None:
    """Studies and reports of the previous version: as the config states them, else those of
    the previous review it names plus those included in this store before `screener update`."""
    stated = project.config.previous
    if stated is not None and stated.studies is not None:
        flow.previous_studies = stated.studies
        flow.previous_reports = stated.reports if stated.reports is not None else stated.studies
        return
    studies = reports = project.previous_version_included()
    for b in batches:
        named = b.report.get("previous_review") if isinstance(b.report, dict) else None
        if named:
            studies += int(named.get("studies", 0))
            reports += int(named.get("reports", 0))
    flow.previous_studies, flow.previous_reports = studies, reports


__all__ = [
    "DBR_KINDS",
    "NO_REASON",
    "OTHER_KINDS",
    "PENDING_LABELS",
    "TOTAL",
    "ColumnCounts",
    "PrismaFlow",
    "arithmetic_problems",
    "check_arithmetic",
    "column_of",
    "compute_flow",
    "with_total",
]
