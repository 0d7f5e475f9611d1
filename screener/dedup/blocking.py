"""Candidate pairs: records sharing an identifier, and records sharing a blocking key whose
titles are close enough (large blocks compared at once with `process.cdist`)."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Sequence
from typing import Any

import numpy as np
from rapidfuzz import fuzz, process

from screener.dedup.items import (
    CANDIDATE_CUTOFF,
    MAX_BLOCK,
    MAX_KEY_GROUP,
    RARE_DF,
    RARE_WORDS,
    SMALL_BLOCK,
    Features,
)


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
