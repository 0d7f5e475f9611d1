"""BibTeX: reading exports of Zotero, Better BibTeX and JabRef and their quirks, the
report's account of broken entries, detection, and export that reads back the same."""

from __future__ import annotations

import io
import json
import re
import shutil
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from screener.export.bibtex import citation_key, escape_text, unique_keys, write_bibtex
from screener.ingest import read_file
from screener.ingest.bibtex import read_bibtex
from screener.ingest.detect import detect
from screener.model import Record
from screener.store.store import StoredRecord
from tests.conftest import FIXTURES
from tests.test_cli import run

BIB = FIXTURES / "bibtex"
ALL = sorted(BIB.glob("*.bib"))


def _starts(text: str) -> int:
    """Entry starts, counted as the import check counts them."""
    found = re.findall(r"(?m)^\s*@(\w+)\s*[{(]", text)
    return len([m for m in found if m.lower() not in {"string", "comment", "preamble"}])


def _by_key(name: str) -> dict[str, Record]:
    return {r.source_id: r for r in read_file(BIB / name).records}


@pytest.mark.parametrize("path", ALL, ids=lambda p: p.name)
def test_every_entry_start_is_a_record_read(path: Path) -> None:
    result = read_file(path)
    assert result.format == "bibtex"
    assert result.records_in_file == _starts(path.read_text(encoding="utf-8"))
    assert len(result.records) == result.records_in_file  # none of the fixtures is empty


def test_zotero_fields() -> None:
    r = _by_key("zotero.bib")["nguyen_mindfulness_2019"]
    assert r.title.startswith("Mindfulness training") and r.year == 2019
    assert r.authors == ["Nguyen, Thi Lan", "Okafor, Chidi", "van der Berg, Anna"]
    assert (r.journal, r.volume, r.issue, r.pages) == (
        "Journal of Imaginary Psychology",
        "12",
        "3",
        "101-110",
    )
    assert r.doi == "10.1000/xyz.2019.001" and r.pmid == "31234567"
    assert r.keywords == ["anxiety", "mindfulness", "adolescents"] and r.language == "en"
    assert "20% in the intervention" in r.abstract
    assert r.publication_type == "Journal Article" and r.raw["ID"] == ["nguyen_mindfulness_2019"]
    conf = _by_key("zotero.bib")["garcia_screening_2021"]
    assert conf.title == "Screening tools & their Bias: a review"
    assert conf.publication_type == "Conference Paper"
    assert conf.journal == "Proceedings of the Imaginary Conference on Evidence"
    assert conf.authors == ["García, José", "Müller, Jörg"]


def test_better_bibtex_biblatex_fields() -> None:
    recs = _by_key("better_bibtex.bib")
    r = recs["okafor2020Trial"]
    assert r.title == "A Trial of Exercise for Low Back Pain"
    assert (r.year, r.journal, r.pmid, r.pages) == (
        2020,
        "Imaginary Medicine",
        "32100001",
        "e1000123",
    )
    assert r.keywords == ["back pain", "exercise", "randomized controlled trial"]
    assert recs["lee2022Preprint"].publication_type == "online"
    assert recs["lee2022Preprint"].accession == "2201.01234"


def test_jabref_comments_ignored_and_doi_from_url() -> None:
    result = read_file(BIB / "jabref.bib")
    assert not result.warnings and len(result.records) == 2
    berg = _by_key("jabref.bib")["Berg2017"]
    assert berg.doi == "10.1000/ig.2017.33.1" and berg.pages == "1-9"
    assert _by_key("jabref.bib")["Kowalski2015"].publication_type == "Thesis"


def test_latex_accents_decoded() -> None:
    r = _by_key("latex_accents.bib")["mueller2016"]
    assert r.authors == ["Müller, Jörg", "François, Renée", "Straße, Grégoire", "Østergaard, Søren"]
    assert r.title == "Über die Größe von Café-Stichproben – eine Studie mit 50% Gewinn"
    assert r.journal == "Zeitschrift für Imaginäre Forschung" and r.pages == "12-19"
    assert r.keywords == ["Café", "Größe"] and r.year == 2016


def test_string_macros_and_concatenation() -> None:
    recs = _by_key("string_macros.bib")
    assert recs["macro1"].journal == "Journal of Imaginary Psychology"
    assert recs["macro1"].year == 2020 and recs["macro1"].raw["month"] == ["March"]
    assert recs["macro2"].title == "Concatenated Titles work"
    assert recs["macro2"].journal == "Proceedings of the Imaginary Conference 2020"


def test_multiline_values_nested_braces_and_braced_names() -> None:
    r = _by_key("multiline_braces.bib")["multi2019"]
    assert r.title == "A title that runs over two lines with Nested Braces and DNA"
    assert r.authors == [
        "Alvarez, Maria",
        "World Health Organization",
        "Barnes and Noble Research Group",
    ]
    assert r.abstract.endswith("like these and a comma, here. Third line.")


def test_parentheses_delimited_entries() -> None:
    recs = _by_key("parentheses.bib")
    assert recs["paren2018"].title.endswith("(as old styles write them)")
    assert recs["paren2010"].title == "A book in (round) brackets"
    assert recs["paren2010"].year == 2010 and recs["paren2010"].publication_type == "Book"


def test_broken_entries_reported_by_line_others_imported() -> None:
    result = read_file(BIB / "broken_middle.bib")
    keys = [r.source_id for r in result.records]
    assert keys == ["good1", "broken2", "good3", "broken4", "good5"]
    broken = {r.source_id: r for r in result.records}
    assert broken["broken2"].year == 2012 and broken["broken2"].journal == "Imaginary Journal"
    assert broken["broken4"].title == "Missing the equals sign"
    assert any(":7: malformed entry" in w for w in result.warnings)
    assert any(":19: field 'title'" in w for w in result.warnings)


def test_empty_and_hopeless_entries_are_skipped_by_line() -> None:
    text = "@article{ok, title={Fine}}\n\n@article{nothing,\n\n@misc{e1,}\n@book{t, title={T}}\n"
    result = read_bibtex(text, "x.bib", "utf-8")
    assert [r.source_id for r in result.records] == ["ok", "t"]
    assert [s.line for s in result.skipped] == [3, 5]
    assert all("empty" in s.reason for s in result.skipped)
    assert result.records_in_file == _starts(text) == 4


def test_duplicate_keys_both_imported_with_a_warning() -> None:
    result = read_file(BIB / "duplicate_keys.bib")
    assert [r.authors for r in result.records] == [["Smith, Alex"], ["Smith, Bea"]]
    assert any(
        ":8: citation key 'smith2020' used again (first at line 1)" in w for w in result.warnings
    )


def test_entry_without_title_imported_with_a_warning() -> None:
    result = read_file(BIB / "no_title.bib")
    assert len(result.records) == 2 and result.records[0].title == ""
    assert any(w.endswith(":1: no title") for w in result.warnings)


@pytest.mark.parametrize(
    ("text", "fmt"),
    [
        ("% Encoding: UTF-8\n\n@Article{a, title={T}}\n", "bibtex"),
        ("\ufeff@article(a, title={T})\n", "bibtex"),
        ("TY  - JOUR\nTI  - Mail me at someone@example.org\nER  - \n", "ris"),
        ("PMID- 123\nTI  - @article{x, in a title}\n", "medline"),
        ("title,author\nA study,someone@article{x\n", "csv"),
        ("JabRef export\n@article{a,\n  title = {T},\n}\n", "bibtex"),
    ],
)
def test_detection_from_content(text: str, fmt: str) -> None:
    assert detect(text.encode("utf-8"), text.lstrip("\ufeff")) == fmt


def test_cp1252_file_is_decoded_with_a_warning(tmp_path: Path) -> None:
    path = tmp_path / "w.bib"
    path.write_bytes("@article{a, title={Caf\u00e9 au lait}}\n".encode("cp1252"))
    result = read_file(path)
    assert result.records[0].title == "Café au lait" and "cp1252" in result.warnings[0]


def _stored(records: list[Record]) -> list[StoredRecord]:
    return [StoredRecord(i, 1, "database", r) for i, r in enumerate(records, start=1)]


def _round_trip(records: list[Record]) -> list[Record]:
    out = io.StringIO()
    write_bibtex(out, _stored(records))
    result = read_bibtex(out.getvalue(), "out.bib", "utf-8")
    assert result.records_in_file == len(records) == _starts(out.getvalue())
    return result.records


FIELDS = ("title", "authors", "year", "journal", "volume", "issue", "pages", "doi", "pmid",
          "abstract", "keywords")  # fmt: skip


def test_fixtures_round_trip_through_export() -> None:
    records = [r for path in ALL for r in read_file(path).records]
    again = _round_trip(records)
    for a, b in zip(records, again, strict=True):
        assert {f: getattr(a, f) for f in FIELDS} == {f: getattr(b, f) for f in FIELDS}


def test_special_characters_round_trip_literally() -> None:
    title = r"50% of {all} } odd & # \ @article{x, $x_1$ -- `` '' ~ ^ !` \textbf{no}"
    rec = Record(title=title, authors=["O'Neil, Pat", "{Braced} and Co"], year=2020,
                 abstract="Line one\n@article{evil,\ntitle = {pwned}}", doi="10.1000/a_b%7B")  # fmt: skip
    (back,) = _round_trip([rec])
    assert back.title == title and back.authors == rec.authors
    assert back.abstract == " ".join(rec.abstract.split()) and back.doi == "10.1000/a_b%7b"


def test_citation_keys_are_stable_and_unique() -> None:
    a = Record(title="The effect of tea", authors=["Müller, Jörg"], year=2019)
    assert citation_key(a) == "muller2019effect"
    assert citation_key(Record(title="", authors=["Ann Lee"], year=None)) == "lee"
    assert unique_keys([a, a, a, Record()]) == [
        "muller2019effect", "muller2019effecta", "muller2019effectb", "record"
    ]  # fmt: skip
    assert escape_text("a--b") == "a-{}-b"


_text = st.text(st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")), max_size=40)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.tuples(_text, st.lists(_text, max_size=3), _text), min_size=1, max_size=8))
def test_random_entries_read_back_with_the_same_count_and_title(
    rows: list[tuple[str, list[str], str]],
) -> None:
    records = [
        Record(title=t, authors=[a for a in authors if a.strip()], abstract=ab, year=2000 + i)
        for i, (t, authors, ab) in enumerate(rows)
    ]
    again = _round_trip(records)
    assert [r.title for r in again] == [" ".join(r.title.split()) for r in records]
    assert [r.authors for r in again] == [[" ".join(a.split()) for a in r.authors] for r in records]


def test_cli_import_and_export_bibtex(tmp_path: Path) -> None:
    run(["init", "rev"], tmp_path)
    rev = tmp_path / "rev"
    for path in ALL:
        shutil.copy(path, rev / path.name)
    result = run(["import", "broken_middle.bib", "zotero.bib", "--json", "--no-dedup"], rev)
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["total"] == 8 and [f["format"] for f in report["files"]] == ["bibtex"] * 2
    assert any(":7: malformed entry" in w for w in report["files"][0]["warnings"])
    exported = run(["export", "--format", "bibtex", "-o", "out.bib"], rev)
    assert exported.returncode == 0, exported.stderr
    back = read_file(rev / "out.bib")
    assert len(back.records) == 8 and not back.skipped
    assert "Screening tools & their Bias: a review" in {r.title for r in back.records}


@pytest.mark.parametrize(
    ("text", "titles"),
    [
        ("@article{a1, title={One}} @article{a2, title={Two}} @article{a3, title={Three}}\n",
         ["One", "Two", "Three"]),
        ("@article{x1,title={Alpha}}@article{x2,title={Beta}}\n@article{x3,\n title={Gamma}}\n",
         ["Alpha", "Beta", "Gamma"]),
    ],
)  # fmt: skip
def test_entries_sharing_a_line_are_each_read(text: str, titles: list[str]) -> None:
    """Entries written on one line (a minified file, a paste) are all records, none lost."""
    result = read_bibtex(text, "one.bib", "utf-8")
    assert [r.title for r in result.records] == titles
    assert result.records_in_file == len(titles) and not result.skipped
