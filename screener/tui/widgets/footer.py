"""The footer: a screen's keys in the order of its `?` help, as many as the width holds."""

from __future__ import annotations

from typing import Any

from rich.cells import cell_len
from textual import events
from textual.app import ComposeResult
from textual.widgets import Footer

HELP_ACTION = "help"


def key_width(key: Any) -> int:
    """Cells one compact footer key takes: `key description` and a one-cell margin."""
    return cell_len(key.key_display) + 1 + cell_len(key.description) + 1


class KeyFooter(Footer):
    """A compact footer that never cuts a key in half.

    Keys come in the screen's `key_order()` (its help order: most important first) and as
    many as fit the terminal's width are shown; `?` Help always is, last. Keys left out
    still work, and `?` lists them all.
    """

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(compact=True, **kwargs)
        self._composed_for = 0

    def compose(self) -> ComposeResult:
        keys = list(super().compose())  # FooterKey widgets (this app uses no binding groups)
        order: list[str] = getattr(self.screen, "key_order", list)()
        rank = {key: i for i, key in enumerate(order)}
        keys.sort(key=lambda k: rank.get(getattr(k, "key", ""), len(rank)))
        helps = [k for k in keys if getattr(k, "action", "") == HELP_ACTION]
        width = self.app.size.width
        self._composed_for = width
        room = width + 1 - sum(key_width(k) for k in helps)  # the last margin may overflow
        for key in keys:
            if key in helps:
                continue
            if key_width(key) <= room:
                room -= key_width(key)
                yield key
        yield from helps

    def on_resize(self, event: events.Resize) -> None:
        if self._composed_for and self.app.size.width != self._composed_for:
            self.call_after_refresh(self.recompose)
