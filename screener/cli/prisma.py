"""`screener prisma`: the PRISMA 2020 flow from the store, as a table, JSON or files."""

from __future__ import annotations

import argparse
from pathlib import Path

from screener.cli import common as c
from screener.errors import PermissionDenied


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
        help="write FILE (.json .csv .svg .png .pdf .md); may be given more than once",
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
    project = c.project(args)
    try:
        view = c.view(project, args)
        flow = compute_flow(project, view=view)
    finally:
        project.close()
    if args.output and flow.hidden:
        from screener.screening.blinding import STAGE_NAME, blinded_message

        stage = min(flow.hidden, key=list(STAGE_NAME).index)
        raise PermissionDenied(blinded_message(view, stage, "writing the PRISMA diagram"))
    for path in args.output:
        write_flow(flow, path)
        if not args.json:
            c.out(f"wrote {path}" + (" (provisional)" if flow.provisional else ""))
    if args.json:
        c.emit_json(flow.as_json())
        return 0
    if not args.output:
        from screener.prisma.text import status_line, table_rows

        c.out(f"PRISMA 2020 flow: {flow.title}")
        c.out(status_line(flow))
        c.out()
        c.table(table_rows(flow), ["box", "n"])
    return 0
