"""Exports of records: clean RIS that re-imports, and who may export what under blinding."""

from __future__ import annotations

import csv
import re
from collections.abc import Callable
from pathlib import Path

import pytest

from screener.errors import PermissionDenied
from screener.export.records import export_records
from screener.project import Project
from tests.conftest import FIXTURES

MIXED = FIXTURES / "export" / "mixed_types.ris"


def _records(project: Project) -> list[tuple[str, list[str], str]]:
    return sorted(
        (r.title, list(r.authors), r.doi) for r in (s.record for s in project.screenable())
    )


def test_ris_export_is_plain_ris_one_record_per_ty_er(review: Project, tmp_path: Path) -> None:
    review.import_file(MIXED)
    out = tmp_path / "x.ris"
    assert export_records(review, out, fmt="ris", stage=None, status="all") == 4
    lines = [line for line in out.read_text(encoding="utf-8").splitlines() if line.strip()]
    assert all(re.match(r"^[A-Z][A-Z0-9]  - ", line) for line in lines), lines
    starts = [i for i, line in enumerate(lines) if line.startswith("TY  - ")]
    ends = [i for i, line in enumerate(lines) if line.rstrip() == "ER  -"]
    assert len(starts) == len(ends) == 4
    assert starts[0] == 0 and ends[-1] == len(lines) - 1
    assert all(s < e for s, e in zip(starts, ends, strict=True))
    assert all(e + 1 == s for e, s in zip(ends, starts[1:], strict=False))


def test_ris_export_type_follows_the_publication_type(review: Project, tmp_path: Path) -> None:
    review.import_file(MIXED)
    out = tmp_path / "x.ris"
    export_records(review, out, fmt="ris", stage=None, status="all")
    text = out.read_text(encoding="utf-8")
    types = {}
    for block in text.split("ER  -"):
        ty = re.search(r"(?m)^TY  - (\S+)", block)
        ti = re.search(r"(?m)^TI  - (.+)$", block)
        if ty and ti:
            types[ti.group(1).split(":")[0]] = ty.group(1)
    assert types == {
        "Ketamine for treatment-resistant depression": "JOUR",
        "Psychedelic-assisted therapy in clinical practice": "CHAP",
        "Esketamine and suicidal ideation": "CPAPER",
        "Motivational enhancement with ketamine": "THES",
    }


def test_ris_export_round_trips_into_a_fresh_review(
    make_review: Callable[..., Project], tmp_path: Path
) -> None:
    first = make_review(name="first")
    first.import_file(MIXED)
    out = tmp_path / "x.ris"
    export_records(first, out, fmt="ris", stage=None, status="all")
    second = make_review(name="second")
    report = second.import_file(out)
    assert report.imported == 4 and not report.skipped
    assert _records(second) == _records(first)
    again = {s.record.title: s.record for s in second.screenable()}
    before = {s.record.title: s.record for s in first.screenable()}
    for title, record in before.items():
        copy = again[title]
        assert (copy.year, copy.journal, copy.pages, copy.pmid) == (
            record.year,
            record.journal,
            record.pages,
            record.pmid,
        )
        assert copy.publication_type == record.publication_type


def test_any_reviewer_may_export_duplicates_under_blinding(review: Project, tmp_path: Path) -> None:
    """Duplicate links do not depend on anyone's votes; outcome filters stay senior-only."""
    review.import_file(FIXTURES / "dedup" / "embase.ris")
    review.import_file(FIXTURES / "dedup" / "pubmed.nbib")
    assert review.config.blinding
    dups = review.primary_of()
    assert dups
    out = tmp_path / "dups.csv"
    n = export_records(review, out, fmt="csv", stage=None, status="duplicates", viewer="reviewer1")
    rows = list(csv.DictReader(out.open(encoding="utf-8")))
    assert n == len(rows) == len(dups)
    assert all(r["title_abstract"] == r["full_text"] == "" for r in rows)
    for status in ("conflict", "included", "excluded", "agreed_include"):
        with pytest.raises(PermissionDenied):
            export_records(review, out, fmt="csv", stage=None, status=status, viewer="reviewer1")


def test_an_export_to_a_missing_folder_is_one_line(review: Project, tmp_path: Path) -> None:
    from screener.errors import ScreenerError

    target = tmp_path / "no" / "such" / "x.ris"
    with pytest.raises(ScreenerError, match=r"x\.ris: cannot write: No such file or directory"):
        export_records(review, target, fmt="ris", stage=None, status="all")


@pytest.mark.parametrize("tty", [True, False])
def test_standard_output_escapes_what_a_terminal_would_act_on(
    tty: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`-o -` to a terminal shows escape sequences and bidi overrides escaped; to a pipe,
    the exact text (what a program reading it needs)."""
    import io

    from screener.outgoing import opened

    class Stream(io.StringIO):
        def isatty(self) -> bool:
            return tty

    stream = Stream()
    monkeypatch.setattr("sys.stdout", stream)
    evil = "Title \x1b[31mred\x1b]0;pwned\x07 \u202eevil\r\n"
    with opened(Path("-")) as fh:
        fh.write(evil)
    if tty:
        assert stream.getvalue() == "Title \\x1b[31mred\\x1b]0;pwned\\x07 \\u202eevil\n"
    else:
        assert stream.getvalue() == evil
