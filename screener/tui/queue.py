"""A reviewer's screening queue: ids and order up front, records fetched lazily.

On a 100,000-record review the app must show the first record in well under two
seconds, so nothing here reads every record's text at start: the queue holds record ids
(one cheap query), the reviewer's own events (never anyone else's: blinding), and a small
window of records fetched around the current position. No textual import here.
"""

from __future__ import annotations

from collections import Counter, OrderedDict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from sqlalchemy import case, func, select

from screener.model import Decision, Reviewer, Stage
from screener.project import Project
from screener.screening import decide as d
from screener.screening.decide import full_text_open_to
from screener.screening.state import (
    AUTO_EXCLUDE,
    DECIDE,
    NOTE,
    RESOLVE,
    RETRIEVAL,
    UNDO,
    UNRESOLVE,
    RecordStage,
    Vote,
    replay,
)
from screener.store import schema
from screener.store.store import StoredRecord

if TYPE_CHECKING:  # the ranking package loads scikit-learn: not at the app's start
    from screener.ranking.live import LiveRanking

WINDOW = 24  # records fetched ahead of the current one in one query
CACHE = 512  # records kept in memory


@dataclass
class Shown:
    """Everything the screening screen shows about one record (the reviewer's view)."""

    record: StoredRecord
    databases: list[str]
    mine: Vote | None
    notes: list[Vote]
    position: int
    total: int
    retrieval: Vote | None = None
    score: float | None = None
    rank: int | None = None


@dataclass
class Counts:
    total: int
    decided: int
    by_decision: dict[str, int] = field(default_factory=dict)

    @property
    def to_go(self) -> int:
        return self.total - self.decided


@dataclass(frozen=True)
class QueueSnapshot:
    """A copy of a queue's order and of the reviewer's own votes, for a worker thread."""

    stage: Stage
    ids: list[int]
    mine: dict[int, Vote]

    def my_decisions(self) -> dict[int, Decision]:
        return {rid: vote.decision for rid, vote in self.mine.items()}


def screenable_ids(project: Project) -> list[int]:
    """Ids of records not of a review's previous version, in id order: one narrow query.

    Filtering on the batch lets SQLite answer from the batch_id index instead of reading
    every record.
    """
    previous = sorted(project.previous_batches())
    c = schema.records.c
    query = select(c.id).where(c.batch_id.notin_(previous)) if previous else select(c.id)
    if not previous:
        query = query.where(c.batch_id.isnot(None))  # same covering index
    with project.store.read() as conn:
        return sorted(conn.execute(query).scalars().all())


def stage_progress(project: Project, stage: Stage) -> tuple[int, int]:
    """(records with at least one decision, records with the required number of them).

    Counted in SQL from the log (decisions minus undos per reviewer), so it stays cheap on
    a large review; decisions on a record's duplicates are counted on the duplicate.
    """
    e = schema.events.c
    net = func.sum(case((e.action == DECIDE, 1), else_=-1)).label("net")
    per_reviewer = (
        select(e.record_id, e.reviewer, net)
        .where(e.stage == stage.value, e.action.in_([DECIDE, UNDO]))
        .group_by(e.record_id, e.reviewer)
        .subquery()
    )
    voters = (
        select(per_reviewer.c.record_id, func.count().label("n"))
        .where(per_reviewer.c.net > 0)
        .group_by(per_reviewer.c.record_id)
        .subquery()
    )
    required = project.config.stages[stage].reviewers_required
    query = select(
        func.count(), func.coalesce(func.sum(case((voters.c.n >= required, 1), else_=0)), 0)
    )
    with project.store.read() as conn:
        started, complete = conn.execute(query.select_from(voters)).one()
    return int(started), int(complete)


class ScreeningQueue:
    """The records one reviewer screens at one stage, in screening order."""

    def __init__(
        self, project: Project, reviewer: Reviewer, stage: Stage, ids: Sequence[int],
        states: Mapping[int, RecordStage],
    ) -> None:  # fmt: skip
        self.project = project
        self.reviewer = reviewer
        self.stage = stage
        self.ids: list[int] = list(ids)
        self.index = {rid: i for i, rid in enumerate(self.ids)}
        self.states: dict[int, RecordStage] = dict(states)
        self.position = 0
        self.history: list[int] = []  # records decided this session, for `undo`
        self.scores: dict[int, float] = {}
        self.ranking: LiveRanking | None = None
        self._cache: OrderedDict[int, StoredRecord] = OrderedDict()
        primary = project.primary_of()
        self._dups: dict[int, list[int]] = {}
        for dup, prim in primary.items():
            self._dups.setdefault(prim, []).append(dup)
        self.mine: dict[int, Vote] = {}
        for rid, rs in self.states.items():
            vote = rs.votes.get(reviewer.name)  # the reviewer's own: never anyone else's
            if vote is not None and rid in self.index:
                self.mine[rid] = vote
        self._by = Counter(vote.decision.value for vote in self.mine.values())  # kept by _sync
        self.position = self.next_undecided(0) if self.ids else 0
        self.chosen = False  # True once the reviewer moves to a record (arrows, search)

    # -- loading ------------------------------------------------------------------------

    @classmethod
    def load(cls, project: Project, reviewer: Reviewer, stage: Stage) -> ScreeningQueue:
        """Ids at the stage (cheap), minus auto-excluded ones, and the reviewer's own log."""
        primary = project.primary_of()
        if stage is Stage.TITLE_ABSTRACT:
            ids = [rid for rid in screenable_ids(project) if rid not in primary]
            settled = replay(
                project.store.events(stage=stage, actions=[AUTO_EXCLUDE, RESOLVE, UNRESOLVE]),
                primary,
            )
            auto = {
                rid for (rid, _s), rs in settled.items()
                if rs.auto is not None and rs.resolution is None
            }  # fmt: skip
            if auto:
                ids = [rid for rid in ids if rid not in auto]
        else:
            full_text_open_to(project, reviewer.name)
            ids = sorted(project.at_full_text())
        mine = project.store.events(
            stage=stage, reviewer=reviewer.name, actions=[DECIDE, UNDO, NOTE]
        )
        states = {rid: rs for (rid, _s), rs in replay(mine, primary).items()}
        return cls(project, reviewer, stage, ids, states)

    # -- position -----------------------------------------------------------------------

    @property
    def current(self) -> int | None:
        return self.ids[self.position] if self.ids else None

    def my_vote(self, rid: int) -> Vote | None:
        return self.mine.get(rid)

    def _sync(self, rid: int) -> None:
        """`mine[rid]` (and the counts by decision) after a decision or an undo on `rid`."""
        stack = self._rs(rid).stacks.get(self.reviewer.name)
        old = self.mine.pop(rid, None)
        if old is not None:
            self._by[old.decision.value] -= 1
        if stack:
            self.mine[rid] = stack[-1]
            self._by[stack[-1].decision.value] += 1

    def next_undecided(self, start: int) -> int:
        """The first position from `start` (wrapping) the reviewer has not decided."""
        n = len(self.ids)
        for k in range(n):
            i = (start + k) % n
            if self.my_vote(self.ids[i]) is None:
                return i
        return min(start, n - 1) if n else 0

    def move(self, delta: int) -> int | None:
        self.chosen = True
        if self.ids:
            self.position = max(0, min(len(self.ids) - 1, self.position + delta))
        return self.current

    def go_to(self, rid: int) -> bool:
        i = self.index.get(rid)
        if i is None:
            return False
        self.show_at(i)
        return True

    def show_at(self, position: int) -> None:
        """The reviewer goes to the record at `position` (it stays there when re-ranked)."""
        self.position = position
        self.chosen = True

    def reorder(
        self, ranked: Sequence[tuple[int, float]], ranking: LiveRanking | None = None
    ) -> None:
        """Adopt a new order (best first). A record the reviewer went to stays on screen; one
        the queue put there (the next after a decision) gives way to the best open record.

        `ranking` is what produced the order: its model is logged with each decision.
        """
        self.ranking = ranking
        keep = self.current if self.chosen else None
        known = set(self.index)
        order = [rid for rid, _ in ranked if rid in known]
        seen = set(order)
        order += [rid for rid in self.ids if rid not in seen]
        self.scores = {rid: s for rid, s in ranked}
        self.ids = order
        self.index = {rid: i for i, rid in enumerate(order)}
        if keep is not None:
            self.position = self.index[keep]
        elif self.ids:
            self.position = self.next_undecided(0)

    # -- records ------------------------------------------------------------------------

    def record(self, rid: int) -> StoredRecord:
        got = self._cache.get(rid)
        if got is not None:
            self._cache.move_to_end(rid)
            return got
        i = self.index.get(rid, 0)
        window = [rid, *self.ids[i + 1 : i + 1 + WINDOW]]
        window += [dup for r in window for dup in self._dups.get(r, ())]
        wanted = [r for r in window if r not in self._cache]
        for sr in self.project.store.records(wanted):
            self._cache[sr.id] = sr
        while len(self._cache) > CACHE:
            self._cache.popitem(last=False)
        found = self._cache.get(rid)
        if found is None:
            raise KeyError(rid)
        return found

    def databases(self, rid: int) -> list[str]:
        """The record's database and those of its linked duplicates, in first-seen order."""
        names: list[str] = []
        for r in [rid, *self._dups.get(rid, ())]:
            sr = self._cache.get(r) or self.project.store.record(r)
            if sr is not None and sr.record.database and sr.record.database not in names:
                names.append(sr.record.database)
        return names

    def shown(self, rid: int | None = None) -> Shown | None:
        rid = self.current if rid is None else rid
        if rid is None:
            return None
        sr = self.record(rid)
        rs = self.states.get(rid)
        notes = [n for n in (rs.notes if rs else []) if n.reviewer == self.reviewer.name]
        retrieval = None
        if self.stage is Stage.FULL_TEXT:
            events = self.project.store.events(
                stage=self.stage, record_ids=[rid, *self._dups.get(rid, ())], actions=[RETRIEVAL]
            )
            got = replay(events, {}).values()
            retrieval = max((v.retrieval for v in got if v.retrieval), key=lambda v: v.event_id,
                            default=None)  # fmt: skip
        rank = None
        if self.scores:
            rank = self.index[rid] + 1
        return Shown(
            sr, self.databases(rid), self.my_vote(rid), notes, self.index[rid] + 1,
            len(self.ids), retrieval, self.scores.get(rid), rank,
        )  # fmt: skip

    # -- counts -------------------------------------------------------------------------

    def counts(self) -> Counts:
        """Mine by decision: kept up to date key by key (no pass over every decision)."""
        by = {value: n for value, n in self._by.items() if n}
        return Counts(len(self.ids), len(self.mine), by)

    def my_decisions(self) -> dict[int, Decision]:
        """The reviewer's own current decisions: what a ranking model may learn from."""
        return {rid: vote.decision for rid, vote in self.mine.items()}

    def ranking_context(self, rid: int) -> dict[str, Any] | None:
        """What ranked the record on screen, logged with the decision made on it."""
        r = self.ranking
        if r is None:
            return None
        return {"ranking": {"model": r.model, "params": r.params, "learned_from": r.learned_from,
                            "rank": self.index[rid] + 1, "score": self.scores.get(rid)}}  # fmt: skip

    def snapshot(self) -> QueueSnapshot:
        """Order and own votes as they are now (the live queue changes with every key)."""
        return QueueSnapshot(self.stage, list(self.ids), dict(self.mine))

    # -- actions (each one is one event in the store, committed before returning) --------

    def _rs(self, rid: int) -> RecordStage:
        rs = self.states.get(rid)
        if rs is None:
            rs = self.states[rid] = RecordStage(rid, self.stage.value)
        return rs

    def decide(self, decision: Decision, reason: str = "", note: str = "") -> int:
        rid = self.current
        if rid is None:
            raise LookupError("nothing to decide")
        reason = d.check_reason(self.project, self.stage, decision, reason)
        event_id = d.decide(
            self.project, rid, decision, reviewer=self.reviewer.name, stage=self.stage,
            reason=reason, note=note, context=self.ranking_context(rid),
        )  # fmt: skip
        vote = Vote(self.reviewer.name, decision, reason, note, event_id, "", rid)
        self._rs(rid).stacks.setdefault(self.reviewer.name, []).append(vote)
        self._sync(rid)
        self.history.append(rid)
        # Ranked: the best open record comes next; in id order, the next one after this.
        self.position = self.next_undecided(0 if self.scores else self.position)
        self.chosen = False
        return rid

    def undo(self) -> int | None:
        """Take back the latest decision of this session (or the one on screen)."""
        rid = self.history.pop() if self.history else self.current
        if rid is None or self.my_vote(rid) is None:
            return None
        d.undo(self.project, rid, reviewer=self.reviewer.name, stage=self.stage)
        stack = self._rs(rid).stacks.get(self.reviewer.name)
        if stack:
            stack.pop()
        self._sync(rid)
        self.go_to(rid)
        return rid

    def note(self, text: str) -> int | None:
        rid = self.current
        if rid is None or not text.strip():
            return None
        event_id = d.add_note(
            self.project, rid, text.strip(), reviewer=self.reviewer.name, stage=self.stage
        )
        self._rs(rid).notes.append(
            Vote(self.reviewer.name, Decision.MAYBE, "", text.strip(), event_id, "", rid)
        )
        return rid

    def retrieval(self, retrieved: bool, location: str = "") -> int | None:
        rid = self.current
        if rid is None:
            return None
        d.mark_retrieval(
            self.project, rid, retrieved, reviewer=self.reviewer.name, location=location.strip()
        )
        return rid
