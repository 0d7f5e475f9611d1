"""Decide, undo, resolve, conflicts, agreement, exports of records and decisions."""

from __future__ import annotations

import argparse
from pathlib import Path

from screener.cli import common as c
from screener.export.records import STATUSES, export_records
from screener.model import Stage
from screener.outgoing import to_stdout
from screener.resolve.agreement import agreement
from screener.resolve.conflicts import conflicts
from screener.screening import decide as d
from screener.screening.exchange import current_decisions, import_decisions, write_decisions


def register(sub: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    p = sub.add_parser("decide", parents=[common], help="record a reviewer's decision on a record")
    p.add_argument("record", help="project id, e.g. R17")
    p.add_argument("decision", help="include, exclude or maybe (also 1/0, yes/no)")
    c.add_reviewer(p, "your name as in the config")
    c.add_stage(p)
    p.add_argument(
        "--reason", default="", help="exclusion reason (text or its number in the config)"
    )
    p.add_argument("--note", default="", help="a note kept with the decision")
    p.set_defaults(func=cmd_decide)

    p = sub.add_parser("undo", parents=[common], help="take back your latest decision on a record")
    p.add_argument("record")
    c.add_reviewer(p, "your name as in the config")
    c.add_stage(p)
    p.set_defaults(func=cmd_undo)

    p = sub.add_parser(
        "retrieve", parents=[common], help="full text: mark a report retrieved or not"
    )
    p.add_argument("record")
    c.add_reviewer(p, "your name as in the config")
    p.add_argument("--not-retrieved", action="store_true", help="the report could not be obtained")
    p.add_argument("--pdf", default="", help="path or URL of the full text")
    p.set_defaults(func=cmd_retrieve)

    p = sub.add_parser(
        "conflicts", parents=[common], help="records the reviewers disagree on (senior only)"
    )
    c.add_viewer(p)
    c.add_stage(p)
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_conflicts)

    p = sub.add_parser(
        "resolve",
        parents=[common],
        help="the senior's decision on a conflict",
        description="Settle a record the reviewers disagree on (or one a rule excluded). "
        "A record that is not in conflict is refused unless --override is given.",
    )
    p.add_argument("record")
    p.add_argument("decision", help="include or exclude")
    c.add_reviewer(p, "the senior reviewer")
    c.add_stage(p)
    p.add_argument(
        "--reason",
        default="",
        help="exclusion reason (its number or text in the config); other text is kept as "
        "the senior's rationale in the note",
    )
    p.add_argument("--note", default="")
    p.add_argument(
        "--override",
        action="store_true",
        help="decide a record that is not in conflict (pending or agreed); logged as an override",
    )
    p.set_defaults(func=cmd_resolve)

    for name, lifted in (("unblind", True), ("reblind", False)):
        p = sub.add_parser(
            name,
            parents=[common],
            help=("the senior lifts blinding at a stage (logged)" if lifted
                  else "the senior restores blinding at a stage (logged)"),
            description="While a stage is blinded, a reviewer sees only their own decisions and "
            "progress; it opens by itself once every record at it has its decisions. The senior "
            "may open it earlier (unblind), e.g. to start full text before title/abstract is "
            "finished, and close it again (reblind); both are logged.",
        )  # fmt: skip
        c.add_stage(p)
        p.add_argument("--reviewer", required=True, help="the senior")
        p.add_argument("--note", default="", help="why")
        p.set_defaults(func=cmd_blinding, lifted=lifted)

    p = sub.add_parser(
        "agreement", parents=[common], help="percent agreement, Cohen's kappa, PABAK"
    )
    c.add_viewer(p)
    c.add_stage(p)
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_agreement)

    p = sub.add_parser(
        "export", parents=[common], help="export records as RIS, CSV, BibTeX or EndNote XML"
    )
    c.add_stage(p, default=None)
    p.add_argument("--status", default="all", choices=sorted(STATUSES), metavar="STATUS",
                   help=f"one of: {', '.join(sorted(STATUSES))}")  # fmt: skip
    p.add_argument("--format", choices=["ris", "csv", "bibtex", "endnote-xml"], required=True)
    p.add_argument(
        "-o", "--output", required=True, type=Path, help="file to write; - for standard output"
    )
    c.add_viewer(p)
    p.set_defaults(func=cmd_export)

    p = sub.add_parser(
        "decisions", parents=[common], help="export or import decisions (CSV, JSONL)"
    )
    dsub = p.add_subparsers(dest="decisions_command", required=True, metavar="export|import")
    e = dsub.add_parser("export", parents=[common], help="write current decisions to CSV or JSONL")
    e.add_argument(
        "--reviewer", help="whose decisions (default: everyone's; senior only while blinded)"
    )
    e.add_argument("--as", dest="viewer", help="who is asking (default: --reviewer)")
    c.add_stage(e, default=None)
    e.add_argument(
        "-o", "--output", required=True, type=Path, help="file to write; - for standard output"
    )
    e.set_defaults(func=cmd_decisions_export)
    i = dsub.add_parser(
        "import", parents=[common], help="apply a file of decisions (all or nothing)"
    )
    i.add_argument("file", type=Path)
    i.add_argument("--reviewer", required=True)
    c.add_stage(i, default=None)
    i.add_argument("--id-column", help="column with project id, source id, PMID or DOI")
    i.add_argument("--decision-column", default="decision")
    i.add_argument("--reason-column", default="reason")
    i.add_argument("--note-column", default="note")
    i.add_argument("--resolve", action="store_true", help="the rows are a senior's resolutions")
    i.add_argument(
        "--override",
        action="store_true",
        help="with --resolve: also rows whose record is not in conflict (logged as overrides)",
    )
    i.set_defaults(func=cmd_decisions_import)


def cmd_decide(args: argparse.Namespace) -> int:
    project = c.project(args)
    args.reviewer = c.acting(project, args.reviewer)
    d.decide(
        project,
        args.record,
        args.decision,
        reviewer=args.reviewer,
        stage=Stage(args.stage),
        reason=args.reason,
        note=args.note,
    )
    c.out(f"{args.record}: {args.decision} by {args.reviewer} ({args.stage})")
    return 0


def cmd_undo(args: argparse.Namespace) -> int:
    project = c.project(args)
    args.reviewer = c.acting(project, args.reviewer)
    d.undo(project, args.record, reviewer=args.reviewer, stage=Stage(args.stage))
    c.out(f"{args.record}: last decision by {args.reviewer} undone ({args.stage})")
    return 0


def cmd_retrieve(args: argparse.Namespace) -> int:
    project = c.project(args)
    args.reviewer = c.acting(project, args.reviewer)
    d.mark_retrieval(
        project, args.record, not args.not_retrieved, reviewer=args.reviewer, location=args.pdf
    )
    c.out(f"{args.record}: {'not retrieved' if args.not_retrieved else 'retrieved'}")
    return 0


def cmd_conflicts(args: argparse.Namespace) -> int:
    project = c.project(args)
    items = conflicts(project, viewer=args.viewer, stage=Stage(args.stage))
    if args.json:
        c.emit_json(items)
        return 0
    for item in items:
        votes = ", ".join(
            f"{k}: {v['decision']}" + (f" ({v['reason']})" if v["reason"] else "")
            for k, v in item["decisions"].items()
        )
        c.out(f"{item['id']}  {item['title'][:70]}  [{votes}]")
    c.out(f"{len(items)} conflict(s) at {args.stage}")
    return 0


def cmd_resolve(args: argparse.Namespace) -> int:
    project = c.project(args)
    args.reviewer = c.acting(project, args.reviewer)
    res = d.resolve(
        project,
        args.record,
        args.decision,
        reviewer=args.reviewer,
        stage=Stage(args.stage),
        reason=args.reason,
        note=args.note,
        override=args.override,
    )
    what = res.decision.value + (f" ({res.reason})" if res.reason else "")
    how = " as an override of the reviewers" if res.override else ""
    c.out(f"{args.record}: resolved{how} as {what} by {args.reviewer} ({args.stage})")
    if res.rationale:
        c.out(
            f"  {res.rationale!r} is not one of the stage's reasons: kept as the rationale (note)"
        )
    return 0


def cmd_agreement(args: argparse.Namespace) -> int:
    project = c.project(args)
    overall, pairs = agreement(project, Stage(args.stage), c.view(project, args))
    if args.json:
        data = {k: v for k, v in overall.as_json().items() if k != "reviewers"}
        if len(pairs) > 1:
            data["pairs"] = [p.as_json() for p in pairs]
        c.emit_json(data)
        return 0
    rows = [
        [f"{p.reviewers[0]} vs {p.reviewers[1]}", p.n, p.percent_agreement, p.kappa, p.pabak]
        for p in pairs
    ]
    if len(pairs) != 1:
        rows.append(["overall", overall.n, overall.percent_agreement, overall.kappa, overall.pabak])
    c.table(rows, ["reviewers", "n", "agreement", "kappa", "PABAK"])
    return 0


def cmd_export(args: argparse.Namespace) -> int:
    project = c.project(args)
    n = export_records(
        project,
        args.output,
        fmt=args.format,
        stage=c.stage_of(args),
        status=args.status,
        viewer=args.viewer,
    )
    c.note(f"wrote {n} records to {args.output}", stdout=not to_stdout(args.output))
    return 0


def cmd_decisions_export(args: argparse.Namespace) -> int:
    project = c.project(args)
    viewer = args.viewer or args.reviewer  # reading your own decisions: you are the reader
    rows = current_decisions(project, viewer=viewer, reviewer=args.reviewer, stage=c.stage_of(args))
    write_decisions(rows, args.output)
    c.note(f"wrote {len(rows)} decisions to {args.output}", stdout=not to_stdout(args.output))
    return 0


def cmd_decisions_import(args: argparse.Namespace) -> int:
    project = c.project(args)
    stage = c.stage_of(args) or Stage.TITLE_ABSTRACT
    done = import_decisions(
        project,
        args.file,
        reviewer=args.reviewer,
        stage=stage,
        id_column=args.id_column,
        decision_column=args.decision_column,
        reason_column=args.reason_column,
        note_column=args.note_column,
        resolve=args.resolve,
        override=args.override,
    )
    for line in done.merged:
        c.out(f"not applied: {line}")
    c.out(f"applied {done.applied} decisions for {args.reviewer} at {stage.value}")
    return 0


def cmd_blinding(args: argparse.Namespace) -> int:
    from screener.screening.blinding import set_blinding

    project = c.project(args)
    set_blinding(project, Stage(args.stage), lifted=args.lifted, senior=args.reviewer,
                 note=args.note)  # fmt: skip
    what = "lifted" if args.lifted else "restored"
    c.out(f"blinding {what} at {args.stage} by {args.reviewer}")
    return 0
