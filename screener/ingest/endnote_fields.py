"""The fields of an EndNote XML `<record>`, flattened, and the `Record` made of them.

EndNote wraps text in `<style face=…>` runs, possibly several per field; Mendeley does
not. Each field is kept raw by its path in the record (`titles/title`, `ref-type@name`).
"""

from __future__ import annotations

import re
from xml.etree.ElementTree import Element

from screener.ingest.text import clean, normalise_doi, parse_year, pmid_from_url
from screener.model import Record

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


def _text(elem: Element) -> str:
    """The element's text with every style run flattened into it."""
    if len(elem) == 1:  # the usual EndNote field: one style run
        run = elem[0]
        if not len(run):
            return (elem.text or "") + (run.text or "") + (run.tail or "")
    return "".join(elem.itertext())


def _walk(elem: Element, prefix: str, out: dict[str, list[str]]) -> None:
    for child in elem:
        key = prefix + child.tag
        if child.attrib:
            for name, value in child.attrib.items():
                out.setdefault(f"{key}@{name}", []).append(value)
        if not len(child):
            out.setdefault(key, []).append(child.text or "")
        elif any(grand.tag != "style" for grand in child):  # a container: `titles`, `dates`
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


def empty_reason(raw: dict[str, list[str]]) -> str:
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
