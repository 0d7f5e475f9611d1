"""EndNote XML (`<xml><records><record>…`), as EndNote and Mendeley write it.

Parsed with defusedxml's iterparse, one `<record>` at a time, each removed from the tree
once read, so a library of any size is read in constant memory. No DTD is allowed (so no
entity is ever declared or expanded, and no external entity fetched). Text is flattened:
EndNote wraps it in `<style face=…>` runs, possibly several per field; Mendeley does not.
Malformed XML anywhere refuses the whole file with `path:line: what is wrong`.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import IO
from xml.etree.ElementTree import Element, ParseError

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import DefusedXMLParser, iterparse

from screener.errors import ImportFormatError
from screener.ingest.report import ImportResult, Skipped
from screener.ingest.text import clean, normalise_doi, parse_year, pmid_from_url
from screener.model import Record

FORMAT = "endnote-xml"
# Fields EndNote writes for its own bookkeeping: a record with nothing else is empty.
_BOOKKEEPING = frozenset(
    {"database", "source-app", "rec-number", "foreign-keys/key", "ref-type", "ref-type@name"}
)
# EndNote's reference types by number, for files that give no `name` (Mendeley).
REF_TYPES = {
    "5": "Book Section",
    "6": "Book",
    "10": "Conference Proceedings",
    "12": "Web Page",
    "13": "Generic",
    "17": "Journal Article",
    "25": "Patent",
    "27": "Report",
    "28": "Edited Book",
    "32": "Thesis",
    "34": "Unpublished Work",
    "43": "Electronic Article",
    "47": "Conference Paper",
    "59": "Dataset",
}
_LINE_BREAK_RE = re.compile(r"\r\n|\r|\n")
_POSITION_RE = re.compile(r": line \d+, column (\d+)$")
# What may stand before the root element: a byte-order mark, the XML declaration,
# comments, processing instructions, a document type declaration (refused later).
_PROLOGUE_RE = re.compile(r"\A\ufeff?\s*(?:(?:<\?.*?\?>|<!--.*?-->|<!DOCTYPE[^\[>]*(?:\[.*?\])?\s*>)\s*)*", re.DOTALL)  # fmt: skip
_ROOT_RE = re.compile(r"<([A-Za-z_][\w.:-]*)")


def root_element(text: str) -> str:
    """The name of the first element of an XML text, or '' when it does not look like XML."""
    m = _PROLOGUE_RE.match(text)
    rest = text[m.end() if m else 0 :]
    if not rest.startswith("<"):
        return ""
    root = _ROOT_RE.match(rest)
    return root.group(1) if root else ""


def looks_like_endnote_xml(text: str) -> bool:
    """Whether the text's root element is `<xml>` and it holds `<records>` or `<record>`."""
    return root_element(text) == "xml" and "<record" in text


class _LineParser(DefusedXMLParser):
    """defusedxml's parser (DTDs forbidden too) noting the line of each `<record>` start."""

    def __init__(self) -> None:
        super().__init__(forbid_dtd=True, forbid_entities=True, forbid_external=True)
        self.record_lines: list[int] = []

    def _start(self, tag: str, attr_list: list[str]) -> Element:
        if tag == "record":
            self.record_lines.append(self.parser.CurrentLineNumber)
        return super()._start(tag, attr_list)

    @property
    def line(self) -> int:
        return int(self.parser.CurrentLineNumber)


def _text(elem: Element) -> str:
    """The element's text with every style run flattened into it."""
    return "".join(elem.itertext())


def _walk(elem: Element, prefix: str, out: dict[str, list[str]]) -> None:
    for child in elem:
        tag = child.tag
        if not isinstance(tag, str):
            continue
        key = prefix + tag
        for name, value in child.attrib.items():
            out.setdefault(f"{key}@{name}", []).append(value)
        if any(grand.tag != "style" for grand in child):  # a container: `titles`, `dates`
            own = (child.text or "").strip()
            if own:
                out.setdefault(key, []).append(own)
            _walk(child, key + "/", out)
        else:
            out.setdefault(key, []).append(_text(child))


def fields(record: Element) -> dict[str, list[str]]:
    """A record's fields by path (`titles/title`, `ref-type@name`), values in file order."""
    out: dict[str, list[str]] = {}
    _walk(record, "", out)
    return out


def _first(raw: dict[str, list[str]], *keys: str) -> str:
    for key in keys:
        for value in raw.get(key, ()):
            v = clean(value)
            if v:
                return v
    return ""


def _all(raw: dict[str, list[str]], key: str) -> list[str]:
    return [v for v in (clean(x) for x in raw.get(key, ())) if v]


def _keywords(raw: dict[str, list[str]]) -> list[str]:
    """One keyword per `<keyword>`; one holding line breaks holds one per line."""
    out: list[str] = []
    for value in raw.get("keywords/keyword", ()):
        out.extend(k for k in (clean(p) for p in _LINE_BREAK_RE.split(value)) if k)
    return out


def is_empty(raw: dict[str, list[str]]) -> bool:
    """No field but EndNote's bookkeeping (record number, type, library name) has text."""
    return not any(
        key not in _BOOKKEEPING and any(v.strip() for v in values) for key, values in raw.items()
    )


def _empty_reason(raw: dict[str, list[str]]) -> str:
    if not raw:
        return "empty record: <record> with no fields"
    names = ", ".join(k for k in raw if "@" not in k)
    return f"empty record: no bibliographic field, only {names or 'attributes'}"


def to_record(raw: dict[str, list[str]], source_file: str) -> tuple[Record, list[str]]:
    """Normalise one record's fields; return it with its warnings."""
    warnings: list[str] = []
    year_text = _first(raw, "dates/year", "dates/pub-dates/date")
    year = parse_year(year_text)
    if year is None and year_text:
        warnings.append(f"unparseable year {year_text!r}")
    urls = _all(raw, "urls/related-urls/url") + _all(raw, "urls/web-urls/url")
    doi = normalise_doi(_first(raw, "electronic-resource-num"))
    for url in urls:
        doi = doi or normalise_doi(url)
    accession = _first(raw, "accession-num")
    db = _first(raw, "remote-database-name")
    provider = _first(raw, "remote-database-provider")
    from_nlm = any(s in f"{db} {provider}".lower() for s in ("nlm", "pubmed", "medline"))
    pmid = ""
    if accession.isdigit() and (len(accession) <= 8 or (from_nlm and len(accession) <= 9)):
        pmid = accession
    for url in urls:
        pmid = pmid or pmid_from_url(url)
    title = _first(raw, "titles/title", "titles/short-title")
    record = Record(
        title=title,
        abstract=_first(raw, "abstract"),
        authors=_all(raw, "contributors/authors/author"),
        year=year,
        journal=_first(raw, "titles/secondary-title", "periodical/full-title", "periodical/abbr-1"),
        volume=_first(raw, "volume"),
        issue=_first(raw, "number", "issue"),
        pages=_first(raw, "pages"),
        doi=doi,
        pmid=pmid,
        keywords=_keywords(raw),
        language=_first(raw, "language"),
        # "Type of work" as the database gave it (like RIS M3), else EndNote's type name
        publication_type=_first(raw, "work-type", "ref-type@name")
        or REF_TYPES.get(_first(raw, "ref-type"), ""),
        url=urls[0] if urls else "",
        source_id=_first(raw, "rec-number"),
        accession=accession,
        database=db or provider,
        source_file=source_file,
        raw=raw,
    )
    if not title:
        warnings.append("no title")
    return record, warnings


def _refusal(path: str, exc: Exception, parser: _LineParser) -> ImportFormatError:
    if isinstance(exc, ParseError):
        line, column = getattr(exc, "position", (parser.line, 0))
        what = _POSITION_RE.sub("", str(exc))
        return ImportFormatError(path, line, f"malformed XML: {what} (column {column + 1})")
    if isinstance(exc, DefusedXmlException):
        what = (
            "a document type declaration (<!DOCTYPE …>, where entities such as <!ENTITY …> "
            "are declared) is not allowed: EndNote XML has none"
        )
        return ImportFormatError(path, parser.line, what)
    return ImportFormatError(path, parser.line, f"unreadable XML: {exc}")


def iter_endnote_xml(source: IO[bytes], result: ImportResult) -> Iterator[Record]:
    """Records of an EndNote XML file, one at a time; skips and warnings go into `result`.

    Raises `ImportFormatError` on malformed XML, a DTD or entity, or when no `<record>`
    is in the file; the caller's transaction makes the import all or nothing.
    """
    path = result.path
    parser = _LineParser()
    n = 0
    stack: list[Element] = []
    try:
        for event, elem in iterparse(source, events=("start", "end"), parser=parser):
            if event == "start":
                stack.append(elem)
                continue
            stack.pop()
            if elem.tag != "record":
                continue
            line = parser.record_lines[n]
            n += 1
            raw = fields(elem)
            if stack:  # drop the record from the tree: constant memory
                stack[-1].remove(elem)
            elem.clear()
            if is_empty(raw):
                result.skipped.append(Skipped(line, _empty_reason(raw)))
                continue
            record, warnings = to_record(raw, path)
            record.source_id = record.source_id or f"#{n}"
            result.warnings.extend(f"{path}:{line}: {w}" for w in warnings)
            yield record
    except (ParseError, DefusedXmlException, ValueError, LookupError) as exc:
        raise _refusal(path, exc, parser) from exc
    if not n:
        raise ImportFormatError(path, 1, "no records found in this EndNote XML file (no <record>)")


def xml_encoding(head: bytes) -> str:
    """The encoding an XML file declares (or its byte-order mark says), for the report."""
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return "utf-16"
    m = re.match(rb"(?:\xef\xbb\xbf)?\s*<\?xml[^>]*?encoding\s*=\s*[\"']([A-Za-z0-9._-]+)", head)
    return m.group(1).decode("ascii").lower() if m else "utf-8"


def read_endnote_xml(source: IO[bytes], path: str, encoding: str) -> ImportResult:
    """All records of an EndNote XML file (see `iter_endnote_xml`)."""
    result = ImportResult(path=path, format=FORMAT, encoding=encoding)
    result.records.extend(iter_endnote_xml(source, result))
    return result


def stream_endnote_xml(path: Path) -> tuple[ImportResult, Iterator[Record]]:
    """The report and the records of an EndNote XML file, read while they are consumed."""
    name = str(path)
    with path.open("rb") as fh:
        encoding = xml_encoding(fh.read(1024))
    result = ImportResult(path=name, format=FORMAT, encoding=encoding)

    def records() -> Iterator[Record]:
        with path.open("rb") as fh:
            yield from iter_endnote_xml(fh, result)

    return result, records()


def not_endnote(path: str, root: str) -> ImportFormatError:
    """The refusal of an XML file that is not an EndNote XML export."""
    return ImportFormatError(
        path,
        1,
        f"XML with root element <{root}>, not an EndNote XML export (<xml><records>"
        "<record>…): not a bibliographic export",
    )
