"""The records behind each count of the PRISMA diagram, written as one CSV per count.

The ids come from `PrismaFlow.members`, filled by the same pass of compute_flow that counts
the boxes, so a list can never disagree with its count. Keys are "dbr.screened",
"other.excluded_reasons/Wrong population", "source.database/PubMed", ...; `box_members`
adds the sums the diagram shows ("databases", "registers", "dbr.ft_excluded",
"new_studies").
"""

from __future__ import annotations

import csv
import re
from pathlib import Path

from screener.outgoing import safe_cell
from screener.prisma.counts import PrismaFlow
from screener.screening.review import Review
from screener.store.store import project_id

COLUMNS = ["id", "title", "authors", "year", "journal", "doi", "pmid", "source", "reason",
           "duplicate_of"]  # fmt: skip
REASONS = ".excluded_reasons/"


def box_members(flow: PrismaFlow) -> dict[str, list[int]]:
    """Every key of `flow.members` plus the sums shown in the diagram."""
    m = {k: list(v) for k, v in flow.members.items()}

    def union(prefix: str) -> list[int]:
        return sorted(rid for k, ids in m.items() if k.startswith(prefix) for rid in ids)

    m["databases"] = union("source.database/")
    m["registers"] = union("source.register/")
    for col in ("dbr", "other"):
        m[f"{col}.ft_excluded"] = union(f"{col}{REASONS}")
    m["new_studies"] = sorted(m.get("dbr.included", []) + m.get("other.included", []))
    m["new_reports"] = m["new_studies"]  # one report per study
    return m


# Counts that are not of this store's records: the previous version's, and totals with it.
NOT_RECORDS = frozenset({"previous_studies", "previous_reports", "total_studies",
                         "total_reports"})  # fmt: skip


def file_name(ref: str, taken: set[str]) -> str:
    """A safe, unique CSV file name for `ref` ("dbr_excluded_reasons_wrong-population.csv")."""
    stem = re.sub(r"[^a-z0-9]+", "-", ref.casefold().replace(".", "_").replace("/", "_"))
    stem = stem.strip("-")[:80] or "records"
    name, i = f"{stem}.csv", 2
    while name in taken:
        name, i = f"{stem}-{i}.csv", i + 1
    taken.add(name)
    return name


def reasons_of(members: dict[str, list[int]]) -> dict[int, str]:
    """record id → its full-text exclusion reason."""
    return {rid: k.split(REASONS, 1)[1] for k, ids in members.items() if REASONS in k
            for rid in ids}  # fmt: skip


def write_record_lists(
    project: Review, flow: PrismaFlow, folder: Path, refs: list[str]
) -> dict[str, str]:
    """One CSV per ref in `folder`; returns ref → file name. Every cell is formula-safe."""
    members = box_members(flow)
    folder.mkdir(parents=True, exist_ok=True)
    labels = {b.id: b.source_label for b in project.store.batches()}
    primary = project.primary_of()
    reasons = reasons_of(members)
    wanted = {rid for ref in refs for rid in members.get(ref, [])}
    records = {sr.id: sr for sr in project.store.records(wanted)}
    taken: set[str] = set()
    names: dict[str, str] = {}
    for ref in refs:
        if ref in names:
            continue
        names[ref] = name = file_name(ref, taken)
        with (folder / name).open("w", encoding="utf-8", newline="") as fh:
            writer = csv.writer(fh)
            writer.writerow(COLUMNS)
            for rid in sorted(members.get(ref, [])):
                sr = records[rid]
                r = sr.record
                dup = primary.get(rid)
                row = [project_id(rid), r.title, "; ".join(r.authors), r.year or "", r.journal,
                       r.doi, r.pmid, labels.get(sr.batch_id, sr.source_kind),
                       reasons.get(rid, ""), project_id(dup) if dup is not None else ""]  # fmt: skip
                writer.writerow([safe_cell(v) if isinstance(v, str) else v for v in row])
    return names
