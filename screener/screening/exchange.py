"""Decisions in and out of the store, so reviewers can work offline and merge later.

Import is all-or-nothing: when any row is refused (unknown id, ambiguous id, bad value,
missing full-text reason, record not at that stage), the report lists every refused row
and nothing is applied.
"""

from __future__ import annotations

import csv
import json
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from screener.errors import PermissionDenied, ScreenerError
from screener.ingest.text import normalise_doi
from screener.model import Decision, Stage
from screener.outgoing import opened, safe_cell
from screener.screening.blinding import blinded_message, view_of
from screener.screening.decide import (
    check_reason,
    check_resolution,
    full_text_open_to,
    parse_decision,
)
from screener.screening.review import Review
from screener.screening.state import DECIDE, NOTE, NOTE_SEPARATOR
from screener.store.store import parse_project_id, project_id


@dataclass(frozen=True)
class DecisionImport:
    """What an import applied: rows, and rows not applied because another row names the same
    study (a record linked as its duplicate), one line each."""

    applied: int
    merged: list[str]


@dataclass(frozen=True)
class Refused:
    row: int
    value: str
    reason: str


class DecisionImportError(ScreenerError):
    title = "Decisions refused"

    def __init__(self, path: str, refused: list[Refused], total: int) -> None:
        lines = [f"{path}:{r.row}: {r.value!r}: {r.reason}" for r in refused[:50]]
        more = f"\n… and {len(refused) - 50} more" if len(refused) > 50 else ""
        super().__init__(
            f"{len(refused)} of {total} row(s) refused; nothing was applied:\n"
            + "\n".join(lines)
            + more
        )
        self.refused = refused


def _read_rows(path: Path) -> list[dict[str, str]]:
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise ScreenerError(f"{path}: cannot read decisions file: {exc}") from exc
    if path.suffix.lower() in (".jsonl", ".ndjson"):
        rows = []
        for n, line in enumerate(text.splitlines(), 1):
            if line.strip():
                try:
                    rows.append(
                        {k: "" if v is None else str(v) for k, v in json.loads(line).items()}
                    )
                except json.JSONDecodeError as exc:
                    raise ScreenerError(f"{path}:{n}: not a JSON object: {exc.msg}") from exc
        return rows
    delimiter = "\t" if path.suffix.lower() == ".tsv" else ","
    return list(csv.DictReader(text.splitlines(), delimiter=delimiter))


class IdIndex:
    """Find records by project id, source record id, PMID or DOI.

    A value that names one record gives that record, even if it is a duplicate (its decision
    then counts on its primary, as decisions on duplicates do); a value shared by a record
    and its duplicates (a DOI, say) gives their primary.
    """

    def __init__(self, project: Review) -> None:
        self.primary = project.primary_of()
        self.by: dict[str, dict[str, set[int]]] = {
            k: defaultdict(set) for k in ("src", "pmid", "doi")
        }
        self.ids: set[int] = set()
        for rid, _batch, _kind, source_id, pmid, doi in project.store.record_keys():
            self.ids.add(rid)
            if source_id:
                self.by["src"][source_id].add(rid)
            if pmid:
                self.by["pmid"][pmid].add(rid)
            if doi:
                self.by["doi"][doi].add(rid)

    def find(self, value: str) -> tuple[int | None, str]:
        v = value.strip()
        if not v:
            return None, "empty id"
        pid = parse_project_id(v)
        if pid is not None and pid in self.ids:
            return pid, ""
        for kind, key in (("src", v), ("pmid", v), ("doi", normalise_doi(v))):
            hits = self.by[kind].get(key) if key else None
            if hits:
                if len(hits) == 1:
                    return next(iter(hits)), ""
                primaries = {self.primary.get(h, h) for h in hits}
                if len(primaries) == 1:
                    return primaries.pop(), ""
                listed = ", ".join(project_id(p) for p in sorted(primaries)[:5])
                return None, f"ambiguous: matches {len(primaries)} different records ({listed})"
        return None, "no record with this project id, source id, PMID or DOI"


def import_decisions(
    project: Review,
    path: Path,
    *,
    reviewer: str,
    stage: Stage,
    id_column: str | None = None,
    decision_column: str = "decision",
    reason_column: str | None = "reason",
    note_column: str | None = "note",
    resolve: bool = False,
    override: bool = False,
    marker: tuple[str, str, dict[str, Any]] | None = None,
) -> DecisionImport:
    """Apply a file of decisions as `reviewer`'s events: all of them, or none when a row is
    refused (DecisionImportError lists every refused row).

    A row with no decision but a note adds the note (as `decisions export` writes it).
    `resolve`: the rows are a senior's resolutions, each for a record in conflict (or any
    record with `override`, logged as such). `marker`: a review event (action, actor, detail)
    logged in the same transaction (building a review replays each decision file once).
    """
    who = project.senior(reviewer) if resolve else project.reviewer(reviewer)
    rows = _read_rows(path)
    if not rows:
        raise ScreenerError(f"{path}: no decision rows")
    columns = list(rows[0].keys())
    id_col = id_column or next(
        (c for c in ("id", "record", "record_id", "pmid", "doi") if c in columns), ""
    )
    for col, what in ((id_col, "--id-column"), (decision_column, "--decision-column")):
        if col not in columns:
            raise ScreenerError(f"{path}: no column {col!r} ({what}); columns are {columns}")
    if reason_column and reason_column not in columns:
        reason_column = None
    if note_column and note_column not in columns:
        note_column = None
    if stage is Stage.FULL_TEXT and not resolve:
        full_text_open_to(project, who.name)
    index = IdIndex(project)
    open_ids = set(project.at_full_text()) if stage is Stage.FULL_TEXT else None
    states = project.states(stage) if resolve else None
    refused: list[Refused] = []
    notes: list[dict[str, Any]] = []
    decided: dict[int, list[tuple[int, str, int, dict[str, Any]]]] = defaultdict(list)
    named: dict[int, int] = {}
    for n, row in enumerate(rows, start=2):
        value = (row.get(id_col) or "").strip()
        rid, why = index.find(value)
        if rid is None:
            refused.append(Refused(n, value, why))
            continue
        primary = index.primary.get(rid, rid)
        if open_ids is not None and primary not in open_ids:
            refused.append(Refused(n, value, "has not passed title/abstract screening"))
            continue
        raw_decision = (row.get(decision_column) or "").strip()
        note = ((row.get(note_column) or "") if note_column else "").strip()
        reason = (row.get(reason_column) or "") if reason_column else ""
        context: dict[str, Any] = {"imported_from": str(path), "row": n}
        if not raw_decision and note and not reason.strip():
            notes.append({"record_id": rid, "stage": stage.value, "reviewer": who.name,
                          "action": NOTE, "note": note, "context": context})  # fmt: skip
            continue
        if rid in named:
            refused.append(Refused(n, value, f"same record as row {named[rid]}"))
            continue
        named[rid] = n
        try:
            decision = parse_decision(raw_decision)
            if resolve:
                res = check_resolution(project, primary, decision, stage, reason=reason,
                                       note=note, override=override, states=states)  # fmt: skip
                event = res.event(stage, who.name)
                event["context"] = {**event["context"], **context}
            else:
                event = {"record_id": rid, "stage": stage.value, "reviewer": who.name,
                         "action": DECIDE, "decision": decision.value,
                         "reason": check_reason(project, stage, decision, reason), "note": note,
                         "context": context}  # fmt: skip
        except ScreenerError as exc:
            refused.append(Refused(n, value, exc.message))
            continue
        decided[primary].append((n, value, rid, event))
    if refused:
        raise DecisionImportError(str(path), refused, len(rows))
    # Rows for several copies of one study (records linked as duplicates; another tool's
    # export often excludes the second copy as a duplicate): the most inclusive decision
    # decides (a study included under any of its records stays in), then the row naming the
    # primary record, then the first; the others are reported.
    events: list[dict[str, Any]] = []
    merged: list[str] = []
    rank = {Decision.INCLUDE.value: 0, Decision.MAYBE.value: 1, Decision.EXCLUDE.value: 2}
    for primary, candidates in decided.items():
        winner = min(candidates, key=lambda c: (rank[c[3]["decision"]], c[2] != primary, c[0]))
        events.append(winner[3])
        for n, value, rid, event in candidates:
            if event is not winner[3]:
                merged.append(
                    f"{path}:{n}: {value!r} ({project_id(rid)}) is the same study as row "
                    f"{winner[0]} ({project_id(primary)}, linked as duplicates): that row decides "
                    f"it; this row's {event['decision']} is not applied"
                )
    project.store.append_events(
        sorted([*events, *notes], key=lambda e: e["context"]["row"]), review_event=marker
    )
    return DecisionImport(len(events) + len(notes), merged)


def current_decisions(
    project: Review, *, viewer: str | None, reviewer: str | None, stage: Stage | None
) -> list[dict[str, Any]]:
    """Current decisions (one per record, reviewer and stage), with every note, that the
    reader `viewer` may see: `reviewer`'s, or everyone's (None). Asking for decisions the
    reader may not see (another reviewer's, or everyone's, while blinded) is refused."""
    view = view_of(project, viewer)
    stages = [stage] if stage else list(Stage)
    for st in stages:
        if reviewer is not None and not view.may_read(reviewer, st):
            raise PermissionDenied(blinded_message(view, st, f"{reviewer!r}'s decisions"))
        if reviewer is None:
            view.require_outcomes(st, "every reviewer's decisions")
    keys = {rid: source_id for rid, _b, _k, source_id, _p, _d in project.store.record_keys()}
    out: list[dict[str, Any]] = []
    for st in stages:
        for rid, rs in sorted(project.states(st).items()):
            votes = rs.votes
            names = dict.fromkeys([*votes, *(n.reviewer for n in rs.notes)])
            for name in names:
                if reviewer is not None and name != reviewer:
                    continue
                vote = votes.get(name)
                notes = rs.notes_by(name)
                if vote is None and not notes:
                    continue
                out.append(
                    {
                        "id": project_id(rid),
                        "source_id": keys.get(rid, ""),
                        "stage": st.value,
                        "reviewer": name,
                        "decision": vote.decision.value if vote else "",
                        "reason": vote.reason if vote else "",
                        "note": NOTE_SEPARATOR.join(notes),
                        "time": vote.ts
                        if vote
                        else max(n.ts for n in rs.notes if n.reviewer == name),
                    }
                )
            if reviewer is None and rs.resolution is not None:
                v = rs.resolution
                out.append(
                    {
                        "id": project_id(rid),
                        "source_id": keys.get(rid, ""),
                        "stage": st.value,
                        "reviewer": v.reviewer,
                        "decision": v.decision.value,
                        "reason": v.reason,
                        "note": v.note,
                        "time": v.ts,
                        "resolution": True,
                    }
                )
    return out


def write_decisions(rows: list[dict[str, Any]], path: Path) -> None:
    """CSV, or JSON lines for .jsonl/.ndjson; `-` is standard output (CSV)."""
    fields = ["id", "source_id", "stage", "reviewer", "decision", "reason", "note", "time"]
    if path.suffix.lower() in (".jsonl", ".ndjson"):
        with path.open("w", encoding="utf-8") as fh:
            for row in rows:
                fh.write(json.dumps(row, ensure_ascii=False) + "\n")
        return
    with opened(path) as fh:
        writer = csv.DictWriter(fh, fieldnames=fields, extrasaction="ignore")
        writer.writeheader()
        for row in rows:
            writer.writerow({k: safe_cell(row.get(k, "")) for k in fields})
