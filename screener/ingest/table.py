"""CSV, TSV and Excel exports (ASReview-style column names).

A spreadsheet is streamed row by row, never loaded as a grid: an `.xlsx` with openpyxl in
read-only mode, up to its last non-empty row and column whatever its declared dimension
says; a legacy `.xls` with python-calamine (whose grid is at most 65,536 x 256 cells). A
sheet whose data reaches further than `max_cells` cells (rows x columns, `[import]
max_cells` in config.toml) is refused with one line before it is read any further.
"""

from __future__ import annotations

import csv
import io
import warnings
import zipfile
from collections.abc import Iterator

from screener.config import DEFAULT_MAX_CELLS
from screener.errors import ImportFormatError
from screener.ingest.cells import sparse_cells, too_big_message
from screener.ingest.report import ImportResult
from screener.ingest.text import normalise_doi, parse_year, split_list
from screener.model import Record

# Field → accepted column names (lower-case, compared without spaces/underscores).
COLUMNS: dict[str, tuple[str, ...]] = {
    "title": ("title", "primarytitle", "articletitle", "ti", "documenttitle"),
    "abstract": ("abstract", "ab", "abstractnote", "notesabstract"),
    "authors": ("authors", "author", "au", "firstauthors"),
    "year": ("year", "publicationyear", "py", "date", "pubyear"),
    "journal": (
        "journal",
        "sourcetitle",
        "secondarytitle",
        "journalname",
        "publicationtitle",
        "so",
    ),
    "volume": ("volume", "vl"),
    "issue": ("issue", "number", "is"),
    "pages": ("pages", "pagerange", "pg"),
    "doi": ("doi", "do", "di"),
    "pmid": ("pmid", "pubmedid", "pubmed_id", "pubmed"),
    "keywords": ("keywords", "authorkeywords", "kw", "meshterms"),
    "language": ("language", "la"),
    "publication_type": ("publicationtype", "documenttype", "type", "pt"),
    "url": ("url", "link", "urls"),
    "source_id": ("recordid", "id", "key", "accessionnumber", "eid", "ut"),
    "database": ("database", "source", "db"),
}


def _norm(name: str) -> str:
    return "".join(ch for ch in name.lower() if ch.isalnum())


_TITLE_NAMES = {_norm(n) for n in COLUMNS["title"]}


def _column_map(columns: list[str]) -> dict[str, str]:
    by_norm = {_norm(c): c for c in columns}
    found: dict[str, str] = {}
    for field, names in COLUMNS.items():
        for name in names:
            if _norm(name) in by_norm:
                found[field] = by_norm[_norm(name)]
                break
    return found


# -- spreadsheets -------------------------------------------------------------------------

_OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
EXCEL_ROWS, EXCEL_COLUMNS = 1_048_576, 16_384
Rows = Iterator[tuple[int, dict[int, str]]]
"""(row or line number, {column index: value}) of each row with a value, empty cells left
out: a row is never as wide as the sheet."""


def _too_big(path: str, row: int, width: int, max_cells: int) -> ImportFormatError:
    return ImportFormatError(path, row, too_big_message(row, width, max_cells))


def _xlsx_rows(data: bytes, path: str, max_cells: int, notes: list[str]) -> Rows:
    import openpyxl

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # "no default style" and the like: not the user's
        workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    try:
        sheets = workbook.worksheets
        if not sheets:
            raise ImportFormatError(path, 1, "the workbook has no worksheet")
        sheet = sheets[0]
        if len(sheets) > 1:
            others = ", ".join(repr(s.title) for s in sheets[1:4]) + (
                ", ..." if len(sheets) > 4 else ""
            )
            notes.append(f"{path}: read the first sheet ({sheet.title!r}) only; not read: {others}")
        # The declared dimension can lie either way: read what the sheet holds, row by row
        # (rows it leaves out come as empty tuples, never padded to a width).
        sheet.reset_dimensions()
        last = width = 0
        for number, row in enumerate(sheet.iter_rows(values_only=True), start=1):
            if number > EXCEL_ROWS:
                raise ImportFormatError(
                    path, number, f"row {number:,} lies beyond the last row of an Excel sheet "
                    f"({EXCEL_ROWS:,}): a damaged workbook"
                )  # fmt: skip
            cells = sparse_cells(row) if row else {}
            if not cells:
                continue
            last, width = number, max(width, max(cells) + 1)
            if last * width > max_cells:
                raise _too_big(path, last, width, max_cells)
            yield number, cells
    finally:
        workbook.close()


def _xls_rows(data: bytes, path: str, max_cells: int, notes: list[str]) -> Rows:
    from screener.ingest.xls import xls_rows  # a child process, with bounded memory

    yield from xls_rows(data, path, max_cells, notes)


def _excel_rows(data: bytes, path: str, max_cells: int, notes: list[str]) -> tuple[Rows, str]:
    """The rows of the first sheet of a workbook, and its kind ('xlsx' or 'xls')."""
    if data.startswith(_OLE2):
        return _xls_rows(data, path, max_cells, notes), "xls"
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = set(archive.namelist())
            mimetype = archive.read("mimetype")[:80] if "mimetype" in names else b""
    except (zipfile.BadZipFile, OSError, EOFError) as exc:
        raise ImportFormatError(path, 1, f"a damaged ZIP archive, not a workbook: {exc}") from exc
    if "xl/workbook.xml" in names:
        return _xlsx_rows(data, path, max_cells, notes), "xlsx"
    if b"opendocument.spreadsheet" in mimetype:
        raise ImportFormatError(
            path, 1, "an OpenDocument spreadsheet (.ods): save it as .xlsx or .csv"
        )
    raise ImportFormatError(path, 1, "a ZIP archive, not an Excel workbook (.xlsx)")


def _header(cells: dict[int, str]) -> dict[int, str]:
    """Column names by index; a second `Title` is `Title.1`, as pandas names it."""
    names: dict[int, str] = {}
    seen: set[str] = set()
    for i, name in sorted(cells.items()):
        base, k = name, 0
        while name in seen:
            k += 1
            name = f"{base}.{k}"
        seen.add(name)
        names[i] = name
    return names


DELIMITERS = ("\t", ";", ",", "|")
"""What a table's columns may be separated by: tab, semicolon (what Excel writes where the
comma is the decimal mark), comma, and the pipe some registries use."""


def sniff_delimiter(text: str) -> str | None:
    """The delimiter whose split of the header line (the first non-blank line) names a title
    column; of several, the one giving the most columns. None when none does."""
    header = text.lstrip().split("\n", 1)[0]
    best: tuple[int, str] | None = None
    for sep in DELIMITERS:
        if sep not in header and sep != ",":
            continue
        try:
            names = next(csv.reader([header], delimiter=sep))
        except (csv.Error, StopIteration):
            continue
        if any(_norm(n) in _TITLE_NAMES for n in names) and (best is None or len(names) > best[0]):
            best = (len(names), sep)
    return best[1] if best else None


def _csv_rows(text: str, fmt: str) -> Rows:
    import pandas as pd  # imported here: it takes half a second, and only tables need it

    sep = sniff_delimiter(text) or ("\t" if fmt == "tsv" else ",")
    frame = pd.read_csv(io.StringIO(text), sep=sep, dtype=str, keep_default_na=False, header=None)
    for index, row in enumerate(frame.itertuples(index=False, name=None)):
        cells = sparse_cells(row)
        if cells:
            yield index + 1, cells


def read_table(
    data: bytes,
    text: str | None,
    path: str,
    fmt: str,
    encoding: str,
    *,
    max_cells: int = DEFAULT_MAX_CELLS,
) -> ImportResult:
    """Read a CSV/TSV (`text`) or an Excel workbook (`data`): one record per non-empty row
    after the header (the first non-empty row)."""
    notes: list[str] = []
    try:
        if fmt == "excel":
            rows, encoding = _excel_rows(data, path, max_cells, notes)
        else:
            rows = _csv_rows(text or "", fmt)
        result = _records(rows, path, fmt, encoding)
    except ImportFormatError:
        raise
    except Exception as exc:  # the readers raise many types; the message says what is wrong
        line = getattr(exc, "lineno", None) or 1
        what = "EXCEL" if fmt == "excel" else fmt.upper()
        raise ImportFormatError(path, int(line), f"cannot read as {what}: {exc}") from exc
    result.warnings[:0] = notes
    return result


def _records(rows: Rows, path: str, fmt: str, encoding: str) -> ImportResult:
    first = next(rows, None)
    if first is None:
        raise ImportFormatError(path, 1, "no header row: the table is empty")
    header_line, header = first
    names = _header(header)
    columns = list(names.values())
    cmap = _column_map(columns)
    if "title" not in cmap:
        raise ImportFormatError(
            path, header_line, f"no title column in the header ({', '.join(columns[:8])})"
        )
    result = ImportResult(path=path, format=fmt, encoding=encoding)
    unnamed: list[int] = []
    for n, (line, row) in enumerate(rows, start=1):
        values: dict[str, str] = {}
        for i, value in row.items():
            name = names.get(i)
            if name is None:  # a value under no column name: kept, under pandas' name
                name = f"Unnamed: {i}"
                if not unnamed or unnamed[-1] != line:
                    unnamed.append(line)
            values[name] = value
        get = {field: values.get(col, "") for field, col in cmap.items()}
        year_text = get.get("year", "")
        year = parse_year(year_text)
        if year is None and year_text:
            result.warnings.append(f"{path}:{line}: unparseable year {year_text!r}")
        pmid = get.get("pmid", "")
        if pmid and not pmid.isdigit():
            result.warnings.append(f"{path}:{line}: PMID {pmid!r} is not a number; kept raw only")
            pmid = ""
        record = Record(
            title=get.get("title", ""),
            abstract=get.get("abstract", ""),
            authors=split_list(get.get("authors", "")),
            year=year,
            journal=get.get("journal", ""),
            volume=get.get("volume", ""),
            issue=get.get("issue", ""),
            pages=get.get("pages", ""),
            doi=normalise_doi(get.get("doi", "")),
            pmid=pmid,
            keywords=split_list(get.get("keywords", "")),
            language=get.get("language", ""),
            publication_type=get.get("publication_type", ""),
            url=get.get("url", ""),
            source_id=get.get("source_id", "") or str(n),
            database=get.get("database", ""),
            source_file=path,
            raw=values,
        )
        if not record.title:
            result.warnings.append(f"{path}:{line}: no title")
        result.records.append(record)
    if unnamed:
        result.warnings.append(
            f"{path}:{unnamed[0]}: {len(unnamed)} row(s) have values in columns without a "
            "name in the header; they are kept as 'Unnamed: N' (N counts columns from 0)"
        )
    return result
