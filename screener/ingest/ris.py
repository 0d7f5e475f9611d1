"""RIS, through rispy, made robust to the quirks of real exporters.

rispy's tag handling is reused; its record loop is replaced so that every `TY  -`
line starts a record even when the previous one lacks `ER`, text before the first
record is reported, Ovid's numbered lines (`1.`) are dropped, and the line on which
each record starts is known for error messages.

`M3` is "type of work" in the RIS specification, and Embase.com, EndNote and Zotero
write the publication type there (`M3  - Article`, `Review`, `Journal Article`). Ovid
does not: its RIS exports carry other content in `M3` (a classification, not the
type), so in a record from Ovid `M3` is kept raw but never taken as the publication
type. A record is from Ovid when Ovid numbered it (`1.` before `TY`), when `DB`/`DP`
name Ovid, or when its links point at ovid.com.
"""

from __future__ import annotations

import re
import string
from collections.abc import Iterable, Iterator
from typing import Any

from rispy import RisParser

from screener.ingest.report import ImportResult, Skipped
from screener.ingest.text import (
    INVISIBLE_FIRST,
    LEAD,
    MOJIBAKE_BOM,
    clean,
    normalise_doi,
    parse_year,
    pmid_from_url,
    split_list,
    strip_invisible,
)
from screener.model import Record

# Before a tag may stand whitespace, byte-order marks and zero-width characters (left
# there when exports are pasted together), never a line break: `LEAD`.
START_RE = re.compile(rf"^{LEAD}(?:\d+\.\s*)?TY\s{{1,2}}-", re.MULTILINE)
_LOOSE_TAG_RE = re.compile(rf"^{LEAD}(?:\d+\.\s*)?([A-Z][A-Z0-9])\s{{1,2}}-(?:\s(.*))?$")
_OVID_NUMBER_RE = re.compile(rf"^{LEAD}(?:<\s*)?\d+\.?(?:\s*>)?\s*$")
_NUMBERED_TY_RE = re.compile(rf"^{LEAD}(?:<\s*)?\d+\.?(?:\s*>)?\s*TY\s{{1,2}}-")
# `TY  - JOUR` as the value of an `ER` line: two exports pasted without a line break.
_TY_IN_VALUE_RE = re.compile(rf"^{LEAD}TY\s{{1,2}}-(?:\s(.*))?$")
# A byte-order mark inside a line, before a tag: the start of a second export pasted on.
_BOM_BEFORE_TAG_RE = re.compile(
    rf"(?:\ufeff|{MOJIBAKE_BOM})(?={LEAD}(?:\d+\.\s*)?[A-Z][A-Z0-9]\s{{1,2}}-(?:\s|$))"
)
_LOOKS_LIKE_START_RE = re.compile(r"(?i)\bTY\s*-")
_OVID_LINK_TAGS = ("UR", "L2", "L1", "LK")


# Every well-formed RIS tag: an upper-case letter, then an upper-case letter or a digit.
_TAGS = frozenset(
    a + b for a in string.ascii_uppercase for b in string.ascii_uppercase + string.digits
)


# Where exporters put a DOI, most specific first (Embase: L2 as a dx.doi.org link).
_DOI_TAGS = ("DO", "DI", "L3", "L2", "UR", "M3", "N1")


class _EveryTag(dict[str, str]):
    """Maps every tag to itself, so no tag is ever 'unknown' and all are kept raw."""

    def __missing__(self, key: str) -> str:
        return key


class _AllTags:
    """Every tag is a list tag: repeated tags and continuation lines are kept in order."""

    def __contains__(self, item: object) -> bool:
        return True


class TolerantRisParser(RisParser):
    """rispy's line grammar (`XX  - value`) with a record loop that never drops a record.

    rispy's own loop ends a record only at `ER` (so a last record without `ER` is lost),
    skips text before the first `TY` without a word, and cannot say on which line a
    record starts. This loop starts a record at every `TY` line, keeps every tag (known
    or not) as a list of values in file order, with continuation lines as further
    values, and counts what it passes over.
    """

    def __init__(self) -> None:
        super().__init__(mapping=_EveryTag(), list_tags=_AllTags(), delimiter_tags_mapping={})
        self.preamble: list[int] = []
        """Lines of text before the first record (ignored)."""
        self.between: list[int] = []
        """Lines of text between records, after an `ER` and before the next `TY` (ignored)."""
        self.notes: list[tuple[int, str]] = []
        """(line, what) for lines read in an unusual way, for the report."""
        self.start_lines: list[int] = []
        self.numbered_starts: set[int] = set()
        """Lines of the records that Ovid numbered (`1.` on or before the `TY` line)."""

    @property
    def preamble_lines(self) -> int:
        return len(self.preamble)

    @property
    def between_lines(self) -> int:
        return len(self.between)

    def parse_line(self, line: str) -> tuple[str, str] | tuple[None, str]:
        line = strip_invisible(line)
        if line[2:5] == "  -" and line[:2].isupper() and line[:1].isalpha():
            return line[:2], line[6:].strip()
        m = _LOOSE_TAG_RE.match(line)
        if m:
            return m.group(1), (m.group(2) or "").strip()
        return None, strip_invisible(line.strip())

    def parse_records(self, lines: Iterable[str]) -> list[dict[str, Any]]:
        return [raw for _line, raw in self.iter_records(lines)]

    def iter_records(
        self, lines: Iterable[str], *, split_boms: bool = False
    ) -> Iterator[tuple[int, dict[str, list[str]]]]:
        """Yield (line the record starts on, {tag: [values]}) one record at a time.

        A tag is found after any byte-order marks and zero-width characters at the start
        of its line. `split_boms`: the text has a byte-order mark after its start (exports
        pasted together); a line with one before a tag is read as two lines there.
        """
        record: dict[str, list[str]] | None = None
        start = 0
        last: list[str] | None = None
        numbered = False  # the last line (blank lines aside) was an Ovid record number
        parse_line = self.parse_line
        tag: str | None
        tags = _TAGS
        pairs: Iterable[tuple[int, str]] = enumerate(lines, start=1)
        if split_boms:
            pairs = _split_at_boms(pairs)
        for number, line in pairs:
            tag = line[:2]
            if tag in tags and line[2:5] == "  -":
                content = line[6:].strip()
            else:
                if line[:1] in INVISIBLE_FIRST:
                    line = strip_invisible(line)
                if not line or line.isspace():
                    continue
                tag, content = parse_line(line)
                if tag is None and _OVID_NUMBER_RE.match(line):
                    numbered = True
                    continue
                if tag == "TY" and _NUMBERED_TY_RE.match(line):  # `1. TY  - JOUR`
                    numbered = True
            if tag == "TY":
                if record is not None:
                    yield start, record
                record = {"TY": [content]}
                start = number
                self.start_lines.append(number)
                if numbered:
                    self.numbered_starts.add(number)
                numbered = False
                last = None
                continue
            numbered = False  # a number counts only right before a TY line
            if record is None:
                (self.between if self.start_lines else self.preamble).append(number)
                if _LOOKS_LIKE_START_RE.search(line):
                    self.notes.append(
                        (number, f"{line.strip()[:40]!r} looks like a record start but is not "
                                 "one ('TY  -' must begin the line): not read")
                    )  # fmt: skip
                continue
            if tag is None:
                if last is not None and content:
                    last.append(content)
                continue
            if tag == "ER":
                yield start, record
                record = None
                last = None
                if content and (m := _TY_IN_VALUE_RE.match(content)):
                    # `ER  - TY  - JOUR`: the next export was pasted on without a line break
                    record = {"TY": [(m.group(1) or "").strip()]}
                    start = number
                    self.start_lines.append(number)
                    self.notes.append((number, "a record starts after 'ER' on the same line"))
                continue
            values = record.get(tag)
            if values is None:
                record[tag] = last = [content]
            else:
                values.append(content)
                last = values
        if record is not None:
            yield start, record


def _split_at_boms(pairs: Iterable[tuple[int, str]]) -> Iterator[tuple[int, str]]:
    """(number, line) pairs, a line with a byte-order mark before a tag cut in two there."""
    for number, line in pairs:
        if ("\ufeff" in line or MOJIBAKE_BOM in line) and _BOM_BEFORE_TAG_RE.search(line, 1):
            for part in _BOM_BEFORE_TAG_RE.split(line):
                yield number, part
        else:
            yield number, line


def _runs(lines: list[int], most: int = 8) -> str:
    """`3, 7-9, 12` for the line numbers [3, 7, 8, 9, 12] (at most `most` runs)."""
    runs: list[list[int]] = []
    for n in lines:
        if runs and n == runs[-1][1] + 1:
            runs[-1][1] = n
        else:
            runs.append([n, n])
    text = ", ".join(str(a) if a == b else f"{a}-{b}" for a, b in runs[:most])
    return text + (f" and {len(runs) - most} more" if len(runs) > most else "")


def _first(raw: dict[str, list[str]], *tags: str) -> str:
    for tag in tags:
        values = raw.get(tag)
        if values:
            if len(values) == 1:
                v = values[0]
                if "  " not in v and "\t" not in v and "\r" not in v:
                    if v:
                        return v
                    continue
            joined = clean(" ".join(v for v in values if v))
            if joined:
                return joined
    return ""


def _all(raw: dict[str, list[str]], *tags: str) -> list[str]:
    out: list[str] = []
    for tag in tags:
        for value in raw.get(tag, []):
            v = clean(value)
            if v:
                out.append(v)
    return out


def _keywords(raw: dict[str, list[str]]) -> list[str]:
    words: list[str] = []
    for value in _all(raw, "KW", "DE"):
        words.extend(split_list(value) if ";" in value else [value])
    return words


def is_ovid(raw: dict[str, list[str]], *, numbered: bool = False) -> bool:
    """Whether a record comes from Ovid: numbered by Ovid, named so, or linked to ovid.com."""
    if numbered:
        return True
    if any("ovid" in v.lower() for tag in ("DB", "DP") for v in raw.get(tag, ())):
        return True
    return any("ovid.com" in v.lower() for tag in _OVID_LINK_TAGS for v in raw.get(tag, ()))


def to_record(
    raw: dict[str, list[str]], source_file: str, *, numbered: bool = False
) -> tuple[Record, list[str]]:
    """Normalise one parsed RIS record; return it with its warnings.

    `numbered`: Ovid numbered the record (see `is_ovid`).
    """
    warnings: list[str] = []
    db = _first(raw, "DB")
    provider = _first(raw, "DP")
    title = _first(raw, "TI", "T1", "CT", "BT") or _first(raw, "ST")
    abstract = _first(raw, "AB", "N2")
    authors = _all(raw, "AU", "A1") or _all(raw, "A2", "A3", "A4")
    year_text = _first(raw, "PY", "Y1", "DA", "Y2")
    year = parse_year(year_text)
    if year is None and year_text:
        warnings.append(f"unparseable year {year_text!r}")
    journal = _first(raw, "JF", "T2", "JO", "JA", "J2", "J1")
    start, end = _first(raw, "SP"), _first(raw, "EP")
    pages = f"{start}-{end}" if start and end and "-" not in start else start
    doi = ""
    for tag in _DOI_TAGS:
        for value in raw.get(tag, ()):
            doi = normalise_doi(value)
            if doi:
                break
        if doi:
            break
    accession = _first(raw, "U2", "AN")
    pmid = ""
    an = _first(raw, "AN")
    from_nlm = any(s in f"{db} {provider}".lower() for s in ("nlm", "pubmed", "medline"))
    if an.isdigit() and (from_nlm or len(an) <= 8):
        pmid = an
    c5 = _first(raw, "C5")
    if not pmid and c5.isdigit() and 4 <= len(c5) <= 9:
        pmid = c5
    if not pmid:
        for url in _all(raw, "UR", "L2"):
            pmid = pmid_from_url(url)
            if pmid:
                break
    urls = _all(raw, "UR")
    # M3 is the type unless Ovid wrote it (asked only of records that have an M3)
    type_tags = ("M3", "PT") if "M3" in raw and not is_ovid(raw, numbered=numbered) else ("PT",)
    record = Record(
        title=title,
        abstract=abstract,
        authors=authors,
        year=year,
        journal=journal,
        volume=_first(raw, "VL"),
        issue=_first(raw, "IS", "CP"),
        pages=pages,
        doi=doi,
        pmid=pmid,
        keywords=_keywords(raw),
        language=_first(raw, "LA"),
        publication_type=_first(raw, *type_tags) or _first(raw, "TY"),
        url=urls[0] if urls else "",
        source_id=_first(raw, "ID") or accession,
        accession=accession,
        database=db or ("PubMed" if from_nlm else ""),
        source_file=source_file,
        raw={k: v for k, v in raw.items()},
    )
    if not title:
        warnings.append("no title")
    return record, warnings


def iter_ris(
    lines: Iterable[str], result: ImportResult, *, split_boms: bool = False
) -> Iterator[Record]:
    """Records of a RIS text, one at a time; skips and warnings go into `result`.

    `split_boms`: the text holds a byte-order mark after its start (see `iter_records`).
    """
    parser = TolerantRisParser()
    path = result.path
    n = 0
    for line, raw in parser.iter_records(lines, split_boms=split_boms):
        n += 1
        if len(raw) == 1 and not any(v for v in raw["TY"]):
            result.skipped.append(Skipped(line, "empty record: a 'TY' line with no fields"))
            continue
        record, warnings = to_record(raw, path, numbered=line in parser.numbered_starts)
        if not record.source_id:
            record.source_id = f"#{n}"
        if warnings:
            result.warnings.extend(f"{path}:{line}: {w}" for w in warnings)
        yield record
    notes = [f"{path}:{line}: {what}" for line, what in parser.notes]
    if parser.between:
        notes.insert(
            0,
            f"{path}:{parser.between[0]}: ignored {len(parser.between)} line(s) of text "
            f"between records (line {_runs(parser.between)})",
        )
    if parser.preamble:
        notes.insert(
            0,
            f"{path}:{parser.preamble[0]}: ignored {len(parser.preamble)} line(s) of text "
            f"before the first record (line {_runs(parser.preamble)})",
        )
    result.warnings[:0] = notes


def has_inner_bom(text: str) -> bool:
    """Whether a byte-order mark stands after the start of `text` (exports pasted together)."""
    return "\ufeff" in text[1:] or MOJIBAKE_BOM in text


def read_ris(text: str, path: str, encoding: str) -> ImportResult:
    result = ImportResult(path=path, format="ris", encoding=encoding)
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    result.records.extend(iter_ris(lines, result, split_boms=has_inner_bom(text)))
    return result
