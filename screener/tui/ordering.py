"""The screening order when ranking is on: the screen's thin view of `screener.ranking.live`.

`rank(project, stage, candidates, decisions)` returns a `LiveRanking`. `decisions` are the
reviewer's OWN current decisions (never another reviewer's: a model trained on them would
leak blinded votes). The ranking package loads scikit-learn, so it is imported on first use,
not when the app starts. No textual import here.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from screener.model import Decision, Stage
from screener.project import Project

if TYPE_CHECKING:
    from screener.ranking.live import LiveModel, LiveRanking


def ruleset(project: Project) -> Any:
    """The review's RuleSet (its rules and highlight terms)."""
    from screener.rules import rules_of

    return rules_of(project.config)


def rank(
    project: Project, stage: Stage, candidates: Sequence[int], decisions: Mapping[int, Decision]
) -> LiveRanking:
    """Candidates best first, with scores; learns only from the reviewer's own decisions."""
    from screener.ranking.live import live_ranking

    return live_ranking(project, stage, candidates, decisions)


def model(project: Project, ids: Sequence[int]) -> LiveModel:
    """A reviewer's ranking model over the stage's records (featurized once)."""
    from screener.ranking.live import LiveModel

    return LiveModel(project, ids)


def stopping(queue: Any) -> str:
    """The stopping-rule line for the reviewer's own decisions (empty before any)."""
    from screener.ranking.progress import stopping_status

    votes = sorted(queue.mine.values(), key=lambda v: v.event_id)
    status = stopping_status([int(v.includes) for v in votes], len(queue.ids))
    return status.line() if status else ""
