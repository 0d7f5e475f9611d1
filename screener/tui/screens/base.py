"""What every full screen shares: help from its own bindings, errors shown in one modal."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, ClassVar, TypeVar

from textual.binding import Binding, BindingType
from textual.screen import Screen

from screener.errors import ScreenerError
from screener.tui.screens.modals import HelpScreen

if TYPE_CHECKING:
    from screener.tui.app import ScreenerApp

T = TypeVar("T")


class BaseScreen(Screen[None]):
    """A full screen of the app; `?` lists its keys."""

    HELP_TITLE = "screener"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("question_mark", "help", "Help"),
        Binding("escape", "back", "Back"),
    ]

    @property
    def sapp(self) -> ScreenerApp:
        return self.app  # type: ignore[return-value]

    def key_help(self) -> list[tuple[str, str]]:
        """(key, description) for every binding of this screen, in declaration order."""
        out: list[tuple[str, str]] = []
        seen: set[tuple[str, str]] = set()
        declared: list[BindingType] = []
        for cls in type(self).__mro__:
            if issubclass(cls, BaseScreen):
                declared += cls.__dict__.get("BINDINGS", [])
        for b in [*declared, *self.app.BINDINGS]:
            if isinstance(b, Binding) and b.description and (b.key, b.action) not in seen:
                seen.add((b.key, b.action))
                what = f"{b.description} — {b.tooltip}" if b.tooltip else b.description
                out.append((b.key, what))
        return out

    def action_help(self) -> None:
        self.app.push_screen(HelpScreen(self.HELP_TITLE, self.key_help()))

    def action_back(self) -> None:
        self.sapp.back()

    def guarded(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T | None:
        """Call the domain; a ScreenerError becomes the error modal, not a crash."""
        try:
            return fn(*args, **kwargs)
        except ScreenerError as exc:
            self.sapp.show_error(exc)
            return None
