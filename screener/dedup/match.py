"""Finding duplicate pairs and groups among records, without any storage.

Two passes, both near-linear in the number of records:

1. exact keys: records sharing a DOI, a PMID or an accession id of the same database;
2. blocking + fuzzy matching: records sharing a blocking key (normalised title, its rarest
   words, its first or last words, first author + year) are compared with rapidfuzz,
   large blocks at once with `process.cdist`.

Every candidate pair gets a certainty score (a weighted mean of the agreement of title,
first author, year, journal, volume, first page and abstract) and the reasons it may not
be merged automatically: conflicting identifiers, years more than one apart, different
volumes or first pages (vetoes), or cautions (numbers in the title differ — `part I` and
`part II`; one is an erratum, comment or reply; a short or title-only match; different
abstracts). Grouping then merges pairs best-first and never puts two different DOIs,
PMIDs or accession ids of one database into one group.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

import numpy as np
from rapidfuzz import fuzz, process

from screener.dedup.normalise import (
    STOPWORDS,
    abstract_key,
    author_tokens,
    compact,
    doi_key,
    first_page,
    journal_tokens,
    journals_agree,
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


@dataclass(slots=True)
class Match:
    """One candidate pair (indices into the item list, a < b) and why it is (not) one."""

    a: int
    b: int
    score: float
    method: str  # doi | pmid | accession | fuzzy
    weight: float
    fields: dict[str, Any]
    vetoes: list[str] = field(default_factory=list)
    cautions: list[str] = field(default_factory=list)
    hard_conflict: bool = False  # different DOIs, PMIDs or accession ids
    same_db_conflict: bool = False  # …of records from one database: surely different
    auto: bool = False

    def detail(self) -> dict[str, Any]:
        out: dict[str, Any] = {"method": self.method, "score": round(self.score, 4),
                               "fields": self.fields}  # fmt: skip
        if self.vetoes:
            out["vetoes"] = self.vetoes
        if self.cautions:
            out["cautions"] = self.cautions
        return out


def title_similarity(fa: Features, fb: Features) -> tuple[float, str]:
    """Best similarity (0-1) over both titles' forms, and how it was found."""
    best, how = 0.0, ""
    for ca in fa.compacts:
        for cb in fb.compacts:
            if ca == cb:
                return 1.0, "equal"
            r = fuzz.ratio(ca, cb) / 100.0
            if r > best:
                best, how = r, "fuzzy"
            short, long_ = (ca, cb) if len(ca) <= len(cb) else (cb, ca)
            if len(short) >= 30 and long_.startswith(short):
                best, how = max(best, 0.92), "prefix"  # a subtitle left out
    return best, how


def _ids_conflict(fa: Features, fb: Features) -> tuple[list[str], bool]:
    """Conflicting identifiers, and whether the conflict is within one database."""
    out: list[str] = []
    same_db = False
    if fa.doi and fb.doi and fa.doi != fb.doi:
        out.append(f"DOIs differ: {fa.doi} / {fb.doi}")
        same_db |= fa.database == fb.database
    if fa.pmid and fb.pmid and fa.pmid != fb.pmid:
        out.append(f"PMIDs differ: {fa.pmid} / {fb.pmid}")
        same_db |= fa.database == fb.database or (
            any(d in fa.database for d in IDS_DATABASES)
            and any(d in fb.database for d in IDS_DATABASES)
        )
    if fa.acc and fb.acc and fa.acc[0] == fb.acc[0] and fa.acc[1] != fb.acc[1]:
        out.append(f"{fa.acc[0].split(':')[0]} accession ids differ: {fa.acc[1]} / {fb.acc[1]}")
        same_db = True
    return out, same_db


def compare(
    fa: Features, fb: Features, *, method: str = "fuzzy", threshold: float = DEFAULT_THRESHOLD
) -> Match:
    """Score one pair and decide whether it may be merged without a person."""
    fields: dict[str, Any] = {}
    vetoes, same_db = _ids_conflict(fa, fb)
    hard = bool(vetoes)
    cautions: list[str] = []
    total = weight = 0.0

    def add(name: str, value: float) -> None:
        nonlocal total, weight
        total += WEIGHTS[name] * value
        weight += WEIGHTS[name]

    tsim, how = title_similarity(fa, fb) if fa.compacts and fb.compacts else (0.0, "")
    if fa.compacts and fb.compacts:
        add("title", tsim)
        fields["title"] = round(tsim, 4)
        if how == "prefix":
            fields["title_prefix"] = "one title is the start of the other"
    if fa.surname and fb.surname:
        if fa.surname == fb.surname:
            asim = 1.0
        elif fa.surname in fb.author_tokens or fb.surname in fa.author_tokens:
            asim = 0.9  # the name written the other way round
        elif fa.surname in fb.surnames or fb.surname in fa.surnames:
            asim = 0.8  # the authors listed in another order
        else:
            asim = fuzz.ratio(fa.surname, fb.surname) / 100.0
            asim = asim if asim >= 0.8 else 0.0
        add("author", asim)
        fields["first_author"] = round(asim, 3) if asim < 1 else fa.surname
    if fa.year is not None and fb.year is not None:
        diff = abs(fa.year - fb.year)
        add("year", 1.0 if diff == 0 else 0.8 if diff == 1 else 0.0)
        fields["year"] = fa.year if diff == 0 else f"{fa.year}/{fb.year}"
        if diff > 1:
            vetoes.append(f"years differ: {fa.year} / {fb.year}")
    agree = journals_agree(fa.journal, fb.journal)
    if agree is not None:
        add("journal", 1.0 if agree else 0.3)
        fields["journal"] = "same" if agree else "differs"
    if fa.volume and fb.volume:
        add("volume", 1.0 if fa.volume == fb.volume else 0.0)
        fields["volume"] = fa.volume if fa.volume == fb.volume else f"{fa.volume}/{fb.volume}"
        if fa.volume != fb.volume:
            vetoes.append(f"volumes differ: {fa.volume} / {fb.volume}")
    if fa.page and fb.page:
        add("page", 1.0 if fa.page == fb.page else 0.0)
        fields["first_page"] = fa.page if fa.page == fb.page else f"{fa.page}/{fb.page}"
        if fa.page != fb.page:
            vetoes.append(f"first pages differ: {fa.page} / {fb.page}")
    if fa.abstract and fb.abstract:
        absim = fuzz.ratio(fa.abstract, fb.abstract) / 100.0
        add("abstract", absim)
        fields["abstract"] = round(absim, 3)
        if absim < 0.5:
            cautions.append(f"abstracts differ ({absim:.2f})")
    score = total / weight if weight else 0.0

    # A subtitle left out may hold a number (`: part 1`); the same first page vouches.
    subtitle_only = how == "prefix" and fa.page != "" and fa.page == fb.page
    if fa.numbers != fb.numbers and tsim < 1.0 and not subtitle_only:
        cautions.append(
            "numbers in the titles differ: "
            f"{' '.join(sorted(fa.numbers)) or '-'} / {' '.join(sorted(fb.numbers)) or '-'}"
        )
    if fa.notices != fb.notices:
        cautions.append(
            "one is a notice (erratum, comment, reply…): "
            f"{' '.join(sorted(fa.notices)) or '-'} / {' '.join(sorted(fb.notices)) or '-'}"
        )
    others = weight - WEIGHTS["title"] if fa.compacts and fb.compacts else weight
    sig = min(len(fa.sig_tokens), len(fb.sig_tokens))
    chars = min(
        len(fa.compacts[0]) if fa.compacts else 0, len(fb.compacts[0]) if fb.compacts else 0
    )
    same_author_year = (
        fields.get("first_author") == fa.surname != "" and fields.get("year") == fa.year
    )
    if (sig < 3 or chars < 15) and others < 2.5:
        cautions.append("very short title and little else to compare")
    elif (sig < 4 or chars < 25) and others < 2.5 and not same_author_year:
        cautions.append("short title and little else to compare")
    elif others == 0 and (tsim < 0.97 or sig < 5):
        cautions.append("only the titles can be compared")
    elif others <= WEIGHTS["author"] + WEIGHTS["year"] and tsim < 0.95:
        # one group's two papers of one year, e.g. "... of myocardial ischemia in ..." and
        # "... of ventricular arrhythmias in ...": a person decides
        cautions.append("titles differ in words and little else to compare")

    m = Match(0, 0, score, method, weight, fields, vetoes, cautions, hard, same_db)
    if method == "fuzzy":
        m.auto = not vetoes and not cautions and score >= threshold and tsim >= TITLE_FLOOR
    else:
        # An identifier both records carry decides, unless another one conflicts or the
        # titles are unrelated (a wrong id, a supplement's DOI shared by its abstracts).
        fields[method] = "same"
        title_ok = not (fa.compacts and fb.compacts) or tsim >= 0.6
        m.auto = not hard and title_ok and fa.notices == fb.notices
        if not title_ok:
            m.cautions.append(f"same {method} but titles differ ({tsim:.2f})")
        m.score = max(score, threshold) if m.auto else score
    return m


# -- candidate generation ---------------------------------------------------------------


def _blocking_keys(feats: Sequence[Features]) -> dict[str, list[int]]:
    """Blocking key → record indices."""
    df: Counter[str] = Counter()
    for f in feats:
        if len(f.sigs) == 1:
            df.update(set(f.sigs[0]))
        else:
            df.update({t for sig in f.sigs for t in sig})
    blocks: dict[str, list[int]] = defaultdict(list)
    for i, f in enumerate(feats):
        keys: set[str] = set()
        for sig, c in zip(f.sigs, f.compacts, strict=True):
            keys.add("e:" + c)
            if len(sig) >= 3:
                keys.add("p:" + " ".join(sig[:4]))
                keys.add("s:" + " ".join(sig[-4:]))
            # Each of the rarest words is a key, so two typos still leave one in common.
            # A word no other title has (often a typo) cannot pair anything: skipped.
            shared = [t for t in set(sig) if 2 <= df[t] <= RARE_DF]
            for t in sorted(shared, key=lambda t: (df[t], t))[:RARE_WORDS]:
                keys.add("w:" + t)
        if f.surname and f.year is not None:
            keys.add(f"a:{f.surname}:{f.year}")
            keys.add(f"a:{f.surname}:{f.year + 1}")
        for k in keys:
            blocks[k].append(i)
    return blocks


def candidate_pairs(feats: Sequence[Features]) -> set[tuple[int, int]]:
    """Pairs (i < j) that share a blocking key and whose titles are close enough."""
    pairs: set[tuple[int, int]] = set()
    for members in _blocking_keys(feats).values():
        n = len(members)
        if n < 2 or n > MAX_BLOCK:
            continue
        if n <= SMALL_BLOCK:
            for x in range(n):
                for y in range(x + 1, n):
                    i, j = members[x], members[y]
                    pairs.add((i, j) if i < j else (j, i))
            continue
        rows: list[str] = []
        owner: list[int] = []
        for i in members:
            for c in feats[i].compacts:
                rows.append(c)
                owner.append(i)
        scores = process.cdist(rows, rows, scorer=fuzz.ratio, score_cutoff=CANDIDATE_CUTOFF,
                               dtype=np.uint8)  # fmt: skip
        xs, ys = np.nonzero(np.triu(scores, 1))
        for x, y in zip(xs.tolist(), ys.tolist(), strict=True):
            i, j = owner[x], owner[y]
            if i != j:
                pairs.add((i, j) if i < j else (j, i))
    return pairs


def key_pairs(feats: Sequence[Features]) -> dict[tuple[int, int], str]:
    """Pairs that share an identifier (DOI, PMID, accession id), with which one; and exact
    copies: the same source record id with the same title, authors and year (one record
    exported twice, e.g. by a review's previous search and its update)."""
    groups: dict[tuple[str, Any], list[int]] = defaultdict(list)
    for i, f in enumerate(feats):
        if f.doi:
            groups[("doi", f.doi)].append(i)
        if f.pmid:
            groups[("pmid", f.pmid)].append(i)
        if f.acc:
            groups[("accession", f.acc)].append(i)
        if f.copy:
            groups[("copy", f.copy)].append(i)
    out: dict[tuple[int, int], str] = {}
    for (kind, _value), members in groups.items():
        if len(members) < 2 or len(members) > MAX_KEY_GROUP:
            continue
        for x in range(len(members)):
            for y in range(x + 1, len(members)):
                out.setdefault((members[x], members[y]), kind)
    return out


def find_matches(
    items: Sequence[Item],
    *,
    threshold: float = DEFAULT_THRESHOLD,
    review_floor: float = DEFAULT_REVIEW_FLOOR,
    feats: Sequence[Features] | None = None,
) -> list[Match]:
    """Every pair worth merging or showing to a person, best first."""
    feats = feats if feats is not None else [features(it) for it in items]
    by_key = key_pairs(feats)
    pairs = candidate_pairs(feats) | set(by_key)
    out: list[Match] = []
    for i, j in pairs:
        fa, fb = feats[i], feats[j]
        method = by_key.get((i, j), "fuzzy")
        if method == "fuzzy":
            # cheap title filter before the full comparison
            if fa.compacts and fb.compacts:
                best = max(fuzz.ratio(a, b) for a in fa.compacts for b in fb.compacts)
                if best < CANDIDATE_CUTOFF and not any(
                    x.startswith(y) or y.startswith(x) for x in fa.compacts for y in fb.compacts
                ):
                    continue
            else:
                continue
        m = compare(fa, fb, method=method, threshold=threshold)
        m.a, m.b = i, j
        if m.auto or m.score >= review_floor:
            out.append(m)
    out.sort(key=sort_key)
    return out


def sort_key(m: Match) -> tuple[int, float, float, int, int]:
    return (0 if m.method != "fuzzy" else 1, -m.score, -m.weight, m.a, m.b)


# -- grouping -----------------------------------------------------------------------------


class Groups:
    """Union-find over record indices that refuses to join conflicting identifiers."""

    def __init__(self, feats: Sequence[Features]) -> None:
        self.parent = list(range(len(feats)))
        self.size: dict[int, int] = {}  # root → members, for groups of more than one
        # root → records its group must never be joined with (a person said so)
        self.apart: dict[int, set[int]] = defaultdict(set)
        self.ids: dict[int, dict[str, set[Any]]] = {}
        for i, f in enumerate(feats):
            keys: dict[str, set[Any]] = {}
            if f.doi:
                keys["doi"] = {f.doi}
            if f.pmid:
                keys["pmid"] = {f.pmid}
            if f.acc:
                keys["acc:" + f.acc[0]] = {f.acc[1]}
            if keys:
                self.ids[i] = keys

    def alone(self, i: int) -> bool:
        """Whether i is in a group of its own."""
        return self.size.get(self.find(i), 1) == 1

    def find(self, i: int) -> int:
        parent = self.parent
        root = i
        while parent[root] != root:
            root = parent[root]
        while parent[i] != root:
            parent[i], i = root, parent[i]
        return root

    def conflict(self, i: int, j: int) -> list[str]:
        """Why the groups of i and j may not be joined: identifiers, a person's decision."""
        ri, rj = self.find(i), self.find(j)
        a, b = self.ids.get(ri, {}), self.ids.get(rj, {})
        out = [k for k in a.keys() & b.keys() if a[k] != b[k]]
        if ri in self.apart and rj in self.apart:
            small, other = (ri, rj) if len(self.apart[ri]) <= len(self.apart[rj]) else (rj, ri)
            if any(self.find(x) == other for x in self.apart[small]):
                out.append("a person's decision (distinct or unlinked)")
        return out

    def union(self, i: int, j: int, *, force: bool = False) -> bool:
        ri, rj = self.find(i), self.find(j)
        if ri == rj:
            return False
        if not force and self.conflict(ri, rj):
            return False
        if rj < ri:
            ri, rj = rj, ri
        self.parent[rj] = ri
        self.size[ri] = self.size.get(ri, 1) + self.size.pop(rj, 1)
        b = self.ids.pop(rj, None)
        if b:
            a = self.ids.setdefault(ri, {})
            for k, v in b.items():
                a.setdefault(k, set()).update(v)
        if rj in self.apart:
            self.apart[ri] |= self.apart.pop(rj)
        return True

    def components(self, members: Iterable[int] | None = None) -> dict[int, list[int]]:
        out: dict[int, list[int]] = defaultdict(list)
        for i in members if members is not None else range(len(self.parent)):
            out[self.find(i)].append(i)
        return {r: m for r, m in out.items() if len(m) > 1}


def group_matches(
    feats: Sequence[Features],
    matches: Sequence[Match],
    *,
    seed: Iterable[tuple[int, int]] = (),
    blocked: set[frozenset[int]] | None = None,
    threshold: float = DEFAULT_THRESHOLD,
) -> tuple[Groups, list[Match], list[Match]]:
    """Merge automatic matches best-first; return groups, the merges, and pairs to review.

    `seed` holds pairs already linked (kept as they are, even against identifiers: a person
    may have linked them); `blocked` holds pairs a person declared distinct or unlinked.
    """
    blocked = blocked or set()
    groups = Groups(feats)
    for i, j in seed:
        groups.union(i, j, force=True)
    for pair in blocked:
        x, y = tuple(pair)
        groups.apart[groups.find(x)].add(y)
        groups.apart[groups.find(y)].add(x)
    merged: list[Match] = []
    review: list[Match] = []
    for m in matches:
        if frozenset((m.a, m.b)) in blocked:
            continue
        if groups.find(m.a) == groups.find(m.b):
            continue
        clash = groups.conflict(m.a, m.b)
        if any(c.startswith("a person") for c in clash):
            continue
        if m.auto and not clash:
            groups.union(m.a, m.b)
            merged.append(m)
            continue
        if clash and not (m.hard_conflict and groups.alone(m.a) and groups.alone(m.b)):
            continue  # one of them already found its namesake, which this one conflicts with
        if m.same_db_conflict:
            continue
        if m.hard_conflict and m.score < threshold:
            continue
        review.append(m)
    review = [m for m in review if groups.find(m.a) != groups.find(m.b)]
    return groups, merged, review
