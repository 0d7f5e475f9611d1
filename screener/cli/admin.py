"""`screener migrate --to URL` (move a review to PostgreSQL), `screener verify` and
`screener team setup` (one database login per reviewer, enforced by PostgreSQL)."""

from __future__ import annotations

import argparse
import re
from pathlib import Path

from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, DBAPIError

from screener.cli import common as c
from screener.config import load_config
from screener.errors import PermissionDenied, ScreenerError, StoreError
from screener.rules import rules_of
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
    c.add_viewer(p)
    p.set_defaults(func=cmd_verify)

    p = sub.add_parser(
        "team",
        parents=[common],
        help="PostgreSQL: one database login per reviewer, enforced by the server",
        description="Team mode on a PostgreSQL store: who may read and write which decisions "
        "is enforced by the database, not by each reviewer's copy of screener.",
    )
    tsub = p.add_subparsers(dest="team_command", required=True, metavar="setup")
    t = tsub.add_parser(
        "setup",
        parents=[common],
        help="create a login role per reviewer and senior, with row-level security",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        description="""\
Run with the store owner's URL in the config (a user that owns the tables and may
create roles). For every [[reviewers]] entry it creates (or updates) a PostgreSQL
LOGIN role named screener_<review>_<name>: the review's and the reviewer's names,
lowercased, every run of other characters than a-z and 0-9 turned into one _
(names past 63 bytes are cut and end in a hash). Roles belong to the whole server:
one of that name made for another database's review is refused, not taken over.

It grants each role read access to the records, import batches, duplicate links
and candidates, the review log and the schema version, and lets it append to the
decision log. Row-level security on
the events table lets a reviewer's login read only its own decisions (and the
rules' automatic exclusions) and append only in its own name; a senior's login
reads every decision and appends its own, resolutions included.

Each role gets a generated password. Its connection URL is written to
team/<name>.url beside the config, readable only by you (mode 0600); the password
is never printed. Give each reviewer their file: with that URL as [review] store in
their copy of the config, screener knows them by their login and refuses to act as
anyone else.

Safe to run again: existing roles keep their password while their URL file exists
(--new-passwords makes new ones), reviewers added to the config get a role, and
reviewers removed from it lose their grants and their login.""",
    )
    t.add_argument(
        "--new-passwords",
        action="store_true",
        help="give every role a new password (and rewrite every URL file)",
    )
    t.add_argument("--json", action="store_true", help="print what was done as JSON")
    t.set_defaults(func=cmd_team_setup)


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
        rules_of(load_config(config))
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
    from screener.verify import verify

    try:
        project = c.project(args)
        # It replays every reviewer's decisions, and must work on a damaged store: the rule is
        # the role alone (no outcome is computed to decide it).
        who = project.reviewer(args.viewer) if args.viewer else None
        if project.config.blinding and (who is None or not who.is_senior):
            raise PermissionDenied(
                "verify replays every reviewer's decisions: while the review is blinded it is "
                "the senior's (--as SENIOR)"
            )
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


def cmd_team_setup(args: argparse.Namespace) -> int:
    from screener.store.team import setup_team

    project = c.project(args)
    config = project.config
    report = setup_team(
        project.store,
        config.name,
        config.reviewers,
        config.path.parent / "team",
        new_passwords=args.new_passwords,
    )
    here = Path.cwd()

    def where(path: Path) -> str:
        return str(path.relative_to(here)) if path.is_relative_to(here) else str(path)

    if args.json:
        c.emit_json(
            {
                "store": project.store.shown_url,
                "members": [
                    {
                        "reviewer": m.reviewer,
                        "senior": m.senior,
                        "role": m.role,
                        "url_file": where(m.url_file),
                        "created": m.created,
                        "new_password": m.new_password,
                    }
                    for m in report.members
                ],
                "retired": report.retired,
            }
        )
        return 0
    for m in report.members:
        what = "new role" if m.created else "role updated"
        url = (
            f"connection URL written to {where(m.url_file)} (readable only by you)"
            if m.new_password
            else f"connection URL unchanged in {where(m.url_file)}"
        )
        kind = "senior" if m.senior else "reviewer"
        c.out(f"{m.reviewer} ({kind}): {m.role}, {what}; {url}")
    for role in report.retired:
        c.out(f"{role}: no longer in the config; its grants and login removed")
    c.out(
        f"row-level security on the decision log of {project.store.shown_url}: each reviewer "
        "reads and appends only their own decisions; seniors read all"
    )
    c.out("give each reviewer their URL file, to set as [review] store in their config")
    return 0
