"""`screener import FILE_OR_FOLDER... [--source LABEL] [--json]`."""

from __future__ import annotations

import argparse
from dataclasses import dataclass
from pathlib import Path

from screener.cli import common as c
from screener.errors import ImportFormatError, ScreenerError
from screener.ingest.files import BIBTEX_SUFFIXES, EXPORT_SUFFIXES, NotImported, export_files
from screener.model import SourceKind

_SUFFIXES = " ".join(EXPORT_SUFFIXES + BIBTEX_SUFFIXES)


def register(sub: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    p = sub.add_parser(
        "import",
        parents=[common],
        help="import database exports (RIS, PubMed MEDLINE/nbib, BibTeX, EndNote XML, CSV/TSV/Excel)",
        description="Import exports; the format is detected from the content. Each file is "
        "imported atomically; a file already imported is skipped. A FOLDER imports the "
        f"export files directly in it ({_SUFFIXES}), in name order; its "
        "sub-folders are not searched, hidden files are skipped, and other files (a README, "
        "a PDF) are listed as not imported. A folder without export files is an error.",
    )
    p.add_argument(
        "files",
        nargs="*",
        type=Path,
        metavar="FILE_OR_FOLDER",
        help="export files or folders of them (default: the config's sources not yet imported)",
    )
    p.add_argument("--source", help="database label for these files (e.g. Embase)")
    p.add_argument(
        "--kind",
        choices=[k.value for k in SourceKind],
        help="how the records were found (default: database; 'citation' for citation searching)",
    )
    p.add_argument(
        "--no-dedup", action="store_true", help="do not look for duplicates after import"
    )
    p.add_argument("--json", action="store_true", help="print the import report as JSON")
    p.set_defaults(func=cmd_import)

    p = sub.add_parser(
        "update",
        parents=[common],
        help="start an update of this review: what is imported so far becomes its previous version",
        description="Start a new search round in the same review (PRISMA 2020 'updated review'). "
        "Every record imported so far becomes the previous version: never screened again, its "
        "included studies counted as 'studies included in the previous version'. Then import "
        "the new searches with `screener import`; records that match the previous version's "
        "are linked to them as duplicates. See 'Updating a review' in the README.",
    )
    p.add_argument("--reviewer", required=True, help="the senior reviewer starting the update")
    p.add_argument("--note", default="", help="e.g. the date of the new searches")
    p.add_argument(
        "--force",
        action="store_true",
        help="start even though records still await screening or a resolution",
    )
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_update)


@dataclass
class _Refused:
    """A file or folder of which nothing was imported."""

    path: str
    line: int
    error: str
    shown: str

    def as_json(self) -> dict[str, object]:
        return {"path": self.path, "line": self.line, "error": self.error}


def _expand(paths: list[Path]) -> tuple[list[Path], list[NotImported], list[_Refused]]:
    """Files to import (a folder's export files in its place), what else folders hold."""
    files: list[Path] = []
    others: list[NotImported] = []
    refused: list[_Refused] = []
    for path in paths:
        if not path.is_dir():
            files.append(path)
            continue
        try:
            found, rest = export_files(path)
        except OSError as exc:
            error = f"cannot read folder: {exc.strerror or exc}"
            refused.append(_Refused(str(path), 0, error, f"{path}: {error}"))
            continue
        if not found:
            error = f"no export files in this folder ({_SUFFIXES})"
            refused.append(_Refused(str(path), 0, error, f"{path}: {error}"))
        files += found
        others += rest
    return files, others, refused


def cmd_import(args: argparse.Namespace) -> int:
    project = c.project(args)
    files, others, failed = _expand(list(args.files))
    if not args.files:
        files = [f for s in project.config.sources for f in s.files]
    reports = []
    for f in files:
        try:
            reports.append(project.import_file(f, label=args.source, kind=args.kind, dedup=False))
        except ImportFormatError as exc:
            shown = exc.message + " (nothing of this file was stored)"
            failed.append(_Refused(exc.path, exc.line, exc.message, shown))
        except OSError as exc:  # e.g. no permission to read it
            error = f"cannot read file: {exc.strerror or exc}"
            failed.append(_Refused(str(f), 0, error, f"{f}: {error}"))
    if (
        reports
        and not args.no_dedup
        and project.config.auto_dedup
        and any(r.imported for r in reports)
    ):
        project.run_dedup()
    if any(r.imported for r in reports):
        project.apply_rules()
    if args.json:
        c.emit_json(
            {
                "files": [r.as_json() for r in reports],
                "refused": [e.as_json() for e in failed],
                "not_imported": [o.as_json() for o in others],
                "total": sum(r.imported for r in reports),
            }
        )
    else:
        rows = [
            [r.path, r.format, r.source, r.records, r.imported, len(r.skipped), len(r.warnings)]
            for r in reports
        ]
        if rows:
            c.table(
                rows, ["file", "format", "source", "records", "imported", "skipped", "warnings"]
            )
        for r in reports:
            for s in r.skipped:
                c.out(f"skipped {r.path}:{s['line']}: {s['reason']}")
            for w in r.warnings[:20]:
                c.out(f"warning {w}")
            if len(r.warnings) > 20:
                c.out(f"… {len(r.warnings) - 20} more warnings (see --json)")
        for o in others:
            c.out(f"not imported {o.path}: {o.reason}")
        c.out(f"total imported: {sum(r.imported for r in reports)}")
    for e in failed:
        c.error(e.shown)
    return 1 if failed else 0


def cmd_update(args: argparse.Namespace) -> int:
    from screener.ingest.previous import start_update
    from screener.prisma import compute_flow

    project = c.project(args)
    senior = project.senior(args.reviewer)
    flow = compute_flow(project, check=False)
    if flow.provisional and not args.force:
        raise ScreenerError(
            f"this review is not finished ({flow.provisional_note()}): those records would "
            "join the previous version undecided. Finish them, or pass --force"
        )
    if not project.store.count_records():
        raise ScreenerError("nothing is imported yet: an update needs a previous version")
    detail = start_update(project.store, senior.name, args.note)
    after = compute_flow(project, check=False)
    data = {"update_started": True, "previous_batches": detail["last_batch"],
            "previous_studies": after.previous_studies,
            "previous_search_records": after.previous_search_records}  # fmt: skip
    if args.json:
        c.emit_json(data)
        return 0
    c.out(f"update started by {senior.name}: the {after.previous_search_records} records imported "
          f"so far are the previous version ({after.previous_studies} studies included);")  # fmt: skip
    c.out("import the new searches with `screener import FILE --source LABEL`")
    return 0
