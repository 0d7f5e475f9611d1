"""EndNote XML: import (streamed, safe, counted exactly) and export (re-importable)."""

from __future__ import annotations

import io
import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from screener.errors import ImportFormatError
from screener.export.endnote_xml import record_element, ref_type, write_endnote_xml, xml_safe
from screener.export.records import export_records
from screener.ingest.detect import detect, read_file, stream_file
from screener.ingest.endnote_xml import read_endnote_xml
from screener.ingest.text import clean
from screener.model import Record
from screener.project import Project
from screener.store.store import StoredRecord
from tests.conftest import FIXTURES

ENX = FIXTURES / "endnote"
FIELDS = ("title", "authors", "year", "journal", "volume", "issue", "pages", "doi", "pmid")
FIELDS += ("abstract", "keywords")


def _contract_count(path: Path) -> int:
    """How the acceptance check counts the records of an EndNote XML file."""
    return len(re.findall(r"<record>", path.read_text(encoding="utf-8", errors="replace")))


def _read(name: str) -> list[Record]:
    return read_file(ENX / name).records


def _xml(body: str, head: str = '<?xml version="1.0" encoding="UTF-8"?>\n') -> bytes:
    return (head + "<xml><records>\n" + body + "</records></xml>\n").encode()


def _record(title: str) -> str:
    return f"<record><titles><title>{title}</title></titles></record>\n"


# -- reading ----------------------------------------------------------------------------


def test_endnote_style_runs_are_flattened_and_fields_mapped() -> None:
    first, chapter = _read("endnote_styled.xml")
    assert first.title == "A randomised trial of brisk walking in older adults"
    assert first.authors == ["Doe, Jane A.", "Roe, Kim", "van der Berg, P."]  # no editor
    assert first.raw["contributors/secondary-authors/author"] == ["Editor, Ed"]
    assert (first.year, first.journal, first.volume, first.issue, first.pages) == (
        2019, "Journal of Walking Studies", "12", "3", "101-109"
    )  # fmt: skip
    assert first.doi == "10.1000/walk.2019.12" and first.pmid == first.accession == "30000001"
    assert first.abstract == "Background: walking is good. Methods: we walked. Results: it helped."
    assert first.keywords == ["Walking", "Aged"] and first.language == "eng"
    assert first.publication_type == "Journal Article" and first.database == "PubMed"
    assert first.source_id == "12" and first.url.endswith("/30000001/")
    assert first.raw["ref-type@name"] == ["Journal Article"]
    assert chapter.publication_type == "Book Section" and chapter.journal == "Handbook of Mobility"
    assert chapter.authors == ["Smith, A."]


def test_mendeley_periodical_web_urls_and_numbered_types() -> None:
    article, book = _read("mendeley.xml")
    assert article.journal == "European Heart Notes" and article.pages == "e12-e20"
    assert article.doi == "10.1000/ehn.2021.7" and article.url == "https://example.org/ehn/7/1"
    assert article.publication_type == "Journal Article" and book.publication_type == "Book"
    assert (article.source_id, book.source_id) == ("#1", "#2")  # no rec-number: position


def test_record_without_title_is_kept_with_a_warning() -> None:
    result = read_file(ENX / "no_title.xml")
    assert [r.title for r in result.records] == ["", "A record with a title"]
    assert result.records[0].authors == ["Doe, J."] and result.records[0].year == 2017
    assert result.warnings == [f"{ENX / 'no_title.xml'}:3: no title"]


def test_empty_records_are_skipped_with_their_line_and_reason() -> None:
    result = read_file(ENX / "empty_record.xml")
    assert [r.title for r in result.records] == ["First", "Last"]
    assert [s.line for s in result.skipped] == [4, 5]
    assert all("empty record" in s.reason for s in result.skipped)
    assert result.records_in_file == 4


def test_bom_crlf_entities_cdata_keywords_and_pmid() -> None:
    assert [r.title for r in _read("bom_crlf.xml")] == ["Line endings from Windows", "Second"]
    (salt,) = _read("entities.xml")
    assert salt.title == 'Salt & pepper: <b>bold</b> claims — "quoted" α-blockers'
    assert salt.authors == ["Müller, Jürgen", "O'Brien, S."] and salt.journal == "Food & Health"
    assert salt.abstract == "Raw <text> & more"
    sleep, embase = _read("keywords_pmid.xml")
    assert sleep.keywords == ["Exercise", "Sleep", "Insomnia", "Humans"]
    assert sleep.pmid == "35000007" and sleep.database == "MEDLINE"
    assert embase.pmid == "" and embase.accession == "L2012345678"


@pytest.mark.parametrize("path", sorted(ENX.glob("*.xml")), ids=lambda p: p.name)
def test_counts_are_exact_read_and_streamed(path: Path) -> None:
    data = path.read_bytes()
    text = data.decode("utf-8-sig")
    assert detect(data, text) == "endnote-xml"
    result = read_file(path)
    assert result.records_in_file == _contract_count(path)
    streamed, records = stream_file(path)
    assert len(list(records)) == len(result.records)
    assert streamed.records_in_file == result.records_in_file
    assert [s.line for s in streamed.skipped] == [s.line for s in result.skipped]


def test_utf16_is_read(tmp_path: Path) -> None:
    path = tmp_path / "u16.xml"
    text = _xml(_record("Été &amp; hiver") + _record("Two")).decode()
    path.write_bytes(text.replace("UTF-8", "UTF-16").encode("utf-16"))
    assert [r.title for r in read_file(path).records] == ["Été & hiver", "Two"]


def test_malformed_xml_after_records_refuses_the_whole_file(
    review: Project, tmp_path: Path
) -> None:
    path = tmp_path / "broken.xml"
    path.write_bytes(_xml(_record("One") * 3 + "<record><titles><title>Two</titles></record>\n"))
    with pytest.raises(ImportFormatError, match=r"broken\.xml:6: malformed XML: mismatched tag"):
        read_file(path)
    with pytest.raises(ImportFormatError, match=r"broken\.xml:6:"):
        review.import_file(path)
    assert review.store.count_records() == 0
    assert review.store.batches() == []


@pytest.mark.parametrize(
    "doctype",
    [
        '<!DOCTYPE xml [<!ENTITY a "aaaaaaaaaa">'
        + "".join(f'<!ENTITY {chr(98 + i)} "{("&" + chr(97 + i) + ";") * 10}">' for i in range(9))
        + "]>\n",
        '<!DOCTYPE xml [<!ENTITY ext SYSTEM "file:///etc/passwd">]>\n',
        '<!DOCTYPE xml SYSTEM "http://example.org/endnote.dtd">\n',
    ],
    ids=["billion-laughs", "external-entity", "external-dtd"],
)
def test_dtds_and_entities_are_refused_fast(tmp_path: Path, doctype: str) -> None:
    path = tmp_path / "evil.xml"
    head = '<?xml version="1.0"?>\n' + doctype
    path.write_bytes(_xml(_record("&j;") * 1000, head=head))
    start = time.perf_counter()
    with pytest.raises(ImportFormatError) as info:
        stream_file(path)[1].__next__()
    assert time.perf_counter() - start < 1
    assert str(info.value).startswith(f"{path}:2: a document type declaration")
    assert "\n" not in str(info.value)


def test_other_xml_is_refused_as_not_a_bibliographic_export(tmp_path: Path) -> None:
    for name, body in {
        "feed.xml": '<?xml version="1.0"?>\n<rss><channel><record>x</record></channel></rss>',
        "bare.xml": "<xml><settings/></xml>",
    }.items():
        path = tmp_path / name
        path.write_text(body, encoding="utf-8")
        with pytest.raises(ImportFormatError, match="not an EndNote XML export"):
            read_file(path)
    ris = (FIXTURES / "ris").glob("*.ris")
    assert all(
        detect(p.read_bytes(), p.read_text("utf-8", "replace")) != "endnote-xml" for p in ris
    )


def test_no_records_at_all_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "none.xml"
    path.write_bytes(_xml("<!-- <record> -->"))
    with pytest.raises(ImportFormatError, match="no records found"):
        read_file(path)


# -- writing ----------------------------------------------------------------------------


def _stored(*records: Record) -> list[StoredRecord]:
    return [StoredRecord(i, 1, "database", r) for i, r in enumerate(records, start=1)]


def _export(records: list[StoredRecord]) -> list[Record]:
    buffer = io.StringIO()
    write_endnote_xml(records, buffer)
    return read_endnote_xml(io.BytesIO(buffer.getvalue().encode()), "x.xml", "utf-8").records


def test_round_trip_keeps_every_field(make_review, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    first = make_review(name="first")
    for path in sorted(ENX.glob("*.xml")):
        first.import_file(path)
    out = tmp_path / "out.xml"
    n = export_records(first, out, fmt="endnote-xml", stage=None, status="all")
    assert n == 13 and read_file(out).records_in_file == _contract_count(out) == 13
    second = make_review(name="second")
    second.import_file(out)
    before = [s.record for s in first.screenable()]
    after = [s.record for s in second.screenable()]
    for field in FIELDS:
        assert [getattr(r, field) for r in after] == [getattr(r, field) for r in before], field


def test_hostile_title_and_control_characters() -> None:
    hostile = "<script>alert(1)</script> & ]]> <![CDATA[x]]> &amp; \"'"
    (back,) = _export(_stored(Record(title=hostile, authors=["A & B <c>"])))
    assert back.title == hostile and back.authors == ["A & B <c>"]
    assert xml_safe("a\x00b\x01c\x0bd\x0ce\ufffff\ud800g\t\n\r") == "abc d efg\t\n\r"
    (clean_back,) = _export(_stored(Record(title="Bell\x07 and\x0bline", abstract="x\x1by")))
    assert clean_back.title == "Bell and line" and clean_back.abstract == "xy"


def test_types_and_work_type_round_trip() -> None:
    assert ref_type("Journal Article; Review") == "Journal Article"
    assert ref_type("Conference Abstract") == "Conference Paper"
    assert ref_type("book section") == "Book Section" and ref_type("") == "Journal Article"
    element = record_element(7, Record(title="T", publication_type="Review"))
    assert element.find("ref-type").attrib == {"name": "Journal Article"}  # type: ignore[union-attr]
    types = [
        r.publication_type
        for r in _export(_stored(*(Record(title="T", publication_type=t) for t in ("Review", "Thesis", ""))))
    ]  # fmt: skip
    assert types == ["Review", "Thesis", "Journal Article"]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(
        st.tuples(st.text(max_size=40), st.lists(st.text(max_size=15), max_size=3)),
        min_size=1,
        max_size=12,
    )
)
def test_fuzz_written_records_read_back_with_the_same_count(
    rows: list[tuple[str, list[str]]],
) -> None:
    stored = _stored(*(Record(title=t, authors=a, year=2000) for t, a in rows))
    buffer = io.StringIO()
    write_endnote_xml(stored, buffer)
    data = buffer.getvalue().encode()
    result = read_endnote_xml(io.BytesIO(data), "f.xml", "utf-8")
    assert result.records_in_file == len(rows) == len(re.findall(rb"<record>", data))
    assert [r.title for r in result.records] == [clean(xml_safe(t)) for t, _ in rows]


# -- command line -----------------------------------------------------------------------


def _run(args: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "SCREENER_CONFIG"}
    return subprocess.run(
        [sys.executable, "-m", "screener", *args], cwd=cwd, capture_output=True, text=True, env=env
    )


def test_cli_import_folder_export_and_reimport(tmp_path: Path) -> None:
    _run(["init", "rev"], tmp_path)
    rev = tmp_path / "rev"
    done = _run(["import", str(ENX), "--json"], rev)
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert {f["format"] for f in report["files"]} == {"endnote-xml"}
    want = sum(_contract_count(p) for p in ENX.glob("*.xml"))
    assert sum(f["records"] for f in report["files"]) == want
    empty = [s for f in report["files"] for s in f["skipped"]]
    assert report["total"] == want - len(empty) and all("empty" in s["reason"] for s in empty)
    out = _run(["export", "--format", "endnote-xml", "-o", "out.xml"], rev)
    assert out.returncode == 0, out.stderr
    _run(["init", "again"], tmp_path)
    back = json.loads(_run(["import", str(rev / "out.xml"), "--json"], tmp_path / "again").stdout)
    assert back["total"] == report["total"]
    (rev / "bad.xml").write_bytes(_xml(_record("A") + "<record><title>B</record>\n"))
    bad = _run(["import", "bad.xml"], rev)
    assert bad.returncode == 1 and "Traceback" not in bad.stderr
    assert "bad.xml:4: malformed XML" in bad.stderr and "nothing of this file" in bad.stderr


def test_records_are_read_in_constant_memory() -> None:
    import tracemalloc

    from screener.ingest.endnote_xml import iter_endnote_xml
    from screener.ingest.report import ImportResult

    body = "".join(
        f"<record><rec-number>{i}</rec-number>{_record(f'T {i}')[8:]}" for i in range(20_000)
    )
    data = io.BytesIO(_xml(body))
    result = ImportResult("m.xml", "endnote-xml", "utf-8")
    tracemalloc.start()
    try:
        n = sum(1 for _ in iter_endnote_xml(data, result))
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert n == 20_000 and peak < 1_200_000  # records left in the tree: ~1.8 MB more
