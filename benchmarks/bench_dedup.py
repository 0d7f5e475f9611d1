#!/usr/bin/env python3
"""Deduplication quality and speed.

(a) Nagtegaal 2019 (../shared; rows with `duplicate_record_id` mark real duplicates):
    pairwise precision and recall of the automatic links, and what waits for review.
(b) A generated two-source set (PubMed-style and Embase-style renderings of the same
    studies, with the usual differences and traps): precision, recall and time at
    25k / 50k / 100k records. Targets: recall ≥ 0.98, precision ≥ 0.995, 100k < 60 s.

    python benchmarks/bench_dedup.py                 # both, matching in memory
    python benchmarks/bench_dedup.py --store 25000   # also a full run through the store
    python benchmarks/bench_dedup.py --sizes 25000 50000 100000 --seed 1

Precision and recall are over pairs of records (every pair inside a predicted group is
a predicted duplicate pair; every pair inside a true study is a true one).
"""

from __future__ import annotations

import argparse
import csv
import random
import string
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Iterable
from itertools import accumulate, combinations
from pathlib import Path
from typing import Any

from rapidfuzz import fuzz

from screener.dedup.match import Item, features, find_matches, group_matches
from screener.dedup.normalise import abstract_key
from screener.dedup.stored import item_of
from screener.model import Record

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared" / "datasets" / "screening"


# -- scoring ----------------------------------------------------------------------------------


def pairs_of(groups: Iterable[Iterable[int]]) -> set[tuple[int, int]]:
    out: set[tuple[int, int]] = set()
    for g in groups:
        for a, b in combinations(sorted(set(g)), 2):
            out.add((a, b))
    return out


def precision_recall(
    predicted: set[tuple[int, int]], truth: set[tuple[int, int]]
) -> tuple[float, float, int, int]:
    tp = len(predicted & truth)
    p = tp / len(predicted) if predicted else 1.0
    r = tp / len(truth) if truth else 1.0
    return p, r, len(predicted - truth), len(truth - predicted)


def run_matching(items: list[Item]) -> tuple[set[tuple[int, int]], int, float, float]:
    """Predicted duplicate pairs (by item id), review-queue size, wall and CPU seconds."""
    t0 = time.perf_counter()
    c0 = time.process_time()
    feats = [features(it) for it in items]
    matches = find_matches(items, feats=feats)
    groups, _merged, review = group_matches(feats, matches)
    seconds, cpu = time.perf_counter() - t0, time.process_time() - c0
    comps = groups.components()
    predicted = pairs_of([[items[i].id for i in members] for members in comps.values()])
    return predicted, len(review), seconds, cpu


# -- (a) Nagtegaal ----------------------------------------------------------------------------


def bench_nagtegaal() -> None:
    path = SHARED / "Nagtegaal_2019.csv"
    if not path.exists():
        print(f"(a) skipped: {path} not present")
        return
    rows = list(csv.DictReader(path.open(encoding="utf-8")))
    items = [Item(id=int(r["record_id"]), title=r["title"], abstract=r["abstract"],
                  database="Nagtegaal") for r in rows]  # fmt: skip
    truth: set[tuple[int, int]] = set()
    for row in rows:
        if row.get("duplicate_record_id"):
            a, b = int(row["record_id"]), int(float(row["duplicate_record_id"]))
            truth.add((min(a, b), max(a, b)))
    predicted, queued, seconds, _cpu = run_matching(items)
    p, r, fp, fn = precision_recall(predicted, truth)
    print(f"(a) Nagtegaal_2019: {len(items)} records, {len(truth)} marked duplicate pairs: "
          f"precision {p:.3f} recall {r:.3f} (false {fp}, missed {fn}); "
          f"{queued} pairs for review; {seconds:.2f} s")  # fmt: skip
    by_id = {it.id: it for it in items}

    def same_abstract(a: int, b: int) -> float:
        return fuzz.ratio(abstract_key(by_id[a].abstract), abstract_key(by_id[b].abstract)) / 100

    unmarked = sorted(predicted - truth)
    for a, b in unmarked[:8]:
        print(f"    linked, not marked: {a}/{b} (abstracts {same_abstract(a, b):.2f} alike): "
              f"{by_id[a].title[:60]!r}")  # fmt: skip
    for a, b in sorted(truth - predicted)[:5]:
        print(f"    marked, not linked: {a}/{b} (abstracts {same_abstract(a, b):.2f} alike): "
              f"{by_id[a].title[:60]!r}")  # fmt: skip
    alike = {pair for pair in unmarked if same_abstract(*pair) >= 0.9}
    if alike:
        p2, r2, _fp, _fn = precision_recall(predicted, truth | alike)
        print(f"    counting the {len(alike)} linked pairs whose abstracts are ≥ 0.9 alike as true "
              f"(unmarked duplicates): precision {p2:.3f} recall {r2:.3f}")  # fmt: skip


# -- (b) generated two-source set --------------------------------------------------------------

GREEK_WORDS = {"alpha": "α", "beta": "β", "gamma": "γ", "kappa": "κ"}
MEDICAL = [
    "randomized",
    "controlled",
    "trial",
    "effect",
    "effects",
    "efficacy",
    "safety",
    "patients",
    "treatment",
    "therapy",
    "clinical",
    "outcomes",
    "cohort",
    "study",
    "analysis",
    "risk",
    "factors",
    "association",
    "children",
    "adults",
    "women",
    "disease",
    "chronic",
    "acute",
    "care",
    "hospital",
    "intervention",
    "prevention",
    "mortality",
    "survival",
    "cancer",
    "diabetes",
    "heart",
    "failure",
    "blood",
    "pressure",
    "surgery",
    "pain",
    "depression",
    "infection",
    "vaccine",
    "review",
    "systematic",
    "meta",
    "evaluation",
    "assessment",
    "comparison",
    "versus",
    "compared",
    "placebo",
    "dose",
    "response",
    "receptor",
    "inhibitor",
    "expression",
    "protein",
    "gene",
    "cell",
    "mice",
    "rats",
    "model",
    "novel",
    "role",
    "impact",
    "quality",
    "life",
    "health",
    "primary",
    "elderly",
    "older",
    "cardiovascular",
    "renal",
    "liver",
    "lung",
    "brain",
    "stroke",
    "trial",
]
STOP = ["of", "the", "in", "and", "with", "for", "on", "a", "to", "among", "after"]


def _pseudo_word(rng: random.Random) -> str:
    syll = ["ba", "co", "de", "fi", "gu", "ha", "ki", "lo", "ma", "ne", "po", "ra", "si", "tu",
            "ve", "xa", "zo", "tri", "pla", "gro", "sten", "mor", "phen", "lyt", "cort", "ster",
            "tox", "neur", "card", "hep", "nal", "mab", "ine", "ol", "ase", "gen"]  # fmt: skip
    return "".join(rng.choice(syll) for _ in range(rng.randint(2, 4)))


class World:
    """Vocabulary, surnames and journals shared by all generated studies."""

    def __init__(self, rng: random.Random) -> None:
        self.words = list(dict.fromkeys(MEDICAL + [_pseudo_word(rng) for _ in range(12000)]))
        self.word_weights = list(accumulate(1.0 / (i + 1) ** 0.9 for i in range(len(self.words))))
        common = ["Wang", "Zhang", "Li", "Liu", "Chen", "Smith", "Kim", "Lee", "Nguyen", "Müller",
                  "García", "Johnson", "Brown", "Park", "Yang", "Huang", "Martin", "Rossi"]  # fmt: skip
        made = list(dict.fromkeys(_pseudo_word(rng).capitalize() for _ in range(20000)))
        self.surnames = common + made
        self.surname_weights = list(
            accumulate(1.0 / (i + 1) ** 0.7 for i in range(len(self.surnames)))
        )
        self.journals: list[tuple[str, str]] = []
        for _ in range(1500):
            full_words = [rng.choice(["Journal", "International", "Annals", "Archives", "Clinical",
                                      "European", "American", "British", "Reviews"])]  # fmt: skip
            full_words += [_pseudo_word(rng).capitalize() for _ in range(rng.randint(1, 3))]
            full = " of ".join([full_words[0], " ".join(full_words[1:])])
            abbrev = " ".join(
                w[: rng.randint(1, 4)] if w not in ("of",) else "" for w in full.split()
            )
            self.journals.append((full, " ".join(abbrev.split())))

    def title(self, rng: random.Random) -> str:
        n = rng.randint(5, 16)
        chosen = rng.choices(self.words, cum_weights=self.word_weights, k=n)
        out: list[str] = []
        for i, w in enumerate(chosen):
            out.append(w)
            if i < n - 1 and rng.random() < 0.3:
                out.append(rng.choice(STOP))
        if rng.random() < 0.08:
            out.insert(
                rng.randrange(len(out)),
                rng.choice(list(GREEK_WORDS)) + "-" + rng.choice(self.words),
            )
        if rng.random() < 0.15:
            out.insert(rng.randrange(len(out)), str(rng.randint(2, 500)))
        text = " ".join(out)
        if rng.random() < 0.3:
            cut = rng.randint(2, len(out) - 1)
            text = " ".join(out[:cut]) + ": " + " ".join(out[cut:])
        return text[0].upper() + text[1:]


def _initials(rng: random.Random) -> str:
    return "".join(rng.choice(string.ascii_uppercase) for _ in range(rng.choice([1, 1, 2, 2, 3])))


def _typo(rng: random.Random, text: str) -> str:
    i = rng.randrange(1, max(2, len(text) - 1))
    op = rng.random()
    if op < 0.4:
        return text[:i] + text[i + 1 :]
    if op < 0.7:
        return text[:i] + rng.choice(string.ascii_lowercase) + text[i:]
    return text[: i - 1] + text[i] + text[i - 1] + text[i + 1 :]


def make_study(world: World, rng: random.Random, sid: int) -> dict:
    year = rng.randint(1990, 2023)
    journal = rng.choice(world.journals)
    authors = [(rng.choices(world.surnames, cum_weights=world.surname_weights)[0], _initials(rng))
               for _ in range(rng.randint(1, 6))]  # fmt: skip
    start = rng.randint(1, 3000)
    return {
        "sid": sid, "title": world.title(rng), "authors": authors, "year": year,
        "journal": journal, "volume": str(rng.randint(1, 200)), "issue": str(rng.randint(1, 12)),
        "pages": (str(start), str(start + rng.randint(2, 15))),
        "doi": f"10.{rng.randint(1000, 9999)}/j.x.{sid}.{rng.randint(0, 99999)}" if rng.random() < 0.85 else "",
        "pmid": str(10_000_000 + sid * 7 + rng.randint(0, 6)),
        "abstract": " ".join(rng.choices(world.words, cum_weights=world.word_weights, k=rng.randint(60, 200))),
        "language": "eng" if rng.random() > 0.04 else "ger",
        "foreign": "",
    }  # fmt: skip


def trap_of(study: dict, world: World, rng: random.Random, sid: int) -> tuple[dict, str]:
    """A different study that looks like `study`: erratum, comment, part II, similar title."""
    t = dict(study, sid=sid, pmid=str(10_000_000 + sid * 7 + 3), doi="")
    kind = rng.choice(["erratum", "comment", "part", "similar", "similar"])
    if kind == "erratum":
        t.update(title=study["title"] if rng.random() < 0.5 else "Erratum: " + study["title"],
                 abstract="", pages=(str(rng.randint(1, 3000)), ""),
                 year=study["year"] + rng.choice([0, 1]), publication_type="Published Erratum")  # fmt: skip
    elif kind == "comment":
        t.update(title=study["title"], abstract=" ".join(rng.choices(world.words, k=80)),
                 authors=[(rng.choice(world.surnames), "J")], pages=(str(rng.randint(1, 3000)), ""),
                 year=study["year"] + rng.choice([0, 1]), publication_type="Comment")  # fmt: skip
    elif kind == "part":
        t.update(title=study["title"].rstrip(".") + ": part 2",
                 pages=(str(int(study["pages"][0]) + 40), str(int(study["pages"][0]) + 52)),
                 abstract=" ".join(rng.choices(world.words, k=120)))  # fmt: skip
        study["title"] = study["title"].rstrip(".") + ": part 1"
    else:
        words = study["title"].split()
        i = rng.randrange(len(words))
        words[i] = rng.choice(world.words)
        t.update(title=" ".join(words), abstract=" ".join(rng.choices(world.words, k=120)),
                 pages=(str(int(study["pages"][0]) + 100), str(int(study["pages"][0]) + 109)),
                 volume=str(int(study["volume"]) + rng.choice([0, 1])))  # fmt: skip
    return t, kind


def _medline_pages(start: str, end: str) -> str:
    """`123`, `129` → `123-9` (MEDLINE drops the leading digits the last page shares)."""
    if not end:
        return start
    if len(start) == len(end):
        i = 0
        while i < len(start) - 1 and start[i] == end[i]:
            i += 1
        end = end[i:]
    return f"{start}-{end}"


def pubmed_record(s: dict, rng: random.Random) -> Record:
    title = s["title"]
    for word, letter in GREEK_WORDS.items():
        title = title.replace(word + "-", letter + "-")
    if s["foreign"]:
        title = f"[{title}]"
    authors = [
        f"{sur}, {ini}" if rng.random() < 0.6 else f"{sur} {ini}" for sur, ini in s["authors"]
    ]
    pages = _medline_pages(*s["pages"])
    return Record(
        title=title if title.endswith(".") else title + ".",
        abstract=s["abstract"], authors=authors, year=s["year"],
        journal=s["journal"][0] if rng.random() < 0.5 else s["journal"][1],
        volume=s["volume"], issue=s["issue"], pages=pages, doi=s["doi"], pmid=s["pmid"],
        language=s["language"], publication_type=s.get("publication_type", "Journal Article"),
        source_id=s["pmid"], accession=s["pmid"], database="PubMed",
    )  # fmt: skip


def embase_record(s: dict, rng: random.Random, acc: int) -> Record:
    title = s["title"].rstrip(".")
    r = rng.random()
    if r < 0.01 and ":" in title and len(title.split(":")[0]) > 40:
        title = title.split(":")[0]  # subtitle left out
    if s["foreign"]:
        title = f"{s['foreign']} [{title}]"
    if r < 0.2:
        title = title.upper()
    elif r < 0.25:
        title = title.replace(" and ", " &amp; ", 1).replace(":", " -", 1)
    elif r < 0.30:
        title = _typo(rng, title)
    elif r < 0.33:
        title = _typo(rng, _typo(rng, title))
    elif r < 0.36:
        title = title.replace("ise", "ize").replace("our", "or").replace("-", " ")
    title = title.replace("Müller", "Muller")
    authors = [f"{sur} {'.'.join(ini)}." for sur, ini in s["authors"]]
    r = rng.random()
    if r < 0.01:
        authors = authors[1:] + authors[:1]  # the first author listed elsewhere
    elif r < 0.02:
        authors = []  # no authors in this record
    year = s["year"] + (rng.choice([-1, 1]) if rng.random() < 0.1 else 0)
    start, end = s["pages"]
    keep_pages = rng.random() > 0.05
    abstract = s["abstract"] if rng.random() > 0.1 else ""
    if abstract and rng.random() < 0.2:
        abstract = abstract.upper()[:1] + abstract[1:]
    return Record(
        title=title, abstract=abstract, authors=authors, year=year, journal=s["journal"][0],
        volume=s["volume"] if rng.random() > 0.05 else "", issue=s["issue"],
        pages=(f"{start}-{end}" if end else start) if keep_pages else "",
        doi=s["doi"] if rng.random() < 0.6 else "",
        pmid=s["pmid"] if rng.random() < 0.5 else "",
        publication_type="Erratum" if "Erratum" in s.get("publication_type", "") else "Article",
        source_id=f"L{acc}", accession=f"L{acc}", database="Embase",
    )  # fmt: skip


def generate(n_records: int, seed: int) -> tuple[list[Record], list[int]]:
    """Records of both sources and, for each, the id of the study it reports."""
    rng = random.Random(seed)
    world = World(random.Random(seed + 1))
    records: list[Record] = []
    study_of: list[int] = []
    sid = 0
    acc = 600_000_000
    while len(records) < n_records:
        sid += 1
        s = make_study(world, rng, sid)
        if s["language"] != "eng":
            s["foreign"] = " ".join(rng.choices(world.words, k=rng.randint(4, 10))).capitalize()
        group = [s]
        if rng.random() < 0.05:
            sid += 1
            trap, _kind = trap_of(s, world, rng, sid)
            group.append(trap)
        for st in group:
            where = rng.random()
            in_pubmed, in_embase = where < 0.8, where > 0.3  # 50 % in both
            if in_pubmed:
                records.append(pubmed_record(st, rng))
                study_of.append(st["sid"])
            if in_embase:
                acc += 1
                records.append(embase_record(st, rng, acc))
                study_of.append(st["sid"])
    return records[:n_records], study_of[:n_records]


def bench_generated(sizes: list[int], seed: int) -> None:
    records, study_of = generate(max(sizes), seed)
    for n in sizes:
        items = [item_of(i, r) for i, r in enumerate(records[:n])]
        by_study: dict[int, list[int]] = defaultdict(list)
        for i in range(n):
            by_study[study_of[i]].append(i)
        truth = pairs_of(by_study.values())
        predicted, queued, seconds, cpu = run_matching(items)
        p, r, fp, fn = precision_recall(predicted, truth)
        print(f"(b) generated {n:>6} records, {len(truth):>6} true pairs: precision {p:.4f} "
              f"recall {r:.4f} (false {fp}, missed {fn}); {queued} pairs for review; "
              f"{seconds:.1f} s wall, {cpu:.1f} s CPU")  # fmt: skip
        if n == max(sizes):
            for a, b in sorted(predicted - truth)[:4]:
                print(f"    false: {records[a].title[:60]!r} / {records[b].title[:60]!r}")
            for a, b in sorted(truth - predicted)[:4]:
                print(f"    missed: {records[a].title[:60]!r} / {records[b].title[:60]!r}")


def bench_store(n: int, seed: int) -> None:
    """A full `deduplicate()` through a SQLite store (read, match, write links)."""
    from screener.dedup.run import deduplicate
    from screener.project import Project

    records, study_of = generate(n, seed)
    with tempfile.TemporaryDirectory() as tmp:
        cfg = Path(tmp) / "config.toml"
        cfg.write_text((REPO / "screener" / "templates" / "starter_config.toml").read_text("utf-8"))
        project = Project.open(cfg)
        for label in ("PubMed", "Embase"):
            recs = [r for r in records if r.database == label]
            count = len(recs)

            def finish(count: int = count) -> tuple[int, dict[str, Any]]:
                return count, {}

            project.store.add_batch(path=f"{label}.txt", sha256=label, source_label=label,
                                    source_kind="database", format="generated", encoding="utf-8",
                                    records=recs, finish=finish)  # fmt: skip
        ids = [r[0] for r in project.store.record_keys()]
        order = [
            i
            for label in ("PubMed", "Embase")
            for i, r in enumerate(records)
            if r.database == label
        ]
        sid_of = {rid: study_of[i] for rid, i in zip(ids, order, strict=True)}
        t0, c0 = time.perf_counter(), time.process_time()
        result = deduplicate(project)
        seconds, cpu = time.perf_counter() - t0, time.process_time() - c0
        pm = project.primary_of()
        comps: dict[int, list[int]] = defaultdict(list)
        for d, p in pm.items():
            comps[p].append(d)
        predicted = pairs_of([[p, *ds] for p, ds in comps.items()])
        by_study: dict[int, list[int]] = defaultdict(list)
        for rid, s in sid_of.items():
            by_study[s].append(rid)
        prec, rec, _fp, _fn = precision_recall(predicted, pairs_of(by_study.values()))
        again = deduplicate(project)
        print(f"(c) store run {n} records: {seconds:.1f} s wall, {cpu:.1f} s CPU (linked {result.linked}, queued "
              f"{result.queued}); precision {prec:.4f} recall {rec:.4f}; re-run added "
              f"{again.linked} links and {again.queued} pairs in {again.seconds:.1f} s")  # fmt: skip
        project.close()


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--sizes", type=int, nargs="+", default=[25_000, 50_000, 100_000])
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument(
        "--store", type=int, default=0, help="also run through a SQLite store with N records"
    )
    ap.add_argument("--skip-nagtegaal", action="store_true")
    args = ap.parse_args(argv)
    if not args.skip_nagtegaal:
        bench_nagtegaal()
    bench_generated(sorted(args.sizes), args.seed)
    if args.store:
        bench_store(args.store, args.seed)
    return 0


if __name__ == "__main__":
    sys.exit(main())
