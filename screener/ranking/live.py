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

import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from screener.config.sources import ReviewSources as Review
from screener.model import Decision, Stage
from screener.ranking.query import textless_due

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


def _settings(project: Review) -> tuple[str, dict[str, Any]]:
    settings = dict(project.config.ranking)
    name = str(settings.pop("model", "screener"))
    settings.pop("enabled", None)
    return name, settings


class LiveModel:
    """One reviewer's ranking of one stage's records: their texts are featurized and their
    rules' prior scores computed once; each `rank` call only retrains the classifier on the
    reviewer's current decisions (milliseconds), so the order learns from every decision.
    Safe to call from several worker threads (one at a time)."""

    def __init__(self, project: Review, ids: Sequence[int]) -> None:
        from screener.ranking.rankers import make_ranker
        from screener.rules import rules_of

        name, settings = _settings(project)
        self.name = name
        self.ranker: Any = make_ranker(name, **settings)
        self.params: dict[str, Any] = self.ranker.get_params()
        rules = rules_of(project.config)
        records: dict[int, Any] = {}
        wanted = list(dict.fromkeys(ids))
        for start in range(0, len(wanted), 2000):
            for sr in project.store.records(wanted[start : start + 2000]):
                records[sr.id] = sr.record
        self.ids = [rid for rid in wanted if rid in records]
        self.row = {rid: i for i, rid in enumerate(self.ids)}
        self.prior = [float(rules.prior_score(records[rid])) for rid in self.ids]
        self.features = (
            self.ranker.featurize([records[rid] for rid in self.ids]) if self.ids else None
        )
        self._id_array = np.asarray(self.ids, dtype=np.int64)
        self._lock = threading.Lock()

    def rank(self, decisions: Mapping[int, Decision]) -> LiveRanking:
        """The open records best first: by the model of `decisions` once it has an include and
        an exclude, by the rules' prior score before."""
        known = {rid: d for rid, d in decisions.items() if rid in self.row}
        includes = sum(1 for d in known.values() if d is not Decision.EXCLUDE)
        excludes = len(known) - includes
        if not (includes and excludes) or self.features is None:
            open_rows = [i for i, rid in enumerate(self.ids) if rid not in known]
            by_prior = sorted(open_rows, key=lambda i: (-self.prior[i], i))
            scored = [(self.ids[i], self.prior[i]) for i in by_prior]
            return LiveRanking(scored, COLD_START, 0, includes, excludes)
        train = [self.row[rid] for rid in known]
        labels = [int(known[self.ids[i]] is not Decision.EXCLUDE) for i in train]
        with self._lock:
            self.ranker.fit(self.features[train], labels)
            # Every row is scored (slicing the open rows out costs more than scoring them).
            scores = np.asarray(self.ranker.predict_relevance(self.features), dtype=float)
        is_open = np.ones(len(self.ids), dtype=bool)
        is_open[train] = False
        rows = np.flatnonzero(is_open)
        rows = rows[np.argsort(-scores[rows], kind="stable")]  # ties in stage order
        if self._hold_back_textless(train, labels):  # as the simulation does (query.py)
            empty = np.asarray(self.features.empty, dtype=bool)[rows]
            rows = np.concatenate([rows[~empty], rows[empty]])
        order = list(zip(self._id_array[rows].tolist(), scores[rows].tolist(), strict=True))
        return LiveRanking(order, self.name, len(known), includes, excludes, self.params)

    def _hold_back_textless(self, train: list[int], labels: list[int]) -> bool:
        """Records without any text come after the ranked ones until the ranking's recent
        yield drops below the prevalence (the ranker's `textless` policy, see query.py)."""
        if getattr(self.ranker, "textless", "model") != "prevalence" or self.features is None:
            return False
        empty = self.features.empty
        history = [y for i, y in zip(train, labels, strict=True) if not empty[i]]
        window = int(getattr(self.ranker, "textless_window", 50))
        return not textless_due(history, sum(labels), len(self.ids), window)


def live_ranking(
    project: Review,
    stage: Stage,
    candidates: Sequence[int],
    decisions: Mapping[int, Decision],
) -> LiveRanking:
    """The screening order for one reviewer (one-off: the app keeps a `LiveModel`)."""
    return LiveModel(project, [*candidates, *decisions]).rank(decisions)


def cold_start(project: Review, candidates: Sequence[int]) -> list[tuple[int, float]]:
    """Candidates by the rules' prior score, best first (ties in the given order)."""
    from screener.rules import rules_of

    rules = rules_of(project.config)
    scores: dict[int, float] = {}
    for start in range(0, len(candidates), 2000):
        for sr in project.store.records(candidates[start : start + 2000]):
            scores[sr.id] = float(rules.prior_score(sr.record))
    position = {rid: i for i, rid in enumerate(candidates)}
    return sorted(((rid, scores.get(rid, 0.0)) for rid in candidates),
                  key=lambda p: (-p[1], position[p[0]]))  # fmt: skip


def rank_records(
    project: Review,
    stage: Stage,
    candidates: Sequence[int],
    decisions: Mapping[int, Decision],
) -> list[tuple[int, float]]:
    """The undecided candidates, best first, scored by a model of `decisions` (which must hold
    an include and an exclude)."""
    ranking = live_ranking(project, stage, candidates, decisions)
    if not ranking.learned:
        raise ValueError("ranking needs at least one relevant and one irrelevant record")
    return ranking.order


def model_description(project: Review) -> dict[str, Any]:
    """Name and parameters of the configured model (stored with each ranked decision)."""
    from screener.ranking.rankers import make_ranker

    name, settings = _settings(project)
    return {"model": name, "params": make_ranker(name, **settings).get_params()}
