"""`screener dedup [--json] [--threshold X]` and `dedup review|confirm|split|undo`."""

from __future__ import annotations

import argparse
from typing import Any

from screener.cli import common as c


def register(sub: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    p = sub.add_parser(
        "dedup",
        parents=[common],
        help="find duplicate records across and within sources",
        description="Link duplicates to a primary record (nothing is deleted): exact "
        "identifiers first (DOI, PMID, accession ids), then fuzzy matching of title, first "
        "author, year, journal, volume and page. Likely but uncertain pairs wait for a "
        "person in `screener dedup review`.",
    )
    p.add_argument("--json", action="store_true", help="print what was done as JSON")
    p.add_argument(
        "--threshold",
        type=float,
        help="certainty (0-1) at or above which pairs are linked without a person "
        "(default: the config's dedup.threshold, else 0.9)",
    )
    p.set_defaults(func=cmd_dedup)
    ds = p.add_subparsers(dest="dedup_command", metavar="ACTION")

    r = ds.add_parser(
        "review", parents=[common], help="list possible duplicates waiting for a person"
    )
    r.add_argument("--json", action="store_true", default=argparse.SUPPRESS, help="print JSON")
    r.add_argument("--limit", type=int, default=50, help="pairs shown (default 50; JSON: all)")
    r.set_defaults(func=cmd_review)

    for name, what in (("confirm", "link A and B as one study"),
                       ("split", "mark A and B as different records")):  # fmt: skip
        q = ds.add_parser(name, parents=[common], help=what)
        q.add_argument("a", help="a project id, e.g. R17")
        q.add_argument("b", help="the other project id")
        q.add_argument("--reviewer", required=True, help="who decides (a reviewer of the config)")
        q.add_argument("--json", action="store_true", default=argparse.SUPPRESS, help="print JSON")
        q.set_defaults(func=cmd_confirm if name == "confirm" else cmd_split)

    u = ds.add_parser("undo", parents=[common], help="unlink a duplicate from its primary")
    u.add_argument("a", help="the duplicate's project id")
    u.add_argument("--reviewer", required=True, help="who decides (a reviewer of the config)")
    u.add_argument("--json", action="store_true", default=argparse.SUPPRESS, help="print JSON")
    u.set_defaults(func=cmd_undo)


def cmd_dedup(args: argparse.Namespace) -> int:
    project = c.project(args)
    result = project.run_dedup(threshold=args.threshold)
    if result is None:
        c.error("the dedup engine is not available in this build")
        return 1
    if args.json:
        c.emit_json(result.as_json())
        return 0
    c.out(
        f"{result.records} records compared; {result.linked} newly linked as duplicates "
        f"({result.groups} groups); {result.queued} new possible duplicates for review"
    )
    c.out(f"duplicates now: {result.duplicates}; waiting for review: {result.queue}")
    if result.queue:
        c.out("see them with `screener dedup review`; decide with `dedup confirm A B` or "
              "`dedup split A B` (--reviewer NAME)")  # fmt: skip
    return 0


def _short(value: Any, width: int = 70) -> str:
    text = "—" if value in (None, "") else str(value)
    return text if len(text) <= width else text[: width - 1] + "…"


def cmd_review(args: argparse.Namespace) -> int:
    from screener.dedup.review import queue

    project = c.project(args)
    items = queue(project)
    if getattr(args, "json", False):
        c.emit_json({"pairs": [it.as_json() for it in items], "total": len(items)})
        return 0
    if not items:
        c.out("no possible duplicates are waiting for review")
        return 0
    for it in items[: max(args.limit, 0)]:
        why = it.detail.get("vetoes", []) + it.detail.get("cautions", [])
        c.out(f"{it.a.pid} ~ {it.b.pid}  certainty {it.score:.2f}"
              + (f"  ({'; '.join(why)})" if why else ""))  # fmt: skip
        a, b = it.as_json()["fields"], it.differing
        for name, (va, vb) in a.items():
            if va in ("", None) and vb in ("", None):
                continue
            mark = "≠" if name in b else " "
            if name in b:
                c.out(f"  {mark} {name:<12} {_short(va)}")
                c.out(f"    {'':<12} {_short(vb)}")
            else:
                c.out(f"  {mark} {name:<12} {_short(va)}")
        c.out("")
    if len(items) > args.limit:
        c.out(f"… {len(items) - args.limit} more (see --json or --limit)")
    c.out(f"{len(items)} pair(s) waiting; decide with `screener dedup confirm A B --reviewer NAME` "
          "or `screener dedup split A B --reviewer NAME`")  # fmt: skip
    return 0


def _done(args: argparse.Namespace, data: dict[str, Any], line: str) -> int:
    if getattr(args, "json", False):
        c.emit_json(data)
    else:
        c.out(line)
    return 0


def cmd_confirm(args: argparse.Namespace) -> int:
    from screener.dedup.review import confirm

    d = confirm(c.project(args), args.a, args.b, reviewer=args.reviewer)
    extra = f"; it inherited {', '.join(d['inherited'])}" if d["inherited"] else ""
    return _done(args, d, f"{d['linked']} is now a duplicate of {d['primary']}{extra}")


def cmd_split(args: argparse.Namespace) -> int:
    from screener.dedup.review import split

    d = split(c.project(args), args.a, args.b, reviewer=args.reviewer)
    extra = f" ({d['unlinked']} unlinked)" if d.get("unlinked") else ""
    a, b = d["distinct"]
    return _done(args, d, f"{a} and {b} are recorded as different records{extra}")


def cmd_undo(args: argparse.Namespace) -> int:
    from screener.dedup.review import undo

    d = undo(c.project(args), args.a, reviewer=args.reviewer)
    extra = f"; {', '.join(d['restored'])} given back" if d["restored"] else ""
    return _done(args, d, f"{d['unlinked']} is no longer a duplicate of {d['from']}{extra}")
