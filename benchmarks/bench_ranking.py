"""Benchmark: screener's default ranker against ASReview LAB's default model.

Runs, in one process and with the same prior records (1 included + 1 excluded,
drawn per seed), screener's "screener" ranker and ASReview's ELAS u4 on every
labelled data set in ../shared/datasets/screening/*.csv (columns title, abstract,
label_included), retraining after every screened record, and prints per data set
WSS@95, recall@10%, records screened to reach 95% recall and the median retrain
time (fit + ranking the unscreened records), plus the means.

ASReview's model is built from asreview's own classes (its Tfidf feature
extractor, SVM classifier, Balanced balancer and Max querier, configured by
`asreview.models.models.get_ai_config("elas_u4")`) and driven by a loop that does
what `asreview.simulation.Simulate.review` does per step: fit on the labelled
records, rank the pool, label the first.  Install it for benchmarking only
(`pip install asreview==3.0.8`, in a separate venv if it conflicts:
`python -m venv /work/bench-venv && /work/bench-venv/bin/pip install -e . asreview==3.0.8`).
Without asreview the benchmark falls back to screener's `elas_u4` replica and says so.

Usage:
    python benchmarks/bench_ranking.py [--quick] [--seeds N] [--data DIR] [--json FILE]
        [--ablation]
"""

from __future__ import annotations

import argparse
import glob
import json
import math
import os
import statistics
import sys
import time
from dataclasses import dataclass, field
from typing import Any

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, ROOT)

from screener.ranking import metrics, simulate  # noqa: E402
from screener.ranking.rankers import make_ranker  # noqa: E402

DEFAULT_DATA = os.path.join(ROOT, "..", "shared", "datasets", "screening")


@dataclass
class Run:
    wss95: float
    recall10: float
    n_to_95: int
    retrain_ms: float
    wss100: float
    atd: float


@dataclass
class Row:
    name: str
    n: int
    n_incl: int
    runs: dict[str, list[Run]] = field(default_factory=dict)


def load(path: str) -> tuple[list[dict[str, str]], np.ndarray, Any]:
    import pandas as pd

    df = pd.read_csv(path)
    for col in ("title", "abstract"):
        if col not in df.columns:
            df[col] = ""
        df[col] = df[col].fillna("").astype(str)
    labels = df["label_included"].fillna(0).astype(int).to_numpy()
    docs = [{"title": t, "abstract": a} for t, a in zip(df["title"], df["abstract"], strict=True)]
    return docs, labels, df


def draw_priors(labels: np.ndarray, seed: int) -> list[int]:
    """The same draw `simulate` makes: one included, one excluded record."""
    rng = np.random.default_rng(seed)
    pos = np.flatnonzero(labels == 1)
    neg = np.flatnonzero(labels == 0)
    pri = np.concatenate([rng.choice(pos, 1, replace=False), rng.choice(neg, 1, replace=False)])
    return [int(i) for i in pri]


def summarise(seq: np.ndarray, retrain_ms: list[float]) -> Run:
    return Run(
        wss95=metrics.wss(seq, 0.95),
        recall10=metrics.recall_at(seq, 0.10),
        n_to_95=metrics.n_to_recall(seq, 0.95),
        retrain_ms=float(np.median(retrain_ms)) if retrain_ms else math.nan,
        wss100=metrics.wss(seq, 1.0),
        atd=metrics.atd(seq),
    )


# -- ASReview's own model ---------------------------------------------------------


def asreview_available() -> str | None:
    try:
        import asreview
        from asreview.learner import ActiveLearningCycle  # noqa: F401
        from asreview.models.models import get_ai_config  # noqa: F401
    except Exception:
        return None
    return str(asreview.__version__)


def asreview_features(df: Any) -> Any:
    from asreview.learner import ActiveLearningCycle
    from asreview.models.models import get_ai_config

    cycle = ActiveLearningCycle.from_meta(get_ai_config("elas_u4")["value"])
    return cycle.transform(df[["title", "abstract"]])


def run_asreview(features: Any, labels: np.ndarray, prior: list[int], seed: int) -> Run:
    """ELAS u4 through asreview's classes, stepping as Simulate.review does."""
    from asreview.learner import ActiveLearningCycle
    from asreview.models.models import get_ai_config

    # ASReview seeds its models through the global numpy RNG (LinearSVC draws
    # liblinear's seed from it when random_state is None).
    np.random.seed(seed)
    cycle = ActiveLearningCycle.from_meta(get_ai_config("elas_u4")["value"])
    n = labels.shape[0]
    labelled = list(prior)
    order: list[int] = []
    total = int(labels.sum())
    found = int(labels[prior].sum())
    min_screen = math.ceil(0.1 * (n - len(prior)) - 1e-9)
    times: list[float] = []
    ranked_pool_ids = np.zeros(0, dtype=int)
    while len(labelled) < n and (found < total or len(order) < min_screen):
        t = time.perf_counter()
        ids = np.asarray(labelled)
        cycle.fit(features[ids], labels[ids])
        pool = np.setdiff1d(np.arange(n), ids)
        ranked_pool_ids = pool[cycle.rank(features[pool])]
        times.append((time.perf_counter() - t) * 1000.0)
        pick = int(ranked_pool_ids[0])
        labelled.append(pick)
        order.append(pick)
        found += int(labels[pick])
    # Remaining records (all irrelevant) in the last ranking's order, as simulate does.
    done = set(labelled)
    order.extend(int(i) for i in ranked_pool_ids if int(i) not in done)
    seq = labels[np.asarray(order, dtype=int)]
    return summarise(seq, times)


# -- screener's rankers -----------------------------------------------------------


def run_ours(model: str, feats: Any, labels: np.ndarray, prior: list[int], **params: Any) -> Run:
    result = simulate(
        feats, labels, make_ranker(model, **params), prior_indices=prior, batch=1, stop=None
    )
    return summarise(np.asarray(result.labels), result.retrain_ms)


# -- report -----------------------------------------------------------------------


def mean(xs: list[float]) -> float:
    xs = [x for x in xs if not math.isnan(x)]
    return statistics.fmean(xs) if xs else math.nan


def print_table(rows: list[Row], ours: str, base: str, base_label: str) -> dict[str, Any]:
    head = (
        f"{'data set':<34} {'N':>5} {'incl':>4} | {'WSS@95':>13} | {'recall@10%':>13} | "
        f"{'n to 95%':>11} | {'retrain ms (median)':>19}"
    )
    print(f"\nours = screener ({ours}), base = {base_label}")
    print(
        f"{'':<45} | {'ours   base':>13} | {'ours   base':>13} | {'ours  base':>11} | "
        f"{'ours    base':>19}"
    )
    print(head)
    print("-" * len(head))
    summary: dict[str, Any] = {"datasets": {}}
    agg: dict[str, list[float]] = {k: [] for k in ("w_o", "w_b", "r_o", "r_b", "n_o", "n_b")}
    t_o: list[float] = []
    t_b: list[float] = []
    for row in rows:
        o, b = row.runs[ours], row.runs[base]
        vals = {
            "w_o": mean([r.wss95 for r in o]),
            "w_b": mean([r.wss95 for r in b]),
            "r_o": mean([r.recall10 for r in o]),
            "r_b": mean([r.recall10 for r in b]),
            "n_o": mean([float(r.n_to_95) for r in o]),
            "n_b": mean([float(r.n_to_95) for r in b]),
        }
        to = statistics.median([r.retrain_ms for r in o])
        tb = statistics.median([r.retrain_ms for r in b])
        t_o.append(to)
        t_b.append(tb)
        for k, v in vals.items():
            agg[k].append(v)
        print(
            f"{row.name:<34} {row.n:>5} {row.n_incl:>4} | {vals['w_o']:6.3f} {vals['w_b']:6.3f} | "
            f"{vals['r_o']:6.3f} {vals['r_b']:6.3f} | {vals['n_o']:5.0f} {vals['n_b']:5.0f} | "
            f"{to:8.2f} {tb:9.2f}"
        )
        summary["datasets"][row.name] = {
            "n": row.n,
            "n_included": row.n_incl,
            "ours": [r.__dict__ for r in o],
            "base": [r.__dict__ for r in b],
        }
    print("-" * len(head))
    means = {k: mean(v) for k, v in agg.items()}
    tmo, tmb = statistics.median(t_o), statistics.median(t_b)
    print(
        f"{'mean':<45} | {means['w_o']:6.3f} {means['w_b']:6.3f} | "
        f"{means['r_o']:6.3f} {means['r_b']:6.3f} | {means['n_o']:5.0f} {means['n_b']:5.0f} | "
        f"{tmo:8.2f} {tmb:9.2f}"
    )
    worst = min(a - b for a, b in zip(agg["w_o"], agg["w_b"], strict=True))
    print(
        f"\nWSS@95: mean difference {means['w_o'] - means['w_b']:+.3f} (target ≥ +0.05); "
        f"worst data set {worst:+.3f} (target ≥ −0.03)"
    )
    print(f"retrain time: ours/base = {tmo / tmb:.3f} of the base's median (target ≤ 0.2)")
    summary["means"] = means
    summary["retrain_ms_median"] = {"ours": tmo, "base": tmb}
    summary["worst_wss95_difference"] = worst
    return summary


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--data", default=DEFAULT_DATA, help="folder of labelled CSV files")
    ap.add_argument("--seeds", type=int, default=5, help="prior seeds per data set (default 5)")
    ap.add_argument("--quick", action="store_true", help="2 seeds, the four smallest data sets")
    ap.add_argument("--json", help="write all per-run numbers to this file")
    ap.add_argument(
        "--ablation",
        action="store_true",
        help="also run screener with textless='model' (no policy for records without text)",
    )
    args = ap.parse_args(argv)

    paths = sorted(glob.glob(os.path.join(args.data, "*.csv")))
    if not paths:
        print(f"bench_ranking: no data sets under {os.path.normpath(args.data)}; nothing to do.")
        return 0
    seeds = list(range(1, (2 if args.quick else args.seeds) + 1))
    if args.quick:
        paths = sorted(paths, key=os.path.getsize)[:4]

    version = asreview_available()
    if version:
        base, base_label = "asreview", f"ASReview {version} ELAS u4 (asreview's own classes)"
    else:
        base, base_label = "elas_u4", "screener's elas_u4 REPLICA (asreview is not importable)"
        print("NOTE: asreview cannot be imported; the baseline is screener's elas_u4 replica,")
        print("      not ASReview itself. Install asreview==3.0.8 for the real comparison.")

    import threadpoolctl

    started = time.perf_counter()
    rows: list[Row] = []
    with threadpoolctl.threadpool_limits(1):
        for path in paths:
            name = os.path.splitext(os.path.basename(path))[0]
            docs, labels, df = load(path)
            row = Row(name, len(labels) - 2, int(labels.sum()) - 1)
            feats_ours = make_ranker("screener").featurize(docs)
            if base == "asreview":
                feats_base = asreview_features(df)
            else:
                feats_base = make_ranker("elas_u4").featurize(docs)
            for seed in seeds:
                prior = draw_priors(labels, seed)
                row.runs.setdefault("screener", []).append(
                    run_ours("screener", feats_ours, labels, prior)
                )
                if args.ablation:
                    row.runs.setdefault("screener_textless_model", []).append(
                        run_ours("screener", feats_ours, labels, prior, textless="model")
                    )
                if base == "asreview":
                    row.runs.setdefault(base, []).append(
                        run_asreview(feats_base, labels, prior, seed)
                    )
                else:
                    row.runs.setdefault(base, []).append(
                        run_ours("elas_u4", feats_base, labels, prior)
                    )
            rows.append(row)
            print(f"  {name}: done ({time.perf_counter() - started:.0f} s)", flush=True)

    print(f"\n{len(paths)} data sets x {len(seeds)} prior seeds (1 included + 1 excluded prior),")
    print("retraining after every record; WSS/recall over the N non-prior records.")
    summary = print_table(rows, "screener", base, base_label)
    if args.ablation:
        summary["ablation"] = print_table(
            rows, "screener_textless_model", base, base_label + " [ablation: textless='model']"
        )
    elapsed = time.perf_counter() - started
    print(f"\ntotal time {elapsed / 60:.1f} min")
    if args.json:
        summary["seeds"] = seeds
        summary["baseline"] = base_label
        summary["elapsed_s"] = elapsed
        with open(args.json, "w", encoding="utf-8") as fh:
            json.dump(summary, fh, indent=1, default=float)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
