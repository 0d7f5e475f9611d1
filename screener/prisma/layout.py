"""Where every box of the PRISMA 2020 diagram goes, in inches (y grows downwards).

Phase bars (Identification / Screening / Included) on the left; the databases-and-registers
column with its side boxes; the other-methods column when records came from citation
searching, websites or organisations; for an updated review, the previous-studies column
and the total. The columns take an A4 page's width (portrait, or landscape for three
groups); the text is the largest size that keeps the diagram within an A4 page's height,
and the page is then cut to the diagram plus a small margin (no empty half page).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from screener.prisma.boxes import PAD_X, PAD_Y, Box, build_boxes
from screener.prisma.counts import PrismaFlow

A4 = (8.27, 11.69)
FONT = "DejaVu Sans"
MARGIN = 0.25
PHASE_W = 0.32
PHASE_GAP = 0.18
ARROW_GAP = 0.38
GROUP_GAP = 0.32
ROW_GAP = 0.3
HEADER_GAP = 0.22
LINESPACING = 1.25
MAX_UNIT = 2.9  # widest column, inches

# "(n = 12)" and a trailing "label: 12" never break.
_WORDS = re.compile(r"\(n = [^)]*\)\S*|\S+: \d+$|\S+")
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def printable(text: str) -> str:
    """Labels and reasons come from users: no control or bidi characters in the drawing."""
    return _CONTROL.sub(" ", text)


class Measure:
    """Text widths in inches for one font size, from the font's glyph advances."""

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
        return total * 1.05  # kerning and hinting are ignored: keep some slack

    @property
    def line_h(self) -> float:
        return self.size * LINESPACING / 72.0

    def wrap(self, text: str, width: float, bold: bool = False) -> list[str]:
        """Lines no wider than `width`; "(n = 12)" never breaks, a long word is cut."""
        words = _WORDS.findall(text)
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


def layout_box(box: Box, m: Measure) -> None:
    box.line_h = m.line_h
    box.lines, box.refs = [], []
    indent_w = m.width("    ")
    for p in box.paragraphs:
        offset = indent_w * p.indent
        inner = box.w - 2 * PAD_X - offset
        for line in m.wrap(printable(p.text), inner, p.bold):
            box.lines.append((line, p.bold, offset))
            box.refs.append(p.ref)


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
SPANS = {
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
PHASES = {
    "Identification": ("ident", "ident"),
    "Screening": ("screened", "assessed"),
    "Included": ("included", "total"),
}


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

    @property
    def title_h(self) -> float:
        """Height of one title or banner line (drawn one point larger than the boxes)."""
        return (self.size + 1) * LINESPACING / 72.0


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
    unit = min(avail / sum(w for _, w in weights), MAX_UNIT)
    cols: dict[str, tuple[float, float]] = {}
    for name, w in weights:
        cols[name] = (x, unit * w)
        x += unit * w + (ARROW_GAP if name in ("main", "omain") else GROUP_GAP)
    return cols


def compute_layout(flow: PrismaFlow) -> Layout:
    """Font size and every box's place; the page is the diagram plus MARGIN all round."""
    wide = flow.updated or flow.has_other
    width = A4[1] if wide else A4[0]
    banner = f"PROVISIONAL — {flow.provisional_note()}" if flow.provisional else ""
    sizes = (9.0, 8.0, 7.5, 7.0, 6.5) if wide else (10.0, 9.0, 8.0, 7.5, 7.0, 6.5)
    layout: Layout | None = None
    for size in sizes:
        layout = _try_layout(flow, width, size, banner)
        if layout.bottom <= (A4[0] if wide else A4[1]):
            break
    assert layout is not None
    return layout  # taller than A4 only with very many reasons or databases


def _try_layout(flow: PrismaFlow, width: float, size: float, banner: str) -> Layout:
    m = Measure(size)
    boxes = build_boxes(flow)
    cols = _columns(flow, width)
    for key, box in boxes.items():
        if key in SPANS:
            first, last = SPANS[key]
            box.x = cols[first][0]
            box.w = cols[last][0] + cols[last][1] - box.x
    right = max(x + w for x, w in cols.values()) + MARGIN
    text_w = (right - 2 * MARGIN) * size / (size + 1)  # title and banner: one point larger
    title_h = (size + 1) * LINESPACING / 72.0
    title = printable(flow.title)
    title_lines = m.wrap(f"PRISMA 2020 flow diagram: {title}", text_w, True) if title else []
    banner_lines = m.wrap(banner, text_w, True) if banner else []
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
        have = sum(heights[r] for r in span) + ROW_GAP * (len(span) - 1)
        if have < need:
            heights[span[-1]] += need - have
    rows: dict[str, tuple[float, float]] = {}
    for row in present:
        for k, b in boxes.items():
            if ROW_OF.get(k) == row:
                b.y = y + heights[row] / 2
        rows[row] = (y, y + heights[row])
        y += heights[row] + (HEADER_GAP if row == "header" else ROW_GAP)
    for phase, (first, last) in PHASES.items():
        span = [r for r in present if ROWS.index(first) <= ROWS.index(r) <= ROWS.index(last)]
        box = boxes[phase]
        box.x, box.w = MARGIN, PHASE_W
        top, end = rows[span[0]][0], rows[span[-1]][1]
        box.y = (top + end) / 2
        box.line_h = end - top - 2 * PAD_Y  # one rotated line filling the bar
        box.lines, box.refs = [(phase, True, 0.0)], [None]
    bottom = y - ROW_GAP + MARGIN
    return Layout((right, bottom), size, boxes, rows, title_lines, banner, bottom, banner_lines)


Point = tuple[float, float]
_DOWN = (("dbr_ident", "dbr_screened"), ("dbr_screened", "dbr_sought"),
         ("dbr_sought", "dbr_assessed"), ("dbr_assessed", "new_studies"), ("new_studies", "total"),
         ("other_ident", "other_sought"), ("other_sought", "other_assessed"))  # fmt: skip
_RIGHT = (("dbr_ident", "dbr_removed"), ("dbr_screened", "dbr_excluded_ta"),
          ("dbr_sought", "dbr_notretrieved"), ("dbr_assessed", "dbr_excluded"),
          ("other_ident", "other_removed"), ("other_sought", "other_notretrieved"),
          ("other_assessed", "other_excluded"))  # fmt: skip


def arrow_paths(layout: Layout) -> list[list[Point]]:
    """Each arrow as a polyline; its head is at the last point."""
    b = layout.boxes
    out: list[list[Point]] = []
    for a, z in _DOWN:
        if a in b and z in b:
            x = b[a].x + b[a].w / 2
            out.append([(x, b[a].bottom), (x, b[z].top)])
    for a, z in _RIGHT:
        if a in b and z in b:
            out.append([(b[a].x + b[a].w, b[a].y), (b[z].x, b[a].y)])
    if "other_assessed" in b:  # other methods → new studies: down, then left
        src, dst = b["other_assessed"], b["new_studies"]
        x = src.x + src.w / 2
        out.append([(x, src.bottom), (x, dst.y), (dst.x + dst.w, dst.y)])
    if "previous" in b and "total" in b:  # previous studies → total: down, then right
        src, dst = b["previous"], b["total"]
        x = src.x + src.w / 2
        out.append([(x, src.bottom), (x, dst.y), (dst.x, dst.y)])
    return out
