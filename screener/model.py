"""Plain data types of the domain: records, stages, decisions and outcomes.

Nothing here knows about storage, files or user interfaces.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

# The actions of the event log (`events.action`); screening/state.py replays them.
DECIDE, UNDO, RESOLVE, UNRESOLVE = "decide", "undo", "resolve", "unresolve"
RETRIEVAL, AUTO_EXCLUDE, NOTE = "retrieval", "auto_exclude", "note"


class Stage(StrEnum):
    """The two screening stages, in order."""

    TITLE_ABSTRACT = "title_abstract"
    FULL_TEXT = "full_text"


class Decision(StrEnum):
    """What a reviewer can decide about a record at a stage."""

    INCLUDE = "include"
    EXCLUDE = "exclude"
    MAYBE = "maybe"


class Outcome(StrEnum):
    """The derived state of a record at a stage."""

    PENDING = "pending"
    AGREED_INCLUDE = "agreed_include"
    AGREED_EXCLUDE = "agreed_exclude"
    CONFLICT = "conflict"
    RESOLVED_INCLUDE = "resolved_include"
    RESOLVED_EXCLUDE = "resolved_exclude"

    @property
    def is_include(self) -> bool:
        return self in (Outcome.AGREED_INCLUDE, Outcome.RESOLVED_INCLUDE)

    @property
    def is_exclude(self) -> bool:
        return self in (Outcome.AGREED_EXCLUDE, Outcome.RESOLVED_EXCLUDE)

    @property
    def is_final(self) -> bool:
        return self.is_include or self.is_exclude


class Role(StrEnum):
    REVIEWER = "reviewer"
    SENIOR = "senior"


class SourceKind(StrEnum):
    """Where a record was identified (the PRISMA 2020 columns)."""

    DATABASE = "database"
    REGISTER = "register"
    CITATION = "citation"
    WEBSITE = "website"
    ORGANISATION = "organisation"
    PREVIOUS = "previous"


@dataclass(slots=True)
class Record:
    """One bibliographic record as read from an export, normalised.

    `raw` keeps every field of the source losslessly (tag or column → values).
    """

    title: str = ""
    abstract: str = ""
    authors: list[str] = field(default_factory=list)
    year: int | None = None
    journal: str = ""
    volume: str = ""
    issue: str = ""
    pages: str = ""
    doi: str = ""
    pmid: str = ""
    keywords: list[str] = field(default_factory=list)
    language: str = ""
    publication_type: str = ""
    url: str = ""
    source_id: str = ""
    accession: str = ""
    database: str = ""
    source_file: str = ""
    raw: dict[str, Any] = field(default_factory=dict)

    @property
    def first_author(self) -> str:
        return self.authors[0] if self.authors else ""


@dataclass(frozen=True, slots=True)
class Reviewer:
    name: str
    role: Role = Role.REVIEWER

    @property
    def is_senior(self) -> bool:
        return self.role is Role.SENIOR
