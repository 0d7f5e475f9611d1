"""Import of RIS (exporter quirks), MEDLINE/nbib and CSV/TSV/Excel."""

from __future__ import annotations

import io
import re
import zipfile
from collections import Counter
from pathlib import Path

import pandas as pd
import pytest

from screener.errors import ImportFormatError
from screener.ingest import detect as detect_module
from screener.ingest import read_file
from screener.ingest.detect import detect, stream_file
from screener.ingest.ris import is_ovid, read_ris, to_record
from tests.conftest import DATASETS, FIXTURES, REPO, needs_shared

RIS = FIXTURES / "ris"


# Byte-order marks and zero-width characters that may stand before a tag.
INVISIBLE = "[\ufeff\u200b\u200c\u200d\u2060]*"


def ty_lines(path: Path) -> int:
    text = path.read_bytes().decode("utf-8", errors="replace")
    return len(re.findall(rf"(?m)^{INVISIBLE}(?:\d+\.\s*)?TY  -", text))


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


def test_bom_in_the_middle_starts_a_record() -> None:
    """Exports pasted together (`cat a.ris b.ris`): each one's byte-order mark stands
    before a `TY` in the middle of the file, or on a line of its own."""
    result = read_file(RIS / "bom_in_middle.ris")
    assert [r.title for r in result.records] == [
        "First export, first record",
        "First export, second record",
        "Second export pasted on with its byte-order mark",
        "Third export: its mark on a line of its own",
    ]
    assert result.records[2].doi == "10.5555/bom.middle.3"
    assert result.records_in_file == 4 and not result.skipped
    assert result.warnings == []


def test_zero_width_characters_before_tags_are_ignored() -> None:
    first, second = read_file(RIS / "zero_width_tags.ris").records
    assert first.title == "Zero-width space before TY, non-joiner before TI"
    assert first.authors == ["Joiner, Zed"] and first.year == 2017
    assert first.abstract == "An abstract that goes on after a zero-width space"
    assert second.title == "Word joiner and byte-order mark before TY"
    assert second.keywords == ["ketamine", "psychotherapy"]
    assert set(first.raw) == {"TY", "TI", "AU", "PY", "AB"}


@pytest.mark.parametrize("mark", ["\ufeff", "\u00ef\u00bb\u00bf"])
def test_a_record_pasted_on_without_a_line_break_is_read(mark: str) -> None:
    """`ER  - TY  - JOUR` or a byte-order mark in the middle of a line, before a tag: the
    next export was pasted onto the last line of the previous one (the second form is a
    UTF-8 mark in a file decoded as cp1252)."""
    text = (
        "TY  - JOUR\nTI  - One\nER  - " + mark + "TY  - JOUR\nTI  - Two\nER  - TY  - BOOK\n"
        "TI  - Three\nKW  - no end tag" + mark + "TY  - CHAP\nTI  - Four\nER  - \n"
    )
    result = read_ris(text, "x.ris", "utf-8")
    assert [r.title for r in result.records] == ["One", "Two", "Three", "Four"]
    assert result.records[2].keywords == ["no end tag"]
    assert any(w.startswith("x.ris:5: a record starts after 'ER'") for w in result.warnings)


def test_ignored_text_is_reported_where_it_is() -> None:
    text = (
        "Search strategy\n#1 ketamine\n\nTY  - JOUR\nTI  - One\nER  - \nstray text\n\n"
        "2) TY  - JOUR\nTI  - Two\nER  - \n"
    )
    result = read_ris(text, "x.ris", "utf-8")
    assert [r.title for r in result.records] == ["One"]
    assert result.warnings[:2] == [
        "x.ris:1: ignored 2 line(s) of text before the first record (line 1-2)",
        "x.ris:7: ignored 4 line(s) of text between records (line 7, 9-11)",
    ]
    assert result.warnings[2].startswith("x.ris:9: '2) TY  - JOUR' looks like a record start")


def test_medline_byte_order_mark_and_zero_width_before_tags() -> None:
    result = read_file(FIXTURES / "medline" / "bom_zero_width.nbib")
    assert result.format == "medline"
    assert [r.pmid for r in result.records] == ["90000101", "90000102", "90000103"]
    second = result.records[1]
    assert second.title == (
        "Second export pasted on: a byte-order mark before PMID and a continuation line."
    )
    assert second.year == 2020 and second.authors == ["Berg, Ulla"]
    assert not result.skipped and not result.warnings


@pytest.mark.parametrize(
    ("text", "fmt"),
    [
        ("\u200bTY  - JOUR\nTI  - x\nER  - \n", "ris"),
        ("Exported\n\ufeff\u2060TY  - JOUR\nTI  - x\nER  - \n", "ris"),
        ("\u200dPMID- 1\nTI  - x\n", "medline"),
        ("note\n\ufeffPMID- 1\nTI  - x\n", "medline"),
    ],
)
def test_detection_sees_through_invisible_characters(text: str, fmt: str) -> None:
    assert detect(text.encode(), text) == fmt


@pytest.mark.parametrize("codec", ["utf-8", "cp1252"])
def test_streamed_concatenation_keeps_every_record(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, codec: str
) -> None:
    """A large file is parsed while it is read: the byte-order marks of pasted exports are
    found there too (also when the file is not UTF-8 and each mark reads as `ï»¿`)."""
    monkeypatch.setattr(detect_module, "_HEAD", 512)  # stream anything above 512 bytes
    part = "".join(
        f"TY  - JOUR\nTI  - Caf\u00e9 record {i}\nPY  - 2001\nER  - \n\n" for i in range(9)
    )
    data = b"".join(b"\xef\xbb\xbf" + part.encode(codec) for _ in range(7))
    path = tmp_path / "pasted.ris"
    path.write_bytes(data)
    result, records = stream_file(path)
    titles = [r.title for r in records]
    assert len(titles) == result.records_in_file == 63
    assert titles[9] == "Caf\u00e9 record 0"
    assert not result.skipped
    assert not [w for w in result.warnings if "ignored" in w]


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


def test_semicolon_csv_as_excel_writes_it_in_europe() -> None:
    """Excel writes `;` where the comma is the decimal mark; values hold commas and quoted
    semicolons."""
    result = read_file(FIXTURES / "table" / "semicolon.csv")
    assert result.format == "csv"
    assert [(r.title, r.year) for r in result.records] == [
        ("Ketamine; a review of reviews", 2020),
        ("Second, with a comma", 2021),
    ]
    assert result.records[0].abstract == "Text, with commas"


@pytest.mark.parametrize(
    ("header", "sep"),
    [
        ("Title,Year", ","),
        ("Title;Year", ";"),
        ("Title\tYear", "\t"),
        ("Title|Year", "|"),
        ("\ufeffTitle;Authors, all;Year", ";"),  # the comma split names no title column
        ("Notes,Year", None),
    ],
)
def test_the_delimiter_is_sniffed_from_the_header(header: str, sep: str | None) -> None:
    from screener.ingest.table import sniff_delimiter

    assert sniff_delimiter(header.lstrip("\ufeff") + "\nA;2020\n") == sep
    data = (header + "\nvalue\n").encode()
    assert detect(data, header + "\nvalue\n") == {None: "", "\t": "tsv"}.get(sep, "csv")


def _workbook(path: Path, rows: dict[int, list[object]], *, columns: dict[int, object] | None = None,
              dimension: str | None = None, sheets: int = 1) -> Path:  # fmt: skip
    """An .xlsx with the given cells (sparse: {row: values from column A}), built as Excel
    would; `dimension` rewrites the sheet's declared range (which can lie)."""
    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    for row, values in rows.items():
        for column, value in enumerate(values, start=1):
            sheet.cell(row, column, value)
    for column, value in (columns or {}).items():
        sheet.cell(2, column, value)
    for i in range(1, sheets):
        book.create_sheet(f"other {i}").append(["not records"])
    book.save(path)
    if dimension is not None:
        raw = path.read_bytes()
        with zipfile.ZipFile(io.BytesIO(raw)) as src, zipfile.ZipFile(path, "w") as dst:
            for item in src.infolist():
                body = src.read(item)
                if item.filename == "xl/worksheets/sheet1.xml":
                    body = re.sub(
                        rb'<dimension ref="[^"]*"', f'<dimension ref="{dimension}"'.encode(), body
                    )
                dst.writestr(item, body)
    return path


def test_xlsx_with_its_only_data_row_at_the_last_row(tmp_path: Path) -> None:
    """Row 1,048,576 is read without building the grid above it (that took 20 s and 1 GB)."""
    path = _workbook(tmp_path / "far.xlsx", {1: ["Title", "Year"], 1_048_576: ["Far away", 2020]})
    result = read_file(path)
    assert result.format == "excel" and result.encoding == "xlsx"
    assert [(r.title, r.year) for r in result.records] == [("Far away", 2020)]
    assert result.records_in_file == 1 and not result.skipped


def test_xlsx_using_the_last_column(tmp_path: Path) -> None:
    path = _workbook(
        tmp_path / "wide.xlsx",
        {1: ["Title", "Year"], 2: ["One", 2001], 3: ["Two", 2002]},
        columns={16_384: "a stray value in column XFD"},
    )
    result = read_file(path)
    assert [r.title for r in result.records] == ["One", "Two"]
    assert result.records[0].raw["Unnamed: 16383"] == "a stray value in column XFD"
    assert any(":2: 1 row(s) have values in columns without a name" in w for w in result.warnings)


@pytest.mark.parametrize("dimension", ["A1:XFD1048576", "A1:A1"])
def test_xlsx_declared_dimension_is_not_trusted(tmp_path: Path, dimension: str) -> None:
    """The dimension a sheet declares can lie both ways: too large (read what is there)
    and too small (read past it)."""
    rows = {1: ["Title", "Authors"], **{r: [f"Record {r}", "Doe, J"] for r in range(2, 7)}}
    result = read_file(_workbook(tmp_path / "lie.xlsx", rows, dimension=dimension))
    assert [r.title for r in result.records] == [f"Record {r}" for r in range(2, 7)]


def test_xlsx_records_are_the_non_empty_rows(tmp_path: Path) -> None:
    """Empty rows (before the header, between records, spaces only) are not records."""
    rows: dict[int, list[object]] = {
        3: ["Title", None, "Year"],
        4: ["One", None, 2001],
        6: ["   ", None, None],
        9: [None, None, 2003],
    }
    result = read_file(_workbook(tmp_path / "gaps.xlsx", rows, sheets=3))
    assert [(r.title, r.year) for r in result.records] == [("One", 2001), ("", 2003)]
    assert result.records_in_file == 2 and not result.skipped
    assert f"{tmp_path / 'gaps.xlsx'}:9: no title" in result.warnings
    assert result.records[0].raw == {"Title": "One", "Year": "2001"}
    assert any("read the first sheet ('Sheet') only; not read: 'other 1', 'other 2'" in w
               for w in result.warnings)  # fmt: skip


def test_xlsx_past_max_cells_is_refused_before_it_is_read(tmp_path: Path) -> None:
    path = _workbook(tmp_path / "far.xlsx", {1: ["Title"], 2: ["Near"], 5_000: ["Far"]})
    assert len(read_file(path, max_cells=5_000).records) == 2
    with pytest.raises(ImportFormatError) as info:
        read_file(path, max_cells=4_999)
    assert info.value.line == 5_000
    assert "reaches row 5,000 and column A (5,000 cells)" in info.value.message
    assert "max_cells" in info.value.message


def test_legacy_xls_is_read() -> None:
    """An .xls (saved by us with xlwt: two records, an empty row, a second sheet)."""
    result = read_file(FIXTURES / "table" / "records.xls")
    assert result.format == "excel" and result.encoding == "xls"
    one, two = result.records
    assert (one.title, one.year, one.authors, one.doi) == (
        "A legacy Excel record", 2003, ["Doe, J", "Roe, K"], "10.5555/xls.1"
    )  # fmt: skip
    assert (two.title, two.year) == ("Second legacy record, after an empty row", 2004)
    assert result.records_in_file == 2
    assert any("not read: 'notes'" in w for w in result.warnings)
    with pytest.raises(ImportFormatError, match="max_cells"):
        read_file(FIXTURES / "table" / "records.xls", max_cells=10)


def test_a_damaged_xls_is_refused_in_one_line_and_quietly(
    tmp_path: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    """The .xls reader panics (a Rust panic, a BaseException) on some truncated files: every
    truncation is read or refused as damaged, and nothing reaches the terminal's stderr."""
    data = (FIXTURES / "table" / "records.xls").read_bytes()
    refused = 0
    for cut in range(512, len(data), 97):
        path = tmp_path / "cut.xls"
        path.write_bytes(data[:cut])
        try:
            read_file(path)
        except ImportFormatError as exc:
            refused += 1
            assert "\n" not in str(exc) and "cut.xls:1:" in str(exc)
    assert refused > 0
    assert capfd.readouterr().err == ""


@pytest.mark.parametrize(
    ("members", "what"),
    [
        (
            {"mimetype": "application/vnd.oasis.opendocument.spreadsheet"},
            "save it as .xlsx or .csv",
        ),
        ({"word/document.xml": "<w/>"}, "a ZIP archive, not an Excel workbook"),
        ({"xl/workbook.xml": "<not a workbook"}, "cannot read as EXCEL"),
    ],
)
def test_other_zip_files_are_refused_in_one_line(
    tmp_path: Path, members: dict[str, str], what: str
) -> None:
    path = tmp_path / "sheet.xlsx"
    with zipfile.ZipFile(path, "w") as archive:
        for name, body in members.items():
            archive.writestr(name, body)
    with pytest.raises(ImportFormatError) as info:
        read_file(path)
    assert what in info.value.message and "\n" not in info.value.message


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
