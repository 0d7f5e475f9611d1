"""`screener migrate --to URL` (move a review to PostgreSQL) and `screener verify`."""

from __future__ import annotations

import argparse
import re
from pathlib import Path

from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, DBAPIError

from screener.cli import common as c
from screener.config import load_config
from screener.errors import ScreenerError, StoreError
from screener.store.store import shown_url


def register(sub: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    p = sub.add_parser(
        "migrate",
        parents=[common],
        help="copy the review's store to another database (e.g. PostgreSQL), losslessly",
        description="Copy every record, import batch, decision and duplicate link, with their "
        "ids, into an empty database (one transaction), then compare both stores row by row. "
        "The review keeps using its old store until its config says otherwise (--switch).",
    )
    p.add_argument(
        "--to",
        required=True,
        metavar="URL",
        help="target store, e.g. postgresql+psycopg://user@host/review (must be empty)",
    )
    p.add_argument(
        "--switch",
        action="store_true",
        help="after a verified copy, point the config's [review] store at the new URL",
    )
    p.add_argument("--json", action="store_true", help="print the rows copied per table as JSON")
    p.set_defaults(func=cmd_migrate)

    p = sub.add_parser(
        "verify",
        parents=[common],
        help="replay the log and check the store's integrity (exit 1 on any inconsistency)",
        description="Recompute every outcome and the PRISMA counts from the event log, and "
        "check the store: database integrity, references, reviewers' roles, full-text "
        "decisions only after title/abstract inclusion, duplicate links without cycles.",
    )
    p.add_argument("--json", action="store_true", help="print the report as JSON")
    p.set_defaults(func=cmd_verify)


def set_store_line(config: Path, url: str) -> None:
    """Point `[review] store` of a config file at `url`, keeping every other line."""
    lines = config.read_text(encoding="utf-8").splitlines(keepends=True)
    value = url.replace("\\", "\\\\").replace('"', '\\"')
    new = f'store = "{value}"\n'
    section = None
    header_at = None
    for i, line in enumerate(lines):
        head = re.match(r"\s*\[\s*([^\[\]]+?)\s*\]\s*(#.*)?$", line)
        if head and not line.lstrip().startswith("[["):
            section = head.group(1)
            if section == "review":
                header_at = i
            continue
        if line.lstrip().startswith("[["):
            section = None
            continue
        if section == "review" and re.match(r"\s*store\s*=", line):
            lines[i] = new
            break
    else:
        if header_at is None:
            lines[:0] = ["[review]\n", new, "\n"]
        else:
            lines.insert(header_at + 1, new)
    original = config.read_text(encoding="utf-8")
    config.write_text("".join(lines), encoding="utf-8")
    try:
        load_config(config)
    except ScreenerError:
        config.write_text(original, encoding="utf-8")
        raise


def cmd_migrate(args: argparse.Namespace) -> int:
    from screener.store import open_store
    from screener.store.copy import compare_stores, copy_store

    project = c.project(args)
    url = args.to.strip()
    if "://" not in url:
        raise ScreenerError(
            f"--to needs a database URL such as postgresql+psycopg://…, not {url!r}"
        )
    try:
        make_url(url)
    except ArgumentError as exc:
        raise ScreenerError(f"--to: not a database URL: {exc}") from exc
    if url == project.store.url:
        raise ScreenerError("--to names the review's own store")
    target = open_store(url)
    try:
        counts = copy_store(project.store, target)
        differences = compare_stores(project.store, target)
    finally:
        target.close()
    if differences:
        raise ScreenerError(
            "the copy differs from the original (the review still uses its old store):\n"
            + "\n".join(differences)
        )
    if args.switch:
        set_store_line(project.config.path, url)
    if args.json:
        c.emit_json(
            {"to": shown_url(url), "rows": counts, "verified": True, "switched": args.switch}
        )
        return 0
    c.table([[k, v] for k, v in counts.items()], ["table", "rows copied"])
    c.out(f"copied the review to {shown_url(url)}; both stores compared row by row: identical")
    if args.switch:
        c.out(f"{project.config.path}: [review] store now points at the new database")
    else:
        c.out(f'to use it, set in {project.config.path} under [review]: store = "{shown_url(url)}"')
    return 0


def cmd_verify(args: argparse.Namespace) -> int:
    from screener.audit import verify

    try:
        project = c.project(args)
        report = verify(project)
    except DBAPIError as exc:  # too damaged to open at all
        raise StoreError(f"the store cannot be read: {exc.orig}") from exc
    if args.json:
        c.emit_json(report.as_json())
        return 0 if report.ok else 1
    s = report.summary
    c.out(f"store {s['store']}: {s['records']} records, {s['events']} events, {s['links']} links")
    for check, n in report.counted.items():
        state = "ok" if not n else f"{n} problem(s)"
        if check in report.skipped:
            state = f"skipped ({report.skipped[check]})"
        c.out(f"  {check:<11} {state}")
    for stage, tally in s.get("outcomes", {}).items():
        shown = ", ".join(f"{k} {v}" for k, v in tally.items() if v and k != "total")
        c.out(f"  {stage}: {tally['total']} records ({shown or 'none decided'})")
    if s.get("prisma"):
        prisma = {
            k: v.get("total", v) if isinstance(v, dict) else v for k, v in s["prisma"].items()
        }
        c.out("  PRISMA: " + ", ".join(f"{k} {v}" for k, v in prisma.items()))
    for p in report.problems:
        c.out(f"{p.check}: {p.message}")
    hidden = sum(report.counted.values()) - len(report.problems)
    if hidden > 0:
        c.out(f"… and {hidden} more problem(s) (see --json)")
    c.out("verified: consistent" if report.ok else "verify FAILED: the store is inconsistent")
    return 0 if report.ok else 1
