"""`screener simulate`: replay a labelled dataset (or this review) with ranking on."""

from __future__ import annotations

import argparse
from pathlib import Path

from screener.cli import common as c
from screener.errors import ScreenerError

DEFAULT_LABEL = "label_included"


def register(sub: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    p = sub.add_parser(
        "simulate",
        parents=[common],
        help="replay a labelled dataset with ranking: WSS@95, recall@10%%, stopping rule",
        description="Replay screening of a labelled dataset (CSV/TSV/Excel/RIS with a label "
        "column), or of this review with its final decisions as labels (--review), starting "
        "from K random included and K random excluded priors.",
    )
    p.add_argument("dataset", nargs="?", type=Path, help="labelled dataset (omit with --review)")
    p.add_argument(
        "--label",
        default=DEFAULT_LABEL,
        metavar="COLUMN",
        help=f"the dataset's label column, 1 = relevant (default: {DEFAULT_LABEL})",
    )
    p.add_argument(
        "--review",
        action="store_true",
        help="use this review's records; labels: included after full text (or --stage)",
    )
    p.add_argument(
        "--stage",
        choices=["title_abstract", "full_text"],
        default="full_text",
        help="with --review: labels from this stage's outcome",
    )
    p.add_argument("--model", default="screener", help="ranker (screener, elas_u4)")
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--priors", type=int, default=1)
    p.add_argument("--json", action="store_true")
    p.add_argument("--plot", type=Path, help="draw the recall curve against random order (PNG)")
    c.add_viewer(p, reviewer=False)
    p.set_defaults(func=cmd_simulate)


def _labels_from_file(path: Path, column: str) -> tuple[list, list[int], dict]:
    """Records with a label in `column`, their labels, and where the labels came from."""
    from screener.ingest import read_file

    result = read_file(path)
    records, labels = [], []
    for rec in result.records:
        value = rec.raw.get(column)
        if isinstance(value, list):
            value = value[0] if value else ""
        if value in (None, ""):
            continue
        try:
            labels.append(int(float(str(value))))
        except ValueError as exc:
            raise ScreenerError(
                f"{path}: label {value!r} in column {column!r} is not 0 or 1"
            ) from exc
        records.append(rec)
    if not records:
        columns = list(result.records[0].raw) if result.records else []
        shown = f"; its columns: {', '.join(columns)}" if columns else ""
        raise ScreenerError(
            f"{path}: no record has a value in column {column!r}: "
            f"choose the label column with --label COLUMN{shown}"
        )
    source = {
        "label_column": column,
        "labels_from": f"column {column!r} of {path.name}",
        "records_without_label": len(result.records) - len(records),
    }
    return records, labels, source


def _labels_from_review(args: argparse.Namespace) -> tuple[list, list[int], dict]:
    from screener.model import Stage

    project = c.project(args)
    # The labels are the review's outcomes: for whom may see them (blinding).
    c.view(project, args).require_outcomes(Stage(args.stage), "simulate --review")
    pending = [o for o in project.outcomes(Stage.TITLE_ABSTRACT).values() if not o.is_final]
    if pending:
        raise ScreenerError(f"{len(pending)} records are not decided yet at title/abstract")
    included = {rid for rid, o in project.outcomes(Stage(args.stage)).items() if o.is_include}
    records = project.screenable()
    source = {
        "label_column": None,
        "labels_from": f"this review's {args.stage} outcomes, included",
        "records_without_label": 0,
    }
    return [sr.record for sr in records], [int(sr.id in included) for sr in records], source


def cmd_simulate(args: argparse.Namespace) -> int:
    from screener.ranking.simulate import simulate

    if args.review:
        records, labels, source = _labels_from_review(args)
    elif args.dataset is not None:
        records, labels, source = _labels_from_file(args.dataset, args.label)
    else:
        raise ScreenerError("name a labelled dataset, or pass --review")
    result = simulate(records, labels, model=args.model, seed=args.seed, priors=args.priors)
    if args.plot:
        from screener.ranking.plot import plot_recall

        plot_recall(result, args.plot)
    data = {**source, **result.to_dict()}
    if args.json:
        c.emit_json(data)
        return 0
    choose = "; another column: --label COLUMN" if source["label_column"] is not None else ""
    c.out(f"labels: {source['labels_from']} (1 = relevant{choose})")
    if source["records_without_label"]:
        c.out(f"left out {source['records_without_label']} record(s) without a label")
    summary = result.summary()
    rows = []
    for key, value in summary.items():
        if isinstance(value, dict):
            continue
        rows.append([key, f"{value:.3f}" if isinstance(value, float) else value])
    c.table(rows, ["measure", "value"])
    stop = summary.get("stopping")
    if isinstance(stop, dict) and stop.get("stopped"):
        c.out(
            f"stopping rule (recall ≥ {stop['recall_target']:.0%} with {stop['confidence']:.0%} "
            f"confidence): stopped after {stop['n_screened']} of {result.n_total} records "
            f"(the {len(result.prior_indices)} priors included), recall "
            f"{stop['recall']:.3f}, work saved {stop['work_saved']:.1%}"
        )
    if args.plot:
        c.out(f"recall curve written to {args.plot}")
    return 0
