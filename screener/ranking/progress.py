"""Where a reviewer stands when screening in ranked order: the stopping rule and an estimate.

`stopping_status` applies the hypergeometric stopping criterion (Callaghan & Müller-Hansen
2020) to the reviewer's own decisions in the order they were made, and estimates how many
relevant records are left from the inclusion rate of the most recent decisions.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from screener.ranking.stopping import hypergeometric_stop


@dataclass(frozen=True)
class StoppingStatus:
    screened: int
    relevant_seen: int
    estimated_left: int
    reached: bool
    p_value: float
    recall_target: float
    confidence: float

    def line(self) -> str:
        if self.reached:
            verdict = (
                f"recall ≥ {self.recall_target:.0%} reached with "
                f"{self.confidence:.0%} confidence (p = {self.p_value:.3f}): you may stop"
            )
        else:
            verdict = f"recall ≥ {self.recall_target:.0%} not yet shown (p = {self.p_value:.2f})"
        return (
            f"Relevant found: {self.relevant_seen} · est. left ≈ {self.estimated_left} · {verdict}"
        )


def stopping_status(
    labels_in_order: Sequence[int],
    n_total: int,
    *,
    recall_target: float = 0.95,
    confidence: float = 0.95,
    window: int = 50,
) -> StoppingStatus | None:
    """None until something has been screened; labels are 1 include/maybe, 0 exclude."""
    n = len(labels_in_order)
    if n == 0 or n_total <= 0:
        return None
    decision = hypergeometric_stop(list(labels_in_order), n_total, recall_target, confidence)
    recent = labels_in_order[-min(window, n) :]
    rate = sum(recent) / len(recent)
    left = math.ceil(rate * max(0, n_total - n))
    return StoppingStatus(
        screened=n,
        relevant_seen=int(sum(labels_in_order)),
        estimated_left=left,
        reached=bool(decision.stop),
        p_value=float(decision.p_value),
        recall_target=recall_target,
        confidence=confidence,
    )
