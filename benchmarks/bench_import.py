"""Import speed: a generated 100,000-record RIS file, full import into the store vs rispy alone.

Prints records/s for `rispy.load` (bare parse, the reference) and for `screener import`
(detect, decode, parse, normalise, store in SQLite), their ratio, and peak memory of each
step measured in a fresh subprocess (ru_maxrss). Target: ratio ≤ 2.5, peak < 300 MB.

    python benchmarks/bench_import.py [--records 100000]
"""

from __future__ import annotations

import argparse
import json
import random
import subprocess
import sys
import tempfile
import textwrap
from pathlib import Path

WORDS = [
    "ketamine",
    "therapy",
    "depression",
    "randomized",
    "trial",
    "outcome",
    "patients",
    "anxiety",
    "cohort",
    "effect",
    "infusion",
    "psychotherapy",
    "chronic",
    "pain",
    "addiction",
    "alcohol",
    "placebo",
    "response",
    "remission",
    "dose",
    "study",
    "clinical",
    "treatment",
    "resistant",
    "major",
    "disorder",
    "adults",
    "veterans",
    "follow-up",
    "analysis",
]


def generate(path: Path, n: int, seed: int = 1) -> None:
    rng = random.Random(seed)
    with path.open("w", encoding="utf-8") as fh:
        for i in range(n):
            title = " ".join(rng.choice(WORDS) for _ in range(rng.randint(6, 16))).capitalize()
            abstract = " ".join(rng.choice(WORDS) for _ in range(rng.randint(120, 260)))
            fh.write("TY  - JOUR\n")
            fh.write(f"T1  - {title}\n")
            for _ in range(rng.randint(1, 6)):
                fh.write(
                    f"A1  - {rng.choice(WORDS).capitalize()} {chr(65 + rng.randint(0, 25))}.\n"
                )
            fh.write(f"Y1  - {rng.randint(1975, 2024)}//\n")
            fh.write(f"JF  - Journal of {rng.choice(WORDS).capitalize()}\n")
            fh.write(f"VL  - {rng.randint(1, 90)}\nIS  - {rng.randint(1, 12)}\n")
            fh.write(f"SP  - {rng.randint(1, 900)}\nEP  - {rng.randint(901, 999)}\n")
            fh.write(f"DO  - 10.{5000 + i % 900}/bench.{i}\n")
            fh.write(f"U2  - L{600000000 + i}\nDB  - Embase\nLA  - English\n")
            for _ in range(rng.randint(2, 8)):
                fh.write(f"KW  - {rng.choice(WORDS)}\n")
            fh.write("N2  - " + abstract + "\nER  - \n\n")


STEP = textwrap.dedent(
    """
    import json, resource, sys, time
    from pathlib import Path
    step, path, work = sys.argv[1], Path(sys.argv[2]), Path(sys.argv[3])
    t0 = time.perf_counter()
    if step == "rispy":
        import rispy
        n = len(rispy.load(path, encoding="utf-8"))
    else:
        from screener.project import Project
        cfg = work / "config.toml"
        project = Project.open(cfg)
        n = project.import_file(path, dedup=False).imported
    seconds = time.perf_counter() - t0
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"n": n, "seconds": seconds, "peak_mb": peak_mb}))
    """
)


def run_step(step: str, path: Path, work: Path) -> dict[str, float]:
    out = subprocess.run(
        [sys.executable, "-c", STEP, step, str(path), str(work)],
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(out.stdout)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--records", type=int, default=100_000)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        ris = work / "bench.ris"
        generate(ris, args.records)
        starter = (
            Path(__file__).resolve().parents[1] / "screener" / "templates" / "starter_config.toml"
        )
        (work / "config.toml").write_text(
            starter.read_text(encoding="utf-8").replace("auto = true", "auto = false"),
            encoding="utf-8",
        )
        size_mb = ris.stat().st_size / 1e6
        bare = run_step("rispy", ris, work)
        full = run_step("screener", ris, work)
    print(f"file: {args.records:,} records, {size_mb:.0f} MB")
    print(f"{'step':<34}{'records':>10}{'seconds':>10}{'records/s':>12}{'peak MB':>10}")
    for name, r in (("rispy.load (bare parse)", bare), ("screener import (into SQLite)", full)):
        rate = r["n"] / r["seconds"]
        print(f"{name:<34}{r['n']:>10,}{r['seconds']:>10.2f}{rate:>12,.0f}{r['peak_mb']:>10.0f}")
    ratio = full["seconds"] / bare["seconds"]
    print(
        f"ratio screener/rispy: {ratio:.2f} (target ≤ 2.5); peak {full['peak_mb']:.0f} MB (target < 300)"
    )


if __name__ == "__main__":
    main()
