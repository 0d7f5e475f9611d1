"""Format detection from content (never from the extension) and dispatch."""

from __future__ import annotations

import io
import itertools
import re
from collections.abc import Iterator
from pathlib import Path
from typing import TextIO

from screener.config import DEFAULT_MAX_CELLS
from screener.errors import ImportFormatError
from screener.ingest import endnote_xml as enx
from screener.ingest.bibtex import read_bibtex
from screener.ingest.bibtex_values import detect_bibtex, looks_like_bibtex
from screener.ingest.medline import read_medline
from screener.ingest.report import ImportResult
from screener.ingest.ris import START_RE, iter_ris, read_ris
from screener.ingest.table import read_table, sniff_delimiter
from screener.ingest.text import INVISIBLE_LEAD, decode
from screener.model import Record

_MEDLINE_RE = re.compile(rf"^{INVISIBLE_LEAD}PMID- ?\d", re.MULTILINE)


def _first_line_with(text: str, pattern: re.Pattern[str]) -> int:
    m = pattern.search(text)
    return text.count("\n", 0, m.start()) + 1 if m else 0


def detect(data: bytes, text: str | None) -> str:
    """Return 'ris', 'medline', 'bibtex', 'endnote-xml', 'csv', 'tsv' or 'excel'; '' when
    none fits."""
    if data[:4] == b"PK\x03\x04" or data[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1":
        return "excel"
    if text is None:
        return ""
    if enx.looks_like_endnote_xml(text):
        return enx.FORMAT
    if detect_bibtex(text):
        return "bibtex"
    ris_line = _first_line_with(text, START_RE)
    med_line = _first_line_with(text, _MEDLINE_RE)
    if ris_line and (not med_line or ris_line < med_line):
        return "ris"
    if med_line:
        return "medline"
    if looks_like_bibtex(text):
        return "bibtex"
    sep = sniff_delimiter(text)
    if sep is not None:
        return "tsv" if sep == "\t" else "csv"
    return ""


def read_file(path: str | Path, *, max_cells: int = DEFAULT_MAX_CELLS) -> ImportResult:
    """Read one export. Raises `ImportFormatError` when it is not a bibliography.

    `max_cells`: a spreadsheet whose data reaches further (rows x columns) is refused.
    """
    p = Path(path)
    name = str(p)
    try:
        data = p.read_bytes()
    except OSError as exc:
        raise ImportFormatError(name, 0, f"cannot read file: {exc.strerror or exc}") from exc
    if not data.strip():
        raise ImportFormatError(name, 1, "the file is empty")
    is_binary_office = data[:4] == b"PK\x03\x04" or data[:4] == b"\xd0\xcf\x11\xe0"
    text: str | None = None
    encoding = "binary"
    if not is_binary_office:
        nul = data.find(b"\x00")
        if nul >= 0 and not data.startswith((b"\xff\xfe", b"\xfe\xff")):
            line = data.count(b"\n", 0, nul) + 1
            raise ImportFormatError(
                name, line, "binary content (NUL byte): not a bibliographic export"
            )
        text, encoding = decode(data)
        if "\x00" in text:  # a NUL character in UTF-16 text: binary too (and PostgreSQL refuses it)
            line = text.count("\n", 0, text.index("\x00")) + 1
            raise ImportFormatError(
                name, line, "binary content (NUL character): not a bibliographic export"
            )
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    fmt = detect(data, text)
    if fmt == "ris":
        assert text is not None
        result = read_ris(text, name, encoding)
    elif fmt == "medline":
        assert text is not None
        result = read_medline(text, name, encoding)
    elif fmt == "bibtex":
        assert text is not None
        result = read_bibtex(text, name, encoding)
    elif fmt in ("csv", "tsv", "excel"):
        result = read_table(data, text, name, fmt, encoding, max_cells=max_cells)
    elif fmt == enx.FORMAT:  # parsed from the bytes: the XML declares its encoding
        encoding = enx.xml_encoding(data)
        result = enx.read_endnote_xml(io.BytesIO(data), name, encoding)
    elif text is not None and (root := enx.root_element(text)):
        raise enx.not_endnote(name, root)
    else:
        raise ImportFormatError(
            name,
            1,
            "not a bibliographic export: no RIS 'TY  -' line, no MEDLINE 'PMID- ' line, "
            "no BibTeX '@article{' entry, and no table header with a title column",
        )
    if encoding in ("cp1252", "latin-1"):
        result.warnings.insert(0, f"{name}: not UTF-8; decoded as {encoding}")
    if not result.records and not result.skipped:
        raise ImportFormatError(name, 1, f"no records found in this {fmt.upper()} file")
    return result


_HEAD = 1 << 20


def _scan_encoding(path: Path) -> tuple[str, int, bool]:
    """Stream the file once: (codec, line of the first NUL byte or 0, whether a byte-order
    mark stands after the start: exports pasted together)."""
    import codecs

    decoder = codecs.getincrementaldecoder("utf-8")()
    utf8 = True
    lines = 0
    inner_bom = False
    tail = b""
    with path.open("rb") as fh:
        first = True
        while chunk := fh.read(_HEAD):
            nul = chunk.find(b"\x00")
            if nul >= 0:
                return "", lines + chunk.count(b"\n", 0, nul) + 1, inner_bom
            lines += chunk.count(b"\n")
            if first and chunk.startswith(b"\xef\xbb\xbf"):
                chunk = chunk[3:]
            first = False
            inner_bom = inner_bom or b"\xef\xbb\xbf" in tail + chunk
            tail = chunk[-2:]
            if utf8:
                try:
                    decoder.decode(chunk)
                except UnicodeDecodeError:
                    utf8 = False
    return ("utf-8-sig" if utf8 else "cp1252"), 0, inner_bom


def stream_file(
    path: str | Path, *, max_cells: int = DEFAULT_MAX_CELLS
) -> tuple[ImportResult, Iterator[Record]]:
    """Like `read_file`, but a large RIS file is parsed while it is read, record by record.

    The report's skips and warnings are complete once the iterator is exhausted. Raises
    `ImportFormatError` up front for what detection can see, or from the iterator when a
    RIS file turns out to hold no record at all.
    """
    p = Path(path)
    name = str(p)
    try:
        with p.open("rb") as fh:
            head = fh.read(_HEAD)
    except OSError as exc:
        raise ImportFormatError(name, 0, f"cannot read file: {exc.strerror or exc}") from exc
    head_text = None
    if b"\x00" not in head and not head.startswith((b"\xff\xfe", b"\xfe\xff")):
        head_text = decode(head)[0].replace("\r\n", "\n")
    fmt = detect(head, head_text) if head_text is not None else ""
    if fmt == enx.FORMAT:
        result, xml_records = enx.stream_endnote_xml(p)
        return result, _counting(xml_records, result)
    if fmt != "ris" or p.stat().st_size <= _HEAD:
        result = read_file(p, max_cells=max_cells)
        loaded, result.records = result.records, []
        return result, _counting(iter(loaded), result)
    codec, nul_line, inner_bom = _scan_encoding(p)
    if nul_line:
        raise ImportFormatError(
            name, nul_line, "binary content (NUL byte): not a bibliographic export"
        )
    result = ImportResult(
        path=name, format="ris", encoding="utf-8" if codec == "utf-8-sig" else codec
    )
    if codec == "cp1252":
        result.warnings.append(f"{name}: not UTF-8; decoded as cp1252")

    def records() -> Iterator[Record]:
        with p.open(encoding=codec, errors="replace", newline=None) as fh:
            yield from iter_ris(_lines(fh), result, split_boms=inner_bom)
        if not result.records_in_file_streamed and not result.skipped:
            raise ImportFormatError(name, 1, "no records found in this RIS file")

    return result, _counting(records(), result)


def _lines(fh: TextIO, size: int = 1 << 22) -> Iterator[str]:
    """The lines of a text stream, read in large blocks (much faster than line by line)."""
    return itertools.chain.from_iterable(_blocks(fh, size))


def _blocks(fh: TextIO, size: int) -> Iterator[list[str]]:
    rest = ""
    while block := fh.read(size):
        lines = (rest + block).split("\n")
        rest = lines.pop()
        yield lines
    if rest:
        yield [rest]


def _counting(records: Iterator[Record], result: ImportResult) -> Iterator[Record]:
    for record in records:
        result.records_in_file_streamed += 1
        yield record
