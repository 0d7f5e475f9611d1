"""A publication type (free text, as databases write it) matched to an export format's type
(the RIS `TY` code among them)."""

from __future__ import annotations

import re
from collections.abc import Sequence

import rispy


def type_by_words(
    publication_type: str, table: Sequence[tuple[Sequence[str], str]], default: str
) -> str:
    """The type of the first row of `table` ((words, type), ...) one of whose words (or its
    plural) is a word of `publication_type`; `default` when none is."""
    words = " " + " ".join(re.findall(r"[a-z0-9]+", publication_type.lower())) + " "
    for names, kind in table:
        if any(f" {name} " in words or f" {name}s " in words for name in names):
            return kind
    return default


# RIS reference types, from words of a record's publication type (most specific first);
# anything else, e.g. "Article", "Review", "Journal Article; Case Reports", is JOUR.
_RIS_TYPES: tuple[tuple[tuple[str, ...], str], ...] = (
    (("book review",), "JOUR"),
    (("conference abstract", "conference paper", "meeting abstract"), "CPAPER"),
    (("conference proceeding", "conference review", "congress"), "CONF"),
    (("book chapter", "book section", "chapter"), "CHAP"),
    (("edited book",), "EDBOOK"),
    (("book",), "BOOK"),
    (("dissertation", "thesis"), "THES"),
    (("preprint",), "UNPB"),
    (("patent",), "PAT"),
    (("dataset",), "DATA"),
    (("web page", "webpage", "website"), "ELEC"),
)


def ris_type(publication_type: str) -> str:
    """The RIS `TY` code for a publication type: a RIS code as it is, else by its words."""
    value = publication_type.strip()
    if value.upper() in rispy.TYPE_OF_REFERENCE_MAPPING:
        return value.upper()
    return type_by_words(value, _RIS_TYPES, "JOUR")
