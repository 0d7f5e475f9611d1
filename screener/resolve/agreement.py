"""Agreement between independent reviewers: percent agreement, Cohen's kappa, PABAK.

Computed on the include (include or maybe) vs exclude judgement, over the records both
reviewers of a pair decided; reviewers' current decisions only, resolutions ignored.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from itertools import combinations
from typing import Any

from screener.model import Stage
from screener.screening.blinding import View
from screener.screening.review import Review


@dataclass(frozen=True)
class Agreement:
    n: int
    percent_agreement: float | None
    kappa: float | None
    pabak: float | None
    reviewers: tuple[str, str] = ("", "")

    def as_json(self) -> dict[str, Any]:
        d = asdict(self)
        d["reviewers"] = list(self.reviewers)
        return d


def agreement_of(a: list[int], b: list[int], pair: tuple[str, str] = ("", "")) -> Agreement:
    """Statistics for two aligned label lists (1 include, 0 exclude)."""
    n = len(a)
    if n == 0:
        return Agreement(0, None, None, None, pair)
    po = sum(x == y for x, y in zip(a, b, strict=True)) / n
    from sklearn.metrics import cohen_kappa_score  # imported here: it takes a second

    # Perfect agreement on a single category: kappa is 1 (sklearn would return nan).
    kappa = 1.0 if len(set(a) | set(b)) == 1 else float(cohen_kappa_score(a, b))
    return Agreement(n, round(po, 4), round(kappa, 4), round(2 * po - 1, 4), pair)


def agreement(
    project: Review, stage: Stage, view: View | None = None
) -> tuple[Agreement, list[Agreement]]:
    """Overall (first pair of reviewers, or all pairs pooled) and per-pair agreement; refused
    to a reader blinded at the stage (`view` None: the core's own use)."""
    if view is not None:
        view.require_outcomes(stage, "agreement")
    states = project.states(stage)
    names = [r.name for r in project.config.reviewers if not r.is_senior]
    pairs: list[Agreement] = []
    pooled_a: list[int] = []
    pooled_b: list[int] = []
    for x, y in combinations(names, 2):
        a, b = [], []
        for rs in states.values():
            votes = rs.votes
            if x in votes and y in votes:
                a.append(int(votes[x].includes))
                b.append(int(votes[y].includes))
        if a:
            pairs.append(agreement_of(a, b, (x, y)))
            pooled_a += a
            pooled_b += b
    label = (names[0], names[1]) if len(pairs) <= 1 and len(names) > 1 else ("all", "pairs")
    overall = agreement_of(pooled_a, pooled_b, label)
    return overall, pairs
