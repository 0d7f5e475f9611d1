"""The counts of a PRISMA 2020 flow: `ColumnCounts` per diagram column and the `PrismaFlow`
they make up, with what a blinded reader may see and the JSON shape; no derivation (that is
`screener.prisma.flow`).

Columns of the diagram:
- databases and registers (`dbr_*`): records whose source kind is database or register;
- other methods (`other_*`): citation searching, websites, organisations;
- previous studies: an updated review's previous version (config `[previous]`); records
  imported with source kind `previous` are that version's search, never screened again,
  and new records linked to them count as duplicates.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from screener.model import SourceKind, Stage

DBR_KINDS = (SourceKind.DATABASE, SourceKind.REGISTER)
OTHER_KINDS = (SourceKind.WEBSITE, SourceKind.ORGANISATION, SourceKind.CITATION)
NO_REASON = "Reason not given"
TOTAL = "total"

# What awaits a decision, named the same in the provisional note and in the table rows.
PENDING_LABELS: dict[tuple[str, str], str] = {
    (Stage.TITLE_ABSTRACT.value, "awaiting"): "awaiting title/abstract screening",
    (Stage.TITLE_ABSTRACT.value, "conflicts"): "title/abstract conflicts",
    (Stage.FULL_TEXT.value, "awaiting"): "awaiting full-text assessment",
    (Stage.FULL_TEXT.value, "conflicts"): "full-text conflicts",
}


def column_of(kind: str) -> str:
    """'dbr', 'other' or 'previous': the diagram column a record's source kind feeds."""
    if kind in OTHER_KINDS:
        return "other"
    if kind == SourceKind.PREVIOUS:
        return "previous"
    return "dbr"


@dataclass
class ColumnCounts:
    """One identification column, from identification to inclusion."""

    identified: int = 0
    duplicates: int = 0
    duplicates_previous: int = 0  # of which duplicates of the previous review's search
    excluded_automatic: int = 0
    excluded_other: int = 0
    screened: int = 0
    excluded: int = 0
    ta_awaiting: int = 0
    ta_conflicts: int = 0
    sought: int = 0
    not_retrieved: int = 0
    assessed: int = 0
    excluded_reasons: Counter[str] = field(default_factory=Counter)
    ft_awaiting: int = 0
    ft_conflicts: int = 0
    included: int = 0

    @property
    def ft_excluded(self) -> int:
        return sum(self.excluded_reasons.values())

    def pending(self, stage: str, kind: str) -> int:
        """Records awaiting a decision (`kind` "awaiting") or in conflict at `stage`."""
        ta = stage == Stage.TITLE_ABSTRACT.value
        if kind == "awaiting":
            return self.ta_awaiting if ta else self.ft_awaiting
        return self.ta_conflicts if ta else self.ft_conflicts


@dataclass
class PrismaFlow:
    """All boxes of the diagram. `as_json()` gives the PRISMA2020 template keys."""

    title: str = ""
    database_specific: dict[str, int] = field(default_factory=dict)
    register_specific: dict[str, int] = field(default_factory=dict)
    website_results: int = 0
    organisation_results: int = 0
    citations_results: int = 0
    dbr: ColumnCounts = field(default_factory=ColumnCounts)
    other: ColumnCounts = field(default_factory=ColumnCounts)
    previous_studies: int = 0
    previous_reports: int = 0
    previous_search_records: int = 0
    updated: bool = False
    stated_reports: int | None = None  # reports of new studies, when read from a template CSV
    # Stages whose outcome counts the reader may not see (blinding, see screening/blinding.py):
    # their boxes are zero here and null in `as_json`.
    hidden: frozenset[Stage] = frozenset()
    # The record ids behind each count ("dbr.screened", "source.database/PubMed", ...), from
    # the same pass that counts them (empty for a flow read from a template CSV or blinded).
    members: dict[str, list[int]] = field(default_factory=dict, repr=False, compare=False)

    # -- derived boxes -------------------------------------------------------------------

    @property
    def database_results(self) -> int:
        return sum(self.database_specific.values())

    @property
    def register_results(self) -> int:
        return sum(self.register_specific.values())

    @property
    def new_studies(self) -> int:
        return self.dbr.included + self.other.included

    @property
    def new_reports(self) -> int:
        # One report per study: the store does not model several reports of one study.
        return self.new_studies if self.stated_reports is None else self.stated_reports

    @property
    def total_studies(self) -> int:
        return self.previous_studies + self.new_studies

    @property
    def total_reports(self) -> int:
        return self.previous_reports + self.new_reports

    @property
    def has_other(self) -> bool:
        return self.other.identified > 0

    @property
    def awaiting(self) -> dict[str, int]:
        return {
            Stage.TITLE_ABSTRACT.value: self.dbr.ta_awaiting + self.other.ta_awaiting,
            Stage.FULL_TEXT.value: self.dbr.ft_awaiting + self.other.ft_awaiting,
        }

    @property
    def conflicts(self) -> dict[str, int]:
        return {
            Stage.TITLE_ABSTRACT.value: self.dbr.ta_conflicts + self.other.ta_conflicts,
            Stage.FULL_TEXT.value: self.dbr.ft_conflicts + self.other.ft_conflicts,
        }

    @property
    def awaiting_total(self) -> int:
        return sum(self.awaiting.values())

    @property
    def conflicts_total(self) -> int:
        return sum(self.conflicts.values())

    @property
    def provisional(self) -> bool:
        """Some record still awaits a decision or a senior's resolution."""
        return bool(self.awaiting_total or self.conflicts_total)

    def provisional_note(self) -> str:
        """What keeps the flow provisional, stage by stage, in the words of the table rows.

        Each count is over both columns; the part from other methods is said in brackets.
        """
        parts = []
        for (stage, kind), label in PENDING_LABELS.items():
            total = self.dbr.pending(stage, kind) + self.other.pending(stage, kind)
            if total:
                other = self.other.pending(stage, kind)
                aside = f" ({other} from other methods)" if other else ""
                parts.append(f"{label}: {total}{aside}")
        return "; ".join(parts)

    # -- output --------------------------------------------------------------------------

    def blind(self, hidden: frozenset[Stage]) -> PrismaFlow:
        """The flow as a blinded reader may see it: the boxes that count outcomes at a hidden
        stage (and everything after it) are emptied."""
        if not hidden:
            return self
        for col in (self.dbr, self.other):
            for name in _OUTCOME_FIELDS[Stage.FULL_TEXT]:
                setattr(col, name, Counter() if name == "excluded_reasons" else 0)
            if Stage.TITLE_ABSTRACT in hidden:
                for name in _OUTCOME_FIELDS[Stage.TITLE_ABSTRACT]:
                    setattr(col, name, 0)
        self.hidden = frozenset(hidden)
        self.members = {}  # no record lists behind counts the reader may not see
        return self

    def shows(self, key: str) -> bool:
        """Whether the template key `key` is visible to this flow's reader."""
        if Stage.TITLE_ABSTRACT in self.hidden and key in _TA_KEYS:
            return False
        return not (self.hidden and key in _FT_KEYS | _STATUS_KEYS)

    def as_json(self) -> dict[str, Any]:
        """The template keys (counts and reason dicts with 'total'), then the status; keys a
        blinded reader may not see are null, and `blinded` names the stages."""
        data = self._as_json()
        if not self.hidden:
            return data
        for key in data:
            if not self.shows(key):
                data[key] = None
        data["pending"] = {st: (v if Stage(st) not in self.hidden else None)
                           for st, v in data["pending"].items()}  # fmt: skip
        if Stage.TITLE_ABSTRACT in self.hidden:
            data["other_methods"]["records_excluded"] = None
        data["blinded"] = sorted(stage.value for stage in self.hidden)
        return data

    def _as_json(self) -> dict[str, Any]:
        return {
            "previous_studies": self.previous_studies,
            "previous_reports": self.previous_reports,
            "database_results": self.database_results,
            "database_specific_results": with_total(self.database_specific),
            "register_results": self.register_results,
            "register_specific_results": with_total(self.register_specific),
            "website_results": self.website_results,
            "organisation_results": self.organisation_results,
            "citations_results": self.citations_results,
            "duplicates": self.dbr.duplicates,
            "excluded_automatic": self.dbr.excluded_automatic,
            "excluded_other": self.dbr.excluded_other,
            "records_screened": self.dbr.screened,
            "records_excluded": self.dbr.excluded,
            "dbr_sought_reports": self.dbr.sought,
            "dbr_notretrieved_reports": self.dbr.not_retrieved,
            "other_sought_reports": self.other.sought,
            "other_notretrieved_reports": self.other.not_retrieved,
            "dbr_assessed": self.dbr.assessed,
            "dbr_excluded": with_total(self.dbr.excluded_reasons),
            "other_assessed": self.other.assessed,
            "other_excluded": with_total(self.other.excluded_reasons),
            "new_studies": self.new_studies,
            "new_reports": self.new_reports,
            "total_studies": self.total_studies,
            "total_reports": self.total_reports,
            "updated_review": self.updated,
            "provisional": self.provisional,
            "awaiting_screening": self.awaiting_total,
            "conflicts": self.conflicts_total,
            "provisional_note": self.provisional_note(),
            "pending": {
                stage: {
                    "awaiting_screening": self.awaiting[stage],
                    "conflicts": self.conflicts[stage],
                }
                for stage in self.awaiting
            },
            # Records found by other methods are screened here too; these do not appear
            # in the template's other-methods column, so they are given separately.
            "other_methods": {
                "duplicates": self.other.duplicates,
                "excluded_automatic": self.other.excluded_automatic,
                "records_screened": self.other.screened,
                "records_excluded": self.other.excluded,
            },
            "previous_search_records": self.previous_search_records,
            "duplicates_of_previous_search": self.dbr.duplicates_previous
            + self.other.duplicates_previous,
        }


# What a blinded reader may not see: ColumnCounts fields and template keys per stage.
_OUTCOME_FIELDS = {
    Stage.TITLE_ABSTRACT: ("excluded", "ta_awaiting", "ta_conflicts", "sought"),
    Stage.FULL_TEXT: ("not_retrieved", "assessed", "excluded_reasons", "ft_awaiting",
                      "ft_conflicts", "included"),
}  # fmt: skip
_TA_KEYS = frozenset({"records_excluded", "dbr_sought_reports", "other_sought_reports"})
_FT_KEYS = frozenset({
    "dbr_notretrieved_reports", "other_notretrieved_reports", "dbr_assessed", "dbr_excluded",
    "other_assessed", "other_excluded", "new_studies", "new_reports", "total_studies",
    "total_reports",
})  # fmt: skip
_STATUS_KEYS = frozenset({"provisional", "awaiting_screening", "conflicts", "provisional_note"})


def with_total(counts: dict[str, int] | Counter[str]) -> dict[str, int]:
    """Label → n, sorted by n (then label), plus 'total'; a label 'total' is renamed, an
    empty label (a count without its parts, from a template CSV) counts in the total only."""
    items = sorted(((k, v) for k, v in counts.items() if k), key=lambda kv: (-kv[1], kv[0]))
    out = {(k if k != TOTAL else f"{k} (label)"): v for k, v in items}
    out[TOTAL] = sum(counts.values())
    return out
