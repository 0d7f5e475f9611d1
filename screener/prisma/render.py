"""The PRISMA 2020 flow diagram drawn with matplotlib (no pyplot, no display needed).

The boxes' words are in boxes.py and their places in layout.py; this module draws them.
The page is the diagram plus a small margin. SVG output is deterministic: fixed hash salt,
no date, text kept as text (so it stays searchable and the counts can be found in it).
Every box patch and text has a gid ("box-KEY", "text-KEY-i") so tests can measure them.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from screener.prisma.boxes import PAD_X, PAD_Y
from screener.prisma.counts import PrismaFlow
from screener.prisma.layout import (
    FONT,
    LINESPACING,
    MARGIN,
    Layout,
    arrow_paths,
    compute_layout,
)

YELLOW = "#ffc000"
GREY = "#d9d9d9"
BLUE = "#9dc3e6"
RED = "#c00000"
FORMATS = ("svg", "png", "pdf")
LINE_W = 0.8

__all__ = ["FORMATS", "compute_layout", "draw", "render"]


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
        ax.text(MARGIN, y, line, gid="title", fontsize=size + 1, fontweight="bold", va="top",
                ha="left", **common)  # fmt: skip
        y += (size + 1) * LINESPACING / 72.0
    for line in layout.banner_lines:
        ax.text(MARGIN, y + 0.04, line, gid="banner", fontsize=size + 1, fontweight="bold",
                color=RED, va="top", ha="left", **common)  # fmt: skip
        y += (size + 1) * LINESPACING / 72.0

    fills = {"plain": "white", "yellow": YELLOW, "grey": GREY, "phase": BLUE}
    for box in layout.boxes.values():
        if box.style == "plain":
            patch: Any = Rectangle((box.x, box.top), box.w, box.h, facecolor="white",
                                   edgecolor="black", linewidth=LINE_W, zorder=2)  # fmt: skip
        else:
            patch = FancyBboxPatch(
                (box.x, box.top), box.w, box.h, boxstyle="round,pad=0,rounding_size=0.06",
                facecolor=fills[box.style], edgecolor="none" if box.style == "phase" else "black",
                linewidth=LINE_W, zorder=2,
            )  # fmt: skip
        patch.set_gid(f"box-{box.key}")
        ax.add_patch(patch)
        if box.style == "phase":
            ax.text(box.x + box.w / 2, box.y, box.lines[0][0], rotation=90, ha="center",
                    va="center", fontsize=size + 1, fontweight="bold", zorder=3,
                    gid=f"text-{box.key}-0", **common)  # fmt: skip
            continue
        ty = box.top + PAD_Y
        for i, (text, bold, offset) in enumerate(box.lines):
            if box.align == "center":
                tx, ha = box.x + box.w / 2, "center"
            else:
                tx, ha = box.x + PAD_X + offset, "left"
            ax.text(tx, ty + line_h / 2, text, ha=ha, va="center", fontsize=size,
                    fontweight="bold" if bold else "normal", zorder=3, gid=f"text-{box.key}-{i}",
                    **common)  # fmt: skip
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
                    "lw": LINE_W, "shrinkA": 0, "shrinkB": 0},
    )  # fmt: skip


def _arrows(ax: Any, layout: Layout) -> None:
    for points in arrow_paths(layout):
        if len(points) > 2:
            xs, ys = zip(*points[:-1], strict=True)
            ax.plot(xs, ys, color="black", lw=LINE_W, zorder=1)
        _arrow(ax, points[-2], points[-1])


def render(flow: PrismaFlow, path: Path, fmt: str | None = None, *, dpi: int = 300) -> Path:
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
