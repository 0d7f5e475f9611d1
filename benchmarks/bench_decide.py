"""Deciding 10,000 records one domain call at a time on SQLite (WAL, synchronous=FULL).

Prints the median and 95th-percentile time per `decide` call (each call commits), with
`durability = "full"` (synchronous=FULL, the default) and "normal", and, as a reference in
the same run, a bare sqlite3 INSERT + COMMIT with the same settings.
Target: under 2 ms per decision.

    python benchmarks/bench_decide.py [--records 10000]
"""

from __future__ import annotations

import argparse
import sqlite3
import statistics
import tempfile
import time
from pathlib import Path

from screener.model import Stage
from screener.project import Project
from screener.screening.decide import decide


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--records", type=int, default=10_000)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        ris = work / "r.ris"
        ris.write_text(
            "".join(
                f"TY  - JOUR\nTI  - Record {i}\nPY  - 2020\nER  - \n" for i in range(args.records)
            ),
            encoding="utf-8",
        )
        starter = Path(__file__).resolve().parents[1] / "screener/templates/starter_config.toml"
        ours: dict[str, list[float]] = {}
        for durability in ("full", "normal"):
            folder = work / durability
            folder.mkdir()
            text = starter.read_text(encoding="utf-8").replace(
                '# durability = "full"', f'durability = "{durability}"'
            )
            (folder / "config.toml").write_text(text, encoding="utf-8")
            project = Project.open(folder / "config.toml")
            project.import_file(ris, dedup=False)
            times = ours[durability] = []
            for i in range(1, args.records + 1):
                t = time.perf_counter()
                decide(
                    project,
                    i,
                    "include" if i % 7 == 0 else "exclude",
                    reviewer="reviewer1",
                    stage=Stage.TITLE_ABSTRACT,
                )
                times.append(time.perf_counter() - t)
            project.close()
        bare: dict[str, list[float]] = {}
        for sync in ("FULL", "NORMAL"):
            con = sqlite3.connect(work / f"bare-{sync}.db", isolation_level=None)
            con.execute("PRAGMA journal_mode=WAL")
            con.execute(f"PRAGMA synchronous={sync}")
            con.execute("CREATE TABLE e (id INTEGER PRIMARY KEY, record INTEGER, decision TEXT)")
            bare[sync] = []
            for i in range(args.records):
                t = time.perf_counter()
                con.execute("BEGIN IMMEDIATE")
                con.execute("INSERT INTO e (record, decision) VALUES (?, ?)", (i, "exclude"))
                con.execute("COMMIT")
                bare[sync].append(time.perf_counter() - t)
            con.close()

    def p95(xs: list[float]) -> float:
        return sorted(xs)[int(len(xs) * 0.95)]

    print(f"{'per decision':<36}{'median ms':>10}{'p95 ms':>10}")
    for durability, xs in ours.items():
        name = f"screener decide, durability={durability}"
        print(f"{name:<36}{statistics.median(xs) * 1e3:>10.3f}{p95(xs) * 1e3:>10.3f}")
    for sync, xs in bare.items():
        name = f"bare sqlite3 INSERT+COMMIT, {sync}"
        print(f"{name:<36}{statistics.median(xs) * 1e3:>10.3f}{p95(xs) * 1e3:>10.3f}")
    print(f"{args.records:,} decisions; target < 2 ms per decision")


if __name__ == "__main__":
    main()
