"""The validated settings of a review: constants and the frozen dataclasses `Config` is made of."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from screener.model import Reviewer, SourceKind, Stage

PRISMA_FULL_TEXT_REASONS = [
    "Wrong population",
    "Wrong intervention",
    "Wrong comparator",
    "Wrong outcome",
    "Wrong study design",
    "Wrong publication type",
    "No original data",
    "Not in English",
    "Duplicate report",
]
DEFAULT_TITLE_ABSTRACT_REASONS = [
    "Wrong population",
    "Wrong intervention",
    "Wrong study design",
    "Wrong publication type",
    "Not relevant to the question",
]
NOT_RETRIEVED = "Report not retrieved"
DEFAULT_MAX_CELLS = 20_000_000
"""The most cells (rows x columns, up to the last non-empty ones) read from a spreadsheet."""


@dataclass(frozen=True)
class StageSettings:
    stage: Stage
    reviewers_required: int = 2
    reasons: tuple[str, ...] = ()


@dataclass(frozen=True)
class SourceSettings:
    label: str
    kind: SourceKind = SourceKind.DATABASE
    files: tuple[Path, ...] = ()


@dataclass(frozen=True)
class DecisionFile:
    """Decisions loaded when the store is first built (the embedded review's log)."""

    file: Path
    reviewer: str
    stage: Stage
    resolve: bool = False
    id_column: str = "record"
    decision_column: str = "decision"
    reason_column: str = "reason"
    note_column: str = "note"


@dataclass(frozen=True)
class PreviousReview:
    """The previous version of an updated review (PRISMA 2020 'updated review' layout).

    `files`: the previous search's exports; `review`: the previous review's config.toml (its
    records and included studies are read from its store). `studies`/`reports`: the previous
    version's included studies and their reports; None: taken from `review`.
    """

    studies: int | None = None
    reports: int | None = None
    files: tuple[Path, ...] = ()
    review: Path | None = None


@dataclass(frozen=True)
class Config:
    path: Path
    name: str
    title: str
    store_url: str
    reviewers: tuple[Reviewer, ...]
    stages: dict[Stage, StageSettings]
    sources: tuple[SourceSettings, ...] = ()
    blinding: bool = True
    maybe_to_full_text: bool = True
    durability: str = "full"
    criteria: dict[str, Any] = field(default_factory=dict)
    highlight: dict[str, Any] = field(default_factory=dict)
    rules: tuple[dict[str, Any], ...] = ()
    ranking: dict[str, Any] = field(default_factory=dict)
    dedup: dict[str, Any] = field(default_factory=dict)
    previous: PreviousReview | None = None
    decision_files: tuple[DecisionFile, ...] = ()
    serve: dict[str, Any] = field(default_factory=dict)
    max_cells: int = DEFAULT_MAX_CELLS
    """`[import] max_cells`: a spreadsheet whose data reaches further is refused."""

    @property
    def root(self) -> Path:
        return self.path.parent

    def reviewer(self, name: str) -> Reviewer | None:
        return next((r for r in self.reviewers if r.name == name), None)

    def reasons(self, stage: Stage) -> tuple[str, ...]:
        return self.stages[stage].reasons

    @property
    def ranking_enabled(self) -> bool:
        return bool(self.ranking.get("enabled", False))

    @property
    def auto_dedup(self) -> bool:
        return bool(self.dedup.get("auto", True))

    def source_for(self, path: Path) -> SourceSettings | None:
        resolved = path.resolve()
        for src in self.sources:
            if any(f.resolve() == resolved for f in src.files):
                return src
        return None
