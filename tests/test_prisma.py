"""PRISMA 2020 flow from a real store: counts, provisional state, updates, outputs, CLI.

Each review is built in a temporary folder through the domain API (import, decide,
resolve, retrieval); duplicates are linked in the link log directly so that the test
does not depend on the dedup engine's matching.
"""

from __future__ import annotations

import csv
import html
import json
import random
import re
from collections.abc import Callable
from pathlib import Path

import pytest

from screener.cli import main
from screener.errors import PrismaArithmeticError
from screener.model import Decision, SourceKind, Stage
from screener.prisma import compute_flow, write_flow
from screener.prisma.template import COLUMNS, DATA_NAMES
from screener.project import Project
from screener.screening.decide import decide, mark_retrieval, resolve
from screener.screening.state import AUTO_EXCLUDE
from tests.conftest import needs_shared

TA, FT = Stage.TITLE_ABSTRACT, Stage.FULL_TEXT
A, B, SENIOR = "reviewer1", "reviewer2", "senior"


def write_ris(path: Path, prefix: str, count: int) -> Path:
    """`count` clearly different records (distinct titles, authors, DOIs, years)."""
    topics = ["ketamine", "psilocybin", "mindfulness", "exercise", "sertraline", "sleep",
              "yoga", "lithium", "acupuncture", "music", "tai chi", "omega-3"]  # fmt: skip
    lines = []
    for i in range(count):
        topic = topics[i % len(topics)]
        lines += [
            "TY  - JOUR",
            f"TI  - {prefix} trial {i} of {topic} for condition {prefix.lower()}{i}",
            f"AU  - {prefix}author{i}, Q",
            f"PY  - {1990 + len(prefix) + i}",
            f"JO  - Journal of {prefix} {i}",
            f"DO  - 10.5555/{prefix.lower()}.{i}",
            f"AB  - Abstract {i} about {topic} ({prefix}).",
            "ER  - ",
        ]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def load(project: Project, tmp: Path, prefix: str, count: int, label: str, kind: str) -> list[int]:
    """Import a generated file; return its record ids in file order."""
    before = {rid for rid, *_ in project.store.record_keys()}
    path = write_ris(tmp / f"{prefix}.ris", prefix, count)
    project.import_file(path, label=label, kind=kind, dedup=False)
    return sorted(rid for rid, *_ in project.store.record_keys() if rid not in before)


def svg_text(svg: str) -> str:
    """The SVG's text elements in drawing order, joined by spaces (wrapped lines rejoin)."""
    return " ".join(html.unescape(t) for t in re.findall(r"<text\b[^>]*>([^<]*)</text>", svg))


def link(project: Project, dup: int, primary: int) -> None:
    project.store.append_links(
        [{"action": "link", "record_id": dup, "other_id": primary, "method": "test"}]
    )


def both(project: Project, rid: int, decision: str, stage: Stage = TA, reason: str = "") -> None:
    for who in (A, B):
        decide(project, rid, decision, reviewer=who, stage=stage, reason=reason)


def build_main(project: Project, tmp: Path, *, finish: bool = True) -> dict[str, list[int]]:
    """Two databases, a register and citation searching, screened to the end.

    With finish=False one record awaits a reviewer and one conflict is unresolved.
    """
    ids = {
        "P": load(project, tmp, "Pub", 10, "PubMed", "database"),
        "E": load(project, tmp, "Emb", 4, "Embase", "database"),
        "C": load(project, tmp, "Ctg", 2, "ClinicalTrials.gov", "register"),
        "X": load(project, tmp, "Cit", 3, "Citation searching", "citation"),
    }
    P, E, C, X = ids["P"], ids["E"], ids["C"], ids["X"]
    link(project, E[0], P[0])
    link(project, E[1], P[1])
    link(project, X[0], P[2])
    project.store.append_event(
        record_id=P[9], stage=TA, reviewer="rules", action=AUTO_EXCLUDE, reason="animal-study"
    )
    for rid in (P[0], P[1], P[2], P[3], P[4], E[2], C[0], X[1]):
        both(project, rid, "include")
    for rid in (P[5], P[6], E[3], C[1], X[2]):
        both(project, rid, "exclude")
    decide(project, P[7], "include", reviewer=A)
    decide(project, P[7], "exclude", reviewer=B)
    decide(project, P[8], "exclude", reviewer=A)
    if not finish:
        return ids
    decide(project, P[8], "exclude", reviewer=B)
    resolve(project, P[7], "include", reviewer=SENIOR)

    mark_retrieval(project, P[0], False, reviewer=A)
    both(project, P[1], "exclude", FT, "Wrong population")
    decide(project, P[2], "exclude", reviewer=A, stage=FT, reason="Wrong outcome")
    decide(project, P[2], "exclude", reviewer=B, stage=FT, reason="Wrong population")
    resolve(project, P[2], "exclude", reviewer=SENIOR, stage=FT, reason="Wrong outcome")
    both(project, P[3], "include", FT)
    decide(project, P[4], "include", reviewer=A, stage=FT)
    decide(project, P[4], "exclude", reviewer=B, stage=FT, reason="Wrong comparator")
    resolve(project, P[4], "exclude", reviewer=SENIOR, stage=FT, reason="Wrong study design")
    both(project, P[7], "include", FT)
    both(project, E[2], "include", FT)
    both(project, C[0], "exclude", FT, "Report not retrieved")
    both(project, X[1], "include", FT)
    return ids


@pytest.fixture
def finished(make_review: Callable[..., Project], tmp_path: Path) -> Project:
    project = make_review()
    build_main(project, tmp_path)
    return project


def test_counts_follow_the_log(finished: Project) -> None:
    p = compute_flow(finished).as_json()
    assert p["database_results"] == 14
    assert p["database_specific_results"] == {"PubMed": 10, "Embase": 4, "total": 14}
    assert p["register_results"] == 2
    assert p["register_specific_results"] == {"ClinicalTrials.gov": 2, "total": 2}
    assert p["citations_results"] == 3 and p["website_results"] == 0
    assert p["duplicates"] == 2  # Embase records linked to PubMed ones
    assert p["excluded_automatic"] == 1
    assert p["excluded_other"] == 0
    assert p["records_screened"] == 16 - 2 - 1
    assert p["records_excluded"] == 5
    assert p["dbr_sought_reports"] == 8
    assert p["dbr_notretrieved_reports"] == 2  # marked not retrieved; excluded as not retrieved
    assert p["dbr_assessed"] == 6
    assert p["dbr_excluded"] == {
        "Wrong outcome": 1,  # different reasons: a conflict, resolved by the senior
        "Wrong population": 1,
        "Wrong study design": 1,  # resolved: the senior's reason
        "total": 3,
    }
    assert p["other_sought_reports"] == 1 and p["other_assessed"] == 1
    assert p["other_methods"]["duplicates"] == 1
    assert p["other_methods"]["records_excluded"] == 1
    assert p["new_studies"] == 3 + 1 == p["new_reports"]
    assert p["total_studies"] == p["new_studies"]
    assert p["provisional"] is False and p["awaiting_screening"] == 0 and p["conflicts"] == 0
    assert p["updated_review"] is False


def test_flow_matches_the_project_facade(finished: Project) -> None:
    flow = compute_flow(finished)
    ta = finished.outcomes(TA)
    kinds = {rid: kind for rid, _b, kind, *_ in finished.store.record_keys()}
    dbr = {SourceKind.DATABASE, SourceKind.REGISTER}
    assert flow.dbr.screened == sum(1 for rid in ta if kinds[rid] in dbr)
    assert flow.dbr.duplicates == sum(1 for rid in finished.primary_of() if kinds[rid] in dbr)
    assert flow.dbr.excluded_automatic == len(finished.auto_excluded())
    assert flow.dbr.sought + flow.other.sought == len(finished.at_full_text())


def test_pending_and_conflicts_make_it_provisional(
    make_review: Callable[..., Project], tmp_path: Path
) -> None:
    project = make_review()
    build_main(project, tmp_path, finish=False)
    flow = compute_flow(project)
    p = flow.as_json()
    assert p["provisional"] is True
    assert p["pending"]["title_abstract"] == {"awaiting_screening": 1, "conflicts": 1}
    # Every report sought (7 from databases and registers, 1 from citations) awaits its
    # full-text decisions.
    assert p["pending"]["full_text"] == {"awaiting_screening": 7 + 1, "conflicts": 0}
    assert p["awaiting_screening"] == 1 + 8 and p["conflicts"] == 1
    assert p["records_screened"] == 13
    assert p["dbr_sought_reports"] == 13 - p["records_excluded"] - 2
    out = tmp_path / "out"
    out.mkdir()
    note = (
        "awaiting title/abstract screening: 1; title/abstract conflicts: 1; "
        "awaiting full-text assessment: 8 (1 from other methods)"
    )
    assert flow.provisional_note() == note and p["provisional_note"] == note
    md = write_flow(flow, out / "flow.md").read_text(encoding="utf-8")
    assert "Provisional" in md and note in md
    svg = svg_text(write_flow(flow, out / "flow.svg").read_text(encoding="utf-8"))
    assert "PROVISIONAL" in svg
    assert "awaiting title/abstract screening: 1" in svg and "title/abstract conflicts: 1" in svg
    rows = list(csv.DictReader((write_flow(flow, out / "flow.csv")).open(encoding="utf-8")))
    assert any("PROVISIONAL" in r["boxtext"] for r in rows)


def _note_items(header: str) -> dict[str, int]:
    """'label: n' items of a provisional note (a '(k from other methods)' aside dropped)."""
    items = re.findall(r"([a-z/ -]+): (\d+)", header)
    return {label.strip(): int(n) for label, n in items}


def test_provisional_header_and_table_say_the_same_per_stage(
    make_review: Callable[..., Project], tmp_path: Path, capsys
) -> None:
    project = make_review()
    build_main(project, tmp_path, finish=False)
    config = str(project.config.path)
    assert main(["prisma", "--config", config, "--as", SENIOR]) == 0  # blinded: the senior's
    lines = capsys.readouterr().out.splitlines()
    header = lines[1]
    assert header.startswith("PROVISIONAL: ")
    items = _note_items(header.removeprefix("PROVISIONAL: ").split(" (counts")[0])
    assert items == {
        "awaiting title/abstract screening": 1,
        "title/abstract conflicts": 1,
        "awaiting full-text assessment": 8,
    }
    rows: dict[str, int] = {}
    for line in lines:
        m = re.match(r"^\s+(?:Other methods: )?(.+?)\s{2,}(\d+)$", line)
        if m:
            rows[m.group(1)] = rows.get(m.group(1), 0) + int(m.group(2))
    for label, n in items.items():
        assert rows.get(label) == n, (label, rows)
    assert rows["full-text conflicts"] == 0
    out = tmp_path / "flow.md"
    assert main(["prisma", "--config", config, "-o", str(out)]) == 1  # blinded to anyone
    assert main(["prisma", "--config", config, "-o", str(out), "--as", SENIOR]) == 0
    capsys.readouterr()
    md = out.read_text(encoding="utf-8")
    (banner,) = [line for line in md.splitlines() if line.startswith("> **Provisional**")]
    assert _note_items(banner.split("—", 1)[1].split(". The counts")[0]) == items
    md_rows: dict[str, int] = {}
    for label, n in re.findall(r"(?m)^\| (?:&nbsp;)*(?:Other methods: )?([^|]+?) \| (\d+) \|$", md):
        md_rows[label] = md_rows.get(label, 0) + int(n)
    for label, n in items.items():
        assert md_rows.get(label) == n, (label, md_rows)
    assert main(["prisma", "--config", config, "--json"]) == 0
    blinded = json.loads(capsys.readouterr().out)
    assert blinded["awaiting_screening"] is None and blinded["blinded"] == [
        "full_text",
        "title_abstract",
    ]
    assert main(["prisma", "--config", config, "--json", "--as", SENIOR]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["awaiting_screening"] == 9 and data["conflicts"] == 1  # keys unchanged
    assert data["pending"]["full_text"] == {"awaiting_screening": 8, "conflicts": 0}


def test_a_damaged_count_names_the_boxes(finished: Project, monkeypatch) -> None:
    flow = compute_flow(finished)
    flow.dbr.screened += 1
    with pytest.raises(PrismaArithmeticError) as err:
        from screener.prisma import check_arithmetic

        check_arithmetic(flow)
    assert "records screened" in str(err.value) and "duplicate records" in str(err.value)

    # A store whose full-text list disagrees with its title/abstract outcomes.
    real = Project.at_full_text
    monkeypatch.setattr(Project, "at_full_text", lambda self: real(self)[1:])
    with pytest.raises(PrismaArithmeticError) as err:
        compute_flow(finished)
    assert "reports sought for retrieval" in str(err.value)


def test_updated_review_counts_previous_search(
    make_review: Callable[..., Project], tmp_path: Path
) -> None:
    project = make_review("[previous]\nstudies = 5\nreports = 7\n")
    old = load(project, tmp_path, "Old", 4, "Previous search", "previous")
    new = load(project, tmp_path, "New", 5, "PubMed", "database")
    link(project, new[0], old[0])  # the update found again what the previous search found
    link(project, new[1], old[1])
    screenable = {r.id for r in project.screenable()}
    assert not screenable & set(old) and screenable == set(new[2:])
    both(project, new[2], "include")
    both(project, new[3], "include")
    both(project, new[4], "exclude")
    both(project, new[2], "include", FT)
    both(project, new[3], "exclude", FT, "Wrong outcome")

    flow = compute_flow(project)
    p = flow.as_json()
    assert p["updated_review"] is True
    assert p["previous_search_records"] == 4
    assert p["database_results"] == 5
    assert p["duplicates"] == 2 and p["duplicates_of_previous_search"] == 2
    assert p["records_screened"] == 3 and p["records_excluded"] == 1
    assert p["dbr_assessed"] == 2 and p["dbr_excluded"]["total"] == 1
    assert p["new_studies"] == 1
    assert p["previous_studies"] == 5 and p["previous_reports"] == 7
    assert p["total_studies"] == 5 + 1 and p["total_reports"] == 7 + 1

    out = tmp_path / "flow.svg"
    svg = svg_text(write_flow(flow, out).read_text(encoding="utf-8"))
    for text in ("Previous studies", "Studies included in previous version of review (n = 5)",
                 "New studies included in review (n = 1)",
                 "Total studies included in review (n = 6)",
                 "Reports of total included studies (n = 8)",
                 "of which duplicates of the previous search (n = 2)"):  # fmt: skip
        assert text in svg, text
    rows = {r["data"]: r["n"] for r in csv.DictReader(
        write_flow(flow, tmp_path / "flow.csv").open(encoding="utf-8"))}  # fmt: skip
    assert rows["previous_studies"] == "5" and rows["total_studies"] == "6"


def test_every_output_from_the_cli(finished: Project, tmp_path: Path, capsys) -> None:
    config = str(finished.config.path)
    out = tmp_path / "out"
    out.mkdir()
    for ext in ("json", "csv", "svg", "png", "pdf", "md"):
        assert main(["prisma", "--config", config, "-o", str(out / f"flow.{ext}")]) == 0
        assert (out / f"flow.{ext}").stat().st_size > 0
    capsys.readouterr()

    assert main(["prisma", "--config", config, "--json"]) == 0
    printed = json.loads(capsys.readouterr().out)
    assert printed == json.loads((out / "flow.json").read_text(encoding="utf-8"))

    with (out / "flow.csv").open(encoding="utf-8") as fh:
        reader = csv.reader(fh)
        header = next(reader)
        names = [row[0] for row in reader]
    assert header == COLUMNS
    assert [n for n in names if n != "NA"] == DATA_NAMES

    svg = svg_text((out / "flow.svg").read_text(encoding="utf-8"))
    for key in ("database_results", "records_screened", "records_excluded",
                "dbr_sought_reports", "dbr_notretrieved_reports", "dbr_assessed", "new_studies",
                "duplicates", "excluded_automatic"):  # fmt: skip
        assert f"(n = {printed[key]})" in svg, key
    for reason, count in printed["dbr_excluded"].items():
        if reason != "total":
            assert f"{reason} (n = {count})" in svg

    import matplotlib.image

    png = matplotlib.image.imread(str(out / "flow.png"))
    height, width = png.shape[:2]
    # Other methods are present: A4 landscape's width at 300 dpi, the height of the diagram.
    assert abs(width - 11.69 * 300) <= 1 and height <= 8.27 * 300 + 1
    assert png[..., :3].min() < 0.2  # something dark was drawn
    assert (out / "flow.pdf").read_bytes()[:5] == b"%PDF-"
    assert "| Records screened | 13 |" in (out / "flow.md").read_text(encoding="utf-8")

    assert main(["prisma", "--config", config]) == 0
    table = capsys.readouterr().out
    assert "Records screened" in table and "final" in table


def test_cli_refuses_an_unknown_output(finished: Project, tmp_path: Path, capsys) -> None:
    code = main(["prisma", "--config", str(finished.config.path), "-o", str(tmp_path / "f.docx")])
    assert code == 2
    assert ".docx" in capsys.readouterr().err
    assert not (tmp_path / "f.docx").exists()


def test_screener_init_review_end_to_end(tmp_path: Path, monkeypatch, capsys) -> None:
    """`screener init`, import, decisions through the API, then `screener prisma` outputs."""
    monkeypatch.chdir(tmp_path)
    assert main(["init", "rev"]) == 0
    config = tmp_path / "rev" / "config.toml"
    project = Project.open(config)
    try:
        ids = load(project, tmp_path, "Init", 12, "PubMed", "database")
        rng = random.Random(7)
        kept = [rid for rid in ids if rid not in project.primary_of()]
        for rid in kept:
            both(project, rid, rng.choice(["include", "exclude"]))
        for rid in project.at_full_text():
            d = rng.choice([Decision.INCLUDE, Decision.EXCLUDE])
            both(project, rid, d.value, FT, "" if d is Decision.INCLUDE else "Wrong outcome")
    finally:
        project.close()
    monkeypatch.chdir(tmp_path / "rev")
    for ext in ("json", "csv", "svg", "png", "pdf", "md"):
        assert main(["prisma", "-o", f"flow.{ext}"]) == 0
    p = json.loads((tmp_path / "rev" / "flow.json").read_text(encoding="utf-8"))
    assert p["database_results"] == 12
    assert (
        p["database_results"] - p["duplicates"] - p["excluded_automatic"] == p["records_screened"]
    )
    assert p["records_screened"] - p["records_excluded"] == p["dbr_sought_reports"]
    assert p["dbr_assessed"] - p["dbr_excluded"]["total"] == p["new_studies"]
    assert p["provisional"] is False
    svg = (tmp_path / "rev" / "flow.svg").read_text(encoding="utf-8")
    assert all(f"(n = {p[k]})" in svg for k in ("records_screened", "dbr_assessed", "new_studies"))


@pytest.mark.shared
def test_adhd_dual_review_flow(make_review: Callable[..., Project], tmp_path: Path) -> None:
    """The contract's dual-review flow on Cohen 2006 ADHD through the domain API."""
    path = needs_shared("screening", "Cohen_2006_ADHD.csv")
    with path.open(encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    project = make_review()
    project.import_file(path, label="PubMed", dedup=False)
    index = {r.record.source_id: r.id for r in project.store.records()}
    ta = "label_abstract_screening"
    flip = set(random.Random(3).sample(range(len(rows)), len(rows) // 20))
    events = []
    for i, row in enumerate(rows):
        rid = index[row["record_id"]]
        a = Decision.INCLUDE if row[ta] == "1" else Decision.EXCLUDE
        b = (
            a
            if i not in flip
            else (Decision.EXCLUDE if a is Decision.INCLUDE else Decision.INCLUDE)
        )
        for who, d in ((A, a), (B, b)):
            events.append({"record_id": rid, "stage": TA.value, "reviewer": who,
                           "action": "decide", "decision": d.value})  # fmt: skip
    project.store.append_events(events)
    for i in flip:
        row = rows[i]
        resolve(project, index[row["record_id"]], "include" if row[ta] == "1" else "exclude",
                reviewer=SENIOR)  # fmt: skip
    events = []
    for row in rows:
        if row[ta] != "1":
            continue
        inc = row["label_included"] == "1"
        for who in (A, B):
            events.append({"record_id": index[row["record_id"]], "stage": FT.value,
                           "reviewer": who, "action": "decide",
                           "decision": "include" if inc else "exclude",
                           "reason": "" if inc else "Wrong intervention"})  # fmt: skip
    project.store.append_events(events)

    p = compute_flow(project).as_json()
    n_ta = sum(r[ta] == "1" for r in rows)
    n_in = sum(r["label_included"] == "1" for r in rows)
    assert p["records_screened"] == len(rows) == 851
    assert p["records_excluded"] == len(rows) - n_ta == 767
    assert p["dbr_assessed"] == n_ta == 84
    assert p["dbr_excluded"] == {"Wrong intervention": n_ta - n_in, "total": 64}
    assert p["new_studies"] == n_in == 20
    assert p["provisional"] is False
