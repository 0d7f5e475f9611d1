"""Benchmark: the hypergeometric stopping rule in simulated screening.

For every labelled data set in ../shared/datasets/screening/*.csv and 10 prior
seeds, simulates screening with screener's default ranker (retraining after every
record) and replays the stopping rule of Callaghan & Müller-Hansen (2020) at a
recall target of 95% and 95% confidence after every screened record.  Prints, per
data set, how many runs stopped with recall ≥ 95%, the mean recall at the stop and
the work saved (share of all records never screened), and the overall share of
runs that reached the target (the rule's promise: at least 95%).

Usage:
    python benchmarks/bench_stopping.py [--quick] [--seeds N] [--data DIR] [--model NAME]
"""

from __future__ import annotations

import argparse
import glob
import os
import statistics
import sys
import time

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, ROOT)

from screener.ranking import make_ranker, simulate  # noqa: E402

DEFAULT_DATA = os.path.join(ROOT, "..", "shared", "datasets", "screening")


def load(path: str) -> tuple[list[dict[str, str]], np.ndarray]:
    import pandas as pd

    df = pd.read_csv(path)
    for col in ("title", "abstract"):
        if col not in df.columns:
            df[col] = ""
        df[col] = df[col].fillna("").astype(str)
    docs = [{"title": t, "abstract": a} for t, a in zip(df["title"], df["abstract"], strict=True)]
    return docs, df["label_included"].fillna(0).astype(int).to_numpy()


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--data", default=DEFAULT_DATA, help="folder of labelled CSV files")
    ap.add_argument("--seeds", type=int, default=10, help="prior seeds per data set (default 10)")
    ap.add_argument("--quick", action="store_true", help="3 seeds, the four smallest data sets")
    ap.add_argument("--model", default="screener", help="ranker name (default screener)")
    ap.add_argument("--target", type=float, default=0.95, help="recall target (default 0.95)")
    ap.add_argument("--confidence", type=float, default=0.95, help="confidence (default 0.95)")
    args = ap.parse_args(argv)

    paths = sorted(glob.glob(os.path.join(args.data, "*.csv")))
    if not paths:
        print(f"bench_stopping: no data sets under {os.path.normpath(args.data)}; nothing to do.")
        return 0
    seeds = list(range(1, (3 if args.quick else args.seeds) + 1))
    if args.quick:
        paths = sorted(paths, key=os.path.getsize)[:4]

    started = time.perf_counter()
    print(
        f"stopping rule: hypergeometric (Callaghan & Müller-Hansen 2020), recall target "
        f"{args.target:.0%}, confidence {args.confidence:.0%}; ranker {args.model}; "
        f"{len(seeds)} seeds per data set"
    )
    head = (
        f"{'data set':<34} {'records':>7} {'incl':>4} | {'reached':>7} | {'recall@stop':>11} | "
        f"{'min recall':>10} | {'screened':>8} | {'work saved':>10} | {'WSS@95':>6}"
    )
    print(head)
    print("-" * len(head))
    all_ok: list[bool] = []
    all_saved: list[float] = []
    for path in paths:
        name = os.path.splitext(os.path.basename(path))[0]
        docs, labels = load(path)
        ranker = make_ranker(args.model)
        feats = ranker.featurize(docs)
        recalls, saved, screened, ok, wss = [], [], [], [], []
        for seed in seeds:
            res = simulate(
                feats,
                labels,
                ranker,
                seed=seed,
                batch=1,
                stop="hypergeometric",
                recall_target=args.target,
                confidence=args.confidence,
            )
            st = res.stopping
            assert st is not None
            recalls.append(st.recall)
            saved.append(st.work_saved)
            screened.append(st.n_screened)
            ok.append(st.reached_target)
            wss.append(res.wss95)
        all_ok.extend(ok)
        all_saved.extend(saved)
        print(
            f"{name:<34} {len(labels):>7} {int(labels.sum()):>4} | {sum(ok):>3}/{len(ok):<3} | "
            f"{statistics.fmean(recalls):11.3f} | {min(recalls):10.3f} | "
            f"{statistics.fmean(screened):8.0f} | {statistics.fmean(saved):10.3f} | "
            f"{statistics.fmean(wss):6.3f}",
            flush=True,
        )
    print("-" * len(head))
    share = sum(all_ok) / len(all_ok)
    print(
        f"runs that stopped with recall ≥ {args.target:.0%}: {sum(all_ok)}/{len(all_ok)} "
        f"= {share:.1%} (promise: ≥ {args.confidence:.0%}); mean work saved "
        f"{statistics.fmean(all_saved):.3f}"
    )
    print(f"total time {(time.perf_counter() - started) / 60:.1f} min")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
