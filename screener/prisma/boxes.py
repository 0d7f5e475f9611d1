"""What each box of the PRISMA 2020 diagram says, in the templates' words.

A box is a list of paragraphs; a paragraph that states a count names the record list behind
it (`ref`, a key of `PrismaFlow.members`, see members.py) so the HTML diagram can link it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from screener.model import Stage
from screener.prisma import wording as w
from screener.prisma.counts import PENDING_LABELS, ColumnCounts, PrismaFlow

TA, FT = Stage.TITLE_ABSTRACT.value, Stage.FULL_TEXT.value
PAD_X = 0.1  # inches between a box's edge and its text
PAD_Y = 0.09


@dataclass
class Paragraph:
    text: str
    bold: bool = False
    indent: int = 0
    ref: str | None = None  # the record list behind the count in `text`


@dataclass
class Box:
    key: str
    paragraphs: list[Paragraph]
    style: str = "plain"  # plain | yellow | grey | phase
    align: str = "left"
    x: float = 0.0
    w: float = 0.0
    y: float = 0.0  # centre (y grows downwards)
    lines: list[tuple[str, bool, float]] = field(default_factory=list)  # text, bold, x offset
    refs: list[str | None] = field(default_factory=list)  # per line: its paragraph's ref
    line_h: float = 0.0

    @property
    def h(self) -> float:
        return len(self.lines) * self.line_h + 2 * PAD_Y

    @property
    def top(self) -> float:
        return self.y - self.h / 2

    @property
    def bottom(self) -> float:
        return self.y + self.h / 2


def n(value: int) -> str:
    """'(n = 851)': plain digits (no separators), so the counts are found in the SVG."""
    return f"(n = {value})"


def sorted_counts(counts: dict[str, int]) -> list[tuple[str, int]]:
    """Labelled counts by n (then label); unnamed ones (a total read from a CSV) left out."""
    return sorted(((k, v) for k, v in counts.items() if k), key=lambda kv: (-kv[1], kv[0]))


def _counted(label: str, value: int, ref: str | None) -> list[Paragraph]:
    """A main-column box as in the template: the label, then '(n = …)' on its own line."""
    return [Paragraph(label, ref=ref), Paragraph(n(value), ref=ref)]


def _pending_lines(col: ColumnCounts, stage: str, name: str) -> list[Paragraph]:
    """What awaits a decision at `stage`, in the words of the provisional banner."""
    out = []
    for kind in ("awaiting", "conflicts"):
        count = col.pending(stage, kind)
        if count:
            field_name = f"{'ta' if stage == TA else 'ft'}_{kind}"
            text = f"{PENDING_LABELS[stage, kind]}: {count}"
            out.append(Paragraph(text, indent=1, ref=f"{name}.{field_name}"))
    return out


def _reasons(col: ColumnCounts, name: str) -> list[Paragraph]:
    reasons = sorted_counts(dict(col.excluded_reasons))
    head = f"Reports excluded {n(col.ft_excluded)}" + (":" if reasons else "")
    out = [Paragraph(head, ref=f"{name}.ft_excluded")]
    out += [
        Paragraph(f"{k} {n(v)}", indent=1, ref=f"{name}.excluded_reasons/{k}") for k, v in reasons
    ]
    return out


def _other_removed(col: ColumnCounts) -> list[Paragraph]:
    out = [Paragraph("Records removed before retrieval:")]
    for count, label, ref in (
        (col.duplicates, "Duplicate records removed", "other.duplicates"),
        (col.excluded_automatic, "Marked as ineligible by automation tools",
         "other.excluded_automatic"),
        (col.excluded, "Excluded on title and abstract", "other.excluded"),
    ):  # fmt: skip
        if count:
            out.append(Paragraph(f"{label} {n(count)}", indent=1, ref=ref))
    return out + _pending_lines(col, TA, "other")


def _identified(flow: PrismaFlow) -> list[Paragraph]:
    out = [
        Paragraph("Records identified from:"),
        Paragraph(f"Databases {n(flow.database_results)}", ref="databases"),
    ]
    out += [
        Paragraph(f"{k} {n(v)}", indent=1, ref=f"source.database/{k}")
        for k, v in sorted_counts(flow.database_specific)
    ]
    out.append(Paragraph(f"Registers {n(flow.register_results)}", ref="registers"))
    out += [
        Paragraph(f"{k} {n(v)}", indent=1, ref=f"source.register/{k}")
        for k, v in sorted_counts(flow.register_specific)
    ]
    return out


def _removed(dbr: ColumnCounts) -> list[Paragraph]:
    out = [
        Paragraph("Records removed before screening:"),
        Paragraph(f"Duplicate records removed {n(dbr.duplicates)}", indent=1,
                  ref="dbr.duplicates"),
    ]  # fmt: skip
    if dbr.duplicates_previous:
        text = f"of which duplicates of the previous search {n(dbr.duplicates_previous)}"
        out.append(Paragraph(text, indent=2, ref="dbr.duplicates_previous"))
    out += [
        Paragraph(f"Records marked as ineligible by automation tools {n(dbr.excluded_automatic)}",
                  indent=1, ref="dbr.excluded_automatic"),
        Paragraph(f"Records removed for other reasons {n(dbr.excluded_other)}", indent=1,
                  ref="dbr.excluded_other"),
    ]  # fmt: skip
    return out


def _column(b: dict[str, Box], col: ColumnCounts, name: str) -> None:
    """The boxes from 'reports sought' to 'reports excluded' of one column."""
    b[f"{name}_sought"] = Box(
        f"{name}_sought", _counted("Reports sought for retrieval", col.sought, f"{name}.sought")
    )
    b[f"{name}_notretrieved"] = Box(
        f"{name}_notretrieved",
        _counted("Reports not retrieved", col.not_retrieved, f"{name}.not_retrieved"),
    )
    b[f"{name}_assessed"] = Box(
        f"{name}_assessed",
        [*_counted("Reports assessed for eligibility", col.assessed, f"{name}.assessed"),
         *_pending_lines(col, FT, name)],
    )  # fmt: skip
    b[f"{name}_excluded"] = Box(f"{name}_excluded", _reasons(col, name))


def build_boxes(flow: PrismaFlow) -> dict[str, Box]:
    """Every box's text, keyed by its place in the layout."""
    dbr, oth = flow.dbr, flow.other
    b: dict[str, Box] = {}
    head = [Paragraph(w.identification(flow.updated), bold=True)]
    b["newstud"] = Box("newstud", head, style="yellow", align="center")
    b["dbr_ident"] = Box("dbr_ident", _identified(flow))
    b["dbr_removed"] = Box("dbr_removed", _removed(dbr))
    b["dbr_screened"] = Box(
        "dbr_screened",
        [*_counted("Records screened", dbr.screened, "dbr.screened"),
         *_pending_lines(dbr, TA, "dbr")],
    )  # fmt: skip
    b["dbr_excluded_ta"] = Box(
        "dbr_excluded_ta", _counted("Records excluded", dbr.excluded, "dbr.excluded")
    )
    _column(b, dbr, "dbr")
    studies, reports = w.included(flow.updated)
    b["new_studies"] = Box(
        "new_studies",
        [*_counted(studies, flow.new_studies, "new_studies"),
         *_counted(reports, flow.new_reports, "new_reports")],
    )  # fmt: skip

    if flow.has_other:
        head = [Paragraph(w.identification(flow.updated, other=True), bold=True)]
        b["othstud"] = Box("othstud", head, style="grey", align="center")
        b["other_ident"] = Box(
            "other_ident",
            [
                Paragraph("Records identified from:"),
                Paragraph(f"Websites {n(flow.website_results)}", indent=1, ref="source.website"),
                Paragraph(f"Organisations {n(flow.organisation_results)}", indent=1,
                          ref="source.organisation"),
                Paragraph(f"Citation searching {n(flow.citations_results)}", indent=1,
                          ref="source.citation"),
            ],
        )  # fmt: skip
        if (
            oth.duplicates
            or oth.excluded_automatic
            or oth.excluded
            or oth.ta_awaiting
            or (oth.ta_conflicts)
        ):
            b["other_removed"] = Box("other_removed", _other_removed(oth))
        _column(b, oth, "other")

    if flow.updated:
        b["prevstud"] = Box(
            "prevstud", [Paragraph("Previous studies", bold=True)], style="grey", align="center"
        )
        b["previous"] = Box(
            "previous",
            [*_counted(w.PREVIOUS_STUDIES, flow.previous_studies, "previous_studies"),
             Paragraph(""),
             *_counted(w.PREVIOUS_REPORTS, flow.previous_reports, "previous_reports")],
        )  # fmt: skip
        b["total"] = Box(
            "total",
            [*_counted(w.TOTAL_STUDIES, flow.total_studies, "total_studies"),
             *_counted(w.TOTAL_REPORTS, flow.total_reports, "total_reports")],
        )  # fmt: skip
    for phase in ("Identification", "Screening", "Included"):
        b[phase] = Box(phase, [Paragraph(phase, bold=True)], style="phase", align="center")
    return b
