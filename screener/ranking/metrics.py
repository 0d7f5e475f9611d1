"""Screening-performance metrics on a binary label sequence in screening order.

Every function takes `labels`: the 0/1 relevance of the records *in the order they
were screened*, normally without the prior records (the convention of ASReview and
of Cohen et al. 2006, where N is the number of records that still had to be
screened).  All functions are pure and accept any sequence of ints or bools.

Definitions (N = len(labels), R = sum(labels)):

- `n_to_recall(labels, r)`: the number of records screened until ceil(r·R) relevant
  records were found (0 when that is 0 records, i.e. R == 0 or r == 0).
- `wss(labels, r)`: work saved over sampling at recall r, Cohen et al. (2006):
  ``(N − n_to_recall(labels, r)) / N − (1 − r)``.  WSS@95 is ``wss(labels, 0.95)``,
  WSS@100 is ``wss(labels, 1.0)``.
- `recall_at(labels, fraction)`: the share of the R relevant records found after
  screening ceil(fraction·N) records.
- `atd(labels)`: average time to discovery as asreview-insights defines it: the mean
  over the relevant records of their 1-based position in the screening order.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

__all__ = [
    "atd",
    "n_needed",
    "n_to_recall",
    "recall_at",
    "recall_curve",
    "time_to_discovery",
    "wss",
]

# Guards ceil() against floating-point noise such as 0.95 * 20 = 19.000000000000004.
_EPS = 1e-9


def _as_array(labels: Sequence[int] | npt.ArrayLike) -> npt.NDArray[np.int64]:
    arr = np.asarray(labels, dtype=np.int64).ravel()
    if arr.size and not np.isin(arr, (0, 1)).all():
        raise ValueError("labels must be 0 or 1")
    return arr


def _check_fraction(value: float, name: str) -> None:
    if not 0.0 <= value <= 1.0:
        raise ValueError(f"{name} must be between 0 and 1, got {value}")


def n_needed(n_relevant: int, recall: float) -> int:
    """How many relevant records make up `recall` of `n_relevant` (rounded up)."""
    _check_fraction(recall, "recall")
    return max(0, math.ceil(recall * n_relevant - _EPS))


def n_to_recall(labels: Sequence[int] | npt.ArrayLike, recall: float) -> int:
    """Records screened until at least `recall` of the relevant records were found."""
    arr = _as_array(labels)
    need = n_needed(int(arr.sum()), recall)
    if need == 0:
        return 0
    found = np.cumsum(arr)
    return int(np.searchsorted(found, need, side="left")) + 1


def wss(labels: Sequence[int] | npt.ArrayLike, recall: float = 0.95) -> float:
    """Work saved over sampling at `recall` (Cohen et al. 2006).

    Returns nan for an empty sequence or one without relevant records.
    """
    arr = _as_array(labels)
    n = arr.size
    if n == 0 or arr.sum() == 0:
        return math.nan
    return (n - n_to_recall(arr, recall)) / n - (1.0 - recall)


def recall_at(labels: Sequence[int] | npt.ArrayLike, fraction: float = 0.10) -> float:
    """Share of the relevant records found after screening ceil(fraction·N) records."""
    _check_fraction(fraction, "fraction")
    arr = _as_array(labels)
    total = int(arr.sum())
    if total == 0:
        return math.nan
    k = max(0, math.ceil(fraction * arr.size - _EPS))
    return float(arr[:k].sum()) / total


def time_to_discovery(labels: Sequence[int] | npt.ArrayLike) -> list[int]:
    """1-based screening position of every relevant record, in screening order."""
    arr = _as_array(labels)
    return (np.flatnonzero(arr) + 1).tolist()


def atd(labels: Sequence[int] | npt.ArrayLike) -> float:
    """Average time to discovery (asreview-insights): mean of `time_to_discovery`.

    In records; divide by len(labels) for the fraction.  nan without relevant records.
    """
    td = time_to_discovery(labels)
    return float(np.mean(td)) if td else math.nan


def recall_curve(labels: Sequence[int] | npt.ArrayLike) -> npt.NDArray[np.float64]:
    """Recall after each screened record: element i is the recall after i+1 records."""
    arr = _as_array(labels)
    total = arr.sum()
    if total == 0:
        return np.zeros(arr.size, dtype=np.float64)
    return np.cumsum(arr) / float(total)
