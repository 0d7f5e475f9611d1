"""`screener import FILE... [--source LABEL] [--json]`."""

from __future__ import annotations

import argparse
from pathlib import Path

from screener.cli import common as c
from screener.errors import ImportFormatError
from screener.model import SourceKind


def register(sub: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    p = sub.add_parser(
        "import",
        parents=[common],
        help="import database exports (RIS, PubMed MEDLINE/nbib, CSV/TSV/Excel)",
        description="Import exports; the format is detected from the content. Each file is "
        "imported atomically; a file already imported is skipped.",
    )
    p.add_argument(
        "files",
        nargs="*",
        type=Path,
        help="export files (default: the config's sources not yet imported)",
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


def cmd_import(args: argparse.Namespace) -> int:
    project = c.project(args)
    files: list[Path] = list(args.files)
    if not files:
        files = [f for s in project.config.sources for f in s.files]
    reports, failed = [], []
    for f in files:
        try:
            reports.append(project.import_file(f, label=args.source, kind=args.kind, dedup=False))
        except ImportFormatError as exc:
            failed.append(exc)
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
                "refused": [{"path": e.path, "line": e.line, "error": e.message} for e in failed],
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
        c.out(f"total imported: {sum(r.imported for r in reports)}")
    for e in failed:
        c.error(e.message + " (nothing of this file was stored)")
    return 1 if failed else 0
