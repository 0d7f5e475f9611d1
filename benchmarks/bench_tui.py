"""TUI latency on a large review: app start → first record, decision key → next record.

Builds a review of N synthetic records (a generated RIS file, imported through
`Project.import_file` like any export), then drives the app headless with Textual's
Pilot and prints:

- start: from opening the review (`Project.open` on the existing store) and starting
  the app to the first record painted on the screen (median of a few runs);
- decision → next: from a decision key entering the app to the next record painted
  (median and 95th percentile over `--keys` keys, alternating include and maybe);
- cold process start: a fresh `python` process doing the same (imports included).

"Painted" is the first frame the app hands to its (headless) driver after the screen
posted `RecordShown` for the new record. Targets (issue 5): start < 2 s, decision to
next < 50 ms, on 100,000 records.

    python benchmarks/bench_tui.py                 # 100,000 records, 200 keys
    python benchmarks/bench_tui.py --records 20000 --keys 100 --dir /tmp/bench-tui
    python benchmarks/bench_tui.py --records 10000 --ranking   # the model retrains per key
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from importlib import resources
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

WORDS = [
    "patients",
    "randomised",
    "trial",
    "cohort",
    "depression",
    "anxiety",
    "therapy",
    "cognitive",
    "behavioural",
    "intervention",
    "outcome",
    "adolescents",
    "adults",
    "older",
    "women",
    "men",
    "children",
    "school",
    "hospital",
    "primary",
    "care",
    "community",
    "mortality",
    "risk",
    "incidence",
    "prevalence",
    "exposure",
    "association",
    "effect",
    "treatment",
    "placebo",
    "dose",
    "efficacy",
    "safety",
    "quality",
    "life",
    "symptoms",
    "scale",
    "score",
    "follow-up",
    "months",
    "years",
    "baseline",
    "analysis",
    "regression",
    "model",
    "confidence",
    "interval",
    "significant",
    "reduction",
    "increase",
    "mice",
    "rats",
    "animal",
    "model",
    "cell",
    "protein",
    "gene",
    "expression",
    "pathway",
    "receptor",
    "inflammation",
]
JOURNALS = ["BMJ", "Lancet", "JAMA", "PLoS One", "BMC Psychiatry", "J Affect Disord",
            "Psychol Med", "Trials", "Age Ageing", "Neurosci Lett"]  # fmt: skip


def generate_ris(path: Path, n: int, seed: int = 5) -> None:
    rng = random.Random(seed)
    with path.open("w", encoding="utf-8") as fh:
        for i in range(1, n + 1):
            title = " ".join(rng.choice(WORDS) for _ in range(rng.randint(8, 16))).capitalize()
            abstract = " ".join(rng.choice(WORDS) for _ in range(rng.randint(120, 220)))
            fh.write(f"TY  - JOUR\nID  - B{i}\nTI  - {title}\nAB  - {abstract}.\n")
            for _ in range(rng.randint(1, 6)):
                fh.write(f"AU  - Author{rng.randint(1, 9999)}, {chr(65 + rng.randint(0, 25))}\n")
            fh.write(f"PY  - {rng.randint(1990, 2024)}\nJO  - {rng.choice(JOURNALS)}\n")
            fh.write(
                f"DO  - 10.5555/bench.{i}\nKW  - {rng.choice(WORDS)}\nKW  - {rng.choice(WORDS)}\n"
            )
            fh.write("ER  - \n\n")


def build(folder: Path, n: int, *, ranking: bool = False) -> Path:
    """The review folder (config + store), built once and reused with --dir."""
    from screener.project import Project

    config = folder / "config.toml"
    if config.exists():
        return config
    folder.mkdir(parents=True, exist_ok=True)
    t = time.perf_counter()
    generate_ris(folder / "search.ris", n)
    print(f"generated {n:,} records as RIS in {time.perf_counter() - t:.1f} s", flush=True)
    text = resources.files("screener").joinpath("templates/starter_config.toml").read_text("utf-8")
    text = text.replace("auto = true", "auto = false")  # the TUI is measured, not dedup
    text = text.replace("[highlight]\ninclude = []\nexclude = []",
                        '[highlight]\ninclude = ["depress*", "randomi?ed", "cognitive behavio?ral"]\n'
                        'exclude = ["mice", "rats", "animal model"]')  # fmt: skip
    if ranking:  # the live model retrains after every decision
        text = text.replace("[ranking]\nenabled = false", "[ranking]\nenabled = true")
    text += '\n[[sources]]\nlabel = "Bench"\nfiles = ["search.ris"]\n'
    config.write_text(text, encoding="utf-8")
    t = time.perf_counter()
    project = Project.open(config)
    print(f"imported {project.store.count_records():,} records in {time.perf_counter() - t:.1f} s",
          flush=True)  # fmt: skip
    project.close()
    return config


class Frames:
    """Times of RecordShown messages and of frames handed to the driver."""

    def __init__(self) -> None:
        self.shown: list[tuple[float, int | None]] = []
        self.frames: list[float] = []
        self.event = asyncio.Event()

    def hook(self, message: Any) -> None:
        from screener.tui.messages import RecordShown

        if isinstance(message, RecordShown):
            self.shown.append((time.perf_counter(), message.record_id))

    def wrap(self, app: Any) -> None:
        original = app._display

        def display(screen: Any, renderable: Any) -> Any:
            result = original(screen, renderable)
            if renderable is not None:
                self.frames.append(time.perf_counter())
                self.event.set()
            return result

        app._display = display

    async def painted_after(
        self, t: float, record: int | None = None, timeout: float = 10
    ) -> float:
        """When the first frame after `record` was shown (after time t) was painted."""
        end = time.perf_counter() + timeout
        while time.perf_counter() < end:
            shown = [ts for ts, rid in self.shown if ts >= t and (record is None or rid == record)]
            if shown:
                frames = [f for f in self.frames if f >= shown[0]]
                if frames:
                    return frames[0]
            self.event.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.event.wait(), 0.05)
        raise TimeoutError("the record was never painted")


async def measure_start(config: Path) -> float:
    from screener.project import Project
    from screener.tui import make_app

    frames = Frames()
    t0 = time.perf_counter()
    project = Project.open(config)
    app = make_app(project, "reviewer1", screen="screening")
    frames.wrap(app)
    async with app.run_test(size=(120, 40), message_hook=frames.hook):
        painted = await frames.painted_after(t0)
    project.close()
    return painted - t0


async def measure_keys(config: Path, keys: int, *, ranking: bool = False) -> list[float]:
    from textual import events

    from screener.project import Project
    from screener.tui import make_app

    frames = Frames()
    project = Project.open(config)
    if ranking and not project.store.events(reviewer="reviewer2"):
        # An include and an exclude first, so the model ranks (and retrains) from the first key.
        from screener.screening.decide import decide

        first, second = project.screenable_ids()[:2]
        decide(project, first, "include", reviewer="reviewer2")
        decide(project, second, "exclude", reviewer="reviewer2", reason="1")
    before = len(project.store.events(reviewer="reviewer2"))
    app = make_app(project, "reviewer2", screen="screening")
    frames.wrap(app)
    out: list[float] = []
    async with app.run_test(size=(120, 40), message_hook=frames.hook) as pilot:
        await frames.painted_after(0)
        await pilot.pause()
        screen: Any = app.screen
        for k in range(keys):
            key = "i" if k % 2 == 0 else "m"
            nxt = screen.queue.ids[screen.queue.next_undecided(screen.queue.position + 1)]
            t = time.perf_counter()
            driver = app._driver
            assert driver is not None
            driver.send_message(events.Key(key, key))  # as Pilot.press does, minus its idle waits
            out.append(await frames.painted_after(t, nxt) - t)
            await asyncio.sleep(0)
        await app.workers.wait_for_complete()
    decided = len(project.store.events(reviewer="reviewer2")) - before
    project.close()
    assert decided == keys, f"{decided} decisions stored for {keys} keys"
    return out


CHILD = """
import asyncio, sys, time
sys.path.insert(0, {repo!r})
from benchmarks.bench_tui import measure_start
from pathlib import Path
print(asyncio.run(measure_start(Path({config!r}))))
"""


def cold_start(config: Path) -> float:
    t = time.perf_counter()
    subprocess.run([sys.executable, "-c", CHILD.format(repo=str(REPO), config=str(config))],
                   check=True, capture_output=True)  # fmt: skip
    return time.perf_counter() - t


def screenshot(path: Path) -> None:
    """The README's picture: the screening screen on the small test review."""
    from screener.screening import decide as d
    from screener.tui import make_app
    from tests.test_tui_support import open_review, settle

    async def go(app: Any) -> None:
        async with app.run_test(size=(120, 36)) as pilot:
            await settle(pilot)
            app.save_screenshot(filename=path.name, path=str(path.parent))

    with tempfile.TemporaryDirectory() as tmp:
        project = open_review(Path(tmp) / "review")
        d.decide(project, 2, "exclude", reviewer="reviewer1", reason="Wrong population")
        d.decide(project, 3, "include", reviewer="reviewer1")
        app = make_app(project, "reviewer1", screen="screening")
        asyncio.run(go(app))
        project.close()
    print(f"wrote {path}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--records", type=int, default=100_000)
    parser.add_argument("--keys", type=int, default=200)
    parser.add_argument("--starts", type=int, default=3, help="app starts to time (median)")
    parser.add_argument("--dir", type=Path, help="build (or reuse) the review here")
    parser.add_argument("--ranking", action="store_true",
                        help="ranking on: the model retrains after every decision")  # fmt: skip
    parser.add_argument("--screenshot", type=Path, help="only save the screening screen as SVG")
    args = parser.parse_args()
    if args.screenshot:
        screenshot(args.screenshot)
        return
    with tempfile.TemporaryDirectory() as tmp:
        folder = args.dir or Path(tmp) / "review"
        config = build(folder, args.records, ranking=args.ranking)
        starts = [asyncio.run(measure_start(config)) for _ in range(args.starts)]
        cold = cold_start(config)
        lat = asyncio.run(measure_keys(config, args.keys, ranking=args.ranking))
    lat_ms = sorted(x * 1000 for x in lat)
    p95 = lat_ms[min(len(lat_ms) - 1, int(0.95 * len(lat_ms)))]
    print(f"records: {args.records:,}; ranking {'on' if args.ranking else 'off'}")
    print(f"start → first record painted: median {statistics.median(starts):.2f} s "
          f"(runs: {', '.join(f'{s:.2f}' for s in starts)}; target < 2 s)")  # fmt: skip
    print(f"cold process start (python imports + open + first record): {cold:.2f} s")
    print(
        f"decision key → next record painted: median {statistics.median(lat_ms):.1f} ms, "
        f"p95 {p95:.1f} ms, max {lat_ms[-1]:.1f} ms over {len(lat_ms)} keys (target < 50 ms)"
    )
    slow = sorted(range(len(lat)), key=lambda i: -lat[i])[:5]
    print(
        "slowest keys (index: ms): " + ", ".join(f"{i}: {lat[i] * 1000:.0f}" for i in sorted(slow))
    )
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"machine: {os.cpu_count()} cores, load average {load:.1f} during the run")


if __name__ == "__main__":
    main()
