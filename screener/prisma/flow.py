"""The PRISMA 2020 flow of a review, derived from the store and checked for arithmetic.

Every number comes from the records, the duplicate-link log and the screening event log
(through the domain's `Review`), never from stored counters. The keys are those of the
`data` column of the PRISMA2020 R package's template (`PRISMA.csv`).

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

from screener.config import NOT_RETRIEVED as NOT_RETRIEVED_REASON
from screener.model import Outcome, SourceKind, Stage
from screener.screening.blinding import View
from screener.screening.review import Review
from screener.screening.state import NOT_RETRIEVED, RecordStage

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


# -- derivation --------------------------------------------------------------------------


def exclusion_reason(rs: RecordStage | None, order: list[str]) -> str:
    """The resolution's reason, else the reviewers' common reason, else the first's."""
    if rs is None:
        return NO_REASON
    if rs.resolution is not None and rs.resolution.reason.strip():
        return rs.resolution.reason.strip()
    votes = rs.votes
    excludes = [v for v in votes.values() if not v.includes and v.reason.strip()]
    if not excludes:
        if rs.auto is not None and rs.auto.reason.strip():
            return rs.auto.reason.strip()
        return NO_REASON
    reasons = {v.reason.strip() for v in excludes}
    if len(reasons) == 1:
        return reasons.pop()
    rank = {name: i for i, name in enumerate(order)}
    first = min(excludes, key=lambda v: (rank.get(v.reviewer, len(rank)), v.event_id))
    return first.reason.strip()


def _not_retrieved(rs: RecordStage | None, outcome: Outcome | None) -> bool:
    if rs is None:
        return False
    if rs.retrieval is not None:
        return rs.retrieval.reason == NOT_RETRIEVED
    # An exclusion for the reason "Report not retrieved" is the same thing said otherwise.
    if outcome is not None and outcome.is_exclude:
        return exclusion_reason(rs, []).casefold() == NOT_RETRIEVED_REASON.casefold()
    return False


def compute_flow(project: Review, *, check: bool = True, view: View | None = None) -> PrismaFlow:
    """Every PRISMA 2020 box from the store; raises PrismaArithmeticError if they disagree.

    `view`: the reader; the boxes that count outcomes at a stage blinded to them are emptied
    (None: everything, for the core's own use).
    """
    flow = _compute_flow(project, check=check)
    return flow.blind(view.hidden) if view is not None else flow


def _compute_flow(project: Review, *, check: bool) -> PrismaFlow:
    config = project.config
    store = project.store
    flow = PrismaFlow(title=config.title)
    members: dict[str, list[int]] = {}

    def note(key: str, rid: int) -> None:
        members.setdefault(key, []).append(rid)

    batches = store.batches()
    previous_batches = project.previous_batches()
    if config.previous is not None or previous_batches:
        flow.updated = True
        _previous_version(flow, project, batches)

    labels = {b.id: b.source_label for b in batches}
    dups = project.primary_of()
    auto = project.auto_excluded()
    ta = project.outcomes(Stage.TITLE_ABSTRACT)
    kinds: dict[int, str] = {}
    database: Counter[str] = Counter()
    register: Counter[str] = Counter()
    other_kind: Counter[str] = Counter()

    for rid, batch_id, kind, *_ in store.record_keys():
        if batch_id in previous_batches:
            kind = SourceKind.PREVIOUS  # the previous version's search, whatever its source
        kinds[rid] = kind
        col_name = column_of(kind)
        if col_name == "previous":
            flow.previous_search_records += 1
            note("previous.search", rid)
            continue
        col = flow.dbr if col_name == "dbr" else flow.other
        col.identified += 1
        note(f"{col_name}.identified", rid)
        if col_name == "other":
            other_kind[kind] += 1
            note(f"source.{kind}", rid)
        elif kind == SourceKind.REGISTER:
            label = labels.get(batch_id, "Register")
            register[label] += 1
            note(f"source.register/{label}", rid)
        else:  # a database (or a kind this version does not know: counted as one)
            label = labels.get(batch_id, "Database")
            database[label] += 1
            note(f"source.database/{label}", rid)
        if rid in dups:
            col.duplicates += 1
            note(f"{col_name}.duplicates", rid)
        elif rid in auto:
            col.excluded_automatic += 1
            note(f"{col_name}.excluded_automatic", rid)

    for rid, outcome in ta.items():
        col_name = column_of(kinds.get(rid, SourceKind.DATABASE))
        if col_name == "previous":
            continue
        col = flow.dbr if col_name == "dbr" else flow.other
        col.screened += 1
        note(f"{col_name}.screened", rid)
        if outcome.is_exclude:
            col.excluded += 1
            note(f"{col_name}.excluded", rid)
        elif outcome is Outcome.PENDING:
            col.ta_awaiting += 1
            note(f"{col_name}.ta_awaiting", rid)
        elif outcome is Outcome.CONFLICT:
            col.ta_conflicts += 1
            note(f"{col_name}.ta_conflicts", rid)

    for dup, primary in dups.items():
        col_name = column_of(kinds.get(dup, SourceKind.DATABASE))
        if col_name != "previous" and kinds.get(primary) == SourceKind.PREVIOUS:
            (flow.dbr if col_name == "dbr" else flow.other).duplicates_previous += 1
            note(f"{col_name}.duplicates_previous", dup)

    flow.database_specific = dict(database)
    flow.register_specific = dict(register)
    flow.website_results = other_kind[SourceKind.WEBSITE]
    flow.organisation_results = other_kind[SourceKind.ORGANISATION]
    flow.citations_results = other_kind[SourceKind.CITATION]

    order = [r.name for r in config.reviewers]
    ft_states = project.states(Stage.FULL_TEXT)
    ft = project.outcomes(Stage.FULL_TEXT)
    for rid in project.at_full_text():
        col_name = column_of(kinds.get(rid, SourceKind.DATABASE))
        if col_name == "previous":
            continue
        col = flow.dbr if col_name == "dbr" else flow.other
        col.sought += 1
        note(f"{col_name}.sought", rid)
        rs = ft_states.get(rid)
        ft_outcome = ft.get(rid)
        if _not_retrieved(rs, ft_outcome):
            col.not_retrieved += 1
            note(f"{col_name}.not_retrieved", rid)
            continue
        col.assessed += 1
        note(f"{col_name}.assessed", rid)
        # excluded by a rule at full text (no outcome, not resolved), or excluded
        if ft_outcome is None or ft_outcome.is_exclude:
            reason = exclusion_reason(rs, order)
            col.excluded_reasons[reason] += 1
            note(f"{col_name}.excluded_reasons/{reason}", rid)
        elif ft_outcome.is_include:
            col.included += 1
            note(f"{col_name}.included", rid)
        elif ft_outcome is Outcome.PENDING:
            col.ft_awaiting += 1
            note(f"{col_name}.ft_awaiting", rid)
        else:
            col.ft_conflicts += 1
            note(f"{col_name}.ft_conflicts", rid)

    flow.members = members
    if check:
        check_arithmetic(flow)
    return flow


def _previous_version(flow: PrismaFlow, project: Review, batches: list[Any]) -> None:
    """Studies and reports of the previous version: as the config states them, else those of
    the previous review it names plus those included in this store before `screener update`."""
    stated = project.config.previous
    if stated is not None and stated.studies is not None:
        flow.previous_studies = stated.studies
        flow.previous_reports = stated.reports if stated.reports is not None else stated.studies
        return
    studies = reports = project.previous_version_included()
    for b in batches:
        named = b.report.get("previous_review") if isinstance(b.report, dict) else None
        if named:
            studies += int(named.get("studies", 0))
            reports += int(named.get("reports", 0))
    flow.previous_studies, flow.previous_reports = studies, reports


from screener.prisma.arithmetic import arithmetic_problems, check_arithmetic  # noqa: E402

__all__ = ["ColumnCounts", "PrismaFlow", "arithmetic_problems", "check_arithmetic", "compute_flow"]
