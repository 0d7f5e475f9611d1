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

The pieces live beside this module: `items` (what is compared, and the thresholds),
`blocking` (candidate pairs), `scoring` (one pair's certainty); here the passes are put
together (`find_matches`) and pairs grouped (`group_matches`).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from typing import Any

from rapidfuzz import fuzz

from screener.dedup.blocking import candidate_pairs, key_pairs
from screener.dedup.items import (
    CANDIDATE_CUTOFF,
    DEFAULT_REVIEW_FLOOR,
    DEFAULT_THRESHOLD,
    IDS_DATABASES,
    MAX_BLOCK,
    MAX_KEY_GROUP,
    RARE_DF,
    RARE_WORDS,
    SMALL_BLOCK,
    TITLE_FLOOR,
    WEIGHTS,
    Features,
    Item,
    features,
)
from screener.dedup.scoring import Match, compare, title_similarity


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


__all__ = [
    "CANDIDATE_CUTOFF",
    "DEFAULT_REVIEW_FLOOR",
    "DEFAULT_THRESHOLD",
    "IDS_DATABASES",
    "MAX_BLOCK",
    "MAX_KEY_GROUP",
    "RARE_DF",
    "RARE_WORDS",
    "SMALL_BLOCK",
    "TITLE_FLOOR",
    "WEIGHTS",
    "Features",
    "Groups",
    "Item",
    "Match",
    "candidate_pairs",
    "compare",
    "features",
    "find_matches",
    "group_matches",
    "key_pairs",
    "sort_key",
    "title_similarity",
]
