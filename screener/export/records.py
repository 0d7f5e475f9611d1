"""Export records (all, or those with a given outcome) as CSV or RIS."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

import rispy

from screener.errors import PermissionDenied, ScreenerError
from screener.export.safe import safe_cell
from screener.model import Outcome, Stage
from screener.project import Project
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
]
STATUSES = {o.value for o in Outcome} | {"included", "excluded", "all", "duplicates"}


def _select(project: Project, stage: Stage | None, status: str) -> tuple[list[StoredRecord], dict]:
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


def _ris_entry(sr: StoredRecord) -> dict[str, Any]:
    r = sr.record
    entry: dict[str, Any] = {"type_of_reference": "JOUR", "id": project_id(sr.id)}
    fields = {
        "title": r.title,
        "abstract": r.abstract,
        "journal_name": r.journal,
        "volume": r.volume,
        "number": r.issue,
        "doi": r.doi,
        "language": r.language,
        "name_of_database": r.database,
    }
    entry.update({k: v for k, v in fields.items() if v})
    if r.authors:
        entry["authors"] = list(r.authors)
    if r.year is not None:
        entry["year"] = str(r.year)
    if r.keywords:
        entry["keywords"] = list(r.keywords)
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


def export_records(
    project: Project,
    path: Path,
    *,
    fmt: str,
    stage: Stage | None,
    status: str,
    viewer: str | None = None,
) -> int:
    """Write records; outcomes (columns and status filters) only to whom blinding allows.

    While blinding is on, a record's outcome (e.g. `conflict`) would tell a reviewer what
    the other reviewer decided, so outcomes are exported only for a senior (`viewer`).
    """
    reveal = not project.config.blinding
    if viewer is not None:
        reveal = reveal or project.reviewer(viewer).is_senior
    if not reveal and status != "all":
        raise PermissionDenied(
            "while blinding is on, only a senior may export by outcome: add --as SENIOR"
        )
    records, outcomes = _select(project, stage, status)
    if not reveal:
        outcomes = {"title_abstract": {}, "full_text": {}}
    if fmt == "csv":
        with path.open("w", newline="", encoding="utf-8") as fh:
            writer = csv.DictWriter(fh, fieldnames=CSV_FIELDS)
            writer.writeheader()
            for sr in records:
                writer.writerow({k: safe_cell(v) for k, v in _row(sr, outcomes).items()})
    elif fmt == "ris":
        with path.open("w", encoding="utf-8") as fh:
            rispy.dump([_ris_entry(sr) for sr in records], fh)
    else:
        raise ScreenerError(f"unknown export format {fmt!r} (use ris or csv)")
    return len(records)
