"""CSV, TSV and Excel exports via pandas (ASReview-style column names)."""

from __future__ import annotations

import io
import math
from typing import Any

from screener.errors import ImportFormatError
from screener.ingest.report import ImportResult, Skipped
from screener.ingest.text import clean, normalise_doi, parse_year, split_list
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


def _column_map(columns: list[str]) -> dict[str, str]:
    by_norm = {_norm(c): c for c in columns}
    found: dict[str, str] = {}
    for field, names in COLUMNS.items():
        for name in names:
            if _norm(name) in by_norm:
                found[field] = by_norm[_norm(name)]
                break
    return found


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        if math.isnan(value):
            return ""
        if value.is_integer():
            return str(int(value))
    return clean(str(value))


def read_table(data: bytes, text: str | None, path: str, fmt: str, encoding: str) -> ImportResult:
    """Read a CSV/TSV (`text`) or an Excel workbook (`data`)."""
    import pandas as pd  # imported here: it takes half a second, and only tables need it

    try:
        if fmt == "excel":
            frame = pd.read_excel(io.BytesIO(data), dtype=object)
        else:
            sep = "\t" if fmt == "tsv" else ","
            frame = pd.read_csv(io.StringIO(text or ""), sep=sep, dtype=str, keep_default_na=False)
    except Exception as exc:  # pandas raises many types; the message says what is wrong
        line = getattr(exc, "lineno", None) or 1
        raise ImportFormatError(path, int(line), f"cannot read as {fmt.upper()}: {exc}") from exc
    columns = [str(c) for c in frame.columns]
    cmap = _column_map(columns)
    if "title" not in cmap:
        raise ImportFormatError(
            path, 1, f"no title column in the header ({', '.join(columns[:8])})"
        )
    result = ImportResult(path=path, format=fmt, encoding=encoding if fmt != "excel" else "xlsx")
    for index, row in enumerate(frame.itertuples(index=False, name=None)):
        line = index + 2  # header is line 1
        values = {col: _cell(v) for col, v in zip(columns, row, strict=True)}
        if not any(values.values()):
            result.skipped.append(Skipped(line, "empty row"))
            continue
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
            source_id=get.get("source_id", "") or str(index + 1),
            database=get.get("database", ""),
            source_file=path,
            raw={k: v for k, v in values.items() if v != ""},
        )
        if not record.title:
            result.warnings.append(f"{path}:{line}: no title")
        result.records.append(record)
    return result
