"""Replaying a labelled data set as if it were screened with a ranker.

Protocol (the one ASReview's simulation mode uses):

1. The features are computed once for all records (unsupervised).
2. `priors` relevant and `priors` irrelevant records are drawn at random
   (``numpy.random.default_rng(seed)``) and count as screened first.
3. The ranker is trained on every screened record, the unscreened ones are
   scored, and the best-scoring ones are screened next (their known labels are
   revealed).  The model is retrained after every record, or per the batch
   schedule (see `batch_size`).
4. Once every relevant record has been found and at least 10% of the records were
   screened, no metric can change any more: the remaining records (all irrelevant)
   are appended in the order of the last ranking, without retraining.

Metrics follow Cohen et al. (2006) and asreview-insights and count only the records
that were not priors (N = records − 2·priors); see `screener.ranking.metrics`.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any, Literal

import numpy as np
import numpy.typing as npt

from screener.errors import ScreenerError
from screener.ranking import metrics
from screener.ranking.features import Document, Features
from screener.ranking.query import TextlessPolicy, select_next
from screener.ranking.rankers import Ranker, make_ranker
from screener.ranking.stopping import first_stop, hypergeometric_p_value

__all__ = [
    "ADAPTIVE_FRACTION",
    "ADAPTIVE_MAX_EXACT",
    "ADAPTIVE_WARMUP",
    "SimulationError",
    "SimulationResult",
    "StoppingOutcome",
    "batch_size",
    "simulate",
]

# The adaptive schedule: retrain after every record for data sets of up to
# ADAPTIVE_MAX_EXACT records (exactly ASReview's own protocol); for larger ones after
# every record for the first ADAPTIVE_WARMUP records, then every ADAPTIVE_FRACTION of
# the records (0.5%: at most ~200 further retrains however large the set).
ADAPTIVE_MAX_EXACT = 5000
ADAPTIVE_WARMUP = 500
ADAPTIVE_FRACTION = 0.005


class SimulationError(ScreenerError, ValueError):
    """The data or settings given to `simulate` cannot be simulated."""

    title = "Cannot simulate"


def batch_size(n_screened: int, n_total: int, batch: int | Literal["adaptive"]) -> int:
    """How many records to screen before the next retrain."""
    if batch == "adaptive":
        if n_total <= ADAPTIVE_MAX_EXACT or n_screened < ADAPTIVE_WARMUP:
            return 1
        return max(1, math.ceil(ADAPTIVE_FRACTION * n_total))
    if isinstance(batch, bool) or not isinstance(batch, int) or batch < 1:
        raise SimulationError(f"batch must be a positive integer or 'adaptive', got {batch!r}")
    return batch


def _describe_batch(batch: int | Literal["adaptive"], n_total: int) -> str:
    if batch == "adaptive":
        if n_total <= ADAPTIVE_MAX_EXACT:
            return "adaptive: retrain after every record"
        step = batch_size(ADAPTIVE_WARMUP, n_total, batch)
        return (
            f"adaptive: retrain after every record for the first {ADAPTIVE_WARMUP}, "
            f"then every {step} records"
        )
    return "retrain after every record" if batch == 1 else f"retrain every {batch} records"


@dataclass(frozen=True, slots=True)
class StoppingOutcome:
    """Where the hypergeometric stopping rule would have stopped this run.

    Counts include the priors (the test sees every screened record); `recall` is over
    all relevant records, priors included, as the rule's target is.
    """

    method: str
    recall_target: float
    confidence: float
    stopped: bool
    n_screened: int
    """Records screened when the rule fired (all of them if it never did)."""
    recall: float
    work_saved: float
    """Share of all records left unscreened: 1 − n_screened / n_total."""
    p_value: float
    reached_target: bool


@dataclass(slots=True)
class SimulationResult:
    """The outcome of one simulated screening; see the module doc for the protocol."""

    model: str
    params: dict[str, Any]
    seed: int
    priors: int
    prior_indices: list[int]
    order: list[int]
    """Indices (into the input records) of the non-prior records, in screening order."""
    labels: list[int]
    """Their labels, in the same order."""
    n: int
    """N: records that were not priors."""
    n_included: int
    """Relevant records among those N."""
    wss95: float
    wss100: float
    recall_at_10pct: float
    n_to_95: int
    n_to_100: int
    atd: float
    """Average time to discovery, in records (asreview-insights' definition)."""
    retrain_ms_median: float
    n_retrains: int
    schedule: str
    featurize_ms: float
    elapsed_s: float
    stopping: StoppingOutcome | None = None
    retrain_ms: list[float] = field(default_factory=list, repr=False)

    @property
    def n_total(self) -> int:
        return self.n + len(self.prior_indices)

    def recall_curve(self) -> npt.NDArray[np.float64]:
        """Recall among the N non-prior records after each screened record."""
        return metrics.recall_curve(self.labels)

    def summary(self) -> dict[str, Any]:
        """The headline numbers, without the per-record lists."""
        out = self.to_dict()
        for key in ("order", "labels", "retrain_ms", "prior_indices"):
            out.pop(key, None)
        return out

    def to_dict(self) -> dict[str, Any]:
        """Everything as JSON-serialisable values (nan becomes None)."""

        def clean(v: Any) -> Any:
            if isinstance(v, float) and math.isnan(v):
                return None
            if isinstance(v, dict):
                return {k: clean(x) for k, x in v.items()}
            if isinstance(v, list | tuple):
                return [clean(x) for x in v]
            if isinstance(v, np.generic):
                return clean(v.item())
            return v

        data = asdict(self)
        data["n_total"] = self.n_total
        return {k: clean(v) for k, v in data.items()}


def _check_labels(labels: Sequence[int] | npt.ArrayLike, n: int) -> npt.NDArray[np.int64]:
    try:
        y = np.asarray(labels, dtype=np.int64).ravel()
    except (TypeError, ValueError) as exc:
        raise SimulationError(f"labels must be 0 or 1: {exc}") from None
    if y.shape[0] != n:
        raise SimulationError(f"got {n} records but {y.shape[0]} labels")
    if not np.isin(y, (0, 1)).all():
        raise SimulationError("labels must be 0 (excluded) or 1 (included)")
    return y


def _json_params(params: Mapping[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for k, v in sorted(params.items()):
        out[k] = list(v) if isinstance(v, tuple) else v
    return out


def simulate(
    records: Sequence[Document] | Features,
    labels: Sequence[int] | npt.ArrayLike,
    model: str | Ranker = "screener",
    *,
    seed: int = 1,
    priors: int = 1,
    batch: int | Literal["adaptive"] = "adaptive",
    stop: Literal["hypergeometric"] | None = "hypergeometric",
    recall_target: float = 0.95,
    confidence: float = 0.95,
    params: Mapping[str, Any] | None = None,
    prior_indices: Sequence[int] | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> SimulationResult:
    """Simulate prioritised screening of labelled `records` with ranker `model`.

    `records`: `Record` objects, mappings with title/abstract/keywords, plain
    strings, or `Features` already computed by the ranker's ``featurize``.
    `labels`: 0/1 per record (1 = included).  `model`: a registry name (see
    `available_rankers`) or a ranker instance; `params` go to `make_ranker`.
    `priors`: how many random relevant and irrelevant records start the screening
    (drawn with ``numpy.random.default_rng(seed)``); `prior_indices` overrides them.
    `batch`: records screened between retrains, or "adaptive" (see `batch_size`).
    `stop`: evaluate the hypergeometric stopping rule (Callaghan & Müller-Hansen
    2020) at `recall_target` and `confidence`, or None.
    `progress(screened, total)` is called after every retrain.
    """
    started = time.perf_counter()
    if isinstance(model, str):
        name = model
        try:
            ranker = make_ranker(model, **dict(params or {}))
        except (TypeError, ValueError) as exc:  # unknown model or parameter
            raise SimulationError(str(exc)) from None
    else:
        if params:
            model.set_params(**params)
        ranker = model
        name = type(model).__name__
    n_total = len(records)
    y = _check_labels(labels, n_total)
    if priors < 1:
        raise SimulationError("priors must be at least 1")
    batch_size(0, n_total, batch)  # refuse a bad schedule before any work

    # -- priors
    if prior_indices is not None:
        prior = np.asarray(list(prior_indices), dtype=np.intp)
        if prior.size == 0 or len(set(prior.tolist())) != prior.size:
            raise SimulationError("prior_indices must be distinct record positions")
        if prior.min() < 0 or prior.max() >= n_total:
            raise SimulationError("prior_indices out of range")
        if y[prior].min() == 1 or y[prior].max() == 0:
            raise SimulationError("the priors need at least one included and one excluded record")
    else:
        pos = np.flatnonzero(y == 1)
        neg = np.flatnonzero(y == 0)
        if pos.size < priors or neg.size < priors:
            raise SimulationError(
                f"{priors} prior(s) of each class requested but the data has "
                f"{pos.size} included and {neg.size} excluded records"
            )
        rng = np.random.default_rng(seed)
        prior = np.concatenate(
            [
                rng.choice(pos, size=priors, replace=False),
                rng.choice(neg, size=priors, replace=False),
            ]
        ).astype(np.intp)
    if prior.size >= n_total:
        raise SimulationError("nothing left to screen after the priors")

    # -- features, once
    t0 = time.perf_counter()
    feats = ranker.featurize(records)
    featurize_ms = (time.perf_counter() - t0) * 1000.0
    if len(feats) != n_total:
        raise SimulationError("the features do not have one row per record")
    empty = feats.empty
    textless: TextlessPolicy = (
        "prevalence" if getattr(ranker, "textless", "model") == "prevalence" else "model"
    )
    window = int(getattr(ranker, "textless_window", 50))

    screened = np.zeros(n_total, dtype=bool)
    screened[prior] = True
    labelled: list[int] = prior.tolist()
    order: list[int] = []
    ranked_history: list[int] = []
    total_relevant = int(y.sum())
    found = int(y[prior].sum())
    min_screen = math.ceil(0.10 * (n_total - prior.size) - 1e-9)
    retrain_ms: list[float] = []
    scores: npt.NDArray[np.float64] | None = None

    while len(order) < n_total - prior.size and (found < total_relevant or len(order) < min_screen):
        t = time.perf_counter()
        idx = np.asarray(labelled, dtype=np.intp)
        ranker.fit(feats[idx], y[idx])
        scores = ranker.predict_relevance(feats)
        k = batch_size(len(order), n_total, batch)
        picks = select_next(
            scores,
            screened,
            k,
            empty=empty,
            textless=textless,
            ranked_history=ranked_history,
            n_relevant_found=found,
            window=window,
        )
        retrain_ms.append((time.perf_counter() - t) * 1000.0)
        for i in picks.tolist():
            screened[i] = True
            labelled.append(i)
            order.append(i)
            found += int(y[i])
            if not empty[i]:
                ranked_history.append(int(y[i]))
        if progress is not None:
            progress(len(order) + prior.size, n_total)

    # -- the rest cannot change any metric: append it in the last ranking's order
    rest = np.flatnonzero(~screened)
    if rest.size:
        if scores is None:
            tail = rest
        else:
            rest_scores = np.nan_to_num(scores[rest], nan=-np.inf)
            tail = rest[np.argsort(-rest_scores, kind="stable")]
        order.extend(int(i) for i in tail)

    seq = y[np.asarray(order, dtype=np.intp)] if order else np.zeros(0, dtype=np.int64)
    stopping = None
    if stop is not None:
        if stop != "hypergeometric":
            raise SimulationError(f"unknown stopping rule {stop!r}; use 'hypergeometric' or None")
        stopping = _stopping(y[prior], seq, n_total, total_relevant, recall_target, confidence)

    return SimulationResult(
        model=name,
        params=_json_params(ranker.get_params(deep=False)),
        seed=seed,
        priors=priors if prior_indices is None else int(prior.size),
        prior_indices=prior.tolist(),
        order=order,
        labels=seq.tolist(),
        n=int(seq.size),
        n_included=int(seq.sum()),
        wss95=metrics.wss(seq, 0.95),
        wss100=metrics.wss(seq, 1.0),
        recall_at_10pct=metrics.recall_at(seq, 0.10),
        n_to_95=metrics.n_to_recall(seq, 0.95),
        n_to_100=metrics.n_to_recall(seq, 1.0),
        atd=metrics.atd(seq),
        retrain_ms_median=float(np.median(retrain_ms)) if retrain_ms else math.nan,
        n_retrains=len(retrain_ms),
        schedule=_describe_batch(batch, n_total),
        featurize_ms=featurize_ms,
        elapsed_s=time.perf_counter() - started,
        stopping=stopping,
        retrain_ms=retrain_ms,
    )


def _stopping(
    prior_labels: npt.NDArray[np.int64],
    seq: npt.NDArray[np.int64],
    n_total: int,
    total_relevant: int,
    recall_target: float,
    confidence: float,
) -> StoppingOutcome:
    full = np.concatenate([prior_labels, seq])
    # Test after every record once the priors are screened.  The test costs O(n) per
    # position, so above 4000 records it runs every n_total // 2000 records and may
    # report a stop up to that many records late (never early).
    every = max(1, n_total // 2000) if n_total > 4000 else 1
    at = first_stop(
        full, n_total, recall_target, confidence, start=prior_labels.size + 1, every=every
    )
    n_screened = n_total if at is None else at
    found = int(full[:n_screened].sum())
    recall = found / total_relevant if total_relevant else math.nan
    p, _ = hypergeometric_p_value(full[:n_screened], n_total, recall_target)
    return StoppingOutcome(
        method="hypergeometric",
        recall_target=recall_target,
        confidence=confidence,
        stopped=at is not None,
        n_screened=n_screened,
        recall=recall,
        work_saved=1.0 - n_screened / n_total,
        p_value=p,
        reached_target=bool(total_relevant == 0 or recall >= recall_target - 1e-12),
    )
