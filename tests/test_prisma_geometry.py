"""The drawn PRISMA diagram measured from matplotlib's own extents: every text inside its box
with a gap to the edges, no two boxes or texts overlapping, everything on the page."""

from __future__ import annotations

import dataclasses
from collections import Counter
from typing import Any

import pytest

from screener.prisma import check_arithmetic
from screener.prisma.flow import ColumnCounts, PrismaFlow
from screener.prisma.render import LINE_W, _deterministic, draw
from tests.test_prisma_render import basic_flow, update_flow

MIN_GAP_PT = 3.0  # between a text's extent and the inner side of its box's outline


def scaled(flow: PrismaFlow, k: int) -> PrismaFlow:
    """Every count times `k` (the sums still hold): counts in the millions."""

    def col(c: ColumnCounts) -> ColumnCounts:
        values = {f.name: getattr(c, f.name) for f in dataclasses.fields(c)}
        out = {k2: (v * k if isinstance(v, int) else v) for k2, v in values.items()}
        out["excluded_reasons"] = Counter({r: v * k for r, v in c.excluded_reasons.items()})
        return ColumnCounts(**out)

    flow.dbr, flow.other = col(flow.dbr), col(flow.other)
    flow.database_specific = {s: v * k for s, v in flow.database_specific.items()}
    flow.register_specific = {s: v * k for s, v in flow.register_specific.items()}
    flow.website_results *= k
    flow.citations_results *= k
    flow.organisation_results *= k
    flow.previous_studies *= k
    flow.previous_reports *= k
    check_arithmetic(flow)
    return flow


def many_reasons() -> PrismaFlow:
    flow = update_flow()
    reasons = Counter(
        {f"Reason {i}: a rather long explanation of why the report was excluded": 1
         for i in range(30)}
    )  # fmt: skip
    flow.dbr.excluded_reasons = reasons
    flow.dbr.included = flow.dbr.assessed - 30 - 4
    flow.database_specific = {f"Database number {i} with a long name": 55 for i in range(10)}
    check_arithmetic(flow)
    return flow


CASES = {
    "new": basic_flow,
    "update": update_flow,
    "many_reasons": many_reasons,
    "huge_new": lambda: scaled(basic_flow(), 1377),  # 897 × 1377 = 1,235,169 identified
    "huge_update": lambda: scaled(update_flow(), 2093),
}


def measure(flow: PrismaFlow) -> tuple[Any, dict[str, Any], dict[str, list[Any]], float]:
    """(figure extent, box extents, text extents per box, points per pixel)."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    with _deterministic():
        fig = draw(flow)
        renderer = FigureCanvasAgg(fig).get_renderer()
        ax = fig.axes[0]
        boxes = {
            p.get_gid()[4:]: p.get_window_extent(renderer)
            for p in ax.patches
            if (p.get_gid() or "").startswith("box-")
        }
        texts: dict[str, list[Any]] = {}
        for t in ax.texts:
            gid = t.get_gid() or ""
            if gid.startswith("text-") and t.get_text():
                key = gid[5:].rsplit("-", 1)[0]
                texts.setdefault(key, []).append(t.get_window_extent(renderer))
            elif gid in ("title", "banner"):
                texts.setdefault(gid, []).append(t.get_window_extent(renderer))
        return fig.bbox, boxes, texts, 72.0 / fig.dpi


def gaps(flow: PrismaFlow) -> list[tuple[float, str]]:
    _page, boxes, texts, pt = measure(flow)
    out = []
    for key, extents in texts.items():
        if key in ("title", "banner"):
            continue
        box = boxes[key]
        for e in extents:
            for side, gap in (("left", e.x0 - box.x0), ("right", box.x1 - e.x1),
                              ("bottom", e.y0 - box.y0), ("top", box.y1 - e.y1)):  # fmt: skip
                out.append((gap * pt - LINE_W / 2, f"{key} {side}"))
    return out


def apart(a: Any, b: Any) -> bool:
    return a.x1 <= b.x0 or b.x1 <= a.x0 or a.y1 <= b.y0 or b.y1 <= a.y0


@pytest.mark.parametrize("name", sorted(CASES))
def test_text_keeps_off_the_box_edges(name: str) -> None:
    found = gaps(CASES[name]())
    smallest = min(found)
    assert smallest[0] >= MIN_GAP_PT, smallest


@pytest.mark.parametrize("name", sorted(CASES))
def test_nothing_overlaps_and_all_is_on_the_page(name: str) -> None:
    page, boxes, texts, pt = measure(CASES[name]())
    keys = sorted(boxes)
    for i, one in enumerate(keys):
        for two in keys[i + 1 :]:
            assert apart(boxes[one], boxes[two]), (one, two)
    every = [(k, e) for k, extents in texts.items() for e in extents]
    for i, (k1, e1) in enumerate(every):
        for k2, e2 in every[i + 1 :]:
            assert apart(e1, e2), (k1, k2)
    for k in ("title", "banner"):
        for e in texts.get(k, []):
            assert all(apart(e, b) for b in boxes.values()), k
    margin = 0.2 * 72 / pt  # pixels: everything at least 0.2 in from the page's edges
    for extent in [*boxes.values(), *(e for _k, e in every)]:
        assert extent.x0 >= page.x0 + margin and extent.x1 <= page.x1 - margin
        assert extent.y0 >= page.y0 + margin and extent.y1 <= page.y1 - margin


def test_huge_counts_are_drawn_in_full() -> None:
    flow = CASES["huge_new"]()
    assert flow.dbr.identified == 1_235_169
    _page, boxes, texts, _pt = measure(flow)
    assert "dbr_ident" in boxes and len(texts["dbr_ident"]) >= 3
