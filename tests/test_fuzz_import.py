"""Untrusted input: random and mutated exports are imported with a report or refused.

Mutations of small valid RIS, MEDLINE and CSV files (truncation, byte flips, random tags,
NULs, huge lines, other encodings and line endings) and plain random bytes are fed to
`read_file` and to `Project.import_file`. Each file must either be read (with a report
whose counts add up) or refused with `ImportFormatError` — no other exception, no hang,
and a refused file leaves the store exactly as it was. Hostile titles (Rich markup,
terminal escape sequences, bidi overrides, 1 MB abstracts) are stored and exported
literally, and CSV exports defuse spreadsheet formulas.
"""

from __future__ import annotations

import csv
import importlib.util
import os
import signal
import subprocess
import sys
import tempfile
import textwrap
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from screener.errors import ImportFormatError
from screener.export.records import export_records
from screener.ingest import detect as detect_module
from screener.ingest import read_file
from screener.ingest.detect import stream_file
from screener.project import Project
from tests.conftest import FIXTURES
from tests.pg import make_review

RIS = (
    "TY  - JOUR\nID  - 1\nTI  - A randomised trial of walking\nAU  - Doe, Jane\nAU  - Roe, K.\n"
    "PY  - 2019//\nJO  - J Walk\nAB  - Background: walking.\n  Continued abstract line.\n"
    "DO  - https://doi.org/10.1000/ABC.1\nKW  - exercise; walking\nER  - \n\n"
    "TY  - CHAP\nTI  - Second record\nAU  - Smith, A\nPY  - 2020\nAN  - 12345678\nER  - \n"
)
MEDLINE = (
    "PMID- 31000001\nOWN - NLM\nTI  - Walking for health: a\n      cohort study.\n"
    "AB  - Methods and results.\nFAU - Doe, Jane\nAU  - Doe J\nDP  - 2019 Mar 4\n"
    "LID - 10.1000/xyz [doi]\nPT  - Journal Article\nMH  - Walking\n\n"
    "PMID- 31000002\nTI  - Another title\nDP  - 2018\nJT  - Journal\n"
)
CSV = (
    "Title,Abstract,Authors,Year,DOI,PMID,Keywords\n"
    '"A, quoted title",Abstract one,"Doe, J; Roe, K",2019,10.1000/a,123,a; b\n'
    "Second title,,Smith A,n.d.,,abc,\n"
    '"Multi\nline",x,y,2001,,,\n'
)
BASES = [RIS.encode(), MEDLINE.encode(), CSV.encode(), CSV.replace(",", "\t").encode()]
BASES += [p.read_bytes() for p in sorted(FIXTURES.glob("*/*")) if p.stat().st_size < 20_000]

TAGS = [
    "TY",
    "ER",
    "TI",
    "AU",
    "PY",
    "AB",
    "DO",
    "KW",
    "AN",
    "ID",
    "T1",
    "PMID",
    "DP",
    "LID",
    "FAU",
]
EXAMPLE_TIMEOUT = 30  # seconds: a hang is a failure, but a slow CI machine is not


@contextmanager
def time_limit(seconds: int) -> Iterator[None]:
    def on_alarm(_signum: int, _frame: Any) -> None:
        raise TimeoutError(f"import did not finish within {seconds} s (a hang?)")

    previous = signal.signal(signal.SIGALRM, on_alarm)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


# What exports pasted together (or text copied from a web page) leave before a tag.
INVISIBLES = ["\ufeff", "\u200b", "\u200c", "\u200d", "\u2060"]
invisible_lead = st.lists(st.sampled_from(INVISIBLES), min_size=1, max_size=3).map("".join)


@st.composite
def mutated(draw: st.DrawFn) -> bytes:
    """A valid export, then up to five mutations."""
    data = bytearray(draw(st.sampled_from(BASES)))
    for _ in range(draw(st.integers(0, 5))):
        op = draw(
            st.sampled_from(
                ["truncate", "flip", "insert", "tag", "nul", "huge", "encoding", "eol", "dup",
                 "delete", "unicode", "invisible"]
            )
        )  # fmt: skip
        pos = draw(st.integers(0, len(data)))
        if op == "truncate":
            del data[pos:]
        elif op == "flip" and data:
            i = min(pos, len(data) - 1)
            data[i] ^= draw(st.integers(1, 255))
        elif op == "insert":
            data[pos:pos] = draw(st.binary(min_size=1, max_size=16))
        elif op == "tag":
            tag = draw(
                st.sampled_from(TAGS)
                | st.text("ABCDEFGHIJKLMNOPQRSTUVWXYZ0129", min_size=2, max_size=2)
            )
            sep = draw(st.sampled_from(["  - ", "- ", " - ", "  -", "-"]))
            value = draw(st.text(max_size=30))
            data[pos:pos] = f"\n{tag}{sep}{value}\n".encode(errors="replace")
        elif op == "nul":
            data[pos:pos] = b"\x00"
        elif op == "huge":
            prefix = draw(st.sampled_from([b"\nAB  - ", b"\n", b"\nTI  - ", b'\n"', b"\nPMID- 1"]))
            data[pos:pos] = prefix + b"x" * draw(st.integers(10_000, 300_000)) + b"\n"
        elif op == "encoding":
            text = bytes(data).decode("utf-8", errors="replace")
            enc = draw(
                st.sampled_from(
                    ["utf-16", "utf-16-le", "utf-16-be", "latin-1", "cp1252", "utf-8-sig", "utf-32"]
                )
            )
            data = bytearray(text.encode(enc, errors="replace"))
        elif op == "eol":
            data = bytearray(
                bytes(data).replace(b"\n", draw(st.sampled_from([b"\r\n", b"\r", b"\n\n"])))
            )
        elif op in ("dup", "delete"):
            lines = bytes(data).split(b"\n")
            if lines:
                i = min(draw(st.integers(0, len(lines) - 1)), len(lines) - 1)
                if op == "dup":
                    lines.insert(i, lines[i])
                else:
                    del lines[i]
            data = bytearray(b"\n".join(lines))
        elif op == "unicode":
            data[pos:pos] = draw(st.text(min_size=1, max_size=20)).encode()
        elif op == "invisible":  # a byte-order mark or zero-width characters before a line
            at = bytes(data).rfind(b"\n", 0, pos) + 1
            data[at:at] = draw(invisible_lead).encode()
    return bytes(data)


files = mutated() | st.binary(max_size=3000)


FUZZ = settings(
    max_examples=int(os.environ.get("SCREENER_FUZZ_EXAMPLES", "500")),
    deadline=None,
    database=None,  # nothing written into the work tree; failures print their example
    suppress_health_check=[
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
        HealthCheck.large_base_example,
    ],
    derandomize=False,
)


def check_read(path: Path) -> None:
    with time_limit(EXAMPLE_TIMEOUT):
        try:
            result = read_file(path)
        except ImportFormatError as exc:
            assert exc.message and exc.line >= 0
            return
    assert result.format in ("ris", "medline", "bibtex", "csv", "tsv", "excel", "endnote-xml")
    assert result.records_in_file == len(result.records) + len(result.skipped)
    assert result.records or result.skipped
    for rec in result.records:
        assert isinstance(rec.title, str) and isinstance(rec.raw, dict)
        assert rec.year is None or 1600 <= rec.year <= 2099


@FUZZ
@given(
    data=files,
    suffix=st.sampled_from([".ris", ".txt", ".nbib", ".csv", ".tsv", ".bib", ".xml", ""]),
)
def test_read_file_reads_or_refuses(data: bytes, suffix: str) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / f"export{suffix}"
        path.write_bytes(data)
        check_read(path)


# A field value: any text on one line (no control characters or line separators).
value_text = st.text(
    st.characters(blacklist_categories=("Cc", "Cf", "Cs", "Zl", "Zp")), min_size=1, max_size=30
)
RIS_FIELDS = ["TI", "T1", "AU", "A1", "PY", "Y1", "AB", "N2", "KW", "DO", "JO", "UR", "N1"]
MEDLINE_FIELDS = ["TI  - ", "AB  - ", "DP  - ", "FAU - ", "AU  - ", "JT  - ", "LID - "]


@st.composite
def pasted_exports(draw: st.DrawFn) -> tuple[bytes, int, int, str]:
    """Exports as databases write them, pasted together (`cat a.ris b.ris`), with a
    byte-order mark or zero-width characters before any tag: (bytes, record starts,
    empty records, format)."""
    fmt = draw(st.sampled_from(["ris", "medline"]))
    maybe_lead = st.one_of(st.just(""), invisible_lead)
    eol = draw(st.sampled_from(["\n", "\r\n"]))
    exports: list[str] = []
    starts = empty = 0
    for _ in range(draw(st.integers(1, 4))):
        lines: list[str] = []
        for _ in range(draw(st.integers(1, 5))):
            starts += 1
            fields = draw(st.lists(st.tuples(maybe_lead, value_text), max_size=5))
            if fmt == "ris":
                kind = draw(st.sampled_from(["JOUR", "BOOK", ""]))
                empty += not fields and not kind  # read as an empty record, reported
                lines.append(f"{draw(maybe_lead)}TY  - {kind}".rstrip())
                for i, (lead, value) in enumerate(fields):
                    lines.append(f"{lead}{RIS_FIELDS[i % len(RIS_FIELDS)]}  - {value}")
                    if draw(st.booleans()):  # a continuation line
                        lines.append(draw(maybe_lead) + "and " + draw(value_text))
                if draw(st.integers(0, 9)):  # now and then no `ER` (Rayyan)
                    lines.append(draw(maybe_lead) + "ER  - ")
            else:
                lines.append(f"{draw(maybe_lead)}PMID- {draw(st.integers(1, 10**8))}")
                for i, (lead, value) in enumerate(fields):
                    lines.append(f"{lead}{MEDLINE_FIELDS[i % len(MEDLINE_FIELDS)]}{value}")
                    if draw(st.booleans()):
                        lines.append(draw(maybe_lead) + "      and " + draw(value_text))
            lines.extend([""] * draw(st.integers(0, 2)))
        bom = "\ufeff" if draw(st.booleans()) else ""
        if bom and exports and draw(st.booleans()):  # the previous one had no final line break
            exports[-1] = exports[-1].rstrip("\r\n")
        exports.append(bom + eol.join(lines) + draw(st.sampled_from([eol, eol * 2])))
    return "".join(exports).encode("utf-8"), starts, empty, fmt


@FUZZ
@given(export=pasted_exports(), streamed=st.booleans())
def test_pasted_exports_keep_every_record(
    export: tuple[bytes, int, int, str], streamed: bool
) -> None:
    """Records read == record starts, whatever invisible characters stand before the tags,
    read whole or streamed (a RIS file over the streaming threshold)."""
    data, starts, empty, fmt = export
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "pasted.ris"
        path.write_bytes(data)
        with time_limit(EXAMPLE_TIMEOUT):
            if streamed:
                with pytest.MonkeyPatch.context() as mp:
                    mp.setattr(detect_module, "_HEAD", 64)
                    result, stream = stream_file(path)
                    records = list(stream)
            else:
                result = read_file(path)
                records = result.records
    assert result.format == fmt
    assert result.records_in_file == starts
    assert len(records) == starts - empty
    assert [s.reason for s in result.skipped] == [
        "empty record: a 'TY' line with no fields"
    ] * empty
    assert not [w for w in result.warnings if "ignored" in w]
    tags = {*RIS_FIELDS, "TY", "PMID", *(t[:4].strip() for t in MEDLINE_FIELDS)}
    for record in records:
        assert set(record.raw) <= tags, record.raw
        values = [v for vs in record.raw.values() for v in vs]
        assert not [v for v in values if v.startswith(tuple(INVISIBLES))], record.raw
        assert not record.title.startswith(tuple(INVISIBLES))


_PROJECT: dict[str, Project] = {}


def shared_project() -> Project:
    """One review for all examples (imports accumulate; each is checked on its own)."""
    if "p" not in _PROJECT:
        folder = Path(tempfile.mkdtemp(prefix="screener-fuzz-"))
        _PROJECT["p"] = Project.open(
            make_review(folder / "review", f"sqlite:///{folder / 's.sqlite'}")
        )
    return _PROJECT["p"]


@settings(FUZZ, max_examples=250)
@given(data=files)
def test_import_file_is_all_or_nothing(data: bytes) -> None:
    project = shared_project()
    store = project.store
    before, batches = store.count_records(), len(store.batches())
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "export.ris"
        path.write_bytes(data)
        with time_limit(EXAMPLE_TIMEOUT):
            try:
                report = project.import_file(path, label="Fuzz", dedup=False)
            except ImportFormatError:
                assert store.count_records() == before
                assert len(store.batches()) == batches
                return
    added = store.count_records() - before
    if report.already_imported:
        assert added == 0
    else:
        assert added == report.imported == report.records - len(report.skipped)
        assert len(store.batches()) == batches + 1
    assert store.integrity_check() == []


def test_nul_in_utf16_text_is_refused(tmp_path: Path) -> None:
    """A NUL character hidden in UTF-16 text is refused like a NUL byte (PostgreSQL cannot
    store it, so accepting it would make an import succeed on SQLite and fail on PostgreSQL)."""
    path = tmp_path / "nul16.ris"
    path.write_bytes(RIS.replace("walking", "walk\x00ing").encode("utf-16"))
    with pytest.raises(ImportFormatError, match="NUL"):
        read_file(path)
    path.write_bytes(RIS.encode("utf-16"))
    assert len(read_file(path).records) == 2


HOSTILE = {
    "markup": "[bold red]Injected[/] [link=http://example.invalid]x[/link] $(rm -rf ~)",
    "ansi": "\x1b[31mred\x1b[0m \x1b]0;pwned\x07 \x1b]8;;http://example.invalid\x1b\\link\x1b]8;;\x1b\\",
    "bidi": "abc\u202etxt.exe\u202c \u2066isolate\u2069 \u200fRTL\u200e",
    "formula": '=HYPERLINK("http://example.invalid","click")',
    "plus": "+cmd|' /C calc'!A0",
    "at": "@SUM(1+1)*cmd|' /C calc'!A0",
    "minus": "-2+3+cmd|' /C calc'!A0",
}


def hostile_ris(big: str) -> str:
    parts = [
        f"TY  - JOUR\nID  - h-{key}\nTI  - {value}\nAU  - {value}\nPY  - 2020\nAB  - {value}\nER  - \n"
        for key, value in HOSTILE.items()
    ]
    parts.append(f"TY  - JOUR\nID  - h-big\nTI  - Big abstract\nAB  - {big}\nER  - \n")
    return "\n".join(parts)


def test_hostile_text_is_stored_and_exported_literally(tmp_path: Path) -> None:
    big = "".join(f"word{i % 97} " for i in range(160_000))[:1_000_000].strip()
    assert len(big) >= 999_000
    config = make_review(tmp_path / "review", f"sqlite:///{tmp_path / 's.sqlite'}")
    project = Project.open(config)
    try:
        export = tmp_path / "hostile.ris"
        export.write_text(hostile_ris(big), encoding="utf-8")
        report = project.import_file(export, label="Evil", dedup=False)
        assert report.imported == len(HOSTILE) + 1
        stored = {sr.record.source_id: sr.record for sr in project.store.records()}
        for key, value in HOSTILE.items():
            assert stored[f"h-{key}"].title == value, key
            assert stored[f"h-{key}"].abstract == value, key
            assert stored[f"h-{key}"].authors == [value], key
        assert stored["h-big"].abstract == big

        out = tmp_path / "all.csv"
        csv.field_size_limit(sys.maxsize)
        export_records(project, out, fmt="csv", stage=None, status="all")
        rows = {r["source_id"]: r for r in csv.DictReader(out.open(encoding="utf-8", newline=""))}
        for row in rows.values():
            for cell in row.values():
                assert (
                    cell[:1] not in ("=", "+", "@", "-")
                    or cell.lstrip("-").replace(".", "").isdigit()
                ), cell
        for key in ("markup", "ansi", "bidi"):
            assert rows[f"h-{key}"]["title"] == HOSTILE[key]
        for key in ("formula", "plus", "at", "minus"):
            assert rows[f"h-{key}"]["title"] == "'" + HOSTILE[key]
        assert rows["h-big"]["abstract"] == big

        ris_out = tmp_path / "all.ris"
        export_records(project, ris_out, fmt="ris", stage=None, status="all")
        again = {r.title: r for r in read_file(ris_out).records}
        for value in HOSTILE.values():
            assert value in again  # the RIS export round-trips the text unchanged
        assert again["Big abstract"].abstract == big
    finally:
        project.close()


def test_cli_shows_hostile_titles_inert(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """What the command line prints never carries a live escape sequence or bidi override."""
    from screener.cli import main

    config = make_review(tmp_path / "review", f"sqlite:///{tmp_path / 's.sqlite'}", blinding=False)
    export = tmp_path / "hostile.ris"
    export.write_text(hostile_ris("short"), encoding="utf-8")
    assert main(["--config", str(config), "import", str(export)]) == 0
    for rid in ("R2", "R3"):
        assert main(["--config", str(config), "decide", rid, "include", "--reviewer", "alice"]) == 0
        assert main(["--config", str(config), "decide", rid, "exclude", "--reviewer", "bob"]) == 0
    capsys.readouterr()
    assert main(["--config", str(config), "conflicts", "--reviewer", "sam"]) == 0
    out = capsys.readouterr().out
    assert "R2" in out and "R3" in out
    assert "\x1b" not in out and "\x07" not in out and "\u202e" not in out


ATHERIS_HARNESS = textwrap.dedent(
    """
    import sys, tempfile, pathlib
    import atheris
    with atheris.instrument_imports(include=["screener"]):
        from screener.errors import ImportFormatError
        from screener.ingest import detect as detect_module
from screener.ingest import read_file
from screener.ingest.detect import stream_file
    folder = pathlib.Path(tempfile.mkdtemp())
    def one(data):
        path = folder / "f.ris"
        path.write_bytes(data)
        try:
            read_file(path)
        except ImportFormatError:
            pass
    atheris.Setup(sys.argv, one)
    atheris.Fuzz()
    """
)


@pytest.mark.skipif(
    importlib.util.find_spec("atheris") is None, reason="atheris is not installed (optional)"
)
def test_atheris_coverage_guided_fuzz(tmp_path: Path) -> None:
    """Coverage-guided fuzzing of read_file, seeded with the valid exports, time-boxed."""
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for i, base in enumerate(BASES):
        (corpus / f"seed{i}").write_bytes(base)
    harness = tmp_path / "harness.py"
    harness.write_text(ATHERIS_HARNESS, encoding="utf-8")
    proc = subprocess.run(
        [sys.executable, str(harness), str(corpus), "-max_total_time=10", "-max_len=4096",
         "-timeout=20", "-rss_limit_mb=4096"],
        capture_output=True, text=True, timeout=180,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr[-3000:]
