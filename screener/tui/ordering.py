"""The screening order when ranking is on: a hook the ranking package plugs into.

`rank(project, stage, candidates, decisions)` returns the candidates best first with a
relevance score. `decisions` are the reviewer's OWN current decisions (never another
reviewer's: a model trained on them would leak blinded votes). When `screener.ranking`
provides `rank_records(project, stage, candidates, decisions)`, it is used; until the
reviewer has decided both an include and an exclude (or when no ranking package is
installed) the cold start orders by the rules' prior score. No textual import here.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from screener.model import Decision, Stage
from screener.project import Project

Ranked = list[tuple[int, float]]
Ranker = Callable[[Project, Stage, Sequence[int], Mapping[int, Decision]], Ranked]


def ruleset(project: Project) -> Any | None:
    """The project's RuleSet (None when the rules module is not available)."""
    try:
        from screener.rules import load_rules
    except ImportError:
        return None
    return load_rules(list(project.config.rules), dict(project.config.highlight))


def cold_start(project: Project, candidates: Sequence[int]) -> Ranked:
    """Order by RuleSet.prior_score (ties in project id order)."""
    rules = ruleset(project)
    if rules is None:
        return [(rid, 0.0) for rid in candidates]
    scores: dict[int, float] = {}
    chunk = 2000
    for start in range(0, len(candidates), chunk):
        for sr in project.store.records(candidates[start : start + chunk]):
            scores[sr.id] = float(rules.prior_score(sr.record))
    position = {rid: i for i, rid in enumerate(candidates)}
    return sorted(((rid, scores.get(rid, 0.0)) for rid in candidates),
                  key=lambda p: (-p[1], position[p[0]]))  # fmt: skip


def _backend() -> Ranker | None:
    try:
        module = importlib.import_module("screener.ranking.live")
    except ImportError:
        return None
    ranker = getattr(module, "rank_records", None)
    return ranker if callable(ranker) else None


def rank(
    project: Project, stage: Stage, candidates: Sequence[int], decisions: Mapping[int, Decision]
) -> Ranked:
    """Candidates best first, with scores; learns only from the reviewer's own decisions."""
    labels = {d is not Decision.EXCLUDE for d in decisions.values()}
    backend = _backend()
    if backend is not None and labels == {True, False}:
        return backend(project, stage, candidates, decisions)
    return cold_start(project, candidates)


def stopping(queue: Any) -> str:
    """The stopping-rule line for the reviewer's own decisions (empty before any)."""
    try:
        from screener.ranking.progress import stopping_status
    except ImportError:
        return ""
    votes = sorted(queue.mine.values(), key=lambda v: v.event_id)
    status = stopping_status([int(v.includes) for v in votes], len(queue.ids))
    return status.line() if status else ""
