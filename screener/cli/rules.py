"""`screener rules test`: what each eligibility rule would hit, before anything is applied."""

from __future__ import annotations

import argparse

from screener.cli import common as c


def register(sub: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    p = sub.add_parser("rules", parents=[common], help="eligibility rules from the config")
    rsub = p.add_subparsers(dest="rules_command", required=True, metavar="test")
    t = rsub.add_parser(
        "test", parents=[common], help="how many records each rule would hit, with samples"
    )
    t.add_argument("--json", action="store_true")
    t.add_argument("--samples", type=int, default=5)
    t.set_defaults(func=cmd_test)


def cmd_test(args: argparse.Namespace) -> int:
    from screener.rules import rules_of

    project = c.project(args)
    ruleset = rules_of(project.config)
    records = project.screenable()
    reports = ruleset.test([sr.record for sr in records], samples=args.samples)
    ids = [sr.pid for sr in records]
    if args.json:
        data = []
        for rep in reports:
            d = rep.to_dict()
            for s in d.get("samples", []):
                s["id"] = ids[s["index"]]
            data.append(d)
        c.emit_json({"records": len(records), "rules": data})
        return 0
    c.table(
        [[r.rule, r.action, r.reason or "", r.hits] for r in reports],
        ["rule", "action", "reason", f"hits of {len(records)}"],
    )
    for r in reports:
        for index, title in r.samples:
            c.out(f"  {r.rule}: {ids[index]} {title[:90]}")
    return 0
