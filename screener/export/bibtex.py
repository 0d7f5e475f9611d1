"""Export records as BibTeX: stable unique citation keys, special characters escaped.

Values are written in UTF-8 within braces, on one line each; the characters LaTeX or
BibTeX would read as markup (`\\ { } % & # $ _ ~`, and the ligatures `--`, ``` `` ```,
`''`) are escaped, so that any text reads back literally and cannot end its field early.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from typing import TextIO

from screener.export.types import type_by_words
from screener.model import Record
from screener.store.store import StoredRecord

# BibTeX entry types from words of a record's publication type (most specific first).
_TYPES: tuple[tuple[tuple[str, ...], str], ...] = (
    (("book review",), "article"),
    (("conference", "proceeding", "congress", "meeting", "cpaper", "conf"), "inproceedings"),
    (("book chapter", "book section", "chapter", "chap", "incollection", "inbook"), "incollection"),
    (("book", "edbook"), "book"),
    (("thesis", "dissertation", "thes"), "phdthesis"),
    (("report", "rprt", "techreport"), "techreport"),
    (("online", "web page", "webpage", "website", "elec"), "online"),
    (("misc", "preprint", "unpb", "dataset", "data"), "misc"),
)
_STOPWORDS = frozenset(
    [
        "a",
        "an",
        "the",
        "of",
        "on",
        "in",
        "for",
        "and",
        "to",
        "with",
        "from",
        "by",
        "at",
        "as",
        "is",
        "are",
    ]
)
_TEXT_SPECIALS = {
    "\\": r"\textbackslash{}",
    "{": r"\{",
    "}": r"\}",
    "%": r"\%",
    "&": r"\&",
    "#": r"\#",
    "$": r"\$",
    "_": r"\_",
    "~": r"\textasciitilde{}",
}
_TEXT_RE = re.compile(r"[\\{}%&#$_~]")
_LIGATURE_RE = re.compile(r"(?<=-)(?=-)|(?<=`)(?=`)|(?<=')(?=')|(?<=[!?])(?=`)")
_VERBATIM_RE = re.compile(r"[{}%\\]")


def bibtex_type(publication_type: str) -> str:
    """The BibTeX entry type for a publication type; `article` when nothing else fits."""
    return type_by_words(publication_type, _TYPES, "article")


def escape_text(value: str) -> str:
    """Text as a BibTeX value that LaTeX decoding reads back literally, on one line."""
    value = " ".join(value.split())
    value = _TEXT_RE.sub(lambda m: _TEXT_SPECIALS[m.group(0)], value)
    return _LIGATURE_RE.sub("{}", value)


def escape_verbatim(value: str) -> str:
    """A URL or DOI: only what would end the field or start a comment is escaped."""
    return _VERBATIM_RE.sub(lambda m: "\\" + m.group(0), " ".join(value.split()))


def _ascii_word(text: str) -> str:
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    return re.sub(r"[^A-Za-z0-9]", "", folded).lower()


def citation_key(record: Record) -> str:
    """`lastnameYEARword`: first author's family name, year, first significant title word."""
    author = record.first_author
    family = author.split(",", 1)[0] if "," in author else (author.split() or [""])[-1]
    words = [w for w in (_ascii_word(t) for t in record.title.split()) if w]
    word = next((w for w in words if w not in _STOPWORDS), words[0] if words else "")
    key = f"{_ascii_word(family)}{record.year or ''}{word}"
    return key or "record"


def unique_keys(records: Iterable[Record]) -> list[str]:
    """Citation keys in record order, a repeated one given a suffix: a, b, …, z, aa, ab, …."""
    keys: list[str] = []
    seen: set[str] = set()
    for record in records:
        base = citation_key(record)
        key, n = base, 0
        while key in seen:
            key = base + _suffix(n)
            n += 1
        seen.add(key)
        keys.append(key)
    return keys


def _suffix(n: int) -> str:
    letters = ""
    n += 1
    while n:
        n, r = divmod(n - 1, 26)
        letters = chr(97 + r) + letters
    return letters


def _name(name: str) -> str:
    """An author; a name holding ` and ` is braced so that it stays one name."""
    text = escape_text(name)
    return f"{{{text}}}" if re.search(r"\sand\s", text, re.IGNORECASE) else text


def entry_fields(record: Record, entry_type: str, note: str = "") -> list[tuple[str, str]]:
    """(field, value as written) for a record, in a conventional order; empty ones left out."""
    r = record
    container = "booktitle" if entry_type in ("inproceedings", "incollection") else "journal"
    text = [
        ("title", r.title),
        ("author", ""),
        (container, r.journal),
        ("year", str(r.year) if r.year is not None else ""),
        ("volume", r.volume),
        ("number", r.issue),
        ("pages", r.pages),
        ("abstract", r.abstract),
        ("keywords", ", ".join(r.keywords)),
        ("language", r.language),
        ("pmid", r.pmid),
        ("note", note),
    ]
    out: list[tuple[str, str]] = []
    for name, value in text:
        if name == "author" and r.authors:
            out.append((name, " and ".join(_name(a) for a in r.authors if a.strip())))
        elif name == "pages" and value:
            out.append((name, escape_text(value).replace("-{}-", "-").replace("-", "--")))
        elif value.strip():
            out.append((name, escape_text(value)))
    for name, value in (("doi", r.doi), ("url", r.url)):
        if value.strip():
            out.append((name, escape_verbatim(value)))
    return out


def write_bibtex(
    fh: TextIO, records: list[StoredRecord], notes: dict[int, str] | None = None
) -> None:
    """Write `records` as BibTeX entries; `notes`: record id → reviewers' notes (`note`)."""
    notes = notes or {}
    keys = unique_keys(sr.record for sr in records)
    for key, sr in zip(keys, records, strict=True):
        entry_type = bibtex_type(sr.record.publication_type)
        fields = entry_fields(sr.record, entry_type, notes.get(sr.id, ""))
        width = max((len(name) for name, _ in fields), default=0)
        fh.write(f"@{entry_type}{{{key},\n")
        for name, value in fields:
            fh.write(f"  {name.ljust(width)} = {{{value}}},\n")
        fh.write("}\n\n")
