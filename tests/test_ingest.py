"""Import of RIS (exporter quirks), MEDLINE/nbib and CSV/TSV/Excel."""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import pandas as pd
import pytest

from screener.errors import ImportFormatError
from screener.ingest import read_file
from screener.ingest.ris import is_ovid, read_ris, to_record
from tests.conftest import DATASETS, FIXTURES, REPO, needs_shared

RIS = FIXTURES / "ris"


def ty_lines(path: Path) -> int:
    text = path.read_bytes().decode("utf-8", errors="replace")
    return len(re.findall(r"(?m)^(?:\ufeff)?(?:\d+\.\s*)?TY  -", text))


@pytest.mark.parametrize("name", sorted(p.name for p in RIS.glob("*.ris")))
def test_every_ris_quirk_fixture_keeps_every_record(name: str) -> None:
    result = read_file(RIS / name)
    assert result.format == "ris"
    assert result.records_in_file == ty_lines(RIS / name)
    assert not result.skipped


def test_embase_bom_fields_normalised() -> None:
    first, second = read_file(RIS / "embase_bom.ris").records
    assert first.title == "Ketamine infusion and exposure therapy: a pilot"
    assert first.authors == ["Moreau P.L.", "Ibsen K."]
    assert first.year == 2019
    assert first.doi == "10.5555/example.2019.001"
    assert first.journal == "Journal of Invented Examples"
    assert first.pages == "101-109"
    assert first.accession == "L2000000001"
    assert first.database == "Embase"
    assert first.raw["SP"] == ["101"]
    assert second.doi == "10.5555/example.2020.002"


def test_text_before_first_record_is_reported() -> None:
    result = read_file(RIS / "text_before_ty.ris")
    assert [r.title for r in result.records] == ["Preamble record one", "Preamble record two"]
    assert any("before the first record" in w for w in result.warnings)


def test_ovid_numbers_are_not_glued_to_fields() -> None:
    result = read_file(RIS / "ovid_numbered.ris")
    assert [r.year for r in result.records] == [2015, 2016, 2014]
    assert all(not r.title.endswith(("2.", "3.")) for r in result.records)


def test_ovid_m3_is_kept_raw_but_is_not_the_publication_type() -> None:
    """Ovid writes something other than the publication type in M3 (a classification)."""
    result = read_file(RIS / "ovid_m3.ris")
    first, second = result.records
    assert first.raw["M3"] == [
        "3340 Clinical Psychopharmacology; 3383 Drug & Alcohol Rehabilitation"
    ]
    assert second.raw["M3"] == ["2100 General Psychology"]
    assert [r.publication_type for r in result.records] == ["JOUR", "JOUR"]
    assert [r.database for r in result.records] == ["Embase", "APA PsycInfo"]
    assert [r.doi for r in result.records] == ["10.5555/ovid.m3.001", "10.5555/ovid.m3.002"]
    # Ovid's record numbers are not text; its link lines between records are reported
    assert not any("before the first record" in w for w in result.warnings)
    assert any("2 line(s) of text between records" in w for w in result.warnings)


@pytest.mark.parametrize(
    ("raw", "numbered", "ovid"),
    [
        ({"TY": ["JOUR"]}, True, True),
        ({"TY": ["JOUR"], "DB": ["Ovid MEDLINE(R) ALL"]}, False, True),
        ({"TY": ["JOUR"], "DP": ["Ovid Technologies"]}, False, True),
        ({"TY": ["JOUR"], "L2": ["http://ovidsp.ovid.com/ovidweb.cgi?T=JS&AN=1"]}, False, True),
        ({"TY": ["JOUR"], "DB": ["Embase"], "UR": ["http://www.embase.com/x"]}, False, False),
        ({"TY": ["JOUR"], "DB": ["Embase"], "M3": ["Review"]}, False, False),
    ],
)
def test_ovid_records_are_recognised(raw: dict[str, list[str]], numbered: bool, ovid: bool) -> None:
    assert is_ovid(raw, numbered=numbered) is ovid
    record, _ = to_record({**raw, "M3": ["Review"]}, "x.ris", numbered=numbered)
    assert record.publication_type == ("JOUR" if ovid else "Review")


def test_only_a_number_right_before_ty_marks_an_ovid_record() -> None:
    text = (
        "1. TY  - JOUR\nTI  - Numbered on its TY line\nM3  - 2100 General Psychology\nER  - \n"
        "TY  - JOUR\nTI  - Not from Ovid\nAB  - A list follows:\n2.\nKW  - ketamine\n"
        "M3  - Review\nER  - \n"
        "TY  - JOUR\nTI  - Neither\nM3  - Article\nER  - \n"
    )
    result = read_ris(text, "x.ris", "utf-8")
    assert [r.publication_type for r in result.records] == ["JOUR", "Review", "Article"]


def test_embase_com_m3_is_the_publication_type() -> None:
    """Embase.com writes the type in M3 (`Article`, `Review`): the KAP corpus keeps it."""
    path = REPO / "corpora" / "kap2022" / "exports" / "embase.ris"
    types = Counter(r.publication_type for r in read_file(path).records)
    m3 = Counter(re.findall(r"(?m)^M3  - (.+)$", path.read_text(encoding="utf-8-sig")))
    assert types == m3 and types["Review"] > 0


@pytest.mark.shared
def test_shared_embase_m3_is_the_publication_type() -> None:
    path = needs_shared("exports", "embase.ris")
    types = [r.publication_type for r in read_file(path).records]
    assert types == re.findall(r"(?m)^M3  - (.+)$", path.read_text(encoding="utf-8-sig"))


def test_multiline_values_and_missing_final_er() -> None:
    first, last = read_file(RIS / "multiline_no_er.ris").records
    assert first.title == "A title written over two lines by Rayyan"
    assert first.abstract == "An abstract that goes on and continues here and here."
    assert first.keywords == ["first keyword", "second keyword"]
    assert last.title == "Last record has no end tag"
    assert last.year == 2012


def test_crlf_bad_year_and_unknown_tag_still_imported_with_warning() -> None:
    result = read_file(RIS / "crlf_badyear.ris")
    assert [r.title for r in result.records] == ["Windows line ends", "Second windows record"]
    assert result.records[1].year is None
    assert result.records[1].raw["XX"] == ["an unknown tag"]
    assert any("unparseable year '10 15'" in w for w in result.warnings)


def test_cp1252_is_decoded_and_reported() -> None:
    result = read_file(RIS / "cp1252.ris")
    assert result.encoding == "cp1252"
    assert result.records[0].title == "Café au lait and naïve reviewers – a cp1252 title"
    assert result.records[0].authors == ["Müller, J"]
    assert any("cp1252" in w for w in result.warnings)


def test_title_tag_variants() -> None:
    first, second = read_file(RIS / "tag_variants.ris").records
    assert first.title == "Short title style"
    assert first.authors == ["Editor, Ed"]
    assert first.journal == "Abbrev J"
    assert first.year == 2009
    assert first.abstract == "Notes abstract"
    assert second.title == "Record with only ST"


def test_medline_nbib() -> None:
    result = read_file(FIXTURES / "medline" / "pubmed.nbib")
    assert result.format == "medline"
    assert len(result.records) == 3
    a, b, c = result.records
    assert a.pmid == "90000001" and a.source_id == "90000001"
    assert a.title.startswith("Ketamine-assisted psychotherapy in an invented cohort: a title long")
    assert "wrap onto a continuation line." in a.title
    assert a.doi == "10.5555/example.2019.010"
    assert a.authors == ["Legg, R F", "Varga, Anna"]
    assert a.year == 2019 and a.journal == "Journal of Invented Examples"
    assert a.database == "PubMed"
    assert b.doi == "10.5555/example.2020.011" and "Humans" in b.keywords
    assert c.year is None and c.title.startswith("Third record")


def test_csv_columns_and_labels_kept() -> None:
    result = read_file(FIXTURES / "table" / "records.csv")
    assert result.format == "csv"
    one, two, three = result.records
    assert one.title == "A CSV record, with a comma"
    assert one.authors == ["Smith J", "Doe A"]
    assert one.doi == "10.5555/csv.1" and one.pmid == "123456" and one.year == 2001
    assert one.keywords == ["ketamine", "therapy"]
    assert one.raw["label_included"] == "1" and one.source_id == "1"
    assert two.year == 2002
    assert three.abstract == "multi line abstract" and three.year is None


def test_tsv_and_excel(tmp_path: Path) -> None:
    tsv = read_file(FIXTURES / "table" / "records.tsv")
    assert tsv.format == "tsv" and [r.title for r in tsv.records] == ["TSV one", "TSV two"]
    xlsx = tmp_path / "records.xlsx"
    pd.DataFrame({"Title": ["Excel one", "Excel two"], "Year": [2010, 2011]}).to_excel(
        xlsx, index=False
    )
    result = read_file(xlsx)
    assert result.format == "excel"
    assert [(r.title, r.year) for r in result.records] == [("Excel one", 2010), ("Excel two", 2011)]


def test_format_comes_from_content_not_extension(tmp_path: Path) -> None:
    disguised = tmp_path / "export.csv"
    disguised.write_bytes((FIXTURES / "medline" / "pubmed.nbib").read_bytes())
    assert read_file(disguised).format == "medline"


@pytest.mark.parametrize(
    ("content", "line", "what"),
    [
        (b"this is not a bibliography\n\x00\x01\x02", 2, "NUL"),
        (b"just some prose\nover two lines\n", 1, "not a bibliographic export"),
        (b"   \n", 1, "empty"),
    ],
)
def test_non_bibliographic_files_are_refused(
    tmp_path: Path, content: bytes, line: int, what: str
) -> None:
    bad = tmp_path / "junk.ris"
    bad.write_bytes(content)
    with pytest.raises(ImportFormatError) as info:
        read_file(bad)
    assert info.value.line == line
    assert what in info.value.message
    assert str(info.value).startswith(f"{bad}:{line}: ")


def _count(path: Path) -> int:
    text = path.read_text(encoding="utf-8", errors="replace")
    if re.search(r"(?m)^PMID- ", text):
        return len(re.findall(r"(?m)^PMID- ", text))
    return len(re.findall(r"(?m)^(?:\ufeff)?TY  -", text))


@pytest.mark.shared
def test_shared_exports_yield_every_record() -> None:
    folder = needs_shared("exports")
    for path in sorted(folder.iterdir()):
        result = read_file(path)
        assert len(result.records) == _count(path), path.name
        assert all(r.title for r in result.records), path.name
        assert sum(bool(r.authors) for r in result.records) >= len(result.records) - 1
        assert all(r.year for r in result.records), path.name
        assert sum(bool(r.doi or r.pmid) for r in result.records) >= len(result.records) // 2


@pytest.mark.shared
def test_shared_screening_csvs_yield_every_row() -> None:
    needs_shared("screening")
    for path in sorted((DATASETS / "screening").glob("*.csv")):
        rows = pd.read_csv(path)
        result = read_file(path)
        assert len(result.records) == len(rows), path.name
        with_title = rows["title"].notna().sum()
        assert sum(bool(r.title) for r in result.records) == with_title
        if "pubmedID" in rows:
            assert sum(bool(r.pmid) for r in result.records) == rows["pubmedID"].notna().sum()
        if "year" in rows:
            assert sum(r.year is not None for r in result.records) == rows["year"].notna().sum()


def test_store_keeps_raw_fields_losslessly(review) -> None:
    """What the store gives back is exactly what the reader parsed, field by field."""
    for name in ("embase_bom.ris", "multiline_no_er.ris", "tag_variants.ris"):
        parsed = read_file(RIS / name).records
        review.import_file(RIS / name, dedup=False)
        stored = [
            sr.record for sr in review.store.records() if sr.record.source_file.endswith(name)
        ]
        assert [r.raw for r in stored] == [r.raw for r in parsed]
        assert [(r.title, r.abstract) for r in stored] == [(r.title, r.abstract) for r in parsed]
    pubmed = FIXTURES / "medline" / "pubmed.nbib"
    review.import_file(pubmed, dedup=False)
    stored = [
        sr.record.raw for sr in review.store.records() if sr.record.source_file.endswith("nbib")
    ]
    assert stored == [r.raw for r in read_file(pubmed).records]
