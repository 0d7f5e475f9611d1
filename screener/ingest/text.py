"""Decoding and field normalisation shared by the readers."""

from __future__ import annotations

import re

_DOI_RE = re.compile(r"10\.\d{4,9}/\S+", re.IGNORECASE)
_YEAR_RE = re.compile(r"(?<!\d)(1[6-9]\d\d|20\d\d)(?!\d)")
_PMID_URL_RE = re.compile(r"ncbi\.nlm\.nih\.gov/(?:pubmed/|pmc/articles/pmid/)?(\d{1,9})\b")

# Invisible characters that end up before a tag when exports are pasted together
# (`cat a.ris b.ris`): the second file's byte-order mark, and zero-width space,
# non-joiner, joiner and word joiner copied from web pages. `ï»¿` is a UTF-8 byte-order
# mark decoded as cp1252 or Latin-1 (a UTF-8 export pasted onto a Windows one).
INVISIBLE = "\ufeff\u200b\u200c\u200d\u2060"
MOJIBAKE_BOM = "\u00ef\u00bb\u00bf"
LEAD = f"(?:[^\\S\\n]|[{INVISIBLE}]|{MOJIBAKE_BOM})*"
"""A regular expression for what may stand before a tag: whitespace (not a line break)
and invisible characters."""
INVISIBLE_LEAD = f"(?:[{INVISIBLE}]|{MOJIBAKE_BOM})*"
"""A regular expression for invisible characters alone (no whitespace)."""
INVISIBLE_FIRST = frozenset(INVISIBLE + MOJIBAKE_BOM[0])
"""The characters an invisible lead can start with (test `line[:1] in INVISIBLE_FIRST`)."""
_LEAD_INVISIBLE_RE = re.compile(f"^(?:[{INVISIBLE}]|{MOJIBAKE_BOM})+")


def strip_invisible(line: str) -> str:
    """`line` without the byte-order marks and zero-width characters it starts with."""
    if line[:1] not in INVISIBLE_FIRST:
        return line
    return _LEAD_INVISIBLE_RE.sub("", line, count=1)


def decode(data: bytes) -> tuple[str, str]:
    """Decode an export's bytes: BOMs, UTF-8, then cp1252 (Windows exporters), then Latin-1."""
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8", errors="replace"), "utf-8-sig"
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16", errors="replace"), "utf-16"  # odd length: U+FFFD
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp1252"), "cp1252"
    except UnicodeDecodeError:
        return data.decode("latin-1"), "latin-1"


def normalise_doi(value: str) -> str:
    """`https://doi.org/10.1/ABC.` → `10.1/abc`; empty when no DOI is in the value."""
    if not value:
        return ""
    m = _DOI_RE.search(value.replace("%2F", "/").replace("%2f", "/"))
    if not m:
        return ""
    doi = m.group(0).rstrip(".,;)]}>\"'")
    return doi.lower()


def parse_year(value: str) -> int | None:
    """The first plausible four-digit year in `2019//`, `2019 Mar 4`, `2021/02/01/`."""
    if not value:
        return None
    m = _YEAR_RE.search(value)
    return int(m.group(1)) if m else None


def pmid_from_url(value: str) -> str:
    m = _PMID_URL_RE.search(value or "")
    return m.group(1) if m else ""


def clean(value: str) -> str:
    """Collapse runs of whitespace; keep every other character as it is."""
    return " ".join(value.split())


def split_list(value: str) -> list[str]:
    """Split `a; b; c` (or `a, b` when no semicolon) into stripped items."""
    if not value:
        return []
    sep = ";" if ";" in value else ("|" if "|" in value else None)
    parts = value.split(sep) if sep else [value]
    return [p.strip() for p in parts if p.strip()]
