"""Scoring one candidate pair: its certainty, and the vetoes and cautions that keep it from
being merged without a person."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from rapidfuzz import fuzz

from screener.dedup.items import (
    DEFAULT_THRESHOLD,
    IDS_DATABASES,
    TITLE_FLOOR,
    WEIGHTS,
    Features,
)
from screener.dedup.normalise import (
    journals_agree,
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
