"""The screening order when ranking is on.

`rank(project, stage, candidates, decisions)` returns the candidates best first with a
relevance score. `decisions` are the reviewer's OWN current decisions (never another
reviewer's: a model trained on them would leak blinded votes). Once the reviewer has decided
both an include and an exclude, `screener.ranking.live.rank_records` orders them; before
that, the cold start orders by the rules' prior score. No textual import here.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from screener.model import Decision, Stage
from screener.project import Project

Ranked = list[tuple[int, float]]
Ranker = Callable[[Project, Stage, Sequence[int], Mapping[int, Decision]], Ranked]


def ruleset(project: Project) -> Any:
    """The project's RuleSet."""
    from screener.rules import load_rules

    return load_rules(list(project.config.rules), dict(project.config.highlight))


def cold_start(project: Project, candidates: Sequence[int]) -> Ranked:
    """Order by RuleSet.prior_score (ties in project id order)."""
    rules = ruleset(project)
    scores: dict[int, float] = {}
    chunk = 2000
    for start in range(0, len(candidates), chunk):
        for sr in project.store.records(candidates[start : start + chunk]):
            scores[sr.id] = float(rules.prior_score(sr.record))
    position = {rid: i for i, rid in enumerate(candidates)}
    return sorted(((rid, scores.get(rid, 0.0)) for rid in candidates),
                  key=lambda p: (-p[1], position[p[0]]))  # fmt: skip


def _backend() -> Ranker:
    """The ranking model (imported on first use: scikit-learn takes a second to load)."""
    from screener.ranking.live import rank_records

    return rank_records


def rank(
    project: Project, stage: Stage, candidates: Sequence[int], decisions: Mapping[int, Decision]
) -> Ranked:
    """Candidates best first, with scores; learns only from the reviewer's own decisions."""
    labels = {d is not Decision.EXCLUDE for d in decisions.values()}
    if labels == {True, False}:
        return _backend()(project, stage, candidates, decisions)
    return cold_start(project, candidates)


def stopping(queue: Any) -> str:
    """The stopping-rule line for the reviewer's own decisions (empty before any)."""
    from screener.ranking.progress import stopping_status

    votes = sorted(queue.mine.values(), key=lambda v: v.event_id)
    status = stopping_status([int(v.includes) for v in votes], len(queue.ids))
    return status.line() if status else ""
