"""Export records (all, or those with a given outcome) as CSV, RIS, BibTeX or EndNote XML."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

import rispy

from screener.errors import ScreenerError
from screener.export.types import ris_type
from screener.model import Outcome, Stage
from screener.outgoing import opened, safe_cell
from screener.screening.blinding import View, view_of
from screener.screening.review import Review
from screener.screening.state import NOTE_SEPARATOR
from screener.store.store import StoredRecord, project_id

CSV_FIELDS = [
    "id",
    "source_id",
    "database",
    "title",
    "abstract",
    "authors",
    "year",
    "journal",
    "volume",
    "issue",
    "pages",
    "doi",
    "pmid",
    "keywords",
    "language",
    "publication_type",
    "url",
    "title_abstract",
    "full_text",
    "notes",
]
STATUSES = {o.value for o in Outcome} | {"included", "excluded", "all", "duplicates"}
# Selections that do not depend on anyone's votes: any reviewer may export them blinded.
VOTE_FREE_STATUSES = frozenset({"all", "duplicates"})


def _select(project: Review, stage: Stage | None, status: str) -> tuple[list[StoredRecord], dict]:
    if status not in STATUSES:
        raise ScreenerError(f"unknown status {status!r}; use one of {', '.join(sorted(STATUSES))}")
    ta = project.outcomes(Stage.TITLE_ABSTRACT)
    ft = project.outcomes(Stage.FULL_TEXT)
    outcomes = {"title_abstract": ta, "full_text": ft}
    if status == "duplicates":
        dups = project.primary_of()
        return project.store.records(dups.keys()), outcomes
    if status == "all":
        return project.screenable(), outcomes
    table = ft if stage is Stage.FULL_TEXT or (stage is None and status == "included") else ta
    if status == "included":
        ids = [r for r, o in table.items() if o.is_include]
    elif status == "excluded":
        ids = [r for r, o in table.items() if o.is_exclude]
    else:
        ids = [r for r, o in table.items() if o.value == status]
    return project.store.records(ids), outcomes


def _row(sr: StoredRecord, outcomes: dict[str, dict[int, Outcome]]) -> dict[str, Any]:
    r = sr.record
    return {
        "id": project_id(sr.id),
        "source_id": r.source_id,
        "database": r.database,
        "title": r.title,
        "abstract": r.abstract,
        "authors": "; ".join(r.authors),
        "year": r.year if r.year is not None else "",
        "journal": r.journal,
        "volume": r.volume,
        "issue": r.issue,
        "pages": r.pages,
        "doi": r.doi,
        "pmid": r.pmid,
        "keywords": "; ".join(r.keywords),
        "language": r.language,
        "publication_type": r.publication_type,
        "url": r.url,
        "title_abstract": outcomes["title_abstract"].get(sr.id, Outcome.PENDING).value
        if sr.id in outcomes["title_abstract"]
        else "",
        "full_text": outcomes["full_text"][sr.id].value if sr.id in outcomes["full_text"] else "",
    }


class _PlainRisWriter(rispy.RisWriter):
    """rispy's RIS writer without the `1.`, `2.` line it writes before each `TY` (not RIS)."""

    def set_header(self, count: int) -> str:
        return ""


def _one_line(value: str) -> str:
    """RIS has no escape for a line break: a value is written on one line."""
    lines = value.splitlines()
    if lines == [value]:
        return value
    return " ".join(part.strip() for part in lines if part.strip())


def _ris_entry(sr: StoredRecord) -> dict[str, Any]:
    r = sr.record
    ty = ris_type(r.publication_type)
    entry: dict[str, Any] = {"type_of_reference": ty, "id": project_id(sr.id)}
    fields = {
        "title": r.title,
        "abstract": r.abstract,
        # T2 is the journal of an article and the book of a chapter; JO for older readers.
        "secondary_title": r.journal,
        "journal_name": r.journal if ty == "JOUR" else "",
        "volume": r.volume,
        "number": r.issue,
        "doi": r.doi,
        "language": r.language,
        "name_of_database": r.database,
        # The publication type as the database gave it (M3, "type of work"), unless the
        # TY code says it all; screener reads it back as the publication type.
        "type_of_work": "" if r.publication_type.strip().upper() == ty else r.publication_type,
    }
    entry.update({k: _one_line(v) for k, v in fields.items() if v})
    if r.authors:
        entry["authors"] = [_one_line(a) for a in r.authors]
    if r.year is not None:
        entry["year"] = str(r.year)
    if r.keywords:
        entry["keywords"] = [_one_line(k) for k in r.keywords]
    if r.pages:
        start, _, end = r.pages.partition("-")
        entry["start_page"] = start
        if end:
            entry["end_page"] = end
    if r.pmid:
        entry["accession_number"] = r.pmid
    if r.url:
        entry["urls"] = [r.url]
    return entry


def reviewer_notes(project: Review, view: View) -> dict[int, str]:
    """record id → the reviewers' notes on it ('stage, name: note') that `view` may read."""
    out: dict[int, list[str]] = {}
    for st in Stage:
        for rid, rs in project.states(st).items():
            names = dict.fromkeys([*rs.stacks, *(n.reviewer for n in rs.notes)])
            for name in names:
                if not view.may_read(name, st):
                    continue
                for note in rs.notes_by(name):
                    out.setdefault(rid, []).append(f"{st.value}, {name}: {note}")
    return {rid: NOTE_SEPARATOR.join(parts) for rid, parts in out.items()}


def export_records(
    project: Review,
    path: Path,
    *,
    fmt: str,
    stage: Stage | None,
    status: str,
    viewer: str | None = None,
) -> int:
    """Write records; outcomes (columns and status filters) and notes as the reader `viewer`
    may see them (screening/blinding.py): all records and the duplicates (links, not votes)
    are for anyone; a stage's outcomes only once it is open to the reader."""
    view = view_of(project, viewer)
    if status not in VOTE_FREE_STATUSES:
        by = (
            Stage.FULL_TEXT
            if stage is Stage.FULL_TEXT or (stage is None and status == "included")
            else Stage.TITLE_ABSTRACT
        )
        view.require_outcomes(by, f"exporting by outcome ({status})")
    records, outcomes = _select(project, stage, status)
    outcomes = {st.value: (outcomes[st.value] if view.outcomes(st) else {}) for st in Stage}
    notes = reviewer_notes(project, view)
    if fmt == "csv":
        with opened(path) as fh:
            writer = csv.DictWriter(fh, fieldnames=CSV_FIELDS)
            writer.writeheader()
            for sr in records:
                row = {**_row(sr, outcomes), "notes": notes.get(sr.id, "")}
                writer.writerow({k: safe_cell(v) for k, v in row.items()})
    elif fmt == "ris":
        with opened(path) as fh:
            entries = []
            for sr in records:
                entry = _ris_entry(sr)
                if sr.id in notes:
                    entry["notes"] = [*entry.get("notes", []), notes[sr.id]]
                entries.append(entry)
            rispy.dump(entries, fh, implementation=_PlainRisWriter)
    elif fmt == "bibtex":
        from screener.export.bibtex import write_bibtex

        with opened(path) as fh:
            write_bibtex(fh, records, notes)
    elif fmt == "endnote-xml":
        from screener.export.endnote_xml import write_endnote_xml

        with opened(path) as fh:
            write_endnote_xml(records, fh, notes)
    else:
        raise ScreenerError(f"unknown export format {fmt!r} (use ris, csv, bibtex or endnote-xml)")
    return len(records)
