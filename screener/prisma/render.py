"""The PRISMA 2020 flow diagram drawn with matplotlib (no pyplot, no display needed).

Layout of the PRISMA 2020 templates: phase bars (Identification / Screening / Included)
on the left; the databases-and-registers column with its side boxes; the other-methods
column when records came from citation searching, websites or organisations; and, for an
updated review, the previous-studies column and the total-studies box.

The page is A4 (portrait when it fits, else landscape; taller only if the boxes need it)
and the text is 8 pt where it fits. SVG output is deterministic: fixed hash salt, no date,
text kept as text (so it stays searchable and the counts can be found in it).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from screener.model import Stage
from screener.prisma.flow import PENDING_LABELS, TOTAL, ColumnCounts, PrismaFlow

TA, FT = Stage.TITLE_ABSTRACT.value, Stage.FULL_TEXT.value
A4 = (8.27, 11.69)
FONT = "DejaVu Sans"
MARGIN = 0.3
PHASE_W = 0.32
PHASE_GAP = 0.18
ARROW_GAP = 0.38
GROUP_GAP = 0.32
ROW_GAP = 0.32
MAX_ROW_GAP = 0.6
HEADER_GAP = 0.22
PAD_X = 0.08
PAD_Y = 0.07
LINESPACING = 1.25

YELLOW = "#ffc000"
GREY = "#d9d9d9"
BLUE = "#9dc3e6"
RED = "#c00000"
FORMATS = ("svg", "png", "pdf")


@dataclass
class Paragraph:
    text: str
    bold: bool = False
    indent: int = 0


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


# -- text measurement and wrapping ---------------------------------------------------------


_WORDS = re.compile(r"\(n = [^)]*\)\S*|\S+")


class Measure:
    def __init__(self, size: float) -> None:
        from matplotlib.font_manager import FontProperties
        from matplotlib.textpath import TextToPath

        self.size = size
        self._ttp = TextToPath()
        self._props = {
            False: FontProperties(family=FONT, size=size),
            True: FontProperties(family=FONT, size=size, weight="bold"),
        }
        self._cache: dict[tuple[str, bool], float] = {}

    def width(self, text: str, bold: bool = False) -> float:
        """Width in inches: the sum of the glyphs' advances (cached per character)."""
        total = 0.0
        for char in text:
            key = (char, bold)
            w = self._cache.get(key)
            if w is None:
                w, _h, _d = self._ttp.get_text_width_height_descent(
                    char, self._props[bold], ismath=False
                )
                w = self._cache[key] = w / 72.0
            total += w
        return total * 1.02  # kerning is ignored: keep a little slack

    @property
    def line_h(self) -> float:
        return self.size * LINESPACING / 72.0

    def wrap(self, text: str, width: float, bold: bool = False) -> list[str]:
        words = _WORDS.findall(text)  # "(n = 12)" never breaks
        if not words:
            return [""]
        lines: list[str] = []
        current = ""
        for word in words:
            trial = f"{current} {word}" if current else word
            if self.width(trial, bold) <= width or not current:
                current = trial
            else:
                lines.append(current)
                current = word
            while self.width(current, bold) > width and len(current) > 1:  # one long word
                cut = len(current) - 1
                while cut > 1 and self.width(current[:cut], bold) > width:
                    cut -= 1
                lines.append(current[:cut])
                current = current[cut:]
        lines.append(current)
        return lines


_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def printable(text: str) -> str:
    """Labels and reasons come from users: no control or bidi characters in the drawing."""
    return _CONTROL.sub(" ", text)


def layout_box(box: Box, m: Measure) -> None:
    box.line_h = m.line_h
    box.lines = []
    indent_w = m.width("    ")
    for p in box.paragraphs:
        offset = indent_w * p.indent
        inner = box.w - 2 * PAD_X - offset
        for line in m.wrap(printable(p.text), inner, p.bold):
            box.lines.append((line, p.bold, offset))


# -- box contents ------------------------------------------------------------------------


def _pending_lines(col: ColumnCounts, stage: str) -> list[Paragraph]:
    """What awaits a decision at `stage`, in the words of the provisional banner."""
    out = []
    for kind in ("awaiting", "conflicts"):
        count = col.pending(stage, kind)
        if count:
            out.append(Paragraph(f"{PENDING_LABELS[stage, kind]}: {count}", indent=1))
    return out


def _reasons(title: str, reasons: dict[str, int]) -> list[Paragraph]:
    total = reasons.get(TOTAL, 0)
    out = [Paragraph(f"{title} {n(total)}" + (":" if len(reasons) > 1 else ""))]
    out += [Paragraph(f"{k} {n(v)}", indent=1) for k, v in reasons.items() if k != TOTAL]
    return out


def _other_removed(col: ColumnCounts) -> list[Paragraph]:
    out = [Paragraph("Records removed before retrieval:")]
    if col.duplicates:
        out.append(Paragraph(f"Duplicate records {n(col.duplicates)}", indent=1))
    if col.excluded_automatic:
        out.append(
            Paragraph(
                f"Marked as ineligible by automation tools {n(col.excluded_automatic)}", indent=1
            )
        )
    if col.excluded:
        out.append(Paragraph(f"Excluded on title and abstract {n(col.excluded)}", indent=1))
    return out + _pending_lines(col, TA)


def build_boxes(flow: PrismaFlow) -> dict[str, Box]:
    """Every box's text, keyed by its place in the layout."""
    data = flow.as_json()
    dbr, oth = flow.dbr, flow.other
    b: dict[str, Box] = {}
    b["newstud"] = Box(
        "newstud",
        [Paragraph("Identification of new studies via databases and registers", bold=True)],
        style="yellow",
        align="center",
    )
    ident = [
        Paragraph("Records identified from:"),
        Paragraph(f"Databases {n(flow.database_results)}"),
    ]
    ident += [
        Paragraph(f"{k} {n(v)}", indent=1)
        for k, v in data["database_specific_results"].items()
        if k != TOTAL
    ]
    ident.append(Paragraph(f"Registers {n(flow.register_results)}"))
    ident += [
        Paragraph(f"{k} {n(v)}", indent=1)
        for k, v in data["register_specific_results"].items()
        if k != TOTAL
    ]
    b["dbr_ident"] = Box("dbr_ident", ident)
    removed = [
        Paragraph("Records removed before screening:"),
        Paragraph(f"Duplicate records {n(dbr.duplicates)}", indent=1),
    ]
    if dbr.duplicates_previous:
        removed.append(
            Paragraph(f"of which duplicates of the previous search {n(dbr.duplicates_previous)}",
                      indent=2)
        )  # fmt: skip
    removed += [
        Paragraph(
            f"Records marked as ineligible by automation tools {n(dbr.excluded_automatic)}",
            indent=1,
        ),
        Paragraph(f"Records removed for other reasons {n(dbr.excluded_other)}", indent=1),
    ]
    b["dbr_removed"] = Box("dbr_removed", removed)
    b["dbr_screened"] = Box(
        "dbr_screened",
        [Paragraph(f"Records screened {n(dbr.screened)}"),
         *_pending_lines(dbr, TA)],
    )  # fmt: skip
    b["dbr_excluded_ta"] = Box(
        "dbr_excluded_ta", [Paragraph(f"Records excluded {n(dbr.excluded)}")]
    )
    b["dbr_sought"] = Box(
        "dbr_sought", [Paragraph(f"Reports sought for retrieval {n(dbr.sought)}")]
    )
    b["dbr_notretrieved"] = Box(
        "dbr_notretrieved", [Paragraph(f"Reports not retrieved {n(dbr.not_retrieved)}")]
    )
    b["dbr_assessed"] = Box(
        "dbr_assessed",
        [Paragraph(f"Reports assessed for eligibility {n(dbr.assessed)}"),
         *_pending_lines(dbr, FT)],
    )  # fmt: skip
    b["dbr_excluded"] = Box("dbr_excluded", _reasons("Reports excluded", data["dbr_excluded"]))
    if flow.updated:
        included = [
            Paragraph(f"New studies included in review {n(flow.new_studies)}"),
            Paragraph(f"Reports of new included studies {n(flow.new_reports)}"),
        ]
    else:
        included = [
            Paragraph(f"Studies included in review {n(flow.new_studies)}"),
            Paragraph(f"Reports of included studies {n(flow.new_reports)}"),
        ]
    b["new_studies"] = Box("new_studies", included)

    if flow.has_other:
        b["othstud"] = Box(
            "othstud",
            [Paragraph("Identification of new studies via other methods", bold=True)],
            style="grey",
            align="center",
        )
        b["other_ident"] = Box(
            "other_ident",
            [
                Paragraph("Records identified from:"),
                Paragraph(f"Websites {n(flow.website_results)}", indent=1),
                Paragraph(f"Organisations {n(flow.organisation_results)}", indent=1),
                Paragraph(f"Citation searching {n(flow.citations_results)}", indent=1),
            ],
        )
        if (
            oth.duplicates
            or oth.excluded_automatic
            or oth.excluded
            or oth.ta_awaiting
            or oth.ta_conflicts
        ):
            b["other_removed"] = Box("other_removed", _other_removed(oth))
        b["other_sought"] = Box(
            "other_sought", [Paragraph(f"Reports sought for retrieval {n(oth.sought)}")]
        )
        b["other_notretrieved"] = Box(
            "other_notretrieved", [Paragraph(f"Reports not retrieved {n(oth.not_retrieved)}")]
        )
        b["other_assessed"] = Box(
            "other_assessed",
            [Paragraph(f"Reports assessed for eligibility {n(oth.assessed)}"),
             *_pending_lines(oth, FT)],
        )  # fmt: skip
        b["other_excluded"] = Box(
            "other_excluded", _reasons("Reports excluded", data["other_excluded"])
        )

    if flow.updated:
        b["prevstud"] = Box(
            "prevstud", [Paragraph("Previous studies", bold=True)], style="grey", align="center"
        )
        b["previous"] = Box(
            "previous",
            [
                Paragraph(
                    f"Studies included in previous version of review {n(flow.previous_studies)}"
                ),
                Paragraph(""),
                Paragraph(
                    f"Reports of studies included in previous version of review "
                    f"{n(flow.previous_reports)}"
                ),
            ],
        )
        b["total"] = Box(
            "total",
            [
                Paragraph(f"Total studies included in review {n(flow.total_studies)}"),
                Paragraph(f"Reports of total included studies {n(flow.total_reports)}"),
            ],
        )
    for phase in ("Identification", "Screening", "Included"):
        b[phase] = Box(phase, [Paragraph(phase, bold=True)], style="phase", align="center")
    return b


# -- layout --------------------------------------------------------------------------------

ROWS = ["header", "ident", "screened", "sought", "assessed", "included", "total"]
ROW_OF = {
    "prevstud": "header", "newstud": "header", "othstud": "header",
    "previous": "ident", "dbr_ident": "ident", "dbr_removed": "ident",
    "other_ident": "ident", "other_removed": "ident",
    "dbr_screened": "screened", "dbr_excluded_ta": "screened",
    "dbr_sought": "sought", "dbr_notretrieved": "sought",
    "other_sought": "sought", "other_notretrieved": "sought",
    "dbr_assessed": "assessed", "dbr_excluded": "assessed",
    "other_assessed": "assessed", "other_excluded": "assessed",
    "new_studies": "included", "total": "total",
}  # fmt: skip


@dataclass
class Layout:
    page: tuple[float, float]
    size: float
    boxes: dict[str, Box]
    rows: dict[str, tuple[float, float]]  # row → (top, bottom)
    title_lines: list[str]
    banner: str
    bottom: float = 0.0
    banner_lines: list[str] = field(default_factory=list)


def _columns(flow: PrismaFlow, width: float) -> dict[str, tuple[float, float]]:
    """x and width of each column for a page `width` inches wide."""
    weights: list[tuple[str, float]] = []
    gaps = 0.0
    if flow.updated:
        weights.append(("prev", 0.8))
        gaps += GROUP_GAP
    weights += [("main", 1.0), ("side", 1.0)]
    gaps += ARROW_GAP
    if flow.has_other:
        weights += [("omain", 0.9), ("oside", 0.9)]
        gaps += GROUP_GAP + ARROW_GAP
    x = MARGIN + PHASE_W + PHASE_GAP
    avail = width - x - MARGIN - gaps
    unit = min(avail / sum(w for _, w in weights), 2.9)
    cols: dict[str, tuple[float, float]] = {}
    for name, w in weights:
        cols[name] = (x, unit * w)
        x += unit * w + (ARROW_GAP if name in ("main", "omain") else GROUP_GAP)
    return cols


def _place_columns(boxes: dict[str, Box], cols: dict[str, tuple[float, float]]) -> None:
    spans = {
        "prevstud": ("prev", "prev"), "previous": ("prev", "prev"),
        "newstud": ("main", "side"), "othstud": ("omain", "oside"),
        "dbr_ident": ("main", "main"), "dbr_removed": ("side", "side"),
        "dbr_screened": ("main", "main"), "dbr_excluded_ta": ("side", "side"),
        "dbr_sought": ("main", "main"), "dbr_notretrieved": ("side", "side"),
        "dbr_assessed": ("main", "main"), "dbr_excluded": ("side", "side"),
        "new_studies": ("main", "main"), "total": ("main", "main"),
        "other_ident": ("omain", "omain"), "other_removed": ("oside", "oside"),
        "other_sought": ("omain", "omain"), "other_notretrieved": ("oside", "oside"),
        "other_assessed": ("omain", "omain"), "other_excluded": ("oside", "oside"),
    }  # fmt: skip
    for key, box in boxes.items():
        if key in spans:
            first, last = spans[key]
            box.x = cols[first][0]
            box.w = cols[last][0] + cols[last][1] - box.x


def compute_layout(flow: PrismaFlow) -> Layout:
    """Page, font size and every box's place: the largest font that fits on A4 wins, and
    spare height goes to the gaps between rows (up to a limit)."""
    wide = flow.updated or flow.has_other
    page = (A4[1], A4[0]) if wide else A4
    banner = f"PROVISIONAL — {flow.provisional_note()}" if flow.provisional else ""
    sizes = (9.0, 8.0, 7.5, 7.0, 6.5) if wide else (10.0, 9.0, 8.0, 7.5, 7.0, 6.5)
    layout: Layout | None = None
    for size in sizes:
        layout = _try_layout(flow, page, size, banner, ROW_GAP)
        if layout.bottom <= page[1]:
            spare = page[1] - layout.bottom
            gaps = len(layout.rows) - 1
            extra = min(spare / gaps, MAX_ROW_GAP - ROW_GAP) if gaps else 0.0
            return _try_layout(flow, page, size, banner, ROW_GAP + extra) if extra > 0 else layout
    assert layout is not None
    return layout  # taller than A4: many reasons or databases


PHASES = {
    "Identification": ("ident", "ident"),
    "Screening": ("screened", "assessed"),
    "Included": ("included", "total"),
}


def _try_layout(
    flow: PrismaFlow, page: tuple[float, float], size: float, banner: str, row_gap: float
) -> Layout:
    m = Measure(size)
    boxes = build_boxes(flow)
    cols = _columns(flow, page[0])
    _place_columns(boxes, cols)
    title_w = (page[0] - 2 * MARGIN) * size / (size + 1)  # drawn one point larger
    title_h = (size + 1) * LINESPACING / 72.0
    title = printable(flow.title)
    title_lines = m.wrap(f"PRISMA 2020 flow diagram: {title}", title_w, True) if title else []
    banner_lines = m.wrap(banner, title_w, True) if banner else []
    for box in boxes.values():
        if box.style != "phase":
            layout_box(box, m)
    y = MARGIN + len(title_lines) * title_h + ((len(banner_lines) + 0.3) * title_h if banner else 0)
    if title_lines or banner:
        y += 0.15
    present = [r for r in ROWS if any(ROW_OF.get(k) == r for k in boxes)]
    heights = {r: max(b.h for k, b in boxes.items() if ROW_OF.get(k) == r) for r in present}
    for phase, (first, last) in PHASES.items():  # a phase bar must hold its rotated label
        span = [r for r in present if ROWS.index(first) <= ROWS.index(r) <= ROWS.index(last)]
        need = m.width(phase, True) * (size + 1) / size + 2 * PAD_Y + 0.1
        have = sum(heights[r] for r in span) + row_gap * (len(span) - 1)
        if have < need:
            heights[span[-1]] += need - have
    rows: dict[str, tuple[float, float]] = {}
    for row in present:
        for k, b in boxes.items():
            if ROW_OF.get(k) == row:
                b.y = y + heights[row] / 2
        rows[row] = (y, y + heights[row])
        y += heights[row] + (min(row_gap, HEADER_GAP) if row == "header" else row_gap)
    for phase, (first, last) in PHASES.items():
        span = [r for r in present if ROWS.index(first) <= ROWS.index(r) <= ROWS.index(last)]
        box = boxes[phase]
        box.x, box.w = MARGIN, PHASE_W
        top, end = rows[span[0]][0], rows[span[-1]][1]
        box.y = (top + end) / 2
        box.line_h = end - top - 2 * PAD_Y  # one rotated line filling the bar
        box.lines = [(phase, True, 0.0)]
    bottom = y - row_gap + MARGIN
    page_size = (page[0], max(page[1], bottom))
    return Layout(page_size, size, boxes, rows, title_lines, banner, bottom, banner_lines)


# -- drawing -------------------------------------------------------------------------------


@contextmanager
def _deterministic() -> Iterator[None]:
    import matplotlib

    with matplotlib.rc_context(
        {
            "svg.hashsalt": "screener-prisma",
            "svg.fonttype": "none",
            "font.family": FONT,
            "path.simplify": True,
            "pdf.compression": 6,
        }
    ):
        yield


def draw(flow: PrismaFlow) -> Any:
    """A matplotlib Figure of the flow (not attached to pyplot)."""
    from matplotlib.figure import Figure
    from matplotlib.patches import FancyBboxPatch, Rectangle

    layout = compute_layout(flow)
    width, height = layout.page
    fig = Figure(figsize=(width, height))
    ax = fig.add_axes((0.0, 0.0, 1.0, 1.0))
    ax.set_xlim(0, width)
    ax.set_ylim(height, 0)
    ax.set_axis_off()
    size = layout.size
    line_h = size * LINESPACING / 72.0
    common: dict[str, Any] = {"parse_math": False, "fontfamily": FONT}

    y = MARGIN
    for line in layout.title_lines:
        ax.text(MARGIN, y, line, fontsize=size + 1, fontweight="bold", va="top", ha="left",
                **common)  # fmt: skip
        y += (size + 1) * LINESPACING / 72.0
    for line in layout.banner_lines:
        ax.text(MARGIN, y + 0.04, line, fontsize=size + 1, fontweight="bold", color=RED,
                va="top", ha="left", **common)  # fmt: skip
        y += (size + 1) * LINESPACING / 72.0

    fills = {"plain": "white", "yellow": YELLOW, "grey": GREY, "phase": BLUE}
    for box in layout.boxes.values():
        if box.style == "plain":
            patch: Any = Rectangle((box.x, box.top), box.w, box.h, facecolor="white",
                                   edgecolor="black", linewidth=0.8, zorder=2)  # fmt: skip
        else:
            patch = FancyBboxPatch(
                (box.x, box.top), box.w, box.h, boxstyle="round,pad=0,rounding_size=0.06",
                facecolor=fills[box.style], edgecolor="none" if box.style == "phase" else "black",
                linewidth=0.8, zorder=2,
            )  # fmt: skip
        ax.add_patch(patch)
        if box.style == "phase":
            ax.text(box.x + box.w / 2, box.y, box.lines[0][0], rotation=90, ha="center",
                    va="center", fontsize=size + 1, fontweight="bold", zorder=3,
                    **common)  # fmt: skip
            continue
        ty = box.top + PAD_Y
        for text, bold, offset in box.lines:
            if box.align == "center":
                tx, ha = box.x + box.w / 2, "center"
            else:
                tx, ha = box.x + PAD_X + offset, "left"
            ax.text(tx, ty + line_h / 2, text, ha=ha, va="center", fontsize=size,
                    fontweight="bold" if bold else "normal", zorder=3, **common)  # fmt: skip
            ty += line_h

    _arrows(ax, layout)
    if layout.banner:
        ax.text(width / 2, height / 2, "PROVISIONAL", rotation=35, ha="center", va="center",
                fontsize=72, fontweight="bold", color=RED, alpha=0.10, zorder=10,
                **common)  # fmt: skip
    return fig


def _arrow(ax: Any, start: tuple[float, float], end: tuple[float, float]) -> None:
    ax.annotate(
        "", xy=end, xytext=start, zorder=1,
        arrowprops={"arrowstyle": "-|>,head_length=0.5,head_width=0.22", "color": "black",
                    "lw": 0.8, "shrinkA": 0, "shrinkB": 0},
    )  # fmt: skip


def _arrows(ax: Any, layout: Layout) -> None:
    b = layout.boxes

    def down(a: str, z: str) -> None:
        if a in b and z in b:
            x = b[a].x + b[a].w / 2
            _arrow(ax, (x, b[a].bottom), (x, b[z].top))

    def right(a: str, z: str) -> None:
        if a in b and z in b:
            _arrow(ax, (b[a].x + b[a].w, b[a].y), (b[z].x, b[a].y))

    for a, z in (("dbr_ident", "dbr_screened"), ("dbr_screened", "dbr_sought"),
                 ("dbr_sought", "dbr_assessed"), ("dbr_assessed", "new_studies"),
                 ("new_studies", "total"), ("other_ident", "other_sought"),
                 ("other_sought", "other_assessed")):  # fmt: skip
        down(a, z)
    for a, z in (("dbr_ident", "dbr_removed"), ("dbr_screened", "dbr_excluded_ta"),
                 ("dbr_sought", "dbr_notretrieved"), ("dbr_assessed", "dbr_excluded"),
                 ("other_ident", "other_removed"), ("other_sought", "other_notretrieved"),
                 ("other_assessed", "other_excluded")):  # fmt: skip
        right(a, z)
    if "other_assessed" in b:  # other methods → new studies: down, then left
        src, dst = b["other_assessed"], b["new_studies"]
        x = src.x + src.w / 2
        ax.plot([x, x], [src.bottom, dst.y], color="black", lw=0.8, zorder=1)
        _arrow(ax, (x, dst.y), (dst.x + dst.w, dst.y))
    if "previous" in b and "total" in b:  # previous studies → total: down, then right
        src, dst = b["previous"], b["total"]
        x = src.x + src.w / 2
        ax.plot([x, x], [src.bottom, dst.y], color="black", lw=0.8, zorder=1)
        _arrow(ax, (x, dst.y), (dst.x, dst.y))


def render(flow: PrismaFlow, path: Path, fmt: str | None = None, *, dpi: int = 150) -> Path:
    """Write the diagram as SVG, PNG or PDF (by `fmt` or the file's extension)."""
    kind = (fmt or path.suffix.lstrip(".")).lower()
    if kind not in FORMATS:
        raise ValueError(f"cannot draw a diagram as {kind!r} (use one of {', '.join(FORMATS)})")
    with _deterministic():
        fig = draw(flow)
        metadata: dict[str, Any] = {"Title": "PRISMA 2020 flow diagram"}
        if kind == "svg":
            metadata["Date"] = None
        elif kind == "pdf":
            metadata.update(CreationDate=None, ModDate=None)
        fig.savefig(path, format=kind, dpi=dpi, metadata=metadata)
    return path
