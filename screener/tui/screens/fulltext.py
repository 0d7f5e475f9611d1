"""Full-text screening: retrieve the report (PDF path or URL), then decide with a reason."""

from __future__ import annotations

from typing import ClassVar

from textual.binding import Binding, BindingType

from screener.model import Stage
from screener.tui.messages import Decided
from screener.tui.screens.modals import TextPrompt
from screener.tui.screens.screening import (
    EXCLUDE,
    INCLUDE,
    NEXT,
    PREVIOUS,
    UNDO,
    ScreeningScreen,
)  # fmt: skip


class FullTextScreen(ScreeningScreen):
    """Same keys as title/abstract; exclusion needs a reason; retrieval keys added."""

    HELP_TITLE = "Full-text screening"
    STAGE = Stage.FULL_TEXT
    BINDINGS: ClassVar[list[BindingType]] = [  # retrieval first; then as at title/abstract
        Binding("r", "retrieved", "Retrieved", tooltip="Retrieved: attach the PDF's path or URL"),
        Binding("x", "not_retrieved", "Not retrieved", tooltip="The report could not be obtained"),
        Binding("a", "retrieved", "Attach PDF", show=False, tooltip="Attach a PDF path or URL"),
        INCLUDE, EXCLUDE, UNDO, NEXT, PREVIOUS,
    ]  # fmt: skip

    def action_retrieved(self) -> None:
        assert self.queue is not None
        if self.queue.current is None:
            return
        current = self.shown.retrieval.note if self.shown and self.shown.retrieval else ""

        def attached(location: str | None) -> None:
            if location is None:
                return
            rid = self.guarded(self.queue.retrieval, True, location)  # type: ignore[union-attr]
            if rid is not None:
                self.refresh_record()
                self.post_message(Decided(rid, "retrieved"))

        self.app.push_screen(
            TextPrompt("Full text retrieved: path or URL of the PDF (may be empty)", value=current,
                       placeholder="/path/to/report.pdf or https://…"),
            attached,
        )  # fmt: skip

    def action_not_retrieved(self) -> None:
        assert self.queue is not None
        if self.queue.current is None:
            return
        rid = self.guarded(self.queue.retrieval, False)
        if rid is not None:
            self.refresh_record()
            self.post_message(Decided(rid, "not_retrieved"))
