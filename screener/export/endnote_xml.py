"""EndNote XML export, in the structure EndNote imports ("EndNote generated XML").

Each `<record>` is built with ElementTree, which escapes `&`, `<` and `>` (so a title
holding `<script>` or `]]>` stays text); records are written one at a time between the
fixed `<xml><records>` wrapper, so an export of any size is written in constant memory.
Characters XML 1.0 cannot hold at all (control characters other than tab and line
breaks, lone surrogates, U+FFFE and U+FFFF) are dropped; vertical tab and form feed,
which word processors use as line breaks, become spaces.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import TextIO
from xml.etree.ElementTree import Element, SubElement, tostring

from screener.export.types import ris_type
from screener.ingest.endnote_fields import REF_TYPES
from screener.model import Record
from screener.store.store import StoredRecord

_NOT_XML_RE = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
_AS_SPACE = str.maketrans({"\x0b": " ", "\x0c": " "})
_NUMBER_OF = {name.lower(): number for number, name in REF_TYPES.items()}
# RIS type codes (as `ris_type` gives them) to EndNote reference type names.
_FROM_RIS = {
    "JOUR": "Journal Article",
    "CPAPER": "Conference Paper",
    "CONF": "Conference Proceedings",
    "CHAP": "Book Section",
    "EDBOOK": "Edited Book",
    "BOOK": "Book",
    "THES": "Thesis",
    "UNPB": "Unpublished Work",
    "PAT": "Patent",
    "DATA": "Dataset",
    "ELEC": "Web Page",
    "RPRT": "Report",
    "GEN": "Generic",
}
HEADER = '<?xml version="1.0" encoding="UTF-8"?>\n<xml><records>\n'
FOOTER = "</records></xml>\n"


def xml_safe(value: str) -> str:
    """`value` with only characters XML 1.0 can hold (see the module's docstring)."""
    return _NOT_XML_RE.sub("", value.translate(_AS_SPACE))


def ref_type(publication_type: str) -> str:
    """EndNote's reference type name for a publication type (Journal Article by default)."""
    name = publication_type.strip()
    if name.lower() in _NUMBER_OF:
        return REF_TYPES[_NUMBER_OF[name.lower()]]
    return _FROM_RIS.get(ris_type(name), "Journal Article")


def _add(parent: Element, tag: str, value: str) -> None:
    if value:
        SubElement(parent, tag).text = xml_safe(value)


def record_element(number: int, r: Record, note: str = "") -> Element:
    """One `<record>`; `number` is its `rec-number` (the screener id without the `R`)."""
    rec = Element("record")
    SubElement(rec, "source-app", name="screener").text = "screener"
    _add(rec, "rec-number", str(number))
    kind = ref_type(r.publication_type)
    SubElement(rec, "ref-type", name=kind).text = _NUMBER_OF[kind.lower()]
    if r.authors:
        authors = SubElement(SubElement(rec, "contributors"), "authors")
        for author in r.authors:
            _add(authors, "author", author)
    if r.title or r.journal:
        titles = SubElement(rec, "titles")
        _add(titles, "title", r.title)
        _add(titles, "secondary-title", r.journal)
    if r.journal and kind == "Journal Article":
        _add(SubElement(rec, "periodical"), "full-title", r.journal)
    _add(rec, "pages", r.pages)
    _add(rec, "volume", r.volume)
    _add(rec, "number", r.issue)
    if r.keywords:
        keywords = SubElement(rec, "keywords")
        for keyword in r.keywords:
            _add(keywords, "keyword", keyword)
    if r.year is not None:
        _add(SubElement(rec, "dates"), "year", str(r.year))
    _add(rec, "accession-num", r.pmid or r.accession)
    _add(rec, "electronic-resource-num", r.doi)
    _add(rec, "abstract", r.abstract)
    _add(rec, "notes", note)
    # the publication type as the database gave it, unless the reference type says it all
    _add(rec, "work-type", "" if r.publication_type.strip() == kind else r.publication_type)
    _add(rec, "remote-database-name", r.database)
    _add(rec, "language", r.language)
    if r.url:
        _add(SubElement(SubElement(rec, "urls"), "related-urls"), "url", r.url)
    return rec


def write_endnote_xml(
    records: Iterable[StoredRecord], fh: TextIO, notes: dict[int, str] | None = None
) -> None:
    """Write `records` as an EndNote XML file; `notes`: record id → reviewers' notes."""
    notes = notes or {}
    fh.write(HEADER)
    for sr in records:
        element = record_element(sr.id, sr.record, notes.get(sr.id, ""))
        fh.write(tostring(element, encoding="unicode"))
        fh.write("\n")
    fh.write(FOOTER)
