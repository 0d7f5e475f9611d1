"""Choosing the next records to screen from a ranker's scores.

`select_next` is the query step shared by the simulation and the live screening
queue: the highest-scoring unscreened records ("max" querying, ties broken by record
position, as ASReview's `Max` querier does), plus an explicit policy for records
that have no text at all.

Records without text.  A record with no title, abstract or keywords carries no
evidence, so no text model can rank it: a linear model gives it its intercept, which
puts it wherever that constant falls.  Its probability of being relevant is simply
the prevalence of relevant records.  Policy ``"prevalence"`` therefore keeps such
records out of the ranking until the ranking's recent yield — the share of relevant
records among the last `window` records screened by rank — drops below the lowest
possible prevalence, ``relevant found so far / all records``; from then on an
untexted record is at least as likely to be relevant as the next ranked one, and all
untexted records are screened next.  Policy ``"model"`` leaves them to the scores.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

import numpy as np
import numpy.typing as npt

__all__ = ["TextlessPolicy", "select_next", "textless_due"]

TextlessPolicy = Literal["model", "prevalence"]


def textless_due(
    ranked_history: Sequence[int] | npt.ArrayLike,
    n_relevant_found: int,
    n_total: int,
    window: int = 50,
) -> bool:
    """Whether records without text should be screened now (policy "prevalence").

    `ranked_history` is the 0/1 labels, in order, of the records screened because of
    their rank (not the priors, not untexted records); `n_relevant_found` counts every
    relevant record found so far, priors included; `n_total` is the number of records.
    """
    hist = np.asarray(ranked_history, dtype=np.int64).ravel()
    if window < 1 or hist.size < window or n_total <= 0:
        return False
    recent_yield = float(hist[-window:].sum()) / window
    return recent_yield < n_relevant_found / n_total


def select_next(
    scores: npt.ArrayLike,
    screened: npt.NDArray[np.bool_],
    k: int = 1,
    *,
    empty: npt.NDArray[np.bool_] | None = None,
    textless: TextlessPolicy = "model",
    ranked_history: Sequence[int] | npt.ArrayLike = (),
    n_relevant_found: int = 0,
    window: int = 50,
) -> npt.NDArray[np.intp]:
    """Indices of the next records to screen, best first.

    Returns up to `k` unscreened records by descending score (stable: ties keep
    record order).  With ``textless="prevalence"`` and `empty` given, untexted
    records are held back until `textless_due`, and then all of them are returned
    (they are interchangeable, so `k` does not limit them); they also come once no
    texted record is left.
    """
    s = np.array(scores, dtype=np.float64, copy=True).ravel()
    screened = np.asarray(screened, dtype=bool)
    if s.shape != screened.shape:
        raise ValueError("scores and screened must have one entry per record")
    open_ = ~screened
    if not open_.any() or k < 1:
        return np.zeros(0, dtype=np.intp)
    if textless == "prevalence" and empty is not None:
        empty = np.asarray(empty, dtype=bool)
        waiting = open_ & empty
        if waiting.any():
            texted_left = bool((open_ & ~empty).any())
            due = textless_due(ranked_history, n_relevant_found, s.size, window)
            if due or not texted_left:
                return np.flatnonzero(waiting).astype(np.intp)
            open_ = open_ & ~empty
    elif textless not in ("model", "prevalence"):
        raise ValueError(f"unknown textless policy {textless!r}")
    candidates = np.flatnonzero(open_)
    # NaN scores sort last; stable order keeps ties in record order.
    cand_scores = np.nan_to_num(s[candidates], nan=-np.inf)
    if k == 1:  # argmax returns the first maximum: the same tie-break, without a sort
        return candidates[[int(np.argmax(cand_scores))]].astype(np.intp)
    order = np.argsort(-cand_scores, kind="stable")
    return candidates[order[:k]].astype(np.intp)
