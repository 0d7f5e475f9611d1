"""Small modal screens: reason picker, text prompt, help, error."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any, ClassVar

from textual import events, on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Input, OptionList, Static
from textual.widgets.option_list import Option

from screener.tui.text import join, plain


class ReasonPicker(ModalScreen[str | None]):
    """Pick an exclusion reason: number keys 1-9 (or arrows and Enter).

    Dismisses with the reason, "" for "no reason" (only when a reason is optional), or
    None when cancelled with Escape.
    """

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "cancel", "Cancel")]

    def __init__(self, reasons: Sequence[str], *, required: bool, title: str = "Exclude") -> None:
        super().__init__()
        self.reasons = list(reasons)
        self.required = required
        self.title_text = title

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Static(plain(f"{self.title_text}: why?", "bold"), markup=False)
            options = [Option(join([(f"{i}. ", "bold $accent"), r]), id=str(i))
                       for i, r in enumerate(self.reasons, 1)]  # fmt: skip
            if not self.required:
                options.append(
                    Option(join([("0. ", "bold $accent"), ("no reason", "italic")]), id="0")
                )
            yield OptionList(*options, id="reasons")
            hint = "1-9 pick · Esc cancel" + ("" if self.required else " · 0 no reason")
            yield Static(plain(hint + (" · a reason is required" if self.required else ""), "dim"),
                         markup=False)  # fmt: skip

    def on_key(self, event: events.Key) -> None:
        if event.character and event.character.isdigit():
            k = int(event.character)
            if 1 <= k <= len(self.reasons):
                event.stop()
                self.dismiss(self.reasons[k - 1])
            elif k == 0 and not self.required:
                event.stop()
                self.dismiss("")

    @on(OptionList.OptionSelected)
    def _picked(self, event: OptionList.OptionSelected) -> None:
        k = int(event.option.id or "0")
        self.dismiss(self.reasons[k - 1] if k else "")

    def action_cancel(self) -> None:
        self.dismiss(None)


class TextPrompt(ModalScreen[str | None]):
    """One line of text (a note, a PDF path or URL, a search): Enter keeps, Esc cancels."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "cancel", "Cancel")]

    def __init__(self, prompt: str, *, value: str = "", placeholder: str = "") -> None:
        super().__init__()
        self.prompt = prompt
        self.value = value
        self.placeholder = placeholder

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Static(plain(self.prompt, "bold"), markup=False)
            yield Input(value=self.value, placeholder=self.placeholder, id="prompt-input")
            yield Static(plain("Enter to keep · Esc to cancel", "dim"), markup=False)

    @on(Input.Submitted)
    def _submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.dismiss(event.value)

    def action_cancel(self) -> None:
        self.dismiss(None)


def key_name(key: str) -> str:
    names = {"question_mark": "?", "slash": "/", "right": "→", "left": "←", "up": "↑",
             "down": "↓", "escape": "Esc", "enter": "Enter", "pagedown": "PgDn", "pageup": "PgUp"}  # fmt: skip
    return ", ".join(names.get(k.strip(), k.strip()) for k in key.split(","))


class HelpScreen(ModalScreen[None]):
    """Every key of the screen underneath, with what it does."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape,question_mark,q", "close", "Close")]

    def __init__(self, title: str, bindings: Iterable[tuple[str, str]]) -> None:
        super().__init__()
        self.title_text = title
        self.keys = list(bindings)

    def compose(self) -> ComposeResult:
        parts: list[Any] = [(f"{self.title_text}: keys\n\n", "bold")]
        width = max((len(key_name(k)) for k, _ in self.keys), default=4)
        for key, what in self.keys:
            parts += [(key_name(key).ljust(width + 2), "bold $accent"), what, "\n"]
        parts.append(("\n↑ ↓ scroll · Esc or ? closes this help", "dim"))
        with VerticalScroll(classes="dialog", id="help-scroll"):
            yield Static(join(parts), id="help-text", markup=False)

    def on_mount(self) -> None:
        self.query_one("#help-scroll").focus()  # ↑ ↓ PgUp PgDn scroll a help taller than the screen

    def action_close(self) -> None:
        self.dismiss(None)


class ErrorScreen(ModalScreen[None]):
    """One error modal for every ScreenerError: its title and its message."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape,enter", "close", "Close")]

    def __init__(self, title: str, message: str) -> None:
        super().__init__()
        self.title_text = title
        self.message = message

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog error-dialog"):
            yield Static(plain(self.title_text, "bold $text-error"), markup=False)
            yield Static(plain(self.message), id="error-message", markup=False)
            yield Static(plain("Enter or Esc to close", "dim"), markup=False)

    def action_close(self) -> None:
        self.dismiss(None)
