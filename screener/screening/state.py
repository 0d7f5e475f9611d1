"""Replay the event log into the current state of every record at every stage.

Nothing here is stored: outcomes, conflicts and counts are always derived from the log,
with decisions on a record that turned out to be a duplicate counted on its primary.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from screener.model import (  # the event actions live in model; imported from here too
    AUTO_EXCLUDE,
    DECIDE,
    NOTE,
    RESOLVE,
    RETRIEVAL,
    UNDO,
    UNRESOLVE,
    Decision,
    Outcome,
)
from screener.store.store import Event

RETRIEVED, NOT_RETRIEVED = "retrieved", "not_retrieved"
NOTE_SEPARATOR = " | "  # between one reviewer's notes on one record, in exports


@dataclass(frozen=True, slots=True)
class Vote:
    """A reviewer's (or the senior's) current decision on a record at a stage."""

    reviewer: str
    decision: Decision
    reason: str
    note: str
    event_id: int
    ts: str
    record_id: int

    @property
    def includes(self) -> bool:
        return self.decision is not Decision.EXCLUDE


@dataclass(slots=True)
class RecordStage:
    """Everything the log says about one (primary) record at one stage."""

    record_id: int
    stage: str
    stacks: dict[str, list[Vote]] = field(default_factory=dict)
    resolutions: list[Vote] = field(default_factory=list)
    retrieval: Vote | None = None
    auto: Vote | None = None
    notes: list[Vote] = field(default_factory=list)

    @property
    def votes(self) -> dict[str, Vote]:
        """Each reviewer's current decision (the top of their stack)."""
        return {name: stack[-1] for name, stack in self.stacks.items() if stack}

    @property
    def resolution(self) -> Vote | None:
        return self.resolutions[-1] if self.resolutions else None

    def merged_disagreement(self, reviewer: str) -> bool:
        """A reviewer decided differently on two records later found to be duplicates."""
        latest: dict[int, Vote] = {}
        for vote in self.stacks.get(reviewer, []):
            latest[vote.record_id] = vote
        return len({v.includes for v in latest.values()}) > 1

    def outcome(
        self, required: int, maybe_includes: bool = True, reasons_must_agree: bool = False
    ) -> Outcome:
        """The senior's resolution if there is one, else what the reviewers' votes give."""
        res = self.resolution
        if res is not None:
            return Outcome.RESOLVED_INCLUDE if res.includes else Outcome.RESOLVED_EXCLUDE
        return self.votes_outcome(required, maybe_includes, reasons_must_agree)

    def votes_outcome(
        self, required: int, maybe_includes: bool = True, reasons_must_agree: bool = False
    ) -> Outcome:
        """The outcome of the reviewers' votes alone (a resolution aside).

        Excludes for different reasons are a conflict when `reasons_must_agree` (full text,
        where PRISMA reports the reason); otherwise they agree.
        """
        votes = self.votes
        if any(self.merged_disagreement(name) for name in votes):
            return Outcome.CONFLICT
        if len(votes) < required:
            return Outcome.PENDING
        decisions = {v.decision for v in votes.values()}
        if decisions == {Decision.EXCLUDE}:
            if reasons_must_agree and self.reason_disagreement():
                return Outcome.CONFLICT
            return Outcome.AGREED_EXCLUDE
        if Decision.EXCLUDE in decisions:
            return Outcome.CONFLICT
        if Decision.MAYBE in decisions and not maybe_includes:
            return Outcome.CONFLICT
        return Outcome.AGREED_INCLUDE

    def reason_disagreement(self) -> bool:
        """Reviewers excluded for different reasons."""
        reasons = {v.reason for v in self.votes.values() if v.decision is Decision.EXCLUDE}
        return len(reasons) > 1

    def notes_by(self, reviewer: str) -> list[str]:
        """Every note of `reviewer` on the record, in order: with decisions and on their own."""
        stack = self.stacks.get(reviewer, [])
        mine = [v for v in [*stack[-1:], *self.notes] if v.reviewer == reviewer and v.note]
        return [v.note for v in sorted(mine, key=lambda v: v.event_id)]


def replay(
    events: Iterable[Event], primary_of: dict[int, int]
) -> dict[tuple[int, str], RecordStage]:
    """Fold the log, in order, into per-(primary record, stage) state."""
    state: dict[tuple[int, str], RecordStage] = {}
    for ev in events:
        rid = primary_of.get(ev.record_id, ev.record_id)
        key = (rid, ev.stage)
        rs = state.get(key)
        if rs is None:
            rs = state[key] = RecordStage(rid, ev.stage)
        action = ev.action
        if action == DECIDE:
            vote = Vote(
                ev.reviewer, Decision(ev.decision), ev.reason, ev.note, ev.id, ev.ts, ev.record_id
            )
            rs.stacks.setdefault(ev.reviewer, []).append(vote)
        elif action == UNDO:
            stack = rs.stacks.get(ev.reviewer)
            if stack:
                stack.pop()
        elif action == RESOLVE:
            rs.resolutions.append(
                Vote(
                    ev.reviewer,
                    Decision(ev.decision),
                    ev.reason,
                    ev.note,
                    ev.id,
                    ev.ts,
                    ev.record_id,
                )
            )
        elif action == UNRESOLVE:
            if rs.resolutions:
                rs.resolutions.pop()
        elif action == RETRIEVAL:
            rs.retrieval = Vote(
                ev.reviewer, Decision.INCLUDE, ev.decision, ev.note, ev.id, ev.ts, ev.record_id
            )
        elif action == AUTO_EXCLUDE:
            rs.auto = Vote(
                ev.reviewer, Decision.EXCLUDE, ev.reason, ev.note, ev.id, ev.ts, ev.record_id
            )
        elif action == NOTE:
            rs.notes.append(
                Vote(ev.reviewer, Decision.MAYBE, "", ev.note, ev.id, ev.ts, ev.record_id)
            )
    return state
