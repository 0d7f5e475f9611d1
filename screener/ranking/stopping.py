"""The hypergeometric stopping criterion of Callaghan & Müller-Hansen (2020).

Callaghan MW, Müller-Hansen F (2020). "Statistical stopping criteria for automated
screening in systematic reviews". Systematic Reviews 9:273.
doi:10.1186/s13643-020-01521-4.  Reference implementation: ``buscarpy``
(``calculate_h0``); this module computes the same p-value independently.

The test.  After ``n`` of ``N`` records were screened and ``r_seen`` relevant ones
found, treat the last ``k`` screened records as a sample drawn at random, without
replacement, from a population made of those ``k`` records and the ``N − n`` not yet
screened.  The null hypothesis is that recall is below the target ``τ``: that the
total number of relevant records is at least ``floor(r_seen / τ) + 1``.  Then the
population holds at least

    K_tar = floor(r_seen / τ − r_AL + 1),   r_AL = r_seen − r_k,

relevant records, where ``r_k`` is the number of relevant records in the sample.  The
p-value of H0 for that sample is the hypergeometric probability of seeing at most
``r_k`` relevant records in ``k`` draws from a population of ``N − n + k`` holding
``K_tar`` of them.  As in the paper and buscarpy, every sample size ``k = 1..n`` is
tried and the smallest p-value is used; screening may stop once it is below
``1 − confidence``.  When ``K_tar`` exceeds the population, H0 is impossible and p is 0.

Assumption (the paper's, not a detail): the test treats the previously screened final
chunk as a random sample.  Prioritised screening puts the likely relevant records
first, so the final chunk is if anything richer in relevant records than a random
draw from what remains, which makes the test conservative in practice; the paper's
guarantee holds strictly only when records are screened in random order from the
point the sample starts.  In simulation (see `simulate`), the stop point is the first
position of the prioritised order at which the test passes, as in the paper's
evaluation.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from scipy.special import gammaln

__all__ = [
    "StopDecision",
    "first_stop",
    "hypergeometric_p_value",
    "hypergeometric_stop",
    "sample_p_values",
]


@dataclass(frozen=True, slots=True)
class StopDecision:
    """The outcome of the stopping test on one screening sequence."""

    stop: bool
    p_value: float
    n_screened: int
    n_relevant_seen: int
    n_total: int
    recall_target: float
    confidence: float
    sample_size: int
    """The size of the final chunk (urn) that gave the smallest p-value (0 if none)."""


def _log_comb(n: npt.NDArray[np.float64], k: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
    return gammaln(n + 1.0) - gammaln(k + 1.0) - gammaln(n - k + 1.0)


def _hypergeom_cdf(
    x: npt.NDArray[np.int64],
    pop: npt.NDArray[np.int64],
    good: npt.NDArray[np.int64],
    draws: npt.NDArray[np.int64],
    cap: float = math.inf,
) -> npt.NDArray[np.float64]:
    """P(X <= x) for X ~ Hypergeom(population=pop, successes=good, draws=draws).

    Vectorised; sums the pmf from its lower support bound up to x with the ratio
    recurrence, so the cost is proportional to the largest x.  Entries with
    good > pop are H0-impossible and get 0.  An entry stops accumulating once it
    reaches `cap` (its value is then only known to be ≥ cap): enough to decide
    whether any p-value is below a significance level, at a fraction of the cost.
    """
    x = np.asarray(x, dtype=np.int64)
    pop = np.asarray(pop, dtype=np.int64)
    good = np.asarray(good, dtype=np.int64)
    draws = np.asarray(draws, dtype=np.int64)
    out = np.zeros(x.shape, dtype=np.float64)
    valid = (good <= pop) & (good >= 0)
    if not valid.any():
        return out
    xv, mv, kv, nv = x[valid], pop[valid], good[valid], draws[valid]
    bad = mv - kv
    lo = np.maximum(0, nv - bad)  # smallest possible number of successes
    res = np.zeros(xv.shape, dtype=np.float64)
    todo = xv >= lo
    if todo.any():
        xs, ms, ks, ns, bs, ls = xv[todo], mv[todo], kv[todo], nv[todo], bad[todo], lo[todo]
        hi = np.minimum(xs, np.minimum(ks, ns))
        f = np.float64
        # pmf at the lower bound j = lo, in log space
        logp = (
            _log_comb(ks.astype(f), ls.astype(f))
            + _log_comb(bs.astype(f), (ns - ls).astype(f))
            - _log_comb(ms.astype(f), ns.astype(f))
        )
        pmf = np.exp(logp)
        acc = pmf.copy()
        j = ls.astype(f)
        steps = int((hi - ls).max()) if hi.size else 0
        for _ in range(steps):
            live = (j < hi) & (acc < cap)
            if not live.any():
                break
            # pmf(j+1) = pmf(j) * (K-j)(n-j) / ((j+1)(M-K-n+j+1))
            num = (ks - j) * (ns - j)
            den = (j + 1.0) * (bs - ns + j + 1.0)
            ratio = np.where(live, num / np.where(den > 0, den, 1.0), 0.0)
            pmf = pmf * ratio
            acc = acc + np.where(live, pmf, 0.0)
            j = j + live
        res[todo] = np.minimum(acc, 1.0)
    out[valid] = res
    return out


def _as_labels(labels: Sequence[int] | npt.ArrayLike) -> npt.NDArray[np.int64]:
    arr = np.asarray(labels, dtype=np.int64).ravel()
    if arr.size and not np.isin(arr, (0, 1)).all():
        raise ValueError("labels must be 0 or 1")
    return arr


def _check(n_screened: int, n_total: int, recall_target: float, confidence: float) -> None:
    if n_total < n_screened:
        raise ValueError(f"n_total ({n_total}) is smaller than the records screened ({n_screened})")
    if not 0.0 < recall_target <= 1.0:
        raise ValueError(f"recall_target must be in (0, 1], got {recall_target}")
    if not 0.0 < confidence < 1.0:
        raise ValueError(f"confidence must be in (0, 1), got {confidence}")


def sample_p_values(
    labels: Sequence[int] | npt.ArrayLike,
    n_total: int,
    recall_target: float = 0.95,
    *,
    cap: float = math.inf,
) -> npt.NDArray[np.float64]:
    """p-value of H0 (recall < target) for every final-chunk size k = 1..n.

    Element ``k−1`` uses the last ``k`` screened records as the sample (buscarpy's
    ``calculate_h0`` before it takes the minimum).  Values at or above `cap` are
    only lower bounds (see `_hypergeom_cdf`).
    """
    arr = _as_labels(labels)
    n = arr.size
    _check(n, n_total, recall_target, 0.5)
    if n == 0:
        return np.ones(0, dtype=np.float64)
    r_seen = int(arr.sum())
    urn_hits = np.cumsum(arr[::-1])  # relevant records among the last k, k = 1..n
    k = np.arange(1, n + 1, dtype=np.int64)
    k_tar = np.floor(r_seen / recall_target - (r_seen - urn_hits) + 1.0 + 1e-9).astype(np.int64)
    pop = (n_total - n) + k
    return _hypergeom_cdf(urn_hits, pop, k_tar, k, cap)


def hypergeometric_p_value(
    labels: Sequence[int] | npt.ArrayLike, n_total: int, recall_target: float = 0.95
) -> tuple[float, int]:
    """The smallest p-value over all final-chunk sizes, and that chunk size.

    Returns (1.0, 0) when nothing was screened.
    """
    p = sample_p_values(labels, n_total, recall_target)
    if p.size == 0:
        return 1.0, 0
    i = int(np.argmin(p))
    return float(p[i]), i + 1


def hypergeometric_stop(
    labels: Sequence[int] | npt.ArrayLike,
    n_total: int,
    recall_target: float = 0.95,
    confidence: float = 0.95,
) -> StopDecision:
    """Whether recall ≥ `recall_target` is reached with `confidence`.

    `labels` are the 0/1 decisions of every record screened so far, in screening
    order (including any records screened first by hand); `n_total` is the number of
    records in the whole set, screened or not.
    """
    arr = _as_labels(labels)
    _check(arr.size, n_total, recall_target, confidence)
    p, k = hypergeometric_p_value(arr, n_total, recall_target)
    return StopDecision(
        stop=p < 1.0 - confidence,
        p_value=p,
        n_screened=int(arr.size),
        n_relevant_seen=int(arr.sum()),
        n_total=int(n_total),
        recall_target=recall_target,
        confidence=confidence,
        sample_size=k,
    )


def first_stop(
    labels: Sequence[int] | npt.ArrayLike,
    n_total: int | None = None,
    recall_target: float = 0.95,
    confidence: float = 0.95,
    *,
    start: int = 1,
    every: int = 1,
) -> int | None:
    """The first number of screened records at which the test says stop.

    Replays the test after each of ``start, start+every, …`` records of `labels`
    (a complete or partial screening order) and returns that count, or None if the
    test never passes.  `n_total` defaults to ``len(labels)``.
    """
    arr = _as_labels(labels)
    total = arr.size if n_total is None else int(n_total)
    _check(arr.size, total, recall_target, confidence)
    alpha = 1.0 - confidence
    for n in range(max(1, start), arr.size + 1, max(1, every)):
        p = sample_p_values(arr[:n], total, recall_target, cap=alpha)
        if p.size and float(p.min()) < alpha:
            return n
    return None
