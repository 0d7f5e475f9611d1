"""`screener init`, `status`, `reset`."""

from __future__ import annotations

import argparse
from importlib import resources
from pathlib import Path

from screener.cli import common as c
from screener.config import config_path, load_config
from screener.errors import ScreenerError
from screener.model import Outcome
from screener.rules import rules_of
from screener.screening.status import review_status


def register(sub: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    p = sub.add_parser("init", parents=[common], help="write a commented starter config in DIR")
    p.add_argument("dir", help="folder for the new review (created if missing)")
    p.add_argument("--force", action="store_true", help="overwrite an existing config.toml")
    p.set_defaults(func=cmd_init)

    p = sub.add_parser(
        "status", parents=[common], help="records per source, stage and decision state"
    )
    p.add_argument("--json", action="store_true", help="print JSON")
    c.add_viewer(p)
    p.set_defaults(func=cmd_status)

    p = sub.add_parser(
        "reset", parents=[common], help="rebuild the store from the config's sources"
    )
    p.add_argument(
        "--yes", action="store_true", help="do not ask (the old store is kept as a backup)"
    )
    p.set_defaults(func=cmd_reset)


def cmd_init(args: argparse.Namespace) -> int:
    folder = Path(args.dir)
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / "config.toml"
    if target.exists() and not args.force:
        raise ScreenerError(f"{target} exists; use --force to overwrite it")
    text = resources.files("screener").joinpath("templates/starter_config.toml").read_text("utf-8")
    target.write_text(text, encoding="utf-8")
    rules_of(load_config(target))  # the starter must work as it is
    c.out(f"wrote {target}: edit the reviewers and reasons, then `screener import FILE`")
    return 0


def cmd_status(args: argparse.Namespace) -> int:
    project = c.project(args)
    data = review_status(project, c.view(project, args))
    if args.json:
        c.emit_json(data)
        return 0
    c.out(f"review {data['review']}  ({data['store']})")
    c.out(
        f"records imported: {data['records']}, duplicates linked: {data['duplicates']}, "
        f"excluded by rules: {data['auto_excluded']}"
    )
    c.table([[k, v] for k, v in data["sources"].items()], ["source", "records"])
    c.out()
    if "login" in data:
        who = data["login"]
        c.out(f"logged in as {who['reviewer']}" + (" (senior): every decision" if who["senior"] else
              ": the store shows you your own decisions only; outcomes are the senior's"))  # fmt: skip
    outcomes = [o.value for o in Outcome]
    rows, blinded = [], []
    for stage, d in data["stages"].items():
        if d.get("blinded"):
            blinded.append(stage)
            rows.append([stage, *(["blinded"] * len(outcomes)), d["total"] if d["total"] is not None
                         else "blinded"])  # fmt: skip
        else:
            rows.append([stage, *(d[o] for o in outcomes), d["total"]])
    c.table(rows, ["stage", *outcomes, "total"])
    for stage, d in data["stages"].items():
        if "yours" in d:
            y = d["yours"]
            c.out(f"{stage}: you decided {y['decided']} ({y['include']} include, "
                  f"{y['exclude']} exclude, {y['maybe']} maybe)")  # fmt: skip
    rank = data["ranking"]
    if rank["enabled"]:
        params = ", ".join(f"{k}={v}" for k, v in sorted(rank["params"].items()))
        c.out(f"ranking: model {rank['model']!r} ({params})")
        for stage, y in rank.get("yours", {}).items():
            line = (f"  {stage}: {y['ranked_decisions']} of your decisions made on the model's "
                    f"order, {y['rule_ordered_decisions']} on the rules' order (before the model "
                    "could learn)")  # fmt: skip
            if y["last_model"]:
                line += (f"; the last ranked by {y['last_model']!r}, learned from "
                         f"{y['last_learned_from']} of your decisions")  # fmt: skip
            c.out(line)
    else:
        c.out("ranking: off ([ranking] enabled = false): records in import order and by the rules")
    if blinded:
        c.out(f"blinded at {', '.join(blinded)}: outcome counts are for the senior (--as SENIOR) "
              "until the stage is finished or the senior lifts blinding")  # fmt: skip
    return 0


def cmd_reset(args: argparse.Namespace) -> int:
    config = load_config(config_path(getattr(args, "config", None)))
    rules_of(config)
    if not config.store_url.startswith("sqlite:///"):
        raise ScreenerError("reset only rebuilds SQLite stores; drop the database by hand")
    db = Path(config.store_url.removeprefix("sqlite:///"))
    if db.exists():
        if not args.yes and not config.sources:
            raise ScreenerError(
                "the config lists no sources to rebuild from; pass --yes to empty the store"
            )
        backup = db.with_name(db.name + ".reset.bak")
        db.replace(backup)
        for suffix in ("-wal", "-shm"):
            Path(str(db) + suffix).unlink(missing_ok=True)
        c.out(f"old store kept as {backup}")
    project = c.project(args)
    c.out(f"rebuilt {db}: {project.store.count_records()} records")
    return 0
