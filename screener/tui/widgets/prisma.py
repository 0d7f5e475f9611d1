"""The PRISMA 2020 flow as it stands: one bordered box per count, by phase."""

from __future__ import annotations

from typing import Any

from textual.containers import Horizontal, Vertical
from textual.widgets import Static

from screener.tui.summary import Box
from screener.tui.text import join, plain


def box_content(box: Box) -> Any:
    count = (f"{box.n:,}", "bold") if box.n is not None else ("blinded", "dim italic")
    parts: list[Any] = [(box.label, "$text-muted"), "\n", count]
    for label, n in box.detail:
        parts += ["\n", (f"{label}: ", "dim"), f"{n:,}"]
    return join(parts)


def box_widget(box: Box) -> Static:
    return Static(box_content(box), classes="prisma-box", markup=False)


class PrismaFlow(Vertical):
    """Boxes with live counts; a provisional marker while screening is open."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._layout: tuple[Any, ...] | None = None

    async def show(self, flow: list[tuple[str, list[Box]]], provisional: bool) -> None:
        layout = (provisional, *((phase, *(b.label for b in boxes)) for phase, boxes in flow))
        shown = list(self.query(".prisma-box").results(Static))
        all_boxes = [b for _p, bs in flow for b in bs]
        if layout == self._layout and len(shown) == len(all_boxes):  # update counts in place
            for widget, box in zip(shown, all_boxes, strict=True):
                widget.update(box_content(box))
            return
        self._layout = None
        await self.remove_children()
        widgets: list[Any] = []
        if provisional:
            widgets.append(Static(plain("PROVISIONAL — screening is still open", "bold $text-warning"),
                                  classes="prisma-provisional", markup=False))  # fmt: skip
        for phase, boxes in flow:
            row = Horizontal(*[box_widget(b) for b in boxes], classes="prisma-row")
            row.border_title = phase
            widgets.append(row)
        await self.mount_all(widgets)
        self._layout = layout
