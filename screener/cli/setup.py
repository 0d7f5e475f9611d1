"""`screener init`, `status`, `reset`."""

from __future__ import annotations

import argparse
from importlib import resources
from pathlib import Path
from typing import Any

from screener.cli import common as c
from screener.config import config_path, load_config
from screener.errors import ScreenerError
from screener.model import Decision, Outcome, Stage
from screener.project import Project


def register(sub: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    p = sub.add_parser("init", parents=[common], help="write a commented starter config in DIR")
    p.add_argument("dir", help="folder for the new review (created if missing)")
    p.add_argument("--force", action="store_true", help="overwrite an existing config.toml")
    p.set_defaults(func=cmd_init)

    p = sub.add_parser(
        "status", parents=[common], help="records per source, stage and decision state"
    )
    p.add_argument("--json", action="store_true", help="print JSON")
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
    load_config(target)  # the starter must work as it is
    c.out(f"wrote {target}: edit the reviewers and reasons, then `screener import FILE`")
    return 0


def status_data(args: argparse.Namespace) -> dict[str, Any]:
    project = c.project(args)
    batches = project.store.batches()
    per_source: dict[str, int] = {}
    for b in batches:
        per_source[b.source_label] = per_source.get(b.source_label, 0) + b.n_imported
    dups = project.primary_of()
    data = {
        "review": project.config.name,
        "store": project.store.shown_url,
        "records": project.store.count_records(),
        "sources": per_source,
        "duplicates": len(dups),
        "auto_excluded": len(project.auto_excluded()),
    }
    who = project.login
    if who is not None:
        data["login"] = {"reviewer": who.name, "senior": who.is_senior}
    if who is not None and not project.sees_every_event:
        # The server shows this login only its own decisions: outcomes are the senior's.
        data["own_decisions"] = _own_decisions(project, who.name)
        return data
    stages = {}
    for stage in Stage:
        outcomes = project.outcomes(stage)
        counts = {o.value: 0 for o in Outcome}
        for o in outcomes.values():
            counts[o.value] += 1
        counts["total"] = len(outcomes)
        stages[stage.value] = counts
    data["stages"] = stages
    return data


def _own_decisions(project: Project, name: str) -> dict[str, dict[str, int]]:
    """Per stage, a reviewer's current decisions by kind."""
    out = {}
    for stage in Stage:
        counts = {d.value: 0 for d in Decision}
        for rs in project.states(stage).values():
            vote = rs.votes.get(name)
            if vote is not None:
                counts[vote.decision.value] += 1
        counts["decided"] = sum(counts.values())
        out[stage.value] = counts
    return out


def cmd_status(args: argparse.Namespace) -> int:
    data = status_data(args)
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
    if "own_decisions" in data:
        c.out(
            f"logged in as {data['login']['reviewer']}: the store shows you your own decisions "
            "only; outcomes, conflicts and agreement are the senior's"
        )
        kinds = [d.value for d in Decision]
        c.table(
            [[s, *(d[k] for k in kinds), d["decided"]] for s, d in data["own_decisions"].items()],
            ["stage", *kinds, "decided"],
        )
        return 0
    if "login" in data:
        c.out(f"logged in as {data['login']['reviewer']} (senior): every decision")
    outcomes = [o.value for o in Outcome]
    c.table(
        [[s, *(d[o] for o in outcomes), d["total"]] for s, d in data["stages"].items()],
        ["stage", *outcomes, "total"],
    )
    return 0


def cmd_reset(args: argparse.Namespace) -> int:
    config = load_config(config_path(getattr(args, "config", None)))
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
