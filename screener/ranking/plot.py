"""The recall curve of a simulation, drawn with matplotlib's Agg backend."""

from __future__ import annotations

import os
from typing import Any

import numpy as np

from screener.ranking import metrics
from screener.ranking.simulate import SimulationResult

__all__ = ["plot_recall", "recall_figure", "stop_position"]


def stop_position(result: SimulationResult) -> int | None:
    """Where the stopping rule fired, in records screened after the priors (None: never)."""
    stop = result.stopping
    if stop is None or not stop.stopped:
        return None
    return max(0, min(result.n, stop.n_screened - len(result.prior_indices)))


def recall_figure(result: SimulationResult, *, title: str | None = None, dpi: int = 120) -> Any:
    """The recall curve of `result` against random order, as a matplotlib Figure.

    x: records screened after the priors, out of N (the records that were not priors,
    the N of every metric); y: share of the relevant records among those N found. Marks
    the 95% recall point (WSS@95) and, when the result has one, where the stopping rule
    fired, both counted on that same x axis.
    """
    import matplotlib

    matplotlib.use("Agg", force=True)
    from matplotlib.figure import Figure

    seq = np.asarray(result.labels, dtype=np.int64)
    n = seq.size
    priors = len(result.prior_indices)
    x = np.arange(0, n + 1)
    recall = np.concatenate([[0.0], metrics.recall_curve(seq)])

    fig = Figure(figsize=(7.0, 4.6), dpi=dpi)
    ax: Any = fig.add_subplot(1, 1, 1)
    ax.plot(x, recall, color="#1f77b4", lw=2.0, label=f"{result.model}")
    ax.plot([0, n], [0, 1], color="#888888", lw=1.2, ls="--", label="random order (expected)")
    if result.n_included:
        k95 = result.n_to_95
        right = k95 > n / 2  # write the note on the side with room
        ax.axhline(0.95, color="#bbbbbb", lw=0.8, ls=":")
        ax.plot([k95], [recall[k95]], "o", color="#d62728")
        ax.annotate(
            f"95% recall after {k95} of N = {n} ({k95 / n:.0%}); WSS@95 = {result.wss95:.3f}",
            (k95, recall[k95]),
            textcoords="offset points",
            xytext=(-8 if right else 8, -16),
            ha="right" if right else "left",
            fontsize=8,
        )
    at = stop_position(result)
    if at is not None and result.stopping is not None:
        ax.axvline(at, color="#2ca02c", lw=1.0, ls="-.")
        ax.annotate(
            f"stopping rule: stop after {at} of N = {n} (recall {result.stopping.recall:.1%})",
            (at, 0.22),
            textcoords="offset points",
            xytext=(-6, 0),
            ha="right",
            fontsize=8,
            color="#2ca02c",
        )
    ax.set_xlim(0, max(1, n))
    ax.set_ylim(0, 1.02)
    ax.set_xlabel(
        f"records screened after the {priors} priors (N = {n}; {result.n_total} with the priors)"
    )
    ax.set_ylabel(f"recall (of {result.n_included} included among N)")
    ax.set_title(title or f"Recall curve: {result.model}, seed {result.seed}")
    ax.grid(True, alpha=0.3)
    ax.legend(loc="lower right", fontsize=8)
    fig.tight_layout()
    return fig


def plot_recall(
    result: SimulationResult,
    path: str | os.PathLike[str],
    *,
    title: str | None = None,
    dpi: int = 120,
) -> str:
    """Write the recall curve of `result` (see `recall_figure`) to the PNG `path`.

    Returns the path written.
    """
    out = os.fspath(path)
    recall_figure(result, title=title, dpi=dpi).savefig(out, format="png")
    return out
