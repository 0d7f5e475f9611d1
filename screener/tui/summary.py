"""What the dashboard shows, computed off the event loop (no textual import here).

Everything goes through the reader's `View` (screening/blinding.py): while a stage is blinded
to the reviewer who opened the app, its outcome boxes, the conflicts, the agreement and the
other reviewers' progress are not computed into what the screen receives (None: "blinded").
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from screener.model import Outcome, Stage
from screener.prisma.flow import PrismaFlow, compute_flow
from screener.project import Project
from screener.screening.blinding import View

if TYPE_CHECKING:
    from screener.resolve.agreement import Agreement


@dataclass(frozen=True)
class Box:
    label: str
    n: int | None  # None: blinded to the reader
    detail: tuple[tuple[str, int], ...] = ()


@dataclass(frozen=True)
class Progress:
    reviewer: str
    stage: Stage
    decided: int
    total: int | None  # None: the stage's size is a blinded outcome (full text)


@dataclass
class Dashboard:
    flow: list[tuple[str, list[Box]]]
    provisional: bool
    open_counts: dict[str, int | None] = field(default_factory=dict)
    progress: list[Progress] = field(default_factory=list)
    conflicts: dict[Stage, int | None] = field(default_factory=dict)
    agreement: dict[Stage, Agreement | None] = field(default_factory=dict)
    hidden: frozenset[Stage] = frozenset()
    others_hidden: bool = False  # other reviewers' progress is not shown


def _boxes(f: PrismaFlow) -> list[tuple[str, list[Box]]]:
    """The PRISMA flow as dashboard boxes; a count the reader may not see is None."""
    cols = (f.dbr, f.other)
    identified = sorted({**f.database_specific, **f.register_specific}.items())
    other = [(k, v) for k, v in (("websites", f.website_results),
             ("organisations", f.organisation_results), ("citations", f.citations_results)) if v]  # fmt: skip
    reasons: Counter[str] = Counter()
    for c in cols:
        reasons.update(c.excluded_reasons)

    def total(name: str, key: str | None = None) -> int | None:
        return sum(getattr(c, name) for c in cols) if key is None or f.shows(key) else None

    removed = (("duplicates", total("duplicates")), ("automation tools", total("excluded_automatic")),
               ("other reasons", total("excluded_other")))  # fmt: skip
    new = f.new_studies if f.shows("new_studies") else None
    included = [Box("New studies included" if f.updated else "Studies included", new)]
    if f.updated:
        included.append(Box("Total studies included",
                            f.total_studies if f.shows("total_studies") else None,
                            (("previous review", f.previous_studies),)))  # fmt: skip
    excluded_reports = sum(reasons.values()) if f.shows("dbr_excluded") else None
    return [
        ("Identification", [
            Box("Records identified", f.database_results + f.register_results, tuple(identified)),
            *([Box("Other methods", f.other.identified, tuple(other))] if f.has_other else []),
            Box("Removed before screening", sum(n or 0 for _k, n in removed),
                tuple((k, n or 0) for k, n in removed if n or k != "other reasons")),
        ]),
        ("Screening", [
            Box("Records screened", total("screened")),
            Box("Records excluded", total("excluded", "records_excluded")),
            Box("Reports sought for retrieval", total("sought", "dbr_sought_reports")),
            Box("Reports not retrieved", total("not_retrieved", "dbr_notretrieved_reports")),
            Box("Reports assessed for eligibility", total("assessed", "dbr_assessed")),
            Box("Reports excluded", excluded_reports,
                tuple(sorted(reasons.items())) if excluded_reports is not None else ()),
        ]),
        ("Included", included),
    ]  # fmt: skip


def compute(project: Project, view: View) -> Dashboard:
    """Everything on the dashboard that the reader of `view` may see."""
    from screener.resolve.agreement import agreement  # scikit-learn: slow to import

    flow = compute_flow(project, check=False, view=view)
    open_counts: dict[str, int | None] = {}
    conflicts: dict[Stage, int | None] = {}
    agreements: dict[Stage, Agreement | None] = {}
    progress: list[Progress] = []
    for stage in Stage:
        label = "title/abstract" if stage is Stage.TITLE_ABSTRACT else "full text"
        visible = view.outcomes(stage)
        outcomes = project.outcomes(stage) if visible or stage is Stage.TITLE_ABSTRACT else {}
        states = project.states(stage)
        if visible:
            open_counts[f"{label} pending"] = sum(o is Outcome.PENDING for o in outcomes.values())
            conflicts[stage] = sum(o is Outcome.CONFLICT for o in outcomes.values())
            agreements[stage] = agreement(project, stage)[0]
        else:
            open_counts[f"{label} pending"] = None
            conflicts[stage] = None
            agreements[stage] = None
        size = len(outcomes) if (visible or stage is Stage.TITLE_ABSTRACT) else None
        for who in project.config.reviewers:
            if not view.may_read(who.name, stage):
                continue
            if visible:
                decided = sum(1 for rid in outcomes if who.name in states.get(rid, _EMPTY).votes)
            else:  # their own decisions, whatever the stage's records are
                decided = sum(1 for rs in states.values() if who.name in rs.votes)
            if who.is_senior and not decided:
                continue
            progress.append(Progress(who.name, stage, decided, size))
    progress.sort(key=lambda p: [r.name for r in project.config.reviewers].index(p.reviewer))
    return Dashboard(
        flow=_boxes(flow),
        provisional=bool(view.hidden) or flow.provisional,
        open_counts=open_counts,
        progress=progress,
        conflicts=conflicts,
        agreement=agreements,
        hidden=view.hidden,
        others_hidden=bool(view.hidden),
    )


class _Empty:
    votes: dict[str, Any] = {}  # noqa: RUF012


_EMPTY = _Empty()
