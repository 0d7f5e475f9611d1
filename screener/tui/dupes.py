"""The possible-duplicates queue for the duplicates screen (no textual import here).

The queue is the `dup_candidates` table minus the pairs a person (or the engine) has
already decided in the `links` log. Confirming appends a `link` (the later record becomes
a duplicate of the earlier one), splitting appends `distinct`. When `screener.dedup.review`
is installed (its `queue/confirm/split` choose the fuller record as primary and carry
inherited fields), it is used; the plain fallback below only runs without it.
"""

from __future__ import annotations

import importlib
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select

from screener.model import Record
from screener.project import Project
from screener.store import schema
from screener.store.store import project_id

COMPARED = ("title", "authors", "year", "journal", "volume", "issue", "pages", "doi", "pmid",
            "database", "abstract")  # fmt: skip


@dataclass(frozen=True)
class Pair:
    a: int
    b: int
    score: float
    detail: dict[str, Any] = field(default_factory=dict)


def _review_module() -> Any | None:
    try:
        module = importlib.import_module("screener.dedup.review")
    except ImportError:
        return None
    if all(callable(getattr(module, n, None)) for n in ("queue", "confirm", "split")):
        return module
    return None


def pending(project: Project) -> list[Pair]:
    """Candidate pairs nobody has decided yet, best score first."""
    module = _review_module()
    if module is not None:
        return [Pair(it.a.id, it.b.id, float(it.score), dict(it.detail or {}))
                for it in module.queue(project)]  # fmt: skip
    c = schema.dup_candidates.c
    with project.store.read() as conn:
        rows = conn.execute(
            select(c.record_a, c.record_b, c.score, c.detail).order_by(c.score.desc(), c.id)
        ).all()
    decided: set[frozenset[int]] = set()
    for ev in project.store.link_events():
        decided.add(frozenset((ev.record_id, ev.other_id)))
    primary = project.primary_of()
    out: list[Pair] = []
    seen: set[frozenset[int]] = set()
    for a, b, score, detail in rows:
        key = frozenset((a, b))
        if key in decided or key in seen:
            continue
        if primary.get(a, a) == primary.get(b, b):
            continue  # already in the same duplicate group
        seen.add(key)
        out.append(Pair(min(a, b), max(a, b), float(score), json.loads(detail or "{}")))
    return out


def confirm(project: Project, pair: Pair, actor: str) -> None:
    """They are one record: the later one becomes a duplicate of the earlier one."""
    module = _review_module()
    if module is not None:
        module.confirm(project, project_id(pair.a), project_id(pair.b), reviewer=actor)
        return
    project.store.append_links([{
        "action": "link", "record_id": pair.b, "other_id": pair.a, "method": "manual",
        "score": pair.score, "actor": actor,
    }])  # fmt: skip


def split(project: Project, pair: Pair, actor: str) -> None:
    """They are different records: never offered again."""
    module = _review_module()
    if module is not None:
        module.split(project, project_id(pair.a), project_id(pair.b), reviewer=actor)
        return
    project.store.append_links([{
        "action": "distinct", "record_id": pair.b, "other_id": pair.a, "method": "manual",
        "score": pair.score, "actor": actor,
    }])  # fmt: skip


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
