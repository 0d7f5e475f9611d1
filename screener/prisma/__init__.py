"""PRISMA 2020 flow: counts derived from the store, checked, and written out.

`compute_flow(project)` → `PrismaFlow`; `write_flow(flow, path)` picks the output by the
file's extension: .json, .csv (PRISMA2020 R package template), .svg/.png/.pdf (diagram),
.md (summary), .html (interactive diagram; with the project, the records behind each
count are written beside it). matplotlib is imported only when a diagram is drawn.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING

from screener.errors import ScreenerError
from screener.prisma.flow import (
    PrismaFlow,
    arithmetic_problems,
    check_arithmetic,
    compute_flow,
)

OUTPUTS = (".json", ".csv", ".svg", ".png", ".pdf", ".md", ".html")


if TYPE_CHECKING:
    from screener.screening.review import Review


class OutputFormatError(ScreenerError):
    title = "Unknown output"
    exit_code = 2


def write_flow(flow: PrismaFlow, path: Path, project: Review | None = None) -> Path:
    """Write the flow in the format its extension names (`project`: for the HTML's record
    lists; without it the page has no links to records)."""
    ext = path.suffix.lower()
    if ext not in OUTPUTS:
        raise OutputFormatError(
            f"{path}: cannot write {ext or 'a file without extension'}; "
            f"use one of {', '.join(OUTPUTS)}"
        )
    try:
        if ext == ".json":
            path.write_text(
                json.dumps(flow.as_json(), indent=2, ensure_ascii=False) + "\n", "utf-8"
            )
        elif ext == ".csv":
            from screener.prisma.template import write_csv

            write_csv(flow, path)
        elif ext == ".html":
            from screener.prisma.html import write_html

            write_html(flow, path, project)
        elif ext == ".md":
            from screener.prisma.text import to_markdown

            path.write_text(to_markdown(flow), encoding="utf-8")
        else:
            from screener.prisma.render import render

            render(flow, path)
    except OSError as exc:
        raise ScreenerError(f"{path}: cannot write: {exc.strerror or exc}") from exc
    return path


__all__ = [
    "OUTPUTS", "OutputFormatError", "PrismaFlow", "arithmetic_problems", "check_arithmetic",
    "compute_flow", "write_flow",
]  # fmt: skip
