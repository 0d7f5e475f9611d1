"""What duplicate matching looks at: an `Item` per record, its normalised `Features`, and the
thresholds and limits matching works with."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from screener.dedup.normalise import (
    STOPWORDS,
    abstract_key,
    author_tokens,
    compact,
    doi_key,
    first_page,
    journal_tokens,
    notice_words,
    number_tokens,
    pmid_key,
    surname,
    title_variants,
    volume_key,
    words,
)

DEFAULT_THRESHOLD = 0.90  # certainty at or above which a pair is merged automatically
DEFAULT_REVIEW_FLOOR = 0.75  # certainty at or above which a pair is offered for review
TITLE_FLOOR = 0.90  # an automatic fuzzy merge needs at least this title similarity
CANDIDATE_CUTOFF = 75  # rapidfuzz ratio (0-100) for a block pair to be looked at
SMALL_BLOCK = 8  # blocks up to this size are enumerated; larger ones go through cdist
MAX_BLOCK = 4000  # blocks larger than this carry no information and are skipped
MAX_KEY_GROUP = 200
RARE_WORDS = 3  # the rarest words of a title that are blocking keys
RARE_DF = 300  # …when no more records than this have them  # an identifier shared by more records than this is not trusted

WEIGHTS = {"title": 3.0, "author": 1.0, "year": 1.0, "journal": 0.5, "volume": 0.5,
           "page": 0.5, "abstract": 1.0}  # fmt: skip
IDS_DATABASES = ("pubmed", "medline")
_ID_SHAPE = re.compile(r"[^0-9]*")
_NOTICE_TYPES = frozenset({"erratum", "corrigendum", "correction", "retraction", "retracted"})


@dataclass(slots=True)
class Item:
    """The fields of one record that matching looks at."""

    id: int
    title: str = ""
    authors: Sequence[str] = ()
    year: int | None = None
    journal: str = ""
    volume: str = ""
    pages: str = ""
    doi: str = ""
    pmid: str = ""
    accession: str = ""
    database: str = ""
    abstract: str = ""
    publication_type: str = ""
    source_id: str = ""  # the record's id in its export (a database's record number)


@dataclass(slots=True)
class Features:
    """An item's normalised fields (computed once per record)."""

    variants: tuple[str, ...]
    compacts: tuple[str, ...]
    sigs: tuple[tuple[str, ...], ...]  # per form: its words that are not stop words
    surname: str
    other_authors: tuple[str, ...]
    author_tokens: frozenset[str]
    year: int | None
    journal: tuple[str, ...]
    volume: str
    page: str
    doi: str
    pmid: str
    acc: tuple[str, str] | None
    abstract_text: str
    numbers: frozenset[str]
    notices: frozenset[str]
    database: str
    copy: tuple[Any, ...] | None = None  # source id and content: the same record exported twice
    _abstract: str | None = None
    _surnames: frozenset[str] | None = None

    @property
    def sig_tokens(self) -> tuple[str, ...]:
        return self.sigs[0] if self.sigs else ()

    @property
    def surnames(self) -> frozenset[str]:
        """Surnames of the other authors (computed when first needed)."""
        if self._surnames is None:
            self._surnames = frozenset(surname(a) for a in self.other_authors) - {""}
        return self._surnames

    @property
    def abstract(self) -> str:
        """The folded start of the abstract (computed when first compared)."""
        if self._abstract is None:
            self._abstract = abstract_key(self.abstract_text) if self.abstract_text else ""
        return self._abstract


@lru_cache(maxsize=1024)
def _notice_types(publication_type: str) -> frozenset[str]:
    # Publication types differ between databases (`Letter` in Embase, none in CENTRAL):
    # only the ones that make a different record of the same title count.
    return frozenset(words(publication_type)) & _NOTICE_TYPES


@lru_cache(maxsize=1024)
def _database(name: str) -> str:
    return " ".join(words(name))


def features(item: Item) -> Features:
    variants = title_variants(item.title)
    main = variants[0] if variants else ""
    sigs = tuple(
        tuple([t for t in v.split() if len(t) >= 2 and t not in STOPWORDS]) for v in variants
    )
    notices = notice_words(main)
    for v in variants[1:]:
        notices |= notice_words(v)
    if item.publication_type:
        notices |= _notice_types(item.publication_type)
    db = _database(item.database)
    acc_value = item.accession.strip().lower()
    acc: tuple[str, str] | None = None
    if (
        acc_value
        and db
        and acc_value != item.pmid.strip()
        and not any(d in db for d in IDS_DATABASES)
    ):
        # ids of another shape (`L123` and `CN-123`) come from different systems
        acc = (f"{db}:{_ID_SHAPE.match(acc_value).group(0)}", acc_value)  # type: ignore[union-attr]
    compacts = tuple(compact(v) for v in variants)
    copy = None
    if item.source_id.strip() and compacts:
        copy = (item.source_id.strip(), compacts[0], item.year,
                tuple(surname(a) for a in item.authors[:12]),
                " ".join(item.abstract.split()).casefold())  # fmt: skip
    return Features(
        variants=variants,
        compacts=compacts,
        sigs=sigs,
        surname=surname(item.authors[0]) if item.authors else "",
        other_authors=tuple(item.authors[1:12]),
        author_tokens=author_tokens(item.authors[0]) if item.authors else frozenset(),
        year=item.year,
        journal=journal_tokens(item.journal),
        volume=volume_key(item.volume),
        page=first_page(item.pages),
        doi=doi_key(item.doi),
        pmid=pmid_key(item.pmid),
        acc=acc,
        abstract_text=item.abstract[:900] if len(item.abstract) >= 80 else "",
        numbers=number_tokens(main),
        notices=notices,
        database=db,
        copy=copy,
    )
