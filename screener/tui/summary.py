"""What the dashboard shows, computed off the event loop (no textual import here).

The PRISMA 2020 flow comes from `screener.prisma` when that package provides it; until
then it is derived here from the same sources: batches, links and the screening log.
"""

from __future__ import annotations

import importlib
from collections import Counter
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from screener.model import Decision, Outcome, SourceKind, Stage
from screener.project import Project
from screener.screening.state import NOT_RETRIEVED

if TYPE_CHECKING:
    from screener.resolve.agreement import Agreement


@dataclass(frozen=True)
class Box:
    label: str
    n: int
    detail: tuple[tuple[str, int], ...] = ()


@dataclass(frozen=True)
class Progress:
    reviewer: str
    stage: Stage
    decided: int
    total: int


@dataclass
class Dashboard:
    flow: list[tuple[str, list[Box]]]
    provisional: bool
    open_counts: dict[str, int] = field(default_factory=dict)
    progress: list[Progress] = field(default_factory=list)
    conflicts: dict[Stage, int] = field(default_factory=dict)
    agreement: dict[Stage, Agreement] = field(default_factory=dict)


def _external_flow(project: Project) -> list[tuple[str, list[Box]]] | None:
    """The boxes from `screener.prisma.flow.compute_flow`, when that package is installed."""
    try:
        module = importlib.import_module("screener.prisma.flow")
    except ImportError:
        return None
    compute_flow = getattr(module, "compute_flow", None)
    if not callable(compute_flow):
        return None
    f: Any = compute_flow(project, check=False)
    cols = (f.dbr, f.other)
    identified = sorted({**f.database_specific, **f.register_specific}.items())
    other = [(k, v) for k, v in (("websites", f.website_results),
             ("organisations", f.organisation_results), ("citations", f.citations_results)) if v]  # fmt: skip
    reasons: Counter[str] = Counter()
    for c in cols:
        reasons.update(c.excluded_reasons)
    total = lambda name: sum(getattr(c, name) for c in cols)  # noqa: E731
    removed = (("duplicates", total("duplicates")), ("automation tools", total("excluded_automatic")),
               ("other reasons", total("excluded_other")))  # fmt: skip
    included = [Box("New studies included", f.new_studies)]
    if f.updated:
        included.append(Box("Total studies included", f.total_studies,
                            (("previous review", f.previous_studies),)))  # fmt: skip
    return [
        ("Identification", [
            Box("Records identified", f.database_results + f.register_results, tuple(identified)),
            *([Box("Other methods", f.other.identified, tuple(other))] if f.has_other else []),
            Box("Removed before screening", sum(n for _k, n in removed),
                tuple((k, n) for k, n in removed if n or k != "other reasons")),
        ]),
        ("Screening", [
            Box("Records screened", total("screened")),
            Box("Records excluded", total("excluded")),
            Box("Reports sought for retrieval", total("sought")),
            Box("Reports not retrieved", total("not_retrieved")),
            Box("Reports assessed for eligibility", total("assessed")),
            Box("Reports excluded", sum(reasons.values()), tuple(sorted(reasons.items()))),
        ]),
        ("Included", included),
    ]  # fmt: skip


def compute(project: Project) -> Dashboard:
    """Everything on the dashboard, from the store as it stands."""
    from screener.resolve.agreement import agreement  # scikit-learn: slow to import

    ta = project.outcomes(Stage.TITLE_ABSTRACT)
    ft = project.outcomes(Stage.FULL_TEXT)
    ta_states = project.states(Stage.TITLE_ABSTRACT)
    ft_states = project.states(Stage.FULL_TEXT)
    open_counts = {
        "title/abstract pending": sum(o is Outcome.PENDING for o in ta.values()),
        "title/abstract conflicts": sum(o is Outcome.CONFLICT for o in ta.values()),
        "full text pending": sum(o is Outcome.PENDING for o in ft.values()),
        "full text conflicts": sum(o is Outcome.CONFLICT for o in ft.values()),
    }
    flow = _external_flow(project) or _flow(project, ta, ft, ft_states)
    progress: list[Progress] = []
    for who in project.config.reviewers:
        for stage, outcomes, states in (
            (Stage.TITLE_ABSTRACT, ta, ta_states), (Stage.FULL_TEXT, ft, ft_states)
        ):  # fmt: skip
            decided = sum(1 for rid in outcomes if who.name in states.get(rid, _EMPTY).votes)
            if who.is_senior and not decided:
                continue
            progress.append(Progress(who.name, stage, decided, len(outcomes)))
    return Dashboard(
        flow=flow,
        provisional=any(open_counts.values()),
        open_counts=open_counts,
        progress=progress,
        conflicts={
            Stage.TITLE_ABSTRACT: open_counts["title/abstract conflicts"],
            Stage.FULL_TEXT: open_counts["full text conflicts"],
        },
        agreement={s: agreement(project, s)[0] for s in Stage},
    )


class _Empty:
    votes: dict[str, Any] = {}  # noqa: RUF012


_EMPTY = _Empty()


def _flow(
    project: Project, ta: dict[int, Outcome], ft: dict[int, Outcome], ft_states: dict[int, Any]
) -> list[tuple[str, list[Box]]]:
    identified: Counter[str] = Counter()
    other: Counter[str] = Counter()
    previous = project.previous_batches()
    for batch in project.store.batches():
        if batch.id in previous:
            continue
        target = (
            identified if batch.source_kind in (SourceKind.DATABASE, SourceKind.REGISTER) else other
        )
        target[batch.source_label] += batch.n_imported
    duplicates = len(project.primary_of())
    automation = len(project.auto_excluded())
    not_retrieved = sum(
        1 for rid in ft
        if (rs := ft_states.get(rid)) is not None and rs.retrieval is not None
        and rs.retrieval.reason == NOT_RETRIEVED
    )  # fmt: skip
    reasons: Counter[str] = Counter()
    for rid, outcome in ft.items():
        if not outcome.is_exclude:
            continue
        rs = ft_states.get(rid)
        why = ""
        if rs is not None:
            vote = rs.resolution or next(
                (v for v in rs.votes.values() if v.decision is Decision.EXCLUDE), None
            )
            why = vote.reason if vote else ""
        reasons[why or "no reason given"] += 1
    flow = [
        ("Identification", [
            Box("Records identified", sum(identified.values()), tuple(sorted(identified.items()))),
            *([Box("Other methods", sum(other.values()), tuple(sorted(other.items())))] if other else []),
            Box("Removed before screening", duplicates + automation,
                (("duplicates", duplicates), ("automation tools", automation))),
        ]),
        ("Screening", [
            Box("Records screened", len(ta)),
            Box("Records excluded", sum(o.is_exclude for o in ta.values())),
            Box("Reports sought for retrieval", len(ft)),
            Box("Reports not retrieved", not_retrieved),
            Box("Reports assessed for eligibility", len(ft) - not_retrieved),
            Box("Reports excluded", sum(reasons.values()), tuple(sorted(reasons.items()))),
        ]),
        ("Included", [Box("New studies included", sum(o.is_include for o in ft.values()))]),
    ]  # fmt: skip
    return flow
