"""Import speed of EndNote XML and BibTeX: generated libraries (20,000 records each by
default), each imported next to a reference parser measured in the same run.

For each format, on the same generated file, each step in a fresh process (wall time of
the whole process, interpreter start-up included, and its peak memory, ru_maxrss):

- `screener import FILE --no-dedup --json` into a new review (`screener init`): detect,
  decode, parse, normalise, store in SQLite; the imported count is checked against N;
- screener's parser alone: `screener.ingest.detect.stream_file` (what `import` reads
  with), every record consumed, no store;
- the reference: for EndNote XML, a bare `xml.etree.ElementTree.iterparse` clearing each
  `<record>` as it ends, and the same with defusedxml's `iterparse` (screener parses with
  defusedxml's expat parser); for BibTeX, `bibtexparser.parse_string(text, parse_stack=[])`
  alone (the library's split into blocks, no middlewares: the first thing screener does).

Printed: records, wall seconds, records/s (N / wall), the seconds the parse itself took
inside the process (file read included, start-up and imports not), peak MB, and each
step's wall time as a multiple of the reference's. The files are made with fixed seeds
(the same records every run) in a temporary folder that is deleted afterwards; nothing
generated is committed.

The EndNote XML is written as EndNote writes it (`<xml><records><record>`, every value in
`<style face=... font=... size=...>` runs, a title in several runs), the BibTeX as Zotero
writes it (tab-indented `field = {value},`, braces protecting capitals, `--` in pages,
`\\&` and `\\%`, non-ASCII names in UTF-8, a third of the entries with LaTeX accents such
as `M{\\"u}ller`). Records: a title, 3-8 authors (accented names), journal, year, volume,
issue, pages, DOI, a 1-3 KB abstract and 2-8 keywords.

Each step runs once per `--runs` (the median is printed), with public tools only, so the
figures can be reproduced anywhere. One run of each on a shared machine is noisy: for a
paired comparison, keep the files (`--keep DIR`), print the commands (`--commands`) and
time them pairwise with an external timer (`hyperfine`, or `/usr/bin/time -v` in turn).

    python benchmarks/bench_formats.py [--n 20000] [--formats endnote-xml bibtex]
                                       [--runs 1] [--keep DIR] [--commands]
"""

from __future__ import annotations

import argparse
import json
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import textwrap
import unicodedata
from pathlib import Path
from typing import cast
from xml.sax.saxutils import escape

from measure import MEASURE

WORDS = ["ketamine", "therapy", "depression", "randomized", "trial", "outcome", "patients",
         "anxiety", "cohort", "effect", "infusion", "psychotherapy", "chronic", "pain",
         "addiction", "alcohol", "placebo", "response", "remission", "dose", "study", "clinical",
         "treatment", "resistant", "major", "disorder", "adults", "veterans", "follow-up",
         "analysis", "mindfulness", "exercise", "older", "community", "primary", "care",
         "screening", "intervention", "controlled", "systematic", "review", "meta-analysis",
         "quality", "life", "mortality", "hospital", "admission", "risk", "factors", "incidence",
         "prevalence", "children", "adolescents", "women", "sleep", "cognitive", "behavioural",
         "digital", "app", "school", "nurse-led"]  # fmt: skip
SURNAMES = ["Müller", "Schröder", "García", "Sánchez", "Østergaard", "François", "Dvořák",
            "Łukasiewicz", "Nguyễn", "Björk", "Çelik", "O'Brien", "Smith", "Johnson", "Okafor",
            "Kowalski", "Novák", "Ibáñez", "Gómez", "Pérez", "Jørgensen", "Ångström", "Weiß",
            "Lefèvre", "Mäkinen", "Öztürk", "Wang", "Kim", "Rossi", "Costa"]  # fmt: skip
GIVEN = ["José", "Renée", "Jörg", "Søren", "Zoë", "Anaïs", "Ana", "Li", "Chidi", "Kim", "Łucja",
         "Tomáš", "Åsa", "Ignacio", "Hélène", "Mikołaj", "Thi", "Lan", "Paul", "Maria", "Jan",
         "Eva", "Nuño", "Rémi"]  # fmt: skip
JOURNALS = ["Journal of Affective Disorders", "BMJ Open", "The Lancet Psychiatry",
            "Psychological Medicine", "Zeitschrift für Psychiatrie",
            "Revista Española de Salud Pública", "Trials",
            "Addiction", "Sleep Medicine Reviews", "Journal of Clinical Epidemiology"]  # fmt: skip
# How a third of the BibTeX entries write accented letters (as JabRef or a hand-edited
# file would; Zotero writes UTF-8).
LATEX = {"ü": '{\\"u}', "ö": '{\\"o}', "ä": '{\\"a}', "é": "{\\'e}", "á": "{\\'a}",
         "ñ": "{\\~n}", "ç": "{\\c c}", "ø": "{\\o}", "Ø": "{\\O}", "è": "{\\`e}",
         "ř": "{\\v r}", "ł": "{\\l}", "Ł": "{\\L}", "Å": "{\\AA}", "å": "{\\aa}",
         "ß": "{\\ss}", "ë": '{\\"e}', "ï": '{\\"i}', "Ö": '{\\"O}', "í": "{\\'i}",
         "š": "{\\v s}", "ễ": "{\\~e}"}  # fmt: skip
ROOT = Path(__file__).resolve().parents[1]
SEED = {"endnote-xml": 11, "bibtex": 12}
SUFFIX = {"endnote-xml": ".xml", "bibtex": ".bib"}


def fake_record(rng: random.Random, i: int) -> dict[str, object]:
    """One record's fields, the same for both formats given the same generator state."""
    title = " ".join(rng.choice(WORDS) for _ in range(rng.randint(8, 18))).capitalize()
    size = rng.randint(1000, 3000)
    abstract: list[str] = []
    length = 0
    while length < size:
        sentence = " ".join(rng.choice(WORDS) for _ in range(rng.randint(8, 24)))
        abstract.append(sentence.capitalize() + ".")
        length += len(sentence) + 2
    first = rng.randint(1, 1800)
    return {
        "title": title,
        "authors": [
            (rng.choice(SURNAMES), rng.choice(GIVEN), chr(65 + rng.randint(0, 25)))
            for _ in range(rng.randint(3, 8))
        ],
        "journal": rng.choice(JOURNALS),
        "year": rng.randint(1975, 2024),
        "volume": rng.randint(1, 90),
        "issue": rng.randint(1, 12),
        "pages": (first, first + rng.randint(1, 20)),
        "doi": f"10.{1000 + i % 9000}/bench.{i}",
        "abstract": " ".join(abstract),
        "keywords": [rng.choice(WORDS) for _ in range(rng.randint(2, 8))],
        "amp": rng.random() < 0.2,  # a `&` in the title
        "percent": rng.random() < 0.2,  # a `%` in the abstract
    }


def _style(text: str, face: str = "normal") -> str:
    return f'<style face="{face}" font="default" size="100%">{escape(text)}</style>'


def generate_endnote_xml(path: Path, n: int, seed: int = SEED["endnote-xml"]) -> None:
    """N records as EndNote 20 writes an XML export (one long line per record here)."""
    rng = random.Random(seed)
    with path.open("w", encoding="utf-8") as fh:
        fh.write('<?xml version="1.0" encoding="UTF-8" ?><xml><records>')
        for i in range(n):
            r = fake_record(rng, i)
            title = str(r["title"]) + (" & controls" if r["amp"] else "")
            cut = title.find(" ", len(title) // 2)  # a title in three runs, one italic
            word_end = title.find(" ", cut + 1) if cut > 0 else -1
            if cut > 0 and word_end > 0:
                title_xml = (
                    _style(title[: cut + 1])
                    + _style(title[cut + 1 : word_end], "italic")
                    + _style(title[word_end:])
                )
            else:
                title_xml = _style(title)
            authors = "".join(
                f"<author>{_style(f'{s}, {g} {m}.')}</author>"
                for s, g, m in r["authors"]  # type: ignore[attr-defined]
            )
            keywords = "".join(f"<keyword>{_style(k)}</keyword>" for k in r["keywords"])  # type: ignore[attr-defined]
            abstract = str(r["abstract"]) + (" Response rose by 20%." if r["percent"] else "")
            first, last = cast("tuple[int, int]", r["pages"])
            fh.write(
                f'<record><database name="Bench.enl" path="C:\\Users\\me\\Bench.enl">Bench.enl'
                f'</database><source-app name="EndNote" version="20.6">EndNote</source-app>'
                f'<rec-number>{i + 1}</rec-number><foreign-keys><key app="EN" '
                f'db-id="a1b2c3d4e5f6" timestamp="1700000000">{i + 1}</key></foreign-keys>'
                f'<ref-type name="Journal Article">17</ref-type><contributors><authors>'
                f"{authors}</authors></contributors><titles><title>{title_xml}</title>"
                f"<secondary-title>{_style(str(r['journal']))}</secondary-title></titles>"
                f"<periodical><full-title>{_style(str(r['journal']))}</full-title>"
                f"</periodical><pages>{_style(f'{first}-{last}')}</pages>"
                f"<volume>{_style(str(r['volume']))}</volume>"
                f"<number>{_style(str(r['issue']))}</number>"
                f"<keywords>{keywords}</keywords><dates><year>{_style(str(r['year']))}"
                f"</year></dates><electronic-resource-num>{_style(str(r['doi']))}"
                f"</electronic-resource-num><abstract>{_style(abstract)}</abstract>"
                f"<remote-database-name>{_style('Embase')}</remote-database-name>"
                f"<language>{_style('English')}</language></record>\n"
            )
        fh.write("</records></xml>\n")


def _latex(text: str) -> str:
    return "".join(LATEX.get(c, c) for c in text)


def generate_bibtex(path: Path, n: int, seed: int = SEED["bibtex"]) -> None:
    """N `@article` entries as Zotero exports them; a third with LaTeX-accented names."""
    rng = random.Random(seed)
    with path.open("w", encoding="utf-8") as fh:
        for i in range(n):
            r = fake_record(rng, i)
            accents = _latex if i % 3 == 0 else str
            words = str(r["title"]).split()
            words[0] = "{" + words[0].upper() + "}"  # an acronym kept in capitals
            title = " ".join(words) + (" \\& controls" if r["amp"] else "")
            authors = " and ".join(
                accents(f"{s}, {g} {m}.")
                for s, g, m in r["authors"]  # type: ignore[attr-defined]
            )
            abstract = str(r["abstract"]) + (" Response rose by 20\\%." if r["percent"] else "")
            first, last = cast("tuple[int, int]", r["pages"])
            surname = r["authors"][0][0]  # type: ignore[index]
            surname = unicodedata.normalize("NFKD", surname).encode("ascii", "ignore").decode()
            surname = surname.lower().replace("'", "")
            fh.write(
                f"\n@article{{{surname}_{words[1].lower()}_{r['year']}_{i},\n"
                f"\ttitle = {{{title}}},\n"
                f"\tvolume = {{{r['volume']}}},\n"
                f"\tdoi = {{{r['doi']}}},\n"
                f"\tabstract = {{{abstract}}},\n"
                f"\tlanguage = {{en}},\n"
                f"\tnumber = {{{r['issue']}}},\n"
                f"\tjournal = {{{accents(str(r['journal']))}}},\n"
                f"\tauthor = {{{authors}}},\n"
                f"\tyear = {{{r['year']}}},\n"
                f"\tkeywords = {{{', '.join(r['keywords'])}}},\n"  # type: ignore[arg-type]
                f"\tpages = {{{first}--{last}}},\n"
                "}\n"
            )


# Each prints {"n": records, "parse": seconds of the parse itself} as its last line.
SCREENER_PARSER = textwrap.dedent(
    """
    import json, sys, time
    t0 = time.perf_counter()
    from screener.ingest.detect import stream_file
    t1 = time.perf_counter()
    result, records = stream_file(sys.argv[1])
    n = sum(1 for _ in records)
    print(json.dumps({"n": n, "parse": time.perf_counter() - t1}))
    """
)
ETREE = textwrap.dedent(
    """
    import json, sys, time
    from xml.etree.ElementTree import iterparse
    t0 = time.perf_counter()
    n = 0
    for _, elem in iterparse(sys.argv[1], events=("end",)):
        if elem.tag == "record":
            n += 1
            elem.clear()
    print(json.dumps({"n": n, "parse": time.perf_counter() - t0}))
    """
)
DEFUSED = ETREE.replace(
    "from xml.etree.ElementTree import iterparse", "from defusedxml.ElementTree import iterparse"
)
BIBTEXPARSER = textwrap.dedent(
    """
    import json, sys, time
    import bibtexparser
    t0 = time.perf_counter()
    with open(sys.argv[1], encoding="utf-8") as fh:
        library = bibtexparser.parse_string(fh.read(), parse_stack=[])
    n = len(library.entries)
    print(json.dumps({"n": n, "parse": time.perf_counter() - t0}))
    """
)


def steps(fmt: str, path: Path, work: Path) -> list[tuple[str, list[str]]]:
    """(label, argv) of each step, the reference last; the scripts are written to `work`."""
    py = sys.executable
    review = work / f"review_{fmt}"
    scripts = {"parser": SCREENER_PARSER, "etree": ETREE, "defused": DEFUSED, "bib": BIBTEXPARSER}
    for name, code in scripts.items():
        (work / f"step_{name}.py").write_text(code, encoding="utf-8")
    out = [
        ("screener import (into SQLite)",
         [py, "-m", "screener", "--config", str(review / "config.toml"), "import", str(path),
          "--no-dedup", "--json"]),
        ("screener parser (stream_file)", [py, str(work / "step_parser.py"), str(path)]),
    ]  # fmt: skip
    if fmt == "endnote-xml":
        out.append(("defusedxml iterparse + clear", [py, str(work / "step_defused.py"), str(path)]))
        out.append(("ElementTree iterparse + clear", [py, str(work / "step_etree.py"), str(path)]))
    else:
        out.append(("bibtexparser.parse_string (bare)", [py, str(work / "step_bib.py"), str(path)]))
    return out


def measure(argv: list[str], timeout: float) -> dict[str, object]:
    out = subprocess.run(
        [sys.executable, "-c", MEASURE, *argv],
        capture_output=True, text=True, timeout=timeout, check=True,
    )  # fmt: skip
    result: dict[str, object] = json.loads(out.stdout)
    if result["rc"] != 0:
        raise SystemExit(f"{argv[:4]}… failed (exit {result['rc']}): {result['err']}")
    return result


def counted(label: str, out: str) -> tuple[int, float | None]:
    """The records a step read (and its own parse seconds, when it reports them)."""
    if label.startswith("screener import"):
        return int(json.loads(out)["total"]), None
    last = json.loads(out.strip().splitlines()[-1])
    return int(last["n"]), float(last["parse"])


def emit(line: str) -> None:
    print(line, flush=True)


def new_review(folder: Path) -> None:
    subprocess.run(
        [sys.executable, "-m", "screener", "init", str(folder)],
        check=True, capture_output=True, text=True,
    )  # fmt: skip


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=20_000, help="records in each file")
    ap.add_argument("--formats", nargs="+", choices=list(SEED), default=list(SEED))
    ap.add_argument("--runs", type=int, default=1, help="runs of each step (median printed)")
    ap.add_argument("--timeout", type=float, default=1800, help="seconds per step")
    ap.add_argument("--keep", type=Path, help="write the files here and keep them")
    ap.add_argument("--commands", action="store_true", help="print each step's command")
    args = ap.parse_args()
    tmp = tempfile.TemporaryDirectory()
    work = args.keep or Path(tmp.name)
    work.mkdir(parents=True, exist_ok=True)
    ok = True
    try:
        header = (f"{'format':<12}{'step':<34}{'records':>9}{'wall s':>8}{'records/s':>11}"
                  f"{'parse s':>9}{'peak MB':>9}{'× ref':>7}")  # fmt: skip
        print(header, flush=True)
        for fmt in args.formats:
            path = work / f"bench_{fmt}_{args.n}{SUFFIX[fmt]}"
            if fmt == "endnote-xml":
                generate_endnote_xml(path, args.n)
            else:
                generate_bibtex(path, args.n)
            emit(f"{fmt}: {args.n:,} records, {path.stat().st_size / 1e6:.1f} MB")
            results = []
            for label, argv in steps(fmt, path, work):
                if args.commands:
                    emit("  $ " + " ".join(argv))
                runs = []
                for _ in range(args.runs):
                    if label.startswith("screener import"):
                        shutil.rmtree(work / f"review_{fmt}", ignore_errors=True)
                        new_review(work / f"review_{fmt}")
                    r = measure(argv, args.timeout)
                    runs.append((r, *counted(label, str(r["out"]))))
                n = runs[0][1]
                wall = statistics.median(float(str(r["seconds"])) for r, _, _ in runs)
                peak = statistics.median(float(str(r["peak_mb"])) for r, _, _ in runs)
                inner = [p for _, _, p in runs if p is not None]
                parse = statistics.median(inner) if inner else None
                results.append((label, n, wall, parse, peak))
                ok = ok and n == args.n
            ref_wall = results[-1][2]
            for label, n, wall, parse, peak in results:
                parse_s = f"{parse:>9.2f}" if parse is not None else f"{'-':>9}"
                emit(
                    f"{fmt:<12}{label:<34}{n:>9,}{wall:>8.2f}{n / wall:>11,.0f}"
                    f"{parse_s}{peak:>9.0f}{wall / ref_wall:>7.2f}"
                )
            imported = results[0][1]
            verdict = "=" if imported == args.n else "≠ (MISMATCH)"
            emit(f"{fmt:<12}records imported: {imported:,} {verdict} N = {args.n:,}")
    finally:
        tmp.cleanup()
    if not ok:
        raise SystemExit("a step read a different number of records than N")


if __name__ == "__main__":
    main()
