"""Rules, their hits and the rule set: evaluation, highlighting and cold-start scoring."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, Final

from screener.model import Record
from screener.rules.criteria import Criterion, QueryCriterion
from screener.rules.query import Query, View
from screener.rules.text import fold_with_map


class Action(StrEnum):
    HIGHLIGHT = "highlight"
    FLAG = "flag"
    EXCLUDE = "exclude"


@dataclass(frozen=True, slots=True)
class Rule:
    """One validated ``[[rules]]`` entry."""

    name: str
    action: Action
    reason: str
    criterion: Criterion
    kind: str = "include"  # highlight rules only: "include" or "exclude"

    @property
    def description(self) -> str:
        """What the rule tests, for listings (the query text, or a short phrase)."""
        return str(self.criterion)

    @property
    def query(self) -> Query | None:
        return self.criterion.query if isinstance(self.criterion, QueryCriterion) else None

    def matches(self, record: Record) -> bool:
        return self.criterion.matches(View(record))


@dataclass(frozen=True, slots=True)
class RuleHit:
    rule: str
    action: Action
    reason: str

    @property
    def name(self) -> str:
        return self.rule


@dataclass(frozen=True, slots=True)
class RuleReport:
    """How one rule fares on a set of records (``screener rules test``)."""

    rule: str
    action: Action
    reason: str
    description: str
    hits: int
    total: int
    samples: tuple[tuple[int, str], ...]

    def to_dict(self) -> dict[str, Any]:
        return {
            "rule": self.rule,
            "action": str(self.action),
            "reason": self.reason,
            "criterion": self.description,
            "hits": self.hits,
            "total": self.total,
            "samples": [{"index": i, "title": t} for i, t in self.samples],
        }


@dataclass(frozen=True, slots=True)
class HighlightTerm:
    label: str
    kind: str  # include | exclude
    regex: re.Pattern[str]
    literal: str


#: Weights of :meth:`RuleSet.prior_score`.
EXCLUDE_TERM_PENALTY: Final = 1.0
FLAG_PENALTY: Final = 2.0
AUTO_EXCLUDE_PENALTY: Final = 5.0


class RuleSet:
    """The rules and highlight terms of a project, ready to evaluate records."""

    def __init__(self, rules: Sequence[Rule] = (), terms: Sequence[HighlightTerm] = ()) -> None:
        self.rules: tuple[Rule, ...] = tuple(rules)
        self._checks = tuple(
            (r.criterion.matches, RuleHit(r.name, r.action, r.reason)) for r in rules
        )
        self._terms: tuple[HighlightTerm, ...] = tuple(terms)
        self._include = tuple(t for t in self._terms if t.kind == "include")
        self._exclude = tuple(t for t in self._terms if t.kind == "exclude")

    def __repr__(self) -> str:
        return f"RuleSet({len(self.rules)} rules, {len(self._terms)} highlight terms)"

    @property
    def highlight_terms(self) -> list[tuple[str, str]]:
        """(term, kind) of every highlight term, in config order."""
        return [(t.label, t.kind) for t in self._terms]

    def rule(self, name: str) -> Rule | None:
        return next((r for r in self.rules if r.name == name), None)

    # ---- evaluation

    def _hits(self, view: View) -> list[RuleHit]:
        return [hit for matches, hit in self._checks if matches(view)]

    def evaluate(self, record: Record) -> list[RuleHit]:
        """Every rule that fires on `record`, in config order (highlight rules included)."""
        return self._hits(View(record))

    def auto_excluded(self, record: Record) -> RuleHit | None:
        """The first `exclude` rule that fires, if any."""
        view = View(record)
        for matches, hit in self._checks:
            if hit.action is Action.EXCLUDE and matches(view):
                return hit
        return None

    def suggested_reason(self, record: Record) -> str | None:
        """The reason of the first `flag` or `exclude` rule that fires, if any."""
        view = View(record)
        for matches, hit in self._checks:
            if hit.action is not Action.HIGHLIGHT and matches(view):
                return hit.reason
        return None

    # ---- highlighting and cold-start ordering

    def highlight(self, text: str) -> list[tuple[int, int, str]]:
        """Non-overlapping (start, end, kind) spans of highlight terms in `text`.

        Offsets index the original `text`; kind is "include" or "exclude". Where matches
        overlap the earliest wins, then the longest, then "exclude".
        """
        if not text or not self._terms:
            return []
        folded, owner, pieces = fold_with_map(text)
        found: list[tuple[int, int, int]] = []
        for term in self._terms:
            if term.literal not in folded:
                continue
            rank = 0 if term.kind == "exclude" else 1
            for match in term.regex.finditer(folded):
                start, end = match.span()
                if pieces is not None:
                    start, end = owner[start], owner[end - 1] + 1
                    while end < len(pieces) and not pieces[end]:
                        end += 1
                found.append((start, end, rank))
        found.sort(key=lambda s: (s[0], s[0] - s[1], s[2]))
        spans: list[tuple[int, int, str]] = []
        last = 0
        for start, end, rank in found:
            if start >= last:
                spans.append((start, end, "exclude" if rank == 0 else "include"))
                last = end
        return spans

    def prior_score(self, record: Record) -> float:
        """Cold-start ordering score: higher means more likely relevant.

        Distinct inclusion terms found in title, abstract and keywords, minus
        ``EXCLUDE_TERM_PENALTY`` per distinct exclusion term, ``FLAG_PENALTY`` per firing
        flag rule and ``AUTO_EXCLUDE_PENALTY`` per firing exclude rule.
        """
        view = View(record)
        text = view.text("any")
        score = float(_count_found(self._include, text))
        score -= EXCLUDE_TERM_PENALTY * _count_found(self._exclude, text)
        for r in self.rules:
            if r.action is Action.HIGHLIGHT or not r.criterion.matches(view):
                continue
            score -= FLAG_PENALTY if r.action is Action.FLAG else AUTO_EXCLUDE_PENALTY
        return score

    # ---- rules test

    def test(self, records: Iterable[Record], *, samples: int = 5) -> list[RuleReport]:
        """Per rule, how many of `records` it fires on and up to `samples` (index, title)."""
        counts = [0] * len(self.rules)
        found: list[list[tuple[int, str]]] = [[] for _ in self.rules]
        total = 0
        for index, record in enumerate(records):
            total += 1
            view = View(record)
            for k, r in enumerate(self.rules):
                if r.criterion.matches(view):
                    counts[k] += 1
                    if len(found[k]) < samples:
                        found[k].append((index, record.title))
        return [
            RuleReport(r.name, r.action, r.reason, r.description, counts[k], total, tuple(found[k]))
            for k, r in enumerate(self.rules)
        ]


def _count_found(terms: Sequence[HighlightTerm], text: str) -> int:
    return sum(1 for t in terms if t.literal in text and t.regex.search(text) is not None)
