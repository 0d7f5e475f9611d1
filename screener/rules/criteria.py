"""What one rule tests: a query, a year range, languages or publication types."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Final

from screener.rules.query import Predicate, Query, View
from screener.rules.text import fold


@dataclass(frozen=True, slots=True)
class YearRange:
    low: int
    high: int

    def matches(self, view: View) -> bool:
        year = view.record.year
        return year is not None and not self.low <= year <= self.high

    def __str__(self) -> str:
        return f"year outside {self.low}–{self.high}"


_LANGUAGE_SPLIT: Final = re.compile(r"\s*[;,/|]\s*")


@dataclass(frozen=True, slots=True)
class Languages:
    allowed: frozenset[str]
    shown: tuple[str, ...]

    def matches(self, view: View) -> bool:
        language = (view.record.language or "").strip()
        if not language:
            return False
        parts = [fold(p) for p in _LANGUAGE_SPLIT.split(language) if p.strip()]
        return bool(parts) and not any(p in self.allowed for p in parts)

    def __str__(self) -> str:
        return "language not in " + ", ".join(self.shown)


@dataclass(frozen=True, slots=True)
class PublicationTypes:
    shown: tuple[str, ...]
    predicate: Predicate = field(repr=False, compare=False, hash=False)

    def matches(self, view: View) -> bool:
        return self.predicate(view)

    def __str__(self) -> str:
        return "publication type is " + ", ".join(self.shown)


@dataclass(frozen=True, slots=True)
class QueryCriterion:
    query: Query

    def matches(self, view: View) -> bool:
        return self.query.matches_view(view)

    def __str__(self) -> str:
        return self.query.text


Criterion = QueryCriterion | YearRange | Languages | PublicationTypes
