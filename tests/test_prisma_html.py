"""The interactive HTML diagram, the record lists behind its counts, and `prisma --from`."""

from __future__ import annotations

import csv
import dataclasses
import html
import json
import re
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

from screener.cli import main
from screener.prisma import compute_flow, write_flow
from screener.prisma.flow import ColumnCounts
from screener.prisma.from_csv import read_flow_csv
from screener.prisma.members import box_members
from screener.prisma.template import DATA_NAMES, to_csv
from screener.project import Project
from tests.test_prisma import FT, A, both, build_main
from tests.test_prisma_render import basic_flow, update_flow

EVIL = "<script>alert(1)</script>"
LINK = re.compile(r'<a href="([^"]+)" data-label="([^"]*)"><tspan>\(n = (\d+)\)</tspan></a>')
# Template keys whose value is a count (or a dict with its total), compared across outputs.
COUNT_KEYS = list(DATA_NAMES)


def template_counts(data: dict) -> dict[str, int]:
    return {k: (v["total"] if isinstance(v, dict) else v) for k, v in data.items()
            if k in COUNT_KEYS}  # fmt: skip


def csv_rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


@pytest.fixture
def evil(make_review: Callable[..., Project], tmp_path: Path) -> Project:
    """The finished review plus a record and a source label that are markup."""
    project = make_review()
    build_main(project, tmp_path)
    ris = tmp_path / "evil.ris"
    ris.write_text(f"TY  - JOUR\nTI  - {EVIL}\nAU  - =HYPERLINK(1)\nPY  - 2020\nER  - \n", "utf-8")
    before = {r for r, *_ in project.store.record_keys()}
    project.import_file(ris, label=EVIL, kind="database", dedup=False)
    [rid] = [r for r, *_ in project.store.record_keys() if r not in before]
    both(project, rid, "include")
    both(project, rid, "exclude", FT, "Wrong population")
    return project


def test_each_count_links_to_exactly_the_records_it_counts(evil: Project, tmp_path: Path) -> None:
    out = write_flow(compute_flow(evil), tmp_path / "flow.html", evil)
    page = out.read_text(encoding="utf-8")
    links = LINK.findall(page)
    assert len(links) >= 15
    for href, label, n in links:
        assert href.startswith("flow_records/") and href.endswith(".csv"), href
        rows = csv_rows(tmp_path / html.unescape(href))
        assert len(rows) == int(n), (label, href)
    flow = compute_flow(evil)
    for ref, ids in box_members(flow).items():  # the lists are the counted records
        assert len(set(ids)) == len(ids), ref
    screened = csv_rows(tmp_path / "flow_records" / "dbr-screened.csv")
    assert {r["id"] for r in screened} == {f"R{i}" for i in box_members(flow)["dbr.screened"]}
    # every count the page states is the JSON's
    data = template_counts(flow.as_json())
    for key, n in re.findall(r'data-key="([a-z_]+)" data-n="(\d+)"', page):
        assert data[key] == int(n), key
    assert {"records_screened", "dbr_excluded", "new_studies"} <= set(
        re.findall(r'data-key="([a-z_]+)" data-n', page)
    )


@pytest.mark.parametrize("finish", [True, False])
def test_members_agree_with_every_count(
    make_review: Callable[..., Project], tmp_path: Path, finish: bool
) -> None:
    project = make_review()
    build_main(project, tmp_path, finish=finish)
    flow = compute_flow(project)
    m = box_members(flow)
    for name, col in (("dbr", flow.dbr), ("other", flow.other)):
        for f in dataclasses.fields(ColumnCounts):
            if f.name != "excluded_reasons":
                assert len(m.get(f"{name}.{f.name}", [])) == getattr(col, f.name), (name, f)
        for reason, count in col.excluded_reasons.items():
            assert len(m[f"{name}.excluded_reasons/{reason}"]) == count
    assert len(m["databases"]) == flow.database_results
    assert len(m["new_studies"]) == flow.new_studies


def test_untrusted_text_is_escaped_and_csv_cells_are_safe(evil: Project, tmp_path: Path) -> None:
    write_flow(compute_flow(evil), tmp_path / "flow.html", evil)
    page = (tmp_path / "flow.html").read_text(encoding="utf-8")
    assert "<script>alert" not in page and "<img" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page  # the source label, as text
    flow = update_flow()
    flow.title = EVIL
    flow.dbr.excluded_reasons["<img src=x onerror=alert(2)>"] = 0
    other = write_flow(flow, tmp_path / "o.html").read_text(encoding="utf-8")
    assert "<img" not in other and "&lt;img src=x onerror=alert(2)&gt;" in other
    assert other.count("<script") == 1 and f"<title>PRISMA 2020 flow diagram: {EVIL}" not in other
    assert page.count("<script>") == 1  # ours
    # self-contained: nothing fetched
    assert not re.findall(r"https?://(?!www\.w3\.org/2000/svg)", page)
    assert not re.search(r"<(link|img|iframe)\b|\bsrc=", page.replace("src=x", ""))
    rows = csv_rows(tmp_path / "flow_records" / "new-studies.csv")
    excluded = csv_rows(tmp_path / "flow_records" / "dbr-ft-excluded.csv")
    evil_row = next(r for r in excluded if r["title"] == EVIL)
    assert evil_row["authors"] == "'=HYPERLINK(1)"
    assert evil_row["reason"] == "Wrong population" and evil_row["source"] == EVIL
    assert all(r["title"] != EVIL for r in rows)


def test_html_is_refused_while_blinded(
    make_review: Callable[..., Project], tmp_path: Path, capsys
) -> None:
    project = make_review()
    build_main(project, tmp_path, finish=False)
    config = str(project.config.path)
    out = tmp_path / "flow.html"
    assert main(["prisma", "--config", config, "--as", A, "-o", str(out)]) == 1
    assert not out.exists() and not (tmp_path / "flow_records").exists()
    capsys.readouterr()


def test_html_without_records_from_a_hand_built_flow(tmp_path: Path) -> None:
    page = write_flow(update_flow(), tmp_path / "u.html").read_text(encoding="utf-8")
    assert "New studies included in review" in page and "Previous studies" in page
    assert "PROVISIONAL" in page and not LINK.search(page)
    assert not (tmp_path / "u_records").exists()


# -- prisma --from ------------------------------------------------------------------------


@pytest.mark.parametrize("make", [basic_flow, update_flow])
def test_template_csv_round_trip(make: Callable, tmp_path: Path) -> None:
    flow = make()
    path = tmp_path / "flow.csv"
    path.write_text(to_csv(flow), encoding="utf-8")
    back = read_flow_csv(path)
    assert template_counts(back.as_json()) == template_counts(flow.as_json())
    assert back.updated == flow.updated
    assert back.as_json()["dbr_excluded"] == flow.as_json()["dbr_excluded"]


def test_cli_round_trip_outside_a_review(
    evil: Project, tmp_path: Path, monkeypatch, capsys
) -> None:
    config = str(evil.config.path)
    assert main(["prisma", "--config", config, "-o", str(tmp_path / "flow.csv")]) == 0
    assert main(["prisma", "--config", config, "--json"]) == 0
    capsys.readouterr()
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    monkeypatch.delenv("SCREENER_CONFIG", raising=False)
    assert main(["prisma", "--json", "--from", str(tmp_path / "flow.csv")]) == 0
    got = json.loads(capsys.readouterr().out)
    assert main(["prisma", "--config", config, "--json"]) == 0
    want = json.loads(capsys.readouterr().out)
    assert template_counts(got) == template_counts(want)
    for ext in ("svg", "html", "md", "json"):
        assert main(["prisma", "--from", str(tmp_path / "flow.csv"), "-o", f"x.{ext}"]) == 0
    assert "Studies included in review" in (elsewhere / "x.html").read_text(encoding="utf-8")
    assert not (elsewhere / "x_records").exists()
    assert json.loads((elsewhere / "x.json").read_text())["new_studies"] == want["new_studies"]


BAD = {
    "header": ("a,b\n1,2\n", ":1: not a PRISMA2020 template CSV"),
    "count": ("data,n\nrecords_screened,12a\n", ":2: records_screened is '12a', not a whole"),
    "name": ("data,n\nrecords_screenned,12\n", ":2: unknown data name 'records_screenned'"),
    "twice": ("data,n\nduplicates,1\nduplicates,2\n", ":3: duplicates given twice"),
    "reasons": ("data,n\n\ndbr_excluded,\"Reason1, xxx\"\n", ":3: the count of 'Reason1' in dbr_excluded is 'xxx'"),
    "cells": ("data,n\nduplicates,1,2\n", ":2: 3 cells, the header has 2"),
    "sum": ("data,n\ndatabase_results,5\ndatabase_specific_results,\"A, 1; B, 2\"\n",
            ":3: database_specific_results add up to 3, but database_results is 5"),
}  # fmt: skip


@pytest.mark.parametrize("case", sorted(BAD))
def test_a_bad_csv_is_one_line_naming_file_and_line(case: str, tmp_path: Path, capsys) -> None:
    text, message = BAD[case]
    path = tmp_path / "bad.csv"
    path.write_text(text, encoding="utf-8")
    assert main(["prisma", "--from", str(path), "-o", str(tmp_path / "x.svg")]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and f"{path}{message}" in err, err
    assert not (tmp_path / "x.svg").exists()


# -- headless Chromium ------------------------------------------------------------------


def chromium() -> str | None:
    for name in ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable"):
        found = shutil.which(name)
        if found:
            return found
    return None


def test_chromium_renders_the_counts_of_prisma_json(evil: Project, tmp_path: Path, capsys) -> None:
    browser = chromium()
    if browser is None:
        pytest.skip("no chromium, chromium-browser or google-chrome on PATH")
    config = str(evil.config.path)
    out = tmp_path / "flow.html"
    assert main(["prisma", "--config", config, "-o", str(out)]) == 0
    capsys.readouterr()
    assert main(["prisma", "--config", config, "--json"]) == 0
    want = template_counts(json.loads(capsys.readouterr().out))
    run = subprocess.run(
        [browser, "--headless", "--disable-gpu", "--no-sandbox", "--dump-dom", out.as_uri()],
        capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    dom = run.stdout
    assert 'data-ready="1"' in dom, run.stderr[-2000:]  # the page's script ran
    shown = re.findall(r'<text [^>]*data-key="([a-z_]+)" data-n="(\d+)"[^>]*>(.*?)</text>', dom)
    assert len(shown) >= 10
    for key, n, body in shown:
        assert int(n) == want[key], key
        assert f"(n = {want[key]})" in re.sub(r"<[^>]+>", "", body)
    table = dict(re.findall(r'<tr data-key="([a-z_]+)"><td>[^<]*</td><td class="n">(\d+)', dom))
    assert table and all(int(v) == want[k] for k, v in table.items())
    assert "<script>alert" not in dom.split("<script>")[0]
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in dom
