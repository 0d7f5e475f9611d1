#!/usr/bin/env python3
"""Scale: time and peak memory of each step of a review at 10k, 100k (and 1M) records.

For each size, a generated two-database search (a PubMed-style RIS and an Embase-style
RIS; about 15% of the studies are in both, with the usual differences) is taken through:

  import       `Project.import_file` of both exports (detect, parse, normalise, store)
  dedup        `Project.run_dedup()` (automatic links and the review queue)
  decisions    two reviewers' title/abstract decisions on 60% of the records, as
               `screener decisions import` applies them (one file per reviewer)
  first_screen what the screening screen needs before it can show a record:
               `Project.open` + the reviewer's queue (ids, own log, order) + first record
  ordering     the cold-start order by the rules' prior score (reads every record)
  prisma       every PRISMA 2020 count from the store
  verify       `screener verify`: replay, integrity and consistency checks

Each step runs in a fresh Python process, so its peak memory (ru_maxrss, including the
interpreter and libraries, about 100 MB) is its own. `seconds` is wall-clock time, `cpu s`
the process's CPU time (the difference is waiting: disk syncs, the database server).

    python benchmarks/bench_scale.py                      # 10k and 100k
    python benchmarks/bench_scale.py --sizes 10000        # one size
    python benchmarks/bench_scale.py --huge               # also 1M (long: tens of minutes)
    python benchmarks/bench_scale.py --store postgresql+psycopg://user@host/db   # PostgreSQL
"""

from __future__ import annotations

import argparse
import csv
import json
import random
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

STEPS = ["import", "dedup", "decisions", "first_screen", "ordering", "prisma", "verify"]
_VOCABULARY = (
    "ketamine therapy depression randomized trial outcome patients anxiety cohort effect "
    "infusion psychotherapy chronic pain addiction alcohol placebo response remission dose "
    "study clinical treatment resistant major disorder adults veterans follow-up analysis "
    "walking exercise sleep memory stroke cancer diabetes obesity screening children"
)
WORDS = _VOCABULARY.split()


# -- data ---------------------------------------------------------------------------------


def _study(rng: random.Random, i: int) -> dict[str, Any]:
    return {
        "title": " ".join(rng.choice(WORDS) for _ in range(rng.randint(6, 14))).capitalize()
        + f" ({i})",
        "abstract": " ".join(rng.choice(WORDS) for _ in range(rng.randint(80, 200))),
        "authors": [
            f"{rng.choice(WORDS).capitalize()}, {chr(65 + rng.randint(0, 25))}."
            for _ in range(rng.randint(1, 6))
        ],
        "year": rng.randint(1980, 2024),
        "journal": f"Journal of {rng.choice(WORDS).capitalize()}",
        "volume": rng.randint(1, 90),
        "pages": f"{rng.randint(1, 900)}-{rng.randint(901, 999)}",
        "doi": f"10.{5000 + i % 900}/scale.{i}",
        "pmid": str(10_000_000 + i),
    }


def generate(folder: Path, n: int, seed: int = 7) -> tuple[Path, Path]:
    """Two exports with `n` records in all; ~15% of the studies appear in both."""
    rng = random.Random(seed)
    overlap = int(n * 0.15 / 1.15)
    studies = n - overlap
    n_pubmed = studies // 2 + overlap // 2
    pubmed, embase = folder / "pubmed.ris", folder / "embase.ris"
    with pubmed.open("w", encoding="utf-8") as pm, embase.open("w", encoding="utf-8") as em:
        written = 0
        for i in range(studies):
            s = _study(rng, i)
            in_pubmed = i < n_pubmed
            in_embase = i >= n_pubmed - overlap
            if in_pubmed and written < n:
                pm.write("TY  - JOUR\n")
                pm.write(f"TI  - {s['title']}\n")
                for a in s["authors"]:
                    pm.write(f"AU  - {a}\n")
                pm.write(f"PY  - {s['year']}\nJO  - {s['journal']}\nVL  - {s['volume']}\n")
                pm.write(f"SP  - {s['pages']}\nAB  - {s['abstract']}\nDO  - {s['doi']}\n")
                pm.write(f"AN  - {s['pmid']}\nDB  - PubMed\nER  - \n\n")
                written += 1
            if in_embase and written < n:
                em.write("TY  - JOUR\n")
                title = s["title"].upper() if rng.random() < 0.2 else s["title"]
                em.write(f"T1  - {title}.\n")
                for a in s["authors"]:
                    em.write(f"A1  - {a.replace(',', '')}\n")
                em.write(f"Y1  - {s['year']}//\nJF  - {s['journal']}\nVL  - {s['volume']}\n")
                em.write(f"SP  - {s['pages']}\nN2  - {s['abstract']}\n")
                if rng.random() < 0.8:
                    em.write(f"DO  - https://doi.org/{s['doi'].upper()}\n")
                em.write(f"U2  - L{600_000_000 + i}\nDB  - Embase\nER  - \n\n")
                written += 1
    return pubmed, embase


def write_config(folder: Path, store: str | None) -> Path:
    config = folder / "config.toml"
    line = f'store = "{store}"\n' if store else ""
    config.write_text(
        f'[review]\nname = "scale"\n{line}blinding = true\n\n'
        '[[reviewers]]\nname = "r1"\n\n[[reviewers]]\nname = "r2"\n\n'
        '[[reviewers]]\nname = "senior"\nrole = "senior"\n\n'
        "[dedup]\nauto = false\n",
        encoding="utf-8",
    )
    return config


# -- steps (each runs in its own process) ---------------------------------------------------


def step_import(folder: Path) -> dict[str, Any]:
    from screener.project import Project

    project = Project.open(folder / "config.toml", build=False)
    total = 0
    for name, label in (("pubmed.ris", "PubMed"), ("embase.ris", "Embase")):
        total += project.import_file(folder / name, label=label, dedup=False).imported
    project.close()
    return {"records": total}


def step_dedup(folder: Path) -> dict[str, Any]:
    from screener.project import Project

    project = Project.open(folder / "config.toml", build=False)
    result = project.run_dedup()
    out = {"duplicates": len(project.primary_of())}
    if result is not None and hasattr(result, "queue"):
        out["queued"] = result.queue
    project.close()
    return out


def step_decisions(folder: Path) -> dict[str, Any]:
    from screener.model import Stage
    from screener.project import Project
    from screener.screening.exchange import import_decisions

    project = Project.open(folder / "config.toml", build=False)
    ids = project.screenable_ids()
    rng = random.Random(3)
    decided = ids[: int(len(ids) * 0.6)]
    applied = 0
    for reviewer in ("r1", "r2"):
        path = folder / f"{reviewer}.csv"
        with path.open("w", newline="", encoding="utf-8") as fh:
            w = csv.writer(fh)
            w.writerow(["id", "decision"])
            for rid in decided:
                w.writerow([f"R{rid}", "include" if rng.random() < 0.1 else "exclude"])
        applied += import_decisions(
            project, path, reviewer=reviewer, stage=Stage.TITLE_ABSTRACT
        ).applied
    project.close()
    return {"decisions": applied}


def step_first_screen(folder: Path) -> dict[str, Any]:
    from screener.model import Stage
    from screener.project import Project

    project = Project.open(folder / "config.toml")
    try:
        from screener.tui.queue import ScreeningQueue
    except ImportError:
        ids = project.screenable_ids()
        first = project.store.record(ids[0]) if ids else None
        return {"queue": len(ids), "shown": first.pid if first else None, "via": "project"}
    queue = ScreeningQueue.load(project, project.reviewer("r1"), Stage.TITLE_ABSTRACT)
    shown = queue.shown()
    title = shown.record.record.title[:30] if shown is not None else None
    return {"queue": len(queue.ids), "position": queue.position, "title": title}


def step_ordering(folder: Path) -> dict[str, Any]:
    from screener.project import Project

    project = Project.open(folder / "config.toml")
    ids = project.screenable_ids()
    from screener.ranking.live import cold_start

    ranked = cold_start(project, ids)
    return {"ranked": len(ranked)}


def step_prisma(folder: Path) -> dict[str, Any]:
    from screener.project import Project

    project = Project.open(folder / "config.toml")
    try:
        from screener.prisma.flow import compute_flow
    except ImportError:
        return {"skipped": "no PRISMA module"}
    flow = compute_flow(project).as_json()
    return {k: flow[k] for k in ("database_results", "duplicates", "records_screened") if k in flow}


def step_verify(folder: Path) -> dict[str, Any]:
    from screener.project import Project
    from screener.verify import verify

    project = Project.open(folder / "config.toml")
    report = verify(project)
    return {"ok": report.ok, "problems": sum(report.counted.values())}


RUNNERS: dict[str, Callable[[Path], dict[str, Any]]] = {
    "import": step_import, "dedup": step_dedup, "decisions": step_decisions,
    "first_screen": step_first_screen, "ordering": step_ordering, "prisma": step_prisma,
    "verify": step_verify,
}  # fmt: skip


def run_child(step: str, folder: Path) -> None:
    before = resource.getrusage(resource.RUSAGE_SELF)
    started = time.perf_counter()
    extra = RUNNERS[step](folder)
    seconds = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_SELF)
    cpu = after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime
    peak = after.ru_maxrss / 1024  # ru_maxrss is in KiB on Linux
    print(json.dumps({"seconds": seconds, "cpu": cpu, "peak_mb": peak, **extra}))


def run_step(step: str, folder: Path, timeout: float) -> dict[str, Any]:
    try:
        proc = subprocess.run(
            [sys.executable, __file__, "--child", step, str(folder)],
            capture_output=True, text=True, timeout=timeout,
        )  # fmt: skip
    except subprocess.TimeoutExpired:
        return {"error": f"did not finish within {timeout:.0f} s"}
    if proc.returncode != 0:
        return {"error": (proc.stderr.strip().splitlines() or ["?"])[-1]}
    return json.loads(proc.stdout.strip().splitlines()[-1])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", type=int, nargs="*", default=[10_000, 100_000])
    ap.add_argument("--huge", action="store_true", help="also 1,000,000 records")
    ap.add_argument("--steps", nargs="*", default=STEPS, choices=STEPS)
    ap.add_argument("--store", help="a PostgreSQL URL (an empty database) instead of SQLite")
    ap.add_argument("--timeout", type=float, default=3600, help="per step, seconds")
    ap.add_argument("--child", nargs=2, metavar=("STEP", "FOLDER"), help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        run_child(args.child[0], Path(args.child[1]))
        return
    sizes = list(args.sizes) + ([1_000_000] if args.huge and 1_000_000 not in args.sizes else [])
    print(f"{'records':>9}  {'step':<13}{'seconds':>9}  {'cpu s':>7}  {'peak MB':>8}  details")
    for n in sizes:
        with tempfile.TemporaryDirectory(prefix="screener-scale-") as tmp:
            folder = Path(tmp)
            t = time.perf_counter()
            generate(folder, n)
            write_config(folder, args.store)
            size_mb = sum(p.stat().st_size for p in folder.glob("*.ris")) / 1e6
            print(f"{n:>9,}  {'(generate)':<13}{time.perf_counter() - t:>9.1f}  {'':>7}  {'':>8}  "
                  f"{size_mb:.0f} MB of RIS")  # fmt: skip
            for step in args.steps:
                r = run_step(step, folder, args.timeout)
                if "error" in r:
                    print(f"{n:>9,}  {step:<13}{'-':>9}  {'-':>7}  {'-':>8}  ERROR {r['error']}")
                    if step == "import":
                        break
                    continue
                details = ", ".join(
                    f"{k} {v}" for k, v in r.items() if k not in ("seconds", "cpu", "peak_mb")
                )
                print(f"{n:>9,}  {step:<13}{r['seconds']:>9.2f}  {r['cpu']:>7.2f}  "
                      f"{r['peak_mb']:>8.0f}  {details}")  # fmt: skip
                sys.stdout.flush()
            if args.store:
                print(
                    "(the PostgreSQL database now holds this run's review: empty it before the next size)"
                )
                break


if __name__ == "__main__":
    main()
