"""PubMed's own export (MEDLINE/nbib tagged text), through Biopython's `Bio.Medline`.

The text is first cut at every `PMID- ` line, so that a record not separated from the
next by a blank line is still its own record and each record knows its line. Byte-order
marks and zero-width characters before a tag (exports pasted together) are dropped.
"""

from __future__ import annotations

import io
import re

from Bio import Medline

from screener.ingest.report import ImportResult, Skipped
from screener.ingest.text import (
    INVISIBLE_LEAD,
    MOJIBAKE_BOM,
    clean,
    normalise_doi,
    parse_year,
    strip_invisible,
)
from screener.model import Record

# A byte-order mark inside a line, before a tag: a second export pasted onto the last line.
_BOM_BEFORE_TAG_RE = re.compile(
    rf"(?:\ufeff|{MOJIBAKE_BOM})(?={INVISIBLE_LEAD}[A-Z][A-Z0-9]{{1,3}} *- )"
)


def _as_list(value: object) -> list[str]:
    if value is None:
        return []
    if isinstance(value, list):
        return [str(v) for v in value]
    return [str(value)]


def _doi(raw: dict[str, object]) -> str:
    for value in _as_list(raw.get("LID")) + _as_list(raw.get("AID")):
        if "[doi]" in value:
            return normalise_doi(value.replace("[doi]", ""))
    return ""


def to_record(raw: dict[str, object], path: str) -> tuple[Record, list[str]]:
    warnings: list[str] = []
    text = {k: clean(" ".join(_as_list(v))) for k, v in raw.items()}
    dp = text.get("DP", "")
    year = parse_year(dp)
    if year is None and dp:
        warnings.append(f"unparseable year {dp!r}")
    authors = _as_list(raw.get("FAU")) or _as_list(raw.get("AU"))
    keywords = _as_list(raw.get("OT")) + _as_list(raw.get("MH"))
    pmid = text.get("PMID", "")
    record = Record(
        title=text.get("TI", "") or text.get("BTI", ""),
        abstract=text.get("AB", ""),
        authors=[clean(a) for a in authors],
        year=year,
        journal=text.get("JT", "") or text.get("TA", ""),
        volume=text.get("VI", ""),
        issue=text.get("IP", ""),
        pages=text.get("PG", ""),
        doi=_doi(raw),
        pmid=pmid,
        keywords=[clean(k) for k in keywords],
        language=text.get("LA", ""),
        publication_type="; ".join(_as_list(raw.get("PT"))),
        url=f"https://pubmed.ncbi.nlm.nih.gov/{pmid}/" if pmid else "",
        source_id=pmid,
        accession=pmid,
        database="PubMed",
        source_file=path,
        raw={k: _as_list(v) for k, v in raw.items()},
    )
    if not record.title:
        warnings.append("no title")
    return record, warnings


def read_medline(text: str, path: str, encoding: str) -> ImportResult:
    result = ImportResult(path=path, format="medline", encoding=encoding)
    split = "\ufeff" in text[1:] or MOJIBAKE_BOM in text  # exports pasted together
    lines: list[str] = []
    numbers: list[int] = []  # the line in the file of each of `lines`
    for number, line in enumerate(text.replace("\r\n", "\n").split("\n"), start=1):
        for part in _BOM_BEFORE_TAG_RE.split(line) if split else (line,):
            lines.append(strip_invisible(part))
            numbers.append(number)
    starts = [i for i, line in enumerate(lines) if line.startswith("PMID-")]
    if starts:
        before = [numbers[i] for i, line in enumerate(lines[: starts[0]]) if line.strip()]
        if before:
            result.warnings.append(
                f"{path}:{before[0]}: ignored {len(before)} line(s) of text before the first "
                f"record (the first 'PMID-' line is line {numbers[starts[0]]})"
            )
    for n, begin in enumerate(starts):
        end = starts[n + 1] if n + 1 < len(starts) else len(lines)
        chunk = "\n".join(line for line in lines[begin:end] if line.strip()) + "\n"
        line_no = numbers[begin]
        try:
            raw = Medline.read(io.StringIO(chunk))
        except Exception as exc:  # Biopython raises ValueError and others on bad records
            result.skipped.append(Skipped(line_no, f"unreadable MEDLINE record: {exc}"))
            continue
        if not raw.get("PMID"):
            result.skipped.append(Skipped(line_no, "MEDLINE record without a PMID value"))
            continue
        record, warnings = to_record(dict(raw), path)
        result.records.append(record)
        result.warnings.extend(f"{path}:{line_no}: {w}" for w in warnings)
    return result
