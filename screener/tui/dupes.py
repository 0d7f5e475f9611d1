"""The possible-duplicates queue for the duplicates screen (no textual import here).

The queue is the `dup_candidates` table minus the pairs a person (or the engine) has
already decided in the `links` log. Confirming appends a `link` (the later record becomes
a duplicate of the earlier one), splitting appends `distinct`. When `screener.dedup.review`
is installed (its `queue/confirm/split` choose the fuller record as primary and carry
inherited fields), it is used; the plain fallback below only runs without it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from screener.dedup import review
from screener.model import Record
from screener.project import Project
from screener.store.store import project_id

COMPARED = ("title", "authors", "year", "journal", "volume", "issue", "pages", "doi", "pmid",
            "database", "abstract")  # fmt: skip


@dataclass(frozen=True)
class Pair:
    a: int
    b: int
    score: float
    detail: dict[str, Any] = field(default_factory=dict)


def pending(project: Project) -> list[Pair]:
    """Candidate pairs nobody has decided yet, best score first (the dedup review queue)."""
    return [
        Pair(it.a.id, it.b.id, float(it.score), dict(it.detail or {}))
        for it in review.queue(project)
    ]


def confirm(project: Project, pair: Pair, actor: str) -> None:
    """They are one record: link their groups (the fuller primary stays)."""
    review.confirm(project, project_id(pair.a), project_id(pair.b), reviewer=actor)


def split(project: Project, pair: Pair, actor: str) -> None:
    """They are different records: never offered again."""
    review.split(project, project_id(pair.a), project_id(pair.b), reviewer=actor)


def field_text(record: Record, name: str) -> str:
    value = getattr(record, name)
    if isinstance(value, list):
        return "; ".join(str(v) for v in value)
    return "" if value is None else str(value)


def _norm(text: str) -> str:
    return " ".join("".join(ch for ch in text.casefold() if ch.isalnum() or ch.isspace()).split())


def differences(a: Record, b: Record, norm: Callable[[str], str] = _norm) -> set[str]:
    """Fields whose values differ (ignoring case, punctuation and spacing)."""
    return {f for f in COMPARED if norm(field_text(a, f)) != norm(field_text(b, f))}
