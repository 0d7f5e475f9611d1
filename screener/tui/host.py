"""What the screens need from the app that hosts them (`ScreensHost`), so that no screen
imports the app module: the app imports the screens, and satisfies this protocol."""

from __future__ import annotations

from typing import Any, Protocol

from screener.errors import ScreenerError
from screener.model import Reviewer, Stage
from screener.project import Project


class ScreensHost(Protocol):
    """The review, who is screening, and the app's navigation and error modal."""

    project: Project
    reviewer: Reviewer | None
    stage: Stage
    rules: Any | None

    @property
    def reviewer_name(self) -> str | None: ...

    def reviewer_or_raise(self) -> Reviewer: ...

    def senior_or_raise(self) -> Reviewer: ...

    def open_screen(self, name: str) -> None: ...

    def back(self) -> None: ...

    def show_error(self, exc: ScreenerError) -> None: ...
