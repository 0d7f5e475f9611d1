"""The embedded KAP 2022 review: 255 screened → 87 assessed → 17 included, honestly built."""

from __future__ import annotations

import csv
import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from screener.ingest import read_file
from tests.conftest import REPO, SHARED

KAP = REPO / "corpora" / "kap2022"
EXPORTS = sorted((KAP / "exports").iterdir())
MARK = "screener reconstruction: abstract field is a summary written for this corpus"
# DOIs of the 17 included studies as printed in the paper's reference list (refs 21-23, 28, 34-46).
PAPER_DOIS = {
    "10.1159/000507095", "10.1111/papr.12829", "10.1080/02791072.2019.1587556",
    "10.24972/ijts.2014.33.2.151", "10.1159/000457960", "10.1159/000517074",
    "10.1097/jcp.0000000000000659", "10.4088/jcp.15l10138", "10.1016/j.bbapap.2018.03.006",
    "10.1007/s40501-019-00172-0", "10.1177/1534650121990894", "10.4088/jcp.20l13406",
    "10.1176/appi.ajp.2019.19070684", "10.1016/s0740-5472(02)00275-1",
    "10.1080/02791072.2007.10399860", "10.1176/appi.ajp.2019.18101123",
    "10.1080/00952990.2020.1808982",
}  # fmt: skip


@pytest.fixture(scope="module")
def kap_review(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the repository's review (config + corpus), built from scratch."""
    root = tmp_path_factory.mktemp("kap")
    shutil.copy(REPO / "config.toml", root / "config.toml")
    shutil.copytree(KAP, root / "corpora" / "kap2022")
    return root


def cli(root: Path, *args: str) -> subprocess.CompletedProcess[str]:
    result = subprocess.run(
        [sys.executable, "-m", "screener", *args], cwd=root, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
    return result


def total(value: object) -> int:
    return int(value["total"]) if isinstance(value, dict) else int(value)  # type: ignore[arg-type]


def test_prisma_numbers_through_the_cli(kap_review: Path) -> None:
    flow = json.loads(cli(kap_review, "prisma", "--json").stdout)
    assert total(flow["records_screened"]) == 255
    assert total(flow["dbr_assessed"]) == 87
    assert total(flow["dbr_excluded"]) == 70
    assert total(flow["new_studies"]) == 17
    per_db = flow["database_specific_results"]
    named = {k: v for k, v in per_db.items() if k != "total"}
    assert set(named) == {"Embase", "PubMed/MEDLINE", "CENTRAL", "Psychiatry Online"}
    assert sum(named.values()) == total(flow["database_results"])
    assert total(flow["database_results"]) - total(flow["duplicates"]) == 255
    cli(kap_review, "prisma", "-o", "prisma.svg")
    assert "255" in (kap_review / "prisma.svg").read_text(encoding="utf-8")


def test_included_records_carry_the_papers_dois(kap_review: Path) -> None:
    cli(
        kap_review,
        "export",
        "--status",
        "included",
        "--as",
        "KL",
        "--format",
        "csv",
        "-o",
        "included.csv",
    )
    rows = list(csv.DictReader((kap_review / "included.csv").open(encoding="utf-8")))
    assert {r["doi"] for r in rows} == PAPER_DOIS


def test_agreement_is_realistic(kap_review: Path) -> None:
    agreement = json.loads(cli(kap_review, "agreement", "--json").stdout)
    assert agreement["n"] == 255
    assert 0.6 <= agreement["kappa"] <= 0.9


def test_every_record_is_marked_as_a_written_summary() -> None:
    for path in EXPORTS:
        result = read_file(path)
        for record in result.records:
            notes = " ".join(
                v for tag in ("N1", "GN") for v in record.raw.get(tag, []) if isinstance(v, str)
            )
            assert MARK in notes, (path.name, record.title)
            assert record.abstract, (path.name, record.title)


def test_no_composed_identifiers_and_real_dois_match_the_sources() -> None:
    candidates = KAP / "source" / "candidates.csv"
    shared = SHARED / "datasets" / "kap" / "candidates.csv"
    known = {
        r["doi"].lower()
        for src in (candidates, shared)
        if src.exists()
        for r in csv.DictReader(src.open(encoding="utf-8"))
        if r["doi"]
    }
    pmids = {r["pmid"] for r in csv.DictReader(candidates.open(encoding="utf-8")) if r["pmid"]}
    for path in EXPORTS:
        for record in read_file(path).records:
            composed = "composed" in " ".join(map(str, record.raw.get("N1", []))).lower()
            if composed:
                assert not record.doi and not record.pmid
                continue
            if record.doi:
                assert record.doi in known | PAPER_DOIS, (path.name, record.doi)
            if record.pmid:
                assert record.pmid in pmids, (path.name, record.pmid)
            assert not re.search(r"^L\d{9}$", record.accession or ""), "no invented Embase ids"
