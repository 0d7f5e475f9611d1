"""Recording decisions: every call appends one event; nothing is ever overwritten."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

from screener.config import NOT_RETRIEVED as NOT_RETRIEVED_REASON
from screener.config import Config
from screener.errors import ScreenerError
from screener.model import Decision, Outcome, Stage
from screener.screening.blinding import view_of
from screener.screening.review import Review
from screener.screening.state import (
    DECIDE,
    NOT_RETRIEVED,
    NOTE,
    RESOLVE,
    RETRIEVAL,
    RETRIEVED,
    UNDO,
    UNRESOLVE,
    RecordStage,
)
from screener.store.store import project_id


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


def full_text_open_to(project: Review, reviewer: str) -> None:
    """Which records reach full text is a title/abstract outcome: a reviewer works at full
    text once title/abstract is open to them (finished, or blinding lifted by the senior)."""
    if not project.sees_every_event:
        return  # a team login: the server guards what it may write; the senior's verify checks
    view_of(project, reviewer).require_outcomes(Stage.TITLE_ABSTRACT, "full-text screening")


def stage_reasons(config: Config, stage: Stage) -> tuple[str, ...]:
    """The reasons a decision at `stage` may give: the config's (and, at full text, the
    PRISMA box for reports not retrieved)."""
    reasons = config.reasons(stage)
    if stage is Stage.FULL_TEXT and NOT_RETRIEVED_REASON not in reasons:
        reasons = (*reasons, NOT_RETRIEVED_REASON)
    return reasons


def match_reason(config: Config, stage: Stage, text: str) -> str | None:
    """The configured reason `text` names, by number (1-based) or by text (any case)."""
    text = " ".join(text.split())
    reasons = stage_reasons(config, stage)
    if text.isdigit():
        n = int(text)
        return reasons[n - 1] if 1 <= n <= len(reasons) else None
    folded = text.casefold()
    return next((r for r in reasons if r.casefold() == folded), None)


def _listed(config: Config, stage: Stage) -> str:
    return "; ".join(f"{i}. {r}" for i, r in enumerate(stage_reasons(config, stage), 1))


def check_reason(project: Review, stage: Stage, decision: Decision, reason: str) -> str:
    """The configured reason a reviewer's decision gives ('' for none).

    A reason goes with an exclusion only; it must be one of the stage's reasons, named by
    number or text; a full-text exclusion needs one (PRISMA reports it).
    """
    config = project.config
    reason = reason.strip()
    if not reason:
        if decision is Decision.EXCLUDE and stage is Stage.FULL_TEXT:
            raise ScreenerError(f"a full-text exclusion needs a reason: {_listed(config, stage)}")
        return ""
    if decision is not Decision.EXCLUDE:
        raise ScreenerError(
            f"a reason goes with an exclusion, not with {decision.value} "
            f"(use --note for a remark): {reason!r}"
        )
    found = match_reason(config, stage, reason)
    if found is None:
        raise ScreenerError(
            f"{reason!r} is not a {stage.value} reason of this review; give one of "
            f"these, by number or text: {_listed(config, stage)}"
        )
    return found


def decide(
    project: Review,
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
    project: Review,
    who: str,
    record: str | int,
    decision: Decision | str,
    stage: Stage,
    reason: str,
    note: str,
    action: str,
    context: dict[str, Any] | None = None,
) -> int:
    """Validate a reviewer's decision and append it to the log."""
    rid = record if isinstance(record, int) else project.resolve_id(record)
    d = parse_decision(decision) if isinstance(decision, str) else decision
    if stage is Stage.FULL_TEXT:
        full_text_open_to(project, who)
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


def undo(project: Review, record: str | int, *, reviewer: str, stage: Stage) -> int:
    """Take back the reviewer's latest decision on the record (an event too)."""
    who = project.reviewer(reviewer)
    rid = record if isinstance(record, int) else project.resolve_id(record)
    action = UNRESOLVE if who.is_senior and _has_resolution(project, rid, stage) else UNDO
    return project.store.append_event(record_id=rid, stage=stage, reviewer=who.name, action=action)


def _has_resolution(project: Review, rid: int, stage: Stage) -> bool:
    rs = project.states(stage).get(rid)
    return rs is not None and rs.resolution is not None


def add_note(project: Review, record: str | int, note: str, *, reviewer: str, stage: Stage) -> int:
    who = project.reviewer(reviewer)
    rid = record if isinstance(record, int) else project.resolve_id(record)
    return project.store.append_event(
        record_id=rid, stage=stage, reviewer=who.name, action=NOTE, note=note
    )


@dataclass(frozen=True)
class Resolution:
    """A senior's resolution as validated, ready to append (and to tell the user about)."""

    record_id: int
    decision: Decision
    reason: str  # a configured reason, or ''
    note: str  # the senior's note, with any free-text rationale given as `reason`
    override: bool  # the record was not in conflict: the senior overrode the reviewers
    rationale: str = ""  # free text given as the reason, kept in the note
    event_id: int = 0  # once appended

    def event(self, stage: Stage, reviewer: str) -> dict[str, Any]:
        context: dict[str, Any] = {"override": True} if self.override else {}
        return {
            "record_id": self.record_id, "stage": stage.value, "reviewer": reviewer,
            "action": RESOLVE, "decision": self.decision.value, "reason": self.reason,
            "note": self.note, "context": context,
        }  # fmt: skip


def check_resolution(
    project: Review,
    rid: int,
    decision: Decision,
    stage: Stage,
    *,
    reason: str = "",
    note: str = "",
    override: bool = False,
    states: Mapping[int, RecordStage] | None = None,
) -> Resolution:
    """Validate the senior's decision on a record.

    A resolution settles a record in conflict (or one a rule excluded). On any other record
    (pending, or agreed) it is refused unless `override` is given, and then logged as an
    override. `reason`: a configured reason, or free text kept as the senior's rationale in
    the note. A full-text exclusion needs a configured reason: given, or the one reason the
    excluding reviewers gave.
    """
    config = project.config
    if decision is Decision.MAYBE:
        raise ScreenerError("a resolution must be include or exclude")
    if stage is Stage.FULL_TEXT:
        project.check_stage_open([rid], stage)
    rs = (states if states is not None else project.states(stage)).get(rid)
    outcome = Outcome.PENDING
    if rs is not None:
        outcome = rs.votes_outcome(
            config.stages[stage].reviewers_required, config.maybe_to_full_text,
            stage is Stage.FULL_TEXT,
        )  # fmt: skip
    auto_excluded = rs is not None and rs.auto is not None
    if outcome is not Outcome.CONFLICT and not auto_excluded and not override:
        voted = len(rs.votes) if rs is not None else 0
        required = config.stages[stage].reviewers_required
        state = (f"{voted} of {required} reviewers have decided it" if outcome is Outcome.PENDING
                 else f"the reviewers agree ({outcome.value})")  # fmt: skip
        raise ScreenerError(
            f"{project_id(rid)} is not in conflict at {stage.value}: {state}. A senior resolves "
            "conflicts; to decide it anyway, say so with --override (logged as an override)"
        )
    given = reason.strip()
    found = match_reason(config, stage, given) if given else None
    rationale = given if given and found is None else ""
    if decision is Decision.INCLUDE and found is not None:
        rationale, found = given, None  # an include gives no exclusion reason
    if decision is Decision.EXCLUDE and found is None and stage is Stage.FULL_TEXT:
        theirs = {v.reason for v in (rs.votes.values() if rs else []) if not v.includes}
        theirs.discard("")
        if len(theirs) != 1:
            what = f"{given!r} is not one of them" if given else "none was given"
            raise ScreenerError(
                f"a full-text exclusion needs one of this review's reasons ({what}, and the "
                f"reviewers do not agree on one): {_listed(config, stage)}"
            )
        found = theirs.pop()
    full_note = "\n".join(x for x in (rationale, note.strip()) if x)
    return Resolution(rid, decision, found or "", full_note, outcome is not Outcome.CONFLICT and
                      not auto_excluded, rationale)  # fmt: skip


def resolve(
    project: Review,
    record: str | int,
    decision: Decision | str,
    *,
    reviewer: str,
    stage: Stage = Stage.TITLE_ABSTRACT,
    reason: str = "",
    note: str = "",
    override: bool = False,
) -> Resolution:
    """The senior's decision on a record in conflict; it settles the record's outcome."""
    who = project.senior(reviewer)
    rid = record if isinstance(record, int) else project.resolve_id(record)
    d = parse_decision(decision) if isinstance(decision, str) else decision
    res = check_resolution(project, rid, d, stage, reason=reason, note=note, override=override)
    event_id = project.store.append_event(**res.event(stage, who.name))
    return replace(res, event_id=event_id)


def mark_retrieval(
    project: Review, record: str | int, retrieved: bool, *, reviewer: str, location: str = ""
) -> int:
    """Full text: the report was retrieved (with its PDF path or URL) or not retrieved."""
    who = project.reviewer(reviewer)
    rid = record if isinstance(record, int) else project.resolve_id(record)
    full_text_open_to(project, who.name)
    project.check_stage_open([rid], Stage.FULL_TEXT)
    return project.store.append_event(
        record_id=rid,
        stage=Stage.FULL_TEXT,
        reviewer=who.name,
        action=RETRIEVAL,
        decision=RETRIEVED if retrieved else NOT_RETRIEVED,
        note=location,
    )
