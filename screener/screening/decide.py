"""Recording decisions: every call appends one event; nothing is ever overwritten."""

from __future__ import annotations

from typing import Any

from screener.errors import ScreenerError
from screener.model import Decision, Stage
from screener.project import Project
from screener.screening.state import (
    DECIDE,
    NOT_RETRIEVED,
    NOTE,
    RESOLVE,
    RETRIEVAL,
    RETRIEVED,
    UNDO,
    UNRESOLVE,
)


def parse_decision(value: str) -> Decision:
    """`include/exclude/maybe`, `1/0`, `yes/no`, `true/false` (any case)."""
    v = value.strip().lower()
    table = {
        "include": Decision.INCLUDE,
        "included": Decision.INCLUDE,
        "1": Decision.INCLUDE,
        "yes": Decision.INCLUDE,
        "y": Decision.INCLUDE,
        "true": Decision.INCLUDE,
        "exclude": Decision.EXCLUDE,
        "excluded": Decision.EXCLUDE,
        "0": Decision.EXCLUDE,
        "no": Decision.EXCLUDE,
        "n": Decision.EXCLUDE,
        "false": Decision.EXCLUDE,
        "maybe": Decision.MAYBE,
        "unsure": Decision.MAYBE,
        "?": Decision.MAYBE,
        "1.0": Decision.INCLUDE,
        "0.0": Decision.EXCLUDE,
    }
    if v not in table:
        raise ScreenerError(f"{value!r} is not a decision (use include, exclude or maybe)")
    return table[v]


def check_reason(project: Project, stage: Stage, decision: Decision, reason: str) -> str:
    """Exclusions at full text need a reason; a number picks from the config's list."""
    reason = reason.strip()
    reasons = project.config.reasons(stage)
    if reason.isdigit() and 1 <= int(reason) <= len(reasons):
        reason = reasons[int(reason) - 1]
    if decision is Decision.EXCLUDE and stage is Stage.FULL_TEXT and not reason:
        listed = "; ".join(f"{i}. {r}" for i, r in enumerate(reasons, 1))
        raise ScreenerError(f"a full-text exclusion needs a reason ({listed})")
    return reason


def decide(
    project: Project,
    record: str | int,
    decision: Decision | str,
    *,
    reviewer: str,
    stage: Stage = Stage.TITLE_ABSTRACT,
    reason: str = "",
    note: str = "",
    context: dict[str, Any] | None = None,
) -> int:
    """Append a reviewer's decision; a later one supersedes it, the old one stays."""
    who = project.reviewer(reviewer)
    return _append(project, who.name, record, decision, stage, reason, note, DECIDE, context)


def _append(
    project: Project,
    who: str,
    record: str | int,
    decision: Decision | str,
    stage: Stage,
    reason: str,
    note: str,
    action: str,
    context: dict[str, Any] | None = None,
) -> int:
    """Validate a decision or resolution and append it to the log."""
    rid = record if isinstance(record, int) else project.resolve_id(record)
    d = parse_decision(decision) if isinstance(decision, str) else decision
    if action == RESOLVE and d is Decision.MAYBE:
        raise ScreenerError("a resolution must be include or exclude")
    if stage is Stage.FULL_TEXT:
        project.check_stage_open([rid], stage)
    reason = check_reason(project, stage, d, reason)
    return project.store.append_event(
        record_id=rid,
        stage=stage,
        reviewer=who,
        action=action,
        decision=d,
        reason=reason,
        note=note,
        context=context,
    )


def undo(project: Project, record: str | int, *, reviewer: str, stage: Stage) -> int:
    """Take back the reviewer's latest decision on the record (an event too)."""
    who = project.reviewer(reviewer)
    rid = record if isinstance(record, int) else project.resolve_id(record)
    action = UNRESOLVE if who.is_senior and _has_resolution(project, rid, stage) else UNDO
    return project.store.append_event(record_id=rid, stage=stage, reviewer=who.name, action=action)


def _has_resolution(project: Project, rid: int, stage: Stage) -> bool:
    rs = project.states(stage).get(rid)
    return rs is not None and rs.resolution is not None


def add_note(project: Project, record: str | int, note: str, *, reviewer: str, stage: Stage) -> int:
    who = project.reviewer(reviewer)
    rid = record if isinstance(record, int) else project.resolve_id(record)
    return project.store.append_event(
        record_id=rid, stage=stage, reviewer=who.name, action=NOTE, note=note
    )


def resolve(
    project: Project,
    record: str | int,
    decision: Decision | str,
    *,
    reviewer: str,
    stage: Stage = Stage.TITLE_ABSTRACT,
    reason: str = "",
    note: str = "",
) -> int:
    """The senior's decision on a record; it settles the record's outcome at the stage."""
    who = project.senior(reviewer)
    return _append(project, who.name, record, decision, stage, reason, note, RESOLVE)


def mark_retrieval(
    project: Project, record: str | int, retrieved: bool, *, reviewer: str, location: str = ""
) -> int:
    """Full text: the report was retrieved (with its PDF path or URL) or not retrieved."""
    who = project.reviewer(reviewer)
    rid = record if isinstance(record, int) else project.resolve_id(record)
    project.check_stage_open([rid], Stage.FULL_TEXT)
    return project.store.append_event(
        record_id=rid,
        stage=Stage.FULL_TEXT,
        reviewer=who.name,
        action=RETRIEVAL,
        decision=RETRIEVED if retrieved else NOT_RETRIEVED,
        note=location,
    )
