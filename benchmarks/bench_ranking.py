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

Protocol "lodo" (leave one data set out, `--protocol lodo`): every candidate of the small
explicit grid `CANDIDATES` (screener's default and variants of its parameters, the `elas_u4`
replica and the multi-view `views` ranker) is simulated on every data set with seeds 1..N
(default 3); then, for each data set in turn, the candidate with the best mean WSS@95 on the
*other* data sets is chosen and scored on the held-out one, next to ELAS u4 (ASReview's own
classes if importable, else the replica, which the output says) with the same seeds and
priors.  The held-out figures are never used to choose.  Runs are cached per (data set,
candidate, seed) in `--cache` (JSON), so reruns only simulate what is missing.

Usage:
    python benchmarks/bench_ranking.py [--quick] [--seeds N] [--data DIR] [--json FILE]
        [--ablation]
    python benchmarks/bench_ranking.py --protocol lodo [--seeds N] [--cache FILE] [--jobs 2]
        [--quick] [--select mean|worst] [--models screener,views]
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


# -- leave one data set out -----------------------------------------------------------


@dataclass(frozen=True)
class Candidate:
    """One configuration of the grid: a label, a registry name and its parameters."""

    label: str
    model: str
    params: dict[str, Any] = field(default_factory=dict)

    @property
    def key(self) -> str:
        return f"{self.model}:{json.dumps(self.params, sort_keys=True, default=list)}"


# The grid: screener's default configuration first, then its parameters varied, the ELAS u4
# replica, and the multi-view candidates.  Keep it small: every entry is simulated on every
# data set and seed.
CANDIDATES: list[Candidate] = [
    Candidate("screener (default: refine_margin=3, textless=prevalence)", "screener"),
    Candidate("screener refine_margin=0", "screener", {"refine_margin": 0.0}),
    Candidate("screener refine_margin=1.5", "screener", {"refine_margin": 1.5}),
    Candidate("screener textless=model", "screener", {"textless": "model"}),
    Candidate("elas_u4 replica", "elas_u4"),
    Candidate("views softmax", "views"),
    Candidate("views select", "views", {"mode": "select"}),
    Candidate("views fixed", "views", {"mode": "fixed"}),
    Candidate("views select refine_margin=0", "views", {"mode": "select", "refine_margin": 0.0}),
    Candidate("views select (word, char)", "views", {"mode": "select", "views": ("word", "char")}),
    Candidate("views fixed refine_margin=0", "views", {"mode": "fixed", "refine_margin": 0.0}),
    Candidate("views softmax refine_margin=0", "views", {"refine_margin": 0.0}),
    Candidate(
        "views softmax refine_margin=0 char_components=64",
        "views",
        {"refine_margin": 0.0, "char_components": 64},
    ),
    Candidate(
        "views softmax (word, char) refine_margin=0 char_components=64",
        "views",
        {"views": ("word", "char"), "refine_margin": 0.0, "char_components": 64},
    ),
    Candidate(
        "views softmax (word, title) refine_margin=0",
        "views",
        {"views": ("word", "title"), "refine_margin": 0.0},
    ),
]
BASELINE_KEY = "baseline"  # the cache's candidate key for ELAS u4 (asreview or replica)

# Parameters that only change the classifier, not the features: candidates that differ only
# in these share one featurization per data set.
MODEL_ONLY = {
    "mode", "sharpness", "prior_includes", "negative_weight", "refine_margin", "textless",
    "textless_window", "C", "loss", "ratio",
}  # fmt: skip


def feature_key(cand: Candidate) -> str:
    params = {k: v for k, v in make_ranker(cand.model, **cand.params).get_params().items()}
    feat = {k: v for k, v in params.items() if k not in MODEL_ONLY}
    return f"{cand.model}:{json.dumps(feat, sort_keys=True, default=list)}"


def lodo_choose(
    scores: dict[str, dict[str, float]],
    held_out: str,
    select: str = "mean",
    baseline: dict[str, float] | None = None,
    time_ratio: dict[str, dict[str, float]] | None = None,
    max_time_ratio: float | None = None,
) -> str:
    """The candidate chosen for `held_out` from the other data sets' figures only.

    `scores[dataset][candidate]` is the candidate's mean WSS@95 over seeds.  "mean" picks the
    best mean over the other data sets; "worst" the best worst-case difference against
    `baseline[dataset]` (ties: the better mean, then the first candidate in order).  With
    `time_ratio[dataset][candidate]` (median retrain / the baseline's) and `max_time_ratio`,
    only candidates whose median ratio over the other data sets is within it are eligible
    (all of them if none is).  The held-out data set's numbers are never read.
    """
    others = [d for d in scores if d != held_out]
    if not others:
        raise ValueError("leave-one-out needs at least two data sets")
    candidates = list(scores[others[0]])
    if time_ratio is not None and max_time_ratio is not None:
        fast = [
            c
            for c in candidates
            if statistics.median(time_ratio[d][c] for d in others) <= max_time_ratio
        ]
        candidates = fast or candidates
    best, best_key = "", (-math.inf, -math.inf)
    for c in candidates:
        vals = [scores[d][c] for d in others]
        m = statistics.fmean(vals)
        if select == "worst":
            if baseline is None:
                raise ValueError('select="worst" needs the baseline figures')
            w = min(scores[d][c] - baseline[d] for d in others)
            key = (w, m)
        elif select == "mean":
            key = (m, m)
        else:
            raise ValueError(f"unknown selection rule {select!r}")
        if key > best_key:
            best, best_key = c, key
    return best


def _lodo_dataset(task: tuple[str, list[Candidate], list[int], str, set[str]]) -> Any:
    """Simulate the missing (candidate, seed) runs of one data set (a worker process)."""
    import threadpoolctl

    path, cands, seeds, base, have = task
    name = os.path.splitext(os.path.basename(path))[0]
    docs, labels, df = load(path)
    out: dict[str, dict[str, Any]] = {}
    feats: dict[str, Any] = {}
    with threadpoolctl.threadpool_limits(1):
        for cand in cands:
            for seed in seeds:
                if f"{cand.key}|{seed}" in have:
                    continue
                fk = feature_key(cand)
                if fk not in feats:
                    feats[fk] = make_ranker(cand.model, **cand.params).featurize(docs)
                prior = draw_priors(labels, seed)
                run = run_ours(cand.model, feats[fk], labels, prior, **cand.params)
                out[f"{cand.key}|{seed}"] = run.__dict__
        replica = Candidate("", "elas_u4").key
        for seed in seeds:
            if f"{BASELINE_KEY}|{seed}" in have:
                continue
            if base != "asreview" and f"{replica}|{seed}" in out:  # the same run: reuse it
                out[f"{BASELINE_KEY}|{seed}"] = out[f"{replica}|{seed}"]
                continue
            prior = draw_priors(labels, seed)
            if base == "asreview":
                if "asreview" not in feats:
                    feats["asreview"] = asreview_features(df)
                run = run_asreview(feats["asreview"], labels, prior, seed)
            else:
                fk = feature_key(Candidate("", "elas_u4"))
                if fk not in feats:
                    feats[fk] = make_ranker("elas_u4").featurize(docs)
                run = run_ours("elas_u4", feats[fk], labels, prior)
            out[f"{BASELINE_KEY}|{seed}"] = run.__dict__
    return name, len(labels) - 2, int(labels.sum()) - 1, out


def run_lodo(args: argparse.Namespace, paths: list[str], seeds: list[int]) -> dict[str, Any]:
    version = asreview_available()
    if version:
        base, base_label = "asreview", f"ASReview {version} ELAS u4 (asreview's own classes)"
    else:
        base, base_label = "elas_u4", "screener's elas_u4 REPLICA (asreview is not importable)"
    grid = [c for c in CANDIDATES if not args.models or c.model in args.models.split(",")]
    if not grid:
        raise SystemExit(f"bench_ranking: no candidate of model(s) {args.models!r} in the grid")
    cache: dict[str, Any] = {}
    if args.cache and os.path.exists(args.cache):
        with open(args.cache, encoding="utf-8") as fh:
            cache = json.load(fh)
    section = cache.setdefault(base, {})  # runs of the asreview and replica baselines differ
    tasks = []
    for path in sorted(paths, key=os.path.getsize, reverse=True):  # largest first: balance
        name = os.path.splitext(os.path.basename(path))[0]
        have = set(section.get(name, {}).get("runs", {}))
        tasks.append((path, grid, seeds, base, have))
    started = time.perf_counter()

    def save(result: Any) -> None:
        name, n, n_incl, runs = result
        entry = section.setdefault(name, {"n": n, "n_included": n_incl, "runs": {}})
        entry["runs"].update(runs)
        if args.cache:
            tmp = args.cache + ".tmp"
            with open(tmp, "w", encoding="utf-8") as fh:
                json.dump(cache, fh, default=float)
            os.replace(tmp, args.cache)
        print(f"  {name}: {len(runs)} new runs ({time.perf_counter() - started:.0f} s)", flush=True)

    if args.jobs > 1:
        import multiprocessing as mp

        with mp.get_context("spawn").Pool(args.jobs) as pool:
            for result in pool.imap_unordered(_lodo_dataset, tasks):
                save(result)
    else:
        for task in tasks:
            save(_lodo_dataset(task))

    names = [os.path.splitext(os.path.basename(p))[0] for p in paths]

    def runs_of(name: str, key: str) -> list[dict[str, Any]]:
        return [section[name]["runs"][f"{key}|{s}"] for s in seeds]

    labels = {c.key: c.label for c in grid}
    scores = {
        d: {c.key: mean([r["wss95"] for r in runs_of(d, c.key)]) for c in grid} for d in names
    }
    base_w = {d: mean([r["wss95"] for r in runs_of(d, BASELINE_KEY)]) for d in names}

    def med_ms(d: str, key: str) -> float:
        return statistics.median([r["retrain_ms"] for r in runs_of(d, key)])

    ratio = {d: {c.key: med_ms(d, c.key) / med_ms(d, BASELINE_KEY) for c in grid} for d in names}
    return print_lodo(args, names, seeds, scores, base_w, labels, runs_of, base_label, ratio)


def print_lodo(
    args: argparse.Namespace,
    names: list[str],
    seeds: list[int],
    scores: dict[str, dict[str, float]],
    base_w: dict[str, float],
    labels: dict[str, str],
    runs_of: Any,
    base_label: str,
    ratio: dict[str, dict[str, float]],
) -> dict[str, Any]:
    print(f"\nLeave-one-data-set-out: {len(names)} data sets x seeds {seeds} (1 included + 1")
    print("excluded prior per seed, the same for every model), retraining after every record.")
    print(f"Baseline: {base_label}, same seeds and priors.")
    print(f"Candidates: {len(labels)} ({args.models or 'the whole grid'}).")
    print(f"Choice for each data set: the candidate with the best {args.select} WSS@95 criterion")
    if args.max_time_ratio:
        print(f"among the candidates whose median retrain is <= {args.max_time_ratio} of ELAS u4's")
    print("on the OTHER data sets only; the held-out figures below were never used to choose.\n")
    head = (
        f"{'held-out data set':<30} {'chosen (on the other data sets)':<58} "
        f"{'WSS@95':>7} {'ELASu4':>7} {'diff':>7} | {'ms chosen':>9} {'ms u4':>7}"
    )
    print(head)
    print("-" * len(head))
    rows = []
    for d in names:
        chosen = lodo_choose(scores, d, args.select, base_w, ratio, args.max_time_ratio or None)
        t_c = statistics.median([r["retrain_ms"] for r in runs_of(d, chosen)])
        t_b = statistics.median([r["retrain_ms"] for r in runs_of(d, BASELINE_KEY)])
        w = scores[d][chosen]
        rows.append({"dataset": d, "chosen": labels[chosen], "chosen_key": chosen, "wss95": w,
                     "baseline_wss95": base_w[d], "diff": w - base_w[d],
                     "retrain_ms": t_c, "baseline_retrain_ms": t_b})  # fmt: skip
        print(
            f"{d:<30} {labels[chosen][:58]:<58} {w:7.3f} {base_w[d]:7.3f} {w - base_w[d]:+7.3f} | "
            f"{t_c:9.2f} {t_b:7.2f}"
        )
    print("-" * len(head))
    m_c = statistics.fmean(r["wss95"] for r in rows)
    m_b = statistics.fmean(r["baseline_wss95"] for r in rows)
    worst = min(rows, key=lambda r: r["diff"])
    t_c = statistics.median(r["retrain_ms"] for r in rows)
    t_b = statistics.median(r["baseline_retrain_ms"] for r in rows)
    print(f"{'held-out mean':<89} {m_c:7.3f} {m_b:7.3f} {m_c - m_b:+7.3f} | {t_c:9.2f} {t_b:7.2f}")
    print(f"\nheld-out WSS@95: mean {m_c:.3f} vs ELAS u4 {m_b:.3f} (difference {m_c - m_b:+.3f});")
    print(f"worst data set {worst['dataset']} ({worst['diff']:+.3f});")
    print(f"median retrain {t_c:.2f} ms vs {t_b:.2f} ms ({t_c / t_b:.2f} of ELAS u4's).")
    print("Retrain times are medians over each data set's retrains (then over data sets); with")
    print("--jobs 2 two simulations share the machine, so compare them within a run only.")

    print("\nEvery candidate on every data set (mean WSS@95 over the seeds). These include the")
    print("held-out data sets: choosing among them by eye would be tuning on them.")
    short = [d.replace("Cohen_2006_", "")[:9] for d in names]
    print(f"{'candidate':<58} " + " ".join(f"{s:>9}" for s in short) + f" {'mean':>7} {'ms':>6}")
    per_cand = {}
    for key, label in labels.items():
        vals = [scores[d][key] for d in names]
        ms = statistics.median(
            statistics.median([r["retrain_ms"] for r in runs_of(d, key)]) for d in names
        )
        per_cand[label] = {"wss95": dict(zip(names, vals, strict=True)), "retrain_ms": ms}
        print(f"{label[:58]:<58} " + " ".join(f"{v:9.3f}" for v in vals)
              + f" {statistics.fmean(vals):7.3f} {ms:6.2f}")  # fmt: skip
    vals = [base_w[d] for d in names]
    print(f"{'baseline: ' + base_label:<58.58} " + " ".join(f"{v:9.3f}" for v in vals)
          + f" {statistics.fmean(vals):7.3f}")  # fmt: skip
    return {
        "protocol": "lodo",
        "seeds": seeds,
        "select": args.select,
        "baseline": base_label,
        "rows": rows,
        "held_out_mean": m_c,
        "baseline_mean": m_b,
        "worst": {"dataset": worst["dataset"], "diff": worst["diff"]},
        "retrain_ms_median": {"chosen": t_c, "baseline": t_b},
        "max_time_ratio": args.max_time_ratio,
        "candidates": per_cand,
    }


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--data", default=DEFAULT_DATA, help="folder of labelled CSV files")
    ap.add_argument(
        "--protocol",
        choices=("default", "lodo"),
        default="default",
        help="default: screener vs ELAS u4; lodo: leave one data set out over CANDIDATES",
    )
    ap.add_argument("--seeds", type=int, help="prior seeds 1..N per data set (default 5; lodo: 3)")
    ap.add_argument("--cache", help="lodo: JSON file caching every (data set, candidate, seed) run")
    ap.add_argument(
        "--models",
        help="lodo: restrict the grid to these models (comma-separated, e.g. screener,elas_u4)",
    )
    ap.add_argument(
        "--max-time-ratio",
        type=float,
        default=0.2,
        help="lodo: only candidates retraining within this share of ELAS u4's time on the "
        "other data sets are eligible (default 0.2; 0 = no limit)",
    )
    ap.add_argument("--jobs", type=int, default=1, help="lodo: data sets simulated in parallel")
    ap.add_argument(
        "--select",
        choices=("mean", "worst"),
        default="mean",
        help="lodo: choose by mean WSS@95 on the other data sets, or by the worst difference",
    )
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
    n_seeds = args.seeds or (3 if args.protocol == "lodo" else 5)
    seeds = list(range(1, (2 if args.quick else n_seeds) + 1))
    if args.quick:
        paths = sorted(paths, key=os.path.getsize)[:4]
    if args.protocol == "lodo":
        started = time.perf_counter()
        summary = run_lodo(args, paths, seeds)
        print(f"\ntotal time {(time.perf_counter() - started) / 60:.1f} min")
        if args.json:
            with open(args.json, "w", encoding="utf-8") as fh:
                json.dump(summary, fh, indent=1, default=float)
        return 0

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
