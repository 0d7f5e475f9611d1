"""Format detection from content (never from the extension) and dispatch."""

from __future__ import annotations

import csv
import re
from pathlib import Path

from screener.errors import ImportFormatError
from screener.ingest.medline import read_medline
from screener.ingest.report import ImportResult
from screener.ingest.ris import START_RE, read_ris
from screener.ingest.table import COLUMNS, _norm, read_table
from screener.ingest.text import decode

_MEDLINE_RE = re.compile(r"^PMID- ?\d", re.MULTILINE)
_TITLE_NAMES = {_norm(n) for n in COLUMNS["title"]}


def _first_line_with(text: str, pattern: re.Pattern[str]) -> int:
    m = pattern.search(text)
    return text.count("\n", 0, m.start()) + 1 if m else 0


def detect(data: bytes, text: str | None) -> str:
    """Return 'ris', 'medline', 'csv', 'tsv' or 'excel'; '' when none fits."""
    if data[:4] == b"PK\x03\x04" or data[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1":
        return "excel"
    if text is None:
        return ""
    ris_line = _first_line_with(text, START_RE)
    med_line = _first_line_with(text, _MEDLINE_RE)
    if ris_line and (not med_line or ris_line < med_line):
        return "ris"
    if med_line:
        return "medline"
    header = text.lstrip().split("\n", 1)[0]
    for fmt, sep in (("tsv", "\t"), ("csv", ",")):
        if sep in header or fmt == "csv":
            try:
                names = next(csv.reader([header], delimiter=sep))
            except csv.Error:
                continue
            if any(_norm(n) in _TITLE_NAMES for n in names):
                return fmt
    return ""


def read_file(path: str | Path) -> ImportResult:
    """Read one export. Raises `ImportFormatError` when it is not a bibliography."""
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
            raise ImportFormatError(name, line, "binary content (NUL byte): not a bibliographic export")
        text, encoding = decode(data)
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    fmt = detect(data, text)
    if fmt == "ris":
        assert text is not None
        result = read_ris(text, name, encoding)
    elif fmt == "medline":
        assert text is not None
        result = read_medline(text, name, encoding)
    elif fmt in ("csv", "tsv", "excel"):
        result = read_table(data, text, name, fmt, encoding)
    else:
        raise ImportFormatError(
            name,
            1,
            "not a bibliographic export: no RIS 'TY  -' line, no MEDLINE 'PMID- ' line, "
            "and no table header with a title column",
        )
    if encoding in ("cp1252", "latin-1"):
        result.warnings.insert(0, f"{name}: not UTF-8; decoded as {encoding}")
    if not result.records and not result.skipped:
        raise ImportFormatError(name, 1, f"no records found in this {fmt.upper()} file")
    return result
