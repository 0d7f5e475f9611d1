"""Relevance ranking for prioritised screening: rankers, simulation, metrics, stopping.

The domain core: nothing here imports a user interface.

- `make_ranker(name, **params)` / `available_rankers()`: "screener" (default),
  "elas_u4" (a replica of ASReview LAB's default model, the baseline) and "views"
  (several text views weighed online by leave-one-out AUC; `screener.ranking.views`,
  which registers itself: importing the package makes all three available);
- `simulate(records, labels, model=..., seed=..., priors=...)` replays a labelled
  data set and returns a `SimulationResult` (WSS@95, recall@10%, ATD, ...);
- `screener.ranking.metrics`: the metric functions on a label sequence;
- `screener.ranking.stopping`: the hypergeometric stopping rule (Callaghan &
  Müller-Hansen 2020);
- `screener.ranking.plot.plot_recall(result, path)`: the recall curve as a PNG
  (imports matplotlib only when called).
"""

from screener.ranking.features import Document, Features, TextFields, text_fields
from screener.ranking.metrics import atd, n_to_recall, recall_at, wss
from screener.ranking.query import select_next, textless_due
from screener.ranking.rankers import (
    ElasU4Ranker,
    Ranker,
    ScreenerRanker,
    available_rankers,
    make_ranker,
    register_ranker,
)
from screener.ranking.simulate import (
    SimulationError,
    SimulationResult,
    StoppingOutcome,
    simulate,
)
from screener.ranking.stopping import StopDecision, first_stop, hypergeometric_stop
from screener.ranking.views import ViewsRanker  # registers the "views" ranker

__all__ = [
    "Document",
    "ElasU4Ranker",
    "Features",
    "Ranker",
    "ScreenerRanker",
    "SimulationError",
    "SimulationResult",
    "StopDecision",
    "StoppingOutcome",
    "TextFields",
    "ViewsRanker",
    "atd",
    "available_rankers",
    "first_stop",
    "hypergeometric_stop",
    "make_ranker",
    "n_to_recall",
    "recall_at",
    "register_ranker",
    "select_next",
    "simulate",
    "text_fields",
    "textless_due",
    "wss",
]
