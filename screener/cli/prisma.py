"""`screener prisma`: the PRISMA 2020 flow from the store, as a table, JSON or files."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING

from screener.cli import common as c
from screener.errors import PermissionDenied

if TYPE_CHECKING:
    from screener.prisma.flow import PrismaFlow


def register(sub: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    p = sub.add_parser(
        "prisma",
        parents=[common],
        help="PRISMA 2020 flow: counts from the screening log, diagram, template CSV",
        description=(
            "Derive every PRISMA 2020 count from the records, duplicate links and screening "
            "log. Without -o, print a table. -o picks the output by extension: .json, .csv "
            "(PRISMA2020 R package / Shiny app template), .svg, .png, .pdf (diagram), .md. "
            "The flow is marked provisional while records await screening or a resolution."
        ),
    )
    p.add_argument("--json", action="store_true", help="print the counts as JSON")
    p.add_argument(
        "-o", "--output", action="append", type=Path, default=[], metavar="FILE",
        help="write FILE (.json .csv .svg .png .pdf .md .html); may be given more than once; "
        ".html also writes the records behind each count to FILE_records/ beside it",
    )  # fmt: skip
    p.add_argument(
        "--from", dest="from_csv", type=Path, metavar="CSV",
        help="take the counts from a PRISMA2020 template CSV (the R package's PRISMA.csv "
        "format, as -o flow.csv writes) instead of a review: no config or store needed",
    )  # fmt: skip
    c.add_viewer(p)
    p.set_defaults(func=cmd_prisma)


def cmd_prisma(args: argparse.Namespace) -> int:
    from screener.prisma import OUTPUTS, OutputFormatError, compute_flow, write_flow

    for path in args.output:  # refuse a bad extension before any work
        if path.suffix.lower() not in OUTPUTS:
            raise OutputFormatError(
                f"{path}: cannot write {path.suffix or 'a file without extension'}; "
                f"use one of {', '.join(OUTPUTS)}"
            )
    if args.from_csv is not None:
        from screener.prisma.from_csv import read_flow_csv, warnings

        flow = read_flow_csv(args.from_csv)
        for problem in warnings(flow):
            c.error(f"warning: {args.from_csv}: {problem}")
        return _outputs(args, flow, None)
    project = c.project(args)
    try:
        view = c.view(project, args)
        flow = compute_flow(project, view=view)
        if args.output and flow.hidden:
            from screener.screening.blinding import STAGE_NAME, blinded_message

            stage = min(flow.hidden, key=list(STAGE_NAME).index)
            raise PermissionDenied(blinded_message(view, stage, "writing the PRISMA diagram"))
        for path in args.output:  # the HTML's record lists are read from the store
            write_flow(flow, path, project)
    finally:
        project.close()
    return _outputs(args, flow, [])


def _outputs(args: argparse.Namespace, flow: PrismaFlow, written: list[Path] | None) -> int:
    """Write the outputs (unless `written`), report them, print JSON or the table."""
    from screener.prisma import write_flow

    for path in args.output:
        if written is None:
            write_flow(flow, path)
        if not args.json:
            c.out(f"wrote {path}" + (" (provisional)" if flow.provisional else ""))
    if args.json:
        c.emit_json(flow.as_json())
        return 0
    if not args.output:
        from screener.prisma.text import status_line, table_rows

        c.out(f"PRISMA 2020 flow: {flow.title or args.from_csv}")
        c.out(status_line(flow) if args.from_csv is None else f"counts from {args.from_csv}")
        c.out()
        c.table(table_rows(flow), ["box", "n"])
    return 0
