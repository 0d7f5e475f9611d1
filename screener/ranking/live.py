"""Ranking during screening: a reviewer's candidates ordered by a model of their own decisions.

Only the reviewer's own decisions train the model: under blinding, a model trained on the
other reviewer's decisions would leak them. The vocabulary is fitted on the texts of the
decided and candidate records (unsupervised), the classifier on the decided ones. The
model's name and parameters come from `[ranking]` in the config and are returned with the
ranking so they can be logged with every decision made from it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from screener.model import Decision, Stage
from screener.project import Project


def rank_records(
    project: Project,
    stage: Stage,
    candidates: Sequence[int],
    decisions: Mapping[int, Decision],
) -> list[tuple[int, float]]:
    """Candidates best first with their relevance scores (needs an include and an exclude)."""
    from screener.ranking.rankers import make_ranker

    settings = dict(project.config.ranking)
    name = str(settings.pop("model", "screener"))
    settings.pop("enabled", None)
    ranker: Any = make_ranker(name, **settings)
    open_ids = set(candidates)
    decided = [rid for rid in decisions if rid not in open_ids]
    ids = decided + list(candidates)
    by_id = {sr.id: sr.record for sr in project.store.records(ids)}
    docs = [by_id[rid] for rid in ids if rid in by_id]
    ids = [rid for rid in ids if rid in by_id]
    features = ranker.featurize(docs)
    n_decided = sum(1 for rid in ids if rid in decisions and rid not in open_ids)
    labels = [int(decisions[rid] is not Decision.EXCLUDE) for rid in ids[:n_decided]]
    ranker.fit(features[list(range(n_decided))], labels)
    scores = ranker.predict_relevance(features[list(range(n_decided, len(ids)))])
    ranked = list(zip(ids[n_decided:], (float(s) for s in scores), strict=True))
    ranked.sort(key=lambda pair: -pair[1])
    return ranked


def model_description(project: Project) -> dict[str, Any]:
    """Name and parameters of the configured model (stored with each ranked decision)."""
    from screener.ranking.rankers import make_ranker

    settings = dict(project.config.ranking)
    name = str(settings.pop("model", "screener"))
    settings.pop("enabled", None)
    return {"model": name, "params": make_ranker(name, **settings).get_params()}
