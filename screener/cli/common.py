"""Shared helpers for the command modules: opening the review, printing safely."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from screener.config import config_path
from screener.errors import ScreenerError
from screener.model import Stage
from screener.outgoing import UNSAFE_RE, literal
from screener.project import Project
from screener.screening.blinding import View, view_of
from screener.store.store import StoreDamaged


class UsageError(ScreenerError):
    """A command given too little to act on (exit 2, as argparse's own usage errors)."""

    exit_code = 2


def _json_escape(ch: str) -> str:
    """JSON's own escape (surrogate pairs beyond the basic plane)."""
    code = ord(ch)
    if code < 0x10000:
        return f"\\u{code:04x}"
    code -= 0x10000
    return f"\\u{0xD800 + (code >> 10):04x}\\u{0xDC00 + (code & 0x3FF):04x}"


def out(text: str = "") -> None:
    sys.stdout.write(literal(text) + "\n")


def note(text: str, *, stdout: bool = True) -> None:
    """A line for the user: on standard output, or on standard error when standard output
    carries the data (`-o -`)."""
    if stdout:
        out(text)
    else:
        sys.stderr.write(literal(text) + "\n")


def error(message: str) -> None:
    sys.stderr.write("screener: " + literal(message).replace("\\x0a", "\n") + "\n")


def json_text(data: Any) -> str:
    """JSON for a terminal: readable non-ASCII text, but every control, bidi and format
    character escaped as JSON (`\\u009b`, `\\u202e`), as the text outputs escape them."""
    return UNSAFE_RE.sub(lambda m: _json_escape(m.group(0)), json.dumps(data, indent=2,
                                                                       ensure_ascii=False))  # fmt: skip


def emit_json(data: Any) -> None:
    sys.stdout.write(json_text(data) + "\n")


def project(args: argparse.Namespace) -> Project:
    opened = Project.open(config_path(getattr(args, "config", None)))
    if opened.store.damaged is not None:  # reads go on; every write is refused
        error(f"warning: {StoreDamaged(opened.store.damaged, opened.store.database)}")
    return opened


def add_viewer(p: argparse.ArgumentParser, *, reviewer: bool = True) -> None:
    """`--as NAME` (and `--reviewer NAME`): who is reading; blinding decides what they see."""
    p.add_argument(
        "--as", dest="viewer", metavar="NAME",
        help="who is reading (a reviewer of the config); while a stage is blinded, a reviewer "
        "sees their own progress only and outcomes are for the senior",
    )  # fmt: skip
    if reviewer:
        p.add_argument("--reviewer", dest="viewer", metavar="NAME", help="the same as --as")


def view(project: Project, args: argparse.Namespace) -> View:
    """The reader's view (screening/blinding.py): what this command may show."""
    return view_of(project, getattr(args, "viewer", None))


def add_reviewer(p: argparse.ArgumentParser, help: str) -> None:
    """`--reviewer NAME`: required, unless the store logs in as a reviewer (team mode)."""
    p.add_argument(
        "--reviewer",
        help=f"{help}; on a team login (`screener team setup`) the login's reviewer, "
        "and no one else",
    )


def acting(project: Project, name: str | None) -> str:
    """Who acts: `--reviewer NAME`, checked against the store's login where it has one."""
    if not name and project.login is None:
        raise UsageError("--reviewer NAME is required: say who you are (a name in the config)")
    return project.reviewer(name).name


def add_stage(p: argparse.ArgumentParser, default: str | None = "title_abstract") -> None:
    p.add_argument(
        "--stage",
        choices=[s.value for s in Stage],
        default=default,
        help=f"screening stage (default: {default or 'all'})",
    )


def stage_of(args: argparse.Namespace) -> Stage | None:
    value = getattr(args, "stage", None)
    return Stage(value) if value else None


def table(rows: list[list[Any]], header: list[str]) -> None:
    """A plain, aligned text table."""
    cells = [[str(x) for x in header]] + [[str(x) for x in r] for r in rows]
    widths = [max(len(r[i]) for r in cells) for i in range(len(header))]
    for n, row in enumerate(cells):
        out(
            "  ".join(
                v.ljust(w) if i == 0 else v.rjust(w)
                for i, (v, w) in enumerate(zip(row, widths, strict=True))
            )
        )
        if n == 0:
            out("  ".join("-" * w for w in widths))
