"""What every full screen shares: help from its own bindings, errors shown in one modal."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, ClassVar, TypeVar

from textual.binding import Binding, BindingType
from textual.screen import Screen

from screener.errors import ScreenerError
from screener.tui.host import ScreensHost
from screener.tui.screens.modals import HelpScreen

T = TypeVar("T")


class BaseScreen(Screen[None]):
    """A full screen of the app; `?` lists its keys."""

    HELP_TITLE = "screener"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("question_mark", "help", "Help"),
        Binding("escape", "back", "Back"),
    ]

    _heading = ""

    @property
    def sapp(self) -> ScreensHost:
        """The app, as the screens see it (`screener.tui.app.ScreenerApp`)."""
        return self.app  # type: ignore[return-value]

    def set_heading(self, where: str) -> None:
        """The header: the review's title and where we are (`where`); when both do not fit
        the width, the review's short name stands for its title, so `where` stays visible."""
        self._heading = where
        config = self.sapp.project.config
        room = self.app.size.width - 12  # the header's icon and margins
        fits = len(config.title) + 3 + len(where) <= room
        self.title = config.title if fits else (config.name or config.title)
        self.sub_title = where

    def on_resize(self) -> None:
        if self._heading:
            self.set_heading(self._heading)

    def declared_bindings(self) -> list[Binding]:
        """Every described binding of this screen, its own class's first, then the app's;
        one per (key, action)."""
        declared: list[BindingType] = []
        for cls in type(self).__mro__:
            if issubclass(cls, BaseScreen):
                declared += cls.__dict__.get("BINDINGS", [])
        out: list[Binding] = []
        seen: set[tuple[str, str]] = set()
        for b in [*declared, *self.app.BINDINGS]:
            if isinstance(b, Binding) and b.description and (b.key, b.action) not in seen:
                seen.add((b.key, b.action))
                out.append(b)
        return out

    def key_help(self) -> list[tuple[str, str]]:
        """(key, description) for every binding of this screen, in declaration order."""
        return [(b.key, f"{b.description} — {b.tooltip}" if b.tooltip else b.description)
                for b in self.declared_bindings()]  # fmt: skip

    def key_order(self) -> list[str]:
        """Keys in help order: the footer shows them so, as many as the width holds."""
        keys: list[str] = []
        for b in self.declared_bindings():
            keys += [k.strip() for k in b.key.split(",") if k.strip() not in keys]
        return keys

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
