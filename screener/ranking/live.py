"""Ranking during screening: a reviewer's open records ordered by a model of their own decisions.

Only the reviewer's own decisions train the model: under blinding, a model trained on the
other reviewer's decisions would leak them. The training rows are the records the reviewer
has decided (at this stage); the rows scored are the records in the queue. The vocabulary is
fitted on the texts of both (unsupervised), the classifier on the decided ones.

Until the reviewer has decided at least one include (or maybe) and one exclude, no classifier
can be trained: the order is then the rules' and highlight terms' prior score (`cold start`),
and `LiveRanking.line()` says so. The model's name and parameters come from `[ranking]` in the
config and are returned with the ranking so they can be logged with every ranked decision.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from screener.model import Decision, Stage
from screener.project import Project

COLD_START = "rules"  # the name shown for the order before a model can be trained


@dataclass(frozen=True)
class LiveRanking:
    """The queue's order, best first, and what produced it."""

    order: list[tuple[int, float]]
    model: str  # the configured model's name, or COLD_START
    learned_from: int  # the reviewer's decisions the model was trained on (0 at cold start)
    includes: int
    excludes: int
    params: dict[str, Any] = field(default_factory=dict)  # the model's parameters

    @property
    def learned(self) -> bool:
        return self.model != COLD_START

    def line(self) -> str:
        """One line for the screen: which order this is and why."""
        if self.learned:
            return (
                f"Ranked by model {self.model!r}, learned from {self.learned_from:,} of your "
                f"decisions ({self.includes:,} include, {self.excludes:,} exclude)"
            )
        if not self.includes and not self.excludes:
            missing = "an include and an exclude"
        else:
            missing = ("an include" if not self.includes else "an exclude") + " as well"
        return (
            "Ordered by the rules and highlight terms: the model learns once you have "
            f"decided {missing}"
        )


def _settings(project: Project) -> tuple[str, dict[str, Any]]:
    settings = dict(project.config.ranking)
    name = str(settings.pop("model", "screener"))
    settings.pop("enabled", None)
    return name, settings


def cold_start(project: Project, candidates: Sequence[int]) -> list[tuple[int, float]]:
    """Candidates by the rules' prior score, best first (ties in the given order)."""
    from screener.rules import load_rules

    rules = load_rules(list(project.config.rules), dict(project.config.highlight))
    scores: dict[int, float] = {}
    chunk = 2000
    for start in range(0, len(candidates), chunk):
        for sr in project.store.records(candidates[start : start + chunk]):
            scores[sr.id] = float(rules.prior_score(sr.record))
    position = {rid: i for i, rid in enumerate(candidates)}
    return sorted(((rid, scores.get(rid, 0.0)) for rid in candidates),
                  key=lambda p: (-p[1], position[p[0]]))  # fmt: skip


def rank_records(
    project: Project,
    stage: Stage,
    candidates: Sequence[int],
    decisions: Mapping[int, Decision],
) -> list[tuple[int, float]]:
    """The undecided candidates, best first, scored by a model of `decisions`.

    `decisions` must hold at least one include (or maybe) and one exclude; the records they
    name are the training rows whether or not they are among `candidates`.
    """
    from screener.ranking.rankers import make_ranker

    name, settings = _settings(project)
    ranker: Any = make_ranker(name, **settings)
    decided = list(decisions)
    open_ = [rid for rid in dict.fromkeys(candidates) if rid not in decisions]
    by_id = {sr.id: sr.record for sr in project.store.records([*decided, *open_])}
    decided = [rid for rid in decided if rid in by_id]
    open_ = [rid for rid in open_ if rid in by_id]
    if not open_:
        return []
    features = ranker.featurize([by_id[rid] for rid in [*decided, *open_]])
    labels = [int(decisions[rid] is not Decision.EXCLUDE) for rid in decided]
    ranker.fit(features[list(range(len(decided)))], labels)
    scores = ranker.predict_relevance(
        features[list(range(len(decided), len(decided) + len(open_)))]
    )
    ranked = list(zip(open_, (float(s) for s in scores), strict=True))
    ranked.sort(key=lambda pair: -pair[1])
    return ranked


def live_ranking(
    project: Project,
    stage: Stage,
    candidates: Sequence[int],
    decisions: Mapping[int, Decision],
) -> LiveRanking:
    """The screening order for one reviewer: the model once it can learn, else the rules'."""
    includes = sum(1 for d in decisions.values() if d is not Decision.EXCLUDE)
    excludes = len(decisions) - includes
    if includes and excludes:
        order = rank_records(project, stage, candidates, decisions)
        model = model_description(project)
        return LiveRanking(order, model["model"], len(decisions), includes, excludes,
                           model["params"])  # fmt: skip
    open_ = [rid for rid in candidates if rid not in decisions]
    return LiveRanking(cold_start(project, open_), COLD_START, 0, includes, excludes)


def model_description(project: Project) -> dict[str, Any]:
    """Name and parameters of the configured model (stored with each ranked decision)."""
    from screener.ranking.rankers import make_ranker

    name, settings = _settings(project)
    return {"model": name, "params": make_ranker(name, **settings).get_params()}
