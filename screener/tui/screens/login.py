"""Who is screening? The reviewer identity is required and checked against the config."""

from __future__ import annotations

from textual import events, on
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.screen import Screen
from textual.widgets import Header, OptionList, Static
from textual.widgets.option_list import Option

from screener.tui.text import join, plain
from screener.tui.widgets.footer import KeyFooter


class ReviewerPicker(Screen[str]):
    """Pick your name from the config's reviewers (arrows and Enter, or 1-9)."""

    def __init__(self, names: list[tuple[str, str]]) -> None:
        super().__init__()
        self.names = names

    def compose(self) -> ComposeResult:
        yield Header()
        with Vertical(classes="dialog"):
            yield Static(plain("Who is screening?", "bold"), markup=False)
            yield OptionList(
                *[Option(join([(f"{i}. ", "bold $accent"), name, (f"  {role}", "dim")]), id=name)
                  for i, (name, role) in enumerate(self.names, 1)],
                id="reviewers",
            )  # fmt: skip
            yield Static(plain("Your decisions are recorded under this name.", "dim"), markup=False)
        yield KeyFooter()

    def on_mount(self) -> None:
        self.query_one(OptionList).focus()

    def on_key(self, event: events.Key) -> None:
        character = event.character
        if character and character.isdigit() and 1 <= int(character) <= len(self.names):
            event.stop()
            self.dismiss(self.names[int(character) - 1][0])

    @on(OptionList.OptionSelected)
    def _picked(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(event.option.id or "")
